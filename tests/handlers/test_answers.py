"""The answer engine end to end: questions typed in a private chat, answered by the real bot.

Every question of both evaluation sets (bench/answers.toml, the engine's own, and
bench/answers_holdout.toml, written from the content alone) goes through the emulator to the bot
process; the reply must contain the fact. At least 95 % per language per set must be answered.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bench.answers import SETS, load_questions
from tests.conftest import ask, callbacks, running_bot
from tgemu import BotApiEmulator

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

QUESTIONS = {label: load_questions(path) for label, path in SETS.items()}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("answers")) as process:
        yield process.emulator


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("language", ["ru", "zh", "en"])
@pytest.mark.parametrize("question_set", list(SETS))
async def test_the_evaluation_set_is_answered_in_the_reply(
    live: BotApiEmulator, question_set: str, language: str
) -> None:
    user = {"ru": 700_001, "zh": 700_002, "en": 700_003}[language] + 10 * list(SETS).index(
        question_set
    )
    missed = []
    questions = QUESTIONS[question_set][language]
    for question, expected in questions:
        call = await ask(live, user, question, language_code=language)
        assert call.ok, call.error
        text = plain(call.params["text"])
        if not any(fact in text for fact in expected):
            missed.append((question, text[:100]))
    share = 1 - len(missed) / len(questions)
    assert share >= 0.95, missed


@pytest.mark.parametrize(
    ("question", "language", "first_line", "bold"),
    [
        ("Сколько сотрудников работает в JITRI?", "ru", "8\u00a0000", "сотрудники"),
        ("стартапов", "ru", "стартапы", "стартапы"),
        ("Когда прошла конференция?", "ru", "9 сентября 2020", "конференция"),
        ("会议在哪里举行", "zh", "南京", "会议"),
        ("江苏产研院有多少科研人员", "zh", "8000", "科研人员"),
        ("联系邮箱", "zh", "lily@jitri.org", "电子邮箱"),
        ("How many researchers does JITRI have?", "en", "researchers", "researchers"),
        ("contact email", "en", "lily@jitri.org", None),
    ],
)
async def test_the_answering_sentence_comes_first_with_matched_words_in_bold(
    live: BotApiEmulator, question: str, language: str, first_line: str, bold: str | None
) -> None:
    call = await ask(live, 701_000 + len(question), question, language_code=language)
    text = call.params["text"]
    assert first_line in plain(text.split("\n\n", 1)[0]), text
    if bold:
        assert f"<b>{bold}</b>" in text, text
    # At most two other facts, and buttons to the cards (callback data under 64 bytes).
    assert text.count("\n• ") <= 2
    assert callbacks(call) and all(data.startswith("card:") for data in callbacks(call))


async def test_a_typo_gets_did_you_mean_and_the_answer(live: BotApiEmulator) -> None:
    call = await ask(live, 702_001, "Азорав", language_code="ru")
    text = call.params["text"]
    assert "Вы имели в виду «Азаров»" in text
    assert "card:person:oleg-azarov" in callbacks(call)


@pytest.mark.parametrize(
    ("question", "language", "shown"),
    [
        ("jitrri有多少科研人员", "zh", "“JITRI”"),
        ("Azarof", "ru", "«Azarov»"),
    ],
)
async def test_did_you_mean_spells_the_word_as_the_content_does(
    live: BotApiEmulator, question: str, language: str, shown: str
) -> None:
    """A name is shown in its own capitals even when the answering fact does not contain it."""
    call = await ask(live, 702_050 + len(question), question, language_code=language)
    text = call.params["text"]
    assert shown in text, text
    assert shown.lower() not in text


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("jitry", "card:org:jitri"),
        ("Hu Idun", "card:person:hu-yidong"),
        ("Yidong Hu", "card:person:hu-yidong"),
    ],
)
async def test_typos_and_transliterations_find_the_card(
    live: BotApiEmulator, question: str, card: str
) -> None:
    call = await ask(live, 702_100 + len(question), question, language_code="en")
    assert callbacks(call)[0] == card, call.params["text"]


@pytest.mark.parametrize(
    ("language", "figure"),
    [("ru", "более 15\u00a0000"), ("zh", "15000多"), ("en", "more than 15,000")],
)
async def test_numbers_are_written_as_the_language_writes_them(
    live: BotApiEmulator, language: str, figure: str
) -> None:
    call = await ask(live, 703_000 + len(language), "/jitri", language_code=language)
    assert figure in call.params["text"]
    assert "15000+" not in call.params["text"]


@pytest.mark.parametrize(
    ("question", "language", "words"),
    [
        ("сколько стоит билет на банкет", "ru", "ничего не нашлось"),
        ("香蕉价格", "zh", "没有找到"),
        ("xyzzyplugh", "en", "Nothing found"),
    ],
)
async def test_no_invented_answer_but_closest_topics(
    live: BotApiEmulator, question: str, language: str, words: str
) -> None:
    """A question the article does not answer: said briefly, with topics to go on."""
    call = await ask(live, 704_000 + len(question), question, language_code=language)
    assert words in call.params["text"]
    topics = callbacks(call)
    assert len(topics) >= 3 and "card:welcome" in topics
