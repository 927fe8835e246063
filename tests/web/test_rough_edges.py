"""The site's rough edges of issue 25 (items 10–12), over HTTP from a real `python -m bot web`:
figures written as each language writes them (the bot's formatter), the language of a news
item shown in a fallback language, links in broadcasts, names on lists without the Russian
original, the zh interview heading and brand, the ru source date."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.services import open_store
from storage.broadcasts import OutboxState, Outcome
from tests.web.conftest import WebProcess
from tests.web.html_page import parse

# Every test starts a real process: the site.
pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _figures(site: WebProcess, lang: str) -> list[str]:
    """The bold figures of the JITRI page, as shown."""
    html = site.get(f"/{lang}/org/jitri").text
    figures = html.split('<ul class="figures">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<b>(.*?)</b>", figures)


def test_figures_are_written_as_each_language_writes_them(site: WebProcess) -> None:
    ru, zh, en = (_figures(site, lang) for lang in ("ru", "zh", "en"))
    assert "8\u00a0000" in ru and "более 15\u00a0000" in ru and "более 800" in ru
    assert "8,000" in en and "more than 15,000" in en
    assert "8000" in zh and "15000多" in zh
    for shown in (ru, zh, en):
        assert not any(figure.endswith("+") for figure in shown), shown


def _store_path(site: WebProcess) -> tuple[Path, Path]:
    config = Path(site.args[site.args.index("--config") + 1])
    return config.parent / "site.sqlite3", config.parent / "content.toml"


async def _sent(db: Path, content: Path, texts: dict[str, str]) -> int:
    """A broadcast confirmed and finished, to one subscriber: as /broadcast and Send leave it."""
    store = await open_store(db, content)
    try:
        await store.subscribers.subscribe(7, "ru")
        broadcast_id = await store.broadcasts.create(900_001, "ru", texts=texts)
        assert await store.broadcasts.enqueue(broadcast_id, "subscribers", "ru")
        await store.broadcasts.save([Outcome(broadcast_id, 7, OutboxState.SENT)])
        assert await store.broadcasts.finish(broadcast_id)
    finally:
        await store.close()
    return broadcast_id


def test_news_in_a_fallback_language_says_so_and_its_addresses_are_links(
    configured_site: WebProcess,
) -> None:
    db, content = _store_path(configured_site)
    text = (
        "Запись трансляции: https://example.org/live?x=1&amp;y=2. Вопросы: lily@jitri.org, "
        "а javascript:alert(1) — просто текст."
    )
    news_id = asyncio.run(_sent(db, content, {"ru": text}))
    zh = configured_site.get("/zh/news").text
    article = re.search(rf'<article id="news-{news_id}"([^>]*)>(.*?)</article>', zh, re.DOTALL)
    assert article is not None, zh
    assert 'lang="ru"' in article.group(1)  # read in a Russian voice, on a Chinese page
    body = article.group(2)
    assert '<a href="https://example.org/live?x=1&amp;y=2"' in body  # the full stop is not in it
    assert '<a href="mailto:lily@jitri.org"' in body
    assert "javascript:" in body and 'href="javascript' not in body
    ru = configured_site.get("/ru/news").text
    assert f'<article id="news-{news_id}">' in ru  # in the page's own language: no attribute
    feed = ET.fromstring(configured_site.get("/zh/feed.atom").body)
    (entry,) = [
        e for e in feed.findall(f"{ATOM}entry") if "Запись" in (e.findtext(f"{ATOM}content") or "")
    ]
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"


def test_lists_and_buttons_name_without_the_russian_original_but_the_card_keeps_it(
    site: WebProcess,
) -> None:
    for lang in ("zh", "en"):
        listed = parse(site.get(f"/{lang}/orgs").text)
        about = parse(site.get(f"/{lang}/about").text)
        for page in (listed, about):
            names = [p for p in page.text_parts if CYRILLIC.search(p) and p.strip() != "Русский"]
            # Only names that are Russian themselves remain: МСП ИТТ, «Дыхание Китая».
            assert all("МСП ИТТ" in n or "Дыхание Китая" in n for n in names), names
    card = parse(site.get("/en/org/expert-exchange-center").text)
    assert card.h1 == (
        "China International Centre for Exchange of Experts "
        "(Китайский международный центр по обмену экспертами)"
    )
    assert "China International Centre for Exchange of Experts" in parse(
        site.get("/en/orgs").text
    ).text.replace("(Китайский", "")


def test_zh_interview_heading_brand_and_ru_source_date(site: WebProcess) -> None:
    person = parse(site.get("/zh/person/hu-yidong").text)
    assert "发言" not in [part.strip() for part in person.text_parts]
    assert "专访" in person.text
    home = site.get("/zh/").text
    assert "南京市会议" not in home
    source = parse(site.get("/ru/source").text).text
    assert "г.." not in source and "2020 г." in source
