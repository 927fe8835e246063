"""The site with a config: t.me deep links and QR codes, absolute links, news, the feed, reload."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest

from bot.services import open_store
from storage.broadcasts import OutboxState, Outcome
from tests.web.conftest import (
    BASE_URL,
    BOT_USERNAME,
    LANGUAGES,
    WebProcess,
    running,
    write_site_config,
)
from tests.web.html_page import parse

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
CARDS = {
    "about": "about",
    "speakers": "speakers",
    "organizers": "organizers",
    "orgs": "orgs",
    "interview": "interview",
    "contacts": "contacts",
    "source": "source",
    "org/jitri": "org-jitri",
    "org/msp-itt": "org-msp-itt",
    "person/hu-yidong": "person-hu-yidong",
}


def _store_path(site: WebProcess) -> tuple[Path, Path]:
    config = Path(site.args[site.args.index("--config") + 1])
    return config.parent / "site.sqlite3", config.parent / "content.toml"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", sorted(CARDS))
def test_card_pages_link_to_the_same_card_in_telegram(
    configured_site: WebProcess, lang: str, page: str
) -> None:
    reply = configured_site.get(f"/{lang}/{page}")
    assert reply.status == 200
    link = f"https://t.me/{BOT_USERNAME}?start={CARDS[page]}"
    assert link in parse(reply.text).links
    assert reply.text.count("<svg") == 1  # the QR code, inline
    assert len(reply.body) < 30 * 1024


def test_pages_without_a_card_or_a_username_have_no_telegram_link(
    configured_site: WebProcess, site: WebProcess
) -> None:
    for path in ("/en/news", "/en/search?q=JITRI", "/en/org/nope"):
        assert "t.me/" not in configured_site.get(path).text
    assert "t.me/" not in site.get("/en/org/jitri").text  # no username configured
    assert "<svg" not in site.get("/en/org/jitri").text


def test_canonical_and_alternates_are_absolute_with_a_base_url(configured_site: WebProcess) -> None:
    page = parse(configured_site.get("/zh/org/jitri").text)
    assert page.canonical == f"{BASE_URL}/zh/org/jitri"
    assert page.hreflang == {
        "ru": f"{BASE_URL}/ru/org/jitri",
        "zh-Hans": f"{BASE_URL}/zh/org/jitri",
        "en": f"{BASE_URL}/en/org/jitri",
        "x-default": f"{BASE_URL}/",
    }


def _feed(site: WebProcess, lang: str) -> tuple[Any, ET.Element]:
    reply = site.get(f"/{lang}/feed.atom")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(reply.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.fromstring(reply.body)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: id, title, updated, an author (here at feed level), a self link.
    for name in ("id", "title", "updated"):
        element = root.find(f"{ATOM}{name}")
        assert element is not None and (element.text or "").strip(), name
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    selves = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [link.get("href") for link in selves] == [f"{BASE_URL}/{lang}/feed.atom"]
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "content"):
            element = entry.find(f"{ATOM}{name}")
            assert element is not None and (element.text or "").strip(), name
        assert (entry.findtext(f"{ATOM}id") or "").startswith("urn:uuid:")
    return parsed, root


async def _broadcast(db: Path, content: Path, texts: dict[str, str]) -> int:
    """What /broadcast then "send" leave in the database: a confirmed, finished broadcast."""
    store = await open_store(db, content)
    try:
        await store.subscribers.subscribe(7, "ru")  # a broadcast that reached nobody is not news
        broadcast_id = await store.broadcasts.create(900_001, "en", texts=texts)
        assert await store.broadcasts.enqueue(broadcast_id, "subscribers", "ru") is not None
        await store.broadcasts.save([Outcome(broadcast_id, 7, OutboxState.SENT)])
        assert await store.broadcasts.finish(broadcast_id)
        # A draft that was never sent must not appear.
        await store.broadcasts.create(900_001, "en", texts={"en": "DRAFT never sent"})
    finally:
        await store.close()
    return broadcast_id


def test_news_and_feed_show_sent_broadcasts_newest_first(configured_site: WebProcess) -> None:
    db, content = _store_path(configured_site)
    parsed, _ = _feed(configured_site, "en")
    assert parsed.entries == []
    assert "No news yet." in parse(configured_site.get("/en/news").text).text

    first = asyncio.run(
        _broadcast(
            db,
            content,
            {
                "ru": "Первая новость: <b>программа</b> <a href='https://example.org/a?x=1&amp;y=2'>здесь</a>",
                "en": "First news: <b>programme</b> <a href='javascript:alert(1)'>bad link</a>",
            },
        )
    )
    # Telegram HTML: what an admin typed as "<script>" is stored escaped.
    second = asyncio.run(
        _broadcast(db, content, {"en": "Second news &lt;script&gt;x&lt;/script&gt;"})
    )
    assert second > first

    en = configured_site.get("/en/news").text
    assert en.index("Second news") < en.index("First news")
    assert "&lt;script&gt;" in en and "<script>" not in en
    assert "javascript:" not in en and "bad link" in en
    ru = parse(configured_site.get("/ru/news").text)
    assert "Первая новость: программа здесь" in ru.text
    assert "https://example.org/a?x=1&y=2" in ru.links
    assert "Second news" in ru.text  # no Russian version: the default language's, else any
    assert "DRAFT" not in en and "DRAFT" not in ru.text

    for lang in LANGUAGES:
        parsed, root = _feed(configured_site, lang)
        assert len(parsed.entries) == 2
        assert len({entry.id for entry in parsed.entries}) == 2
        updated = root.findtext(f"{ATOM}updated")
        assert updated == max(entry.updated for entry in parsed.entries)
    parsed, _ = _feed(configured_site, "en")
    assert parsed.entries[0].title.startswith("Second news")
    assert "<script>x</script>" in parsed.entries[0].content[0].value  # as text, escaped in XML
    assert parsed.entries[0].link.startswith(f"{BASE_URL}/en/news#news-")


async def _reload(db: Path, content: Path) -> None:
    """What /reload does: the changed content file into the store (opening syncs it)."""
    store = await open_store(db, content)
    try:
        await store.reload_content()
    finally:
        await store.close()


def test_reloaded_content_shows_without_a_restart(tmp_path: Path) -> None:
    config = write_site_config(tmp_path)
    process = WebProcess(["--config", str(config)], tmp_path / "web.log")
    with running(process) as site:
        old = "The main venue of the conference was in Nanjing."
        assert old in site.get("/en/about").text
        assert "Nothing found" in site.get("/en/search?q=CHANGED").text
        assert "Nanjing" in site.get("/en/").text
        content = tmp_path / "content.toml"
        content.write_text(
            content.read_text(encoding="utf-8").replace(old, "The main venue was CHANGED."),
            encoding="utf-8",
        )
        asyncio.run(_reload(tmp_path / "site.sqlite3", content))
        deadline = time.monotonic() + 5
        while "CHANGED" not in site.get("/en/about").text:
            assert time.monotonic() < deadline, "the site still shows the old content"
            time.sleep(0.1)
        assert old not in site.get("/en/about").text
        # Answered searches were kept for the old content; they are dropped with it.
        assert "Nothing found" not in site.get("/en/search?q=CHANGED").text
