"""One matcher for "what did the user mean" (issue 20): the answer engine alone.

What the second full-text index (trigrams and a LIKE scan) and `difflib` in
`find_organizations` used to find, the engine finds: a question's cards, a fragment's closest
cards, an organization by any of its names. Both are gone (migration 7 drops the index).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from answers.engine import AnswerEngine
from bot.services import answer_engine, open_store
from storage.store import Store


@pytest.fixture
async def store(fresh_database: Path) -> AsyncIterator[Store]:
    opened = await open_store(fresh_database)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def engine(store: Store) -> AnswerEngine:
    return answer_engine(store)


@pytest.mark.parametrize(
    ("query", "expected_card"),
    [
        ("конференц", "about"),  # a Russian stem
        ("Москв", "about"),
        ("江苏", "org:jitri"),  # a two-character Chinese query
        ("新材料", "about"),  # three Chinese characters
        ("incubators", "org:jitri"),  # an English word
        ("JITRI", "org:jitri"),
        ("Azarov", "person:oleg-azarov"),
        ("lily@jitri.org", "contacts"),
        ("Дыхание Китая", "org:dykhanie-kitaya"),  # the outlet's card, which opens the interview
        ("интервью", "interview"),
        ("материалы", "about"),
        ("lil", "contacts"),  # a fragment too short for a word: the cards whose words it begins
    ],
)
async def test_the_engine_finds_what_the_second_index_found(
    engine: AnswerEngine, query: str, expected_card: str
) -> None:
    answer = await engine.ask(query, "ru")
    assert expected_card in [*answer.cards, *answer.suggestions], answer


@pytest.mark.parametrize(
    "query", ["", "   ", '"', "*", "OR", "NEAR(", "a' OR 1=1 --", "%", "_", "\\", "x" * 500]
)
async def test_the_engine_survives_search_syntax_and_sql(engine: AnswerEngine, query: str) -> None:
    answer = await engine.ask(query, "en")
    assert answer.best is None or answer.cards


async def test_the_second_index_is_gone(store: Store) -> None:
    rows = await store.connection.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE name = 'search_index'"
    )
    assert list(rows) == []


@pytest.mark.parametrize(
    "name",
    [
        "jitri",
        "JITRI",
        "Цзянсуский",
        "江苏省产业技术研究院",
        "Jiangsu Industrial Technology",
        "jitr",  # a word's beginning
        "jitry",  # a typo
        "Цзянсуксий",  # a typo in Cyrillic (two letters swapped)
    ],
)
async def test_organizations_by_any_name(engine: AnswerEngine, name: str) -> None:
    assert (await engine.organizations(name))[0] == "jitri", name


async def test_a_shared_name_lists_every_organization_having_it(engine: AnswerEngine) -> None:
    found = await engine.organizations("Цзянсу")
    assert "jitri" in found and "jiangsu-sci-tech-dept" in found and len(found) >= 3
    assert await engine.organizations("nonexistent org") == []
    assert await engine.organizations("   ") == []
    assert await engine.organizations("МСП ИТТ") == ["msp-itt"]
