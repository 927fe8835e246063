"""Issue 22 on the site: the organizers' FAQ page in each language, and FAQ answers in search,
marked as the organizers' (never as the article's), escaped, and fresh after an organizer's edit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.services import open_store
from tests.web.conftest import WebProcess, running, write_site_config

# The site runs as a real process.
pytestmark = pytest.mark.slow

FROM = {"en": "From the organizers", "ru": "От организаторов", "zh": "来自主办方"}


async def _teach(db_path: Path, question: str, answers: dict[str, str]) -> None:
    store = await open_store(db_path)
    try:
        entry = await store.faq.create(1, "en", question, answers["en"])
        for lang, answer in answers.items():
            if lang != "en":
                await store.faq.set_answer(entry.id, lang, answer)
        await store.faq.set_questions(entry.id, "ru", "Есть ли трансфер из аэропорта?")
    finally:
        await store.close()


def test_faq_page_and_search_show_the_organizers_answers(tmp_path: Path) -> None:
    config = write_site_config(tmp_path)
    db_path = tmp_path / "site.sqlite3"
    asyncio.run(
        _teach(
            db_path,
            "Is there a shuttle from the airport?",
            {
                # As the bot stores what an organizer typed: Telegram HTML, text escaped.
                "en": "Every hour from Terminal 2 &lt;script&gt;alert(1)&lt;/script&gt;",
                "ru": "Каждый час от терминала 2",
                "zh": "每小时一班",
            },
        )
    )
    with running(WebProcess(["--config", str(config)], tmp_path / "web.log")) as site:
        for lang, answer in (("en", "Every hour"), ("ru", "Каждый час"), ("zh", "每小时一班")):
            page = site.get(f"/{lang}/faq")
            assert page.status == 200
            assert answer in page.text and FROM[lang] in page.text
            assert f'href="/{lang}/faq"' in page.text  # in the site's navigation
        english = site.get("/en/faq").text
        assert "<script>alert" not in english and "&lt;script&gt;" in english
        assert "Is there a shuttle from the airport?" in english
        found = site.get(f"/en/search?q={quote('airport shuttle')}").text
        assert FROM["en"] in found and "Every hour from Terminal 2" in found
        assert "Nothing found" not in found
        russian = site.get(f"/ru/search?q={quote('трансфер из аэропорта')}").text
        assert "Каждый час от терминала 2" in russian
        # The article's answers are not marked as the organizers'.
        article = site.get("/en/search?q=JITRI").text
        assert FROM["en"] not in article
        assert "written by the organizers" in site.get("/en/source").text
        # An organizer adds an entry while the site runs (another process, the bot).
        asyncio.run(_teach(db_path, "Where is the cloakroom?", {"en": "Next to the entrance."}))
        deadline = time.monotonic() + 15
        while "Next to the entrance" not in site.get("/en/faq").text:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        while "Next to the entrance" not in site.get(f"/en/search?q={quote('cloakroom')}").text:
            assert time.monotonic() < deadline, "search did not see the new entry"
            time.sleep(0.5)


def test_an_empty_faq_page_says_so(site: WebProcess) -> None:
    page = site.get("/en/faq")
    assert page.status == 200
    assert "have not written any answers yet" in page.text
