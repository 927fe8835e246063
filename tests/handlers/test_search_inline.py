"""Full-text search (/search and plain text in a private chat) and inline mode, end to end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import (
    ask,
    callbacks,
    running_bot,
)
from tgemu import BotApiEmulator

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

DEEP_LINK = re.compile(r"^https://t\.me/conference_test_bot\?start=[A-Za-z0-9_-]{1,64}$")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("search")) as process:
        yield process.emulator


def user_for(text: str, language: str) -> int:
    return 610_000 + sum(map(ord, text + language)) % 50_000


@pytest.mark.parametrize(
    ("query", "language", "card", "words"),
    [
        # Partial Cyrillic words, names in another script, Chinese words, Latin, an address.
        ("конференц", "ru", "card:about", ["<b>"]),
        ("Москв", "ru", "card:about", ["<b>Москве</b>"]),
        ("Нанкин", "en", "card:about", ["Nanjing"]),
        ("Идун", "en", "card:person:hu-yidong", ["Hu Yidong"]),
        ("Ху Идун", "en", "card:person:hu-yidong", ["Hu Yidong"]),
        ("江苏", "zh", "card:org:jitri", ["江苏"]),
        ("新材料", "zh", "card:org:yangtze-new-materials", ["新材料"]),
        ("南京", "ru", "card:about", ["Нанкин"]),
        ("JITRI", "en", "card:org:jitri", ["Jiangsu Industrial"]),
        ("materials", "en", "card:org:yangtze-new-materials", ["New Materials"]),
        ("lily@jitri.org", "zh", "card:contacts", ["lily@jitri.org"]),
        ("Azarov", "ru", "card:person:oleg-azarov", ["Олег Азаров"]),
    ],
)
async def test_plain_text_is_answered(
    live: BotApiEmulator, query: str, language: str, card: str, words: list[str]
) -> None:
    call = await ask(live, user_for(query, language), query, language_code=language)
    text = call.params["text"]
    found = callbacks(call)
    assert card in found, (card, found)
    for word in words:
        assert word in text, text
    # Buttons to at most three cards, Helpful / Not helpful (issue 22), then the menu.
    assert found[-3:] == ["fb:up", "fb:dn", "card:welcome"]
    assert 4 <= len(found) <= 6


async def test_search_command_takes_words(live: BotApiEmulator) -> None:
    call = await ask(live, 620_001, "/search Oleg Azarov", language_code="en")
    assert callbacks(call)[0] == "card:person:oleg-azarov"
    assert "Consul" in call.params["text"] or "Oleg Azarov" in call.params["text"]


async def test_search_ranks_title_hits_first(live: BotApiEmulator) -> None:
    call = await ask(live, 620_002, "Consulate General", language_code="en")
    assert callbacks(call)[0] == "card:org:consulate-shanghai"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["ничего не нашлось", "xyzzyplugh"]),
        ("zh", ["没有找到", "xyzzyplugh"]),
        ("en", ["Nothing found", "xyzzyplugh"]),
    ],
)
async def test_nothing_found_suggests_sections(
    live: BotApiEmulator, language: str, words: list[str]
) -> None:
    call = await ask(live, user_for("nothing", language), "xyzzyplugh", language_code=language)
    for word in words:
        assert word in call.params["text"]
    assert {"card:about", "card:speakers", "card:org:jitri"} <= set(callbacks(call))


async def test_empty_search_explains_how(live: BotApiEmulator) -> None:
    call = await ask(live, 620_003, "/search", language_code="en")
    assert "How to search" in call.params["text"]
    call = await ask(live, 620_003, "/search    ", language_code="en")
    assert "How to search" in call.params["text"]


async def test_a_result_button_opens_its_card(live: BotApiEmulator) -> None:
    user = 620_004
    call = await ask(live, user, "Oleg Azarov", language_code="en")
    since = len(live.calls())
    live.push_callback(user, callbacks(call)[0], message_id=call.result["message_id"])
    edit = await live.wait_for_call("editMessageText", chat_id=user, since=since)
    assert edit.ok and "Consul for Science and Technology" in edit.params["text"]


async def inline(emulator: BotApiEmulator, user_id: int, query: str, code: str) -> list[Any]:
    since = len(emulator.calls())
    emulator.push_inline_query(user_id, query, language_code=code)
    call = await emulator.wait_for_call("answerInlineQuery", since=since)
    assert call.ok, call.error
    results: list[Any] = call.params["results"]
    assert len(results) <= 50
    for result in results:
        assert result["type"] == "article"
        (row,) = result["reply_markup"]["inline_keyboard"]
        assert DEEP_LINK.match(row[0]["url"]), row[0]["url"]
        assert len(result["input_message_content"]["message_text"]) <= 4096
        assert result["input_message_content"].get("parse_mode") == "HTML"
    return results


@pytest.mark.parametrize(
    ("code", "fact"),
    [("ru", "9 сентября 2020"), ("zh-hans", "2020年9月9日"), ("en-US", "9 September 2020")],
)
async def test_empty_inline_query_offers_the_main_cards(
    live: BotApiEmulator, code: str, fact: str
) -> None:
    results = await inline(live, 630_000 + len(code), "", code)
    links = [r["reply_markup"]["inline_keyboard"][0][0]["url"] for r in results]
    assert [link.rsplit("=", 1)[1] for link in links] == [
        "about",
        "speakers",
        "organizers",
        "org-jitri",
        "interview",
        "contacts",
        "source",
    ]
    assert fact in results[0]["input_message_content"]["message_text"]
    researchers = {"ru": "8\u00a0000", "zh-hans": "8000", "en-US": "8,000"}[code]
    assert researchers in results[3]["input_message_content"]["message_text"]


@pytest.mark.parametrize(
    ("query", "code", "payload", "fact"),
    [
        ("JITRI", "en", "org-jitri", "more than 15,000"),
        ("江苏", "zh", "org-jitri", "江苏省产业技术研究院"),
        ("Азаров", "ru", "person-oleg-azarov", "Олег Азаров"),
        ("lily", "en", "contacts", "lily@jitri.org"),
    ],
)
async def test_inline_query_finds_cards(
    live: BotApiEmulator, query: str, code: str, payload: str, fact: str
) -> None:
    results = await inline(live, 631_000 + sum(map(ord, query)), query, code)
    by_payload = {
        r["reply_markup"]["inline_keyboard"][0][0]["url"].rsplit("=", 1)[1]: r for r in results
    }
    assert payload in by_payload
    assert fact in by_payload[payload]["input_message_content"]["message_text"]


@pytest.mark.parametrize(
    ("query", "code", "payload", "sentence"),
    [
        ("how many project managers", "en", "org-jitri", "140"),
        ("会议在哪里举行", "zh", "about", "南京"),
        ("почта для связи", "ru", "contacts", "lily@jitri.org"),
    ],
)
async def test_inline_results_describe_the_answering_sentence(
    live: BotApiEmulator, query: str, code: str, payload: str, sentence: str
) -> None:
    results = await inline(live, 634_000 + sum(map(ord, query)) % 1000, query, code)
    first = results[0]
    assert first["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"={payload}")
    assert sentence in first["description"]


@pytest.mark.parametrize("query", ["a", "и", "的", "<b>&", "nothing-here-at-all", "x" * 256])
async def test_odd_inline_queries_are_answered(live: BotApiEmulator, query: str) -> None:
    await inline(live, 632_000 + sum(map(ord, query)) % 1000, query, "en")


async def test_a_deep_link_from_an_inline_result_opens_the_same_card(live: BotApiEmulator) -> None:
    results = await inline(live, 633_001, "Guo Liping", "en")
    url = results[0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    call = await ask(live, 633_002, f"/start {url.rsplit('=', 1)[1]}", language_code="en")
    assert "Guo Liping" in call.params["text"]


async def test_inline_mode_shows_no_fake_answer_card(live: BotApiEmulator) -> None:
    """A question the article cannot answer offers its nearby cards, with no answering sentence."""
    results = await inline(live, 635_001, "what is JITRI's annual budget", "en")
    assert results, "the nearby cards are offered"
    assert all(not result.get("description") for result in results)


async def test_inline_small_talk_offers_the_main_cards(live: BotApiEmulator) -> None:
    results = await inline(live, 635_002, "hi", "en")
    payloads = [
        r["reply_markup"]["inline_keyboard"][0][0]["url"].rsplit("=", 1)[1] for r in results
    ]
    assert payloads[:2] == ["about", "speakers"]
