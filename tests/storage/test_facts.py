"""The fact store on a real SQLite file: loading, refreshing, reading and searching."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import answer_engine, open_store
from storage.content import LANGUAGES, bundled_content_path
from storage.store import Store


@pytest.fixture
async def store(fresh_database: Path) -> AsyncIterator[Store]:
    opened = await open_store(fresh_database)
    try:
        yield opened
    finally:
        await opened.close()


async def count(store: Store, table: str) -> int:
    async with store.connection.execute(f"SELECT count(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_loading_is_idempotent(store: Store) -> None:
    before = {
        t: await count(store, t) for t in ("organizations", "people", "answer_units", "figures")
    }
    assert before["organizations"] == 10
    assert before["people"] == 4
    assert before["figures"] == 11
    assert await store.reload_content() is False  # same file: nothing written
    after = {t: await count(store, t) for t in before}
    assert after == before


@pytest.mark.slow
async def test_changed_content_refreshes_store_but_keeps_users(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    content.write_text(bundled_content_path().read_text(encoding="utf-8"), encoding="utf-8")
    store = await open_store(tmp_path / "bot.sqlite3", content)
    try:
        await store.users.set_language(42, "zh")
        text = content.read_text(encoding="utf-8").replace("lily@jitri.org", "lily.new@jitri.org")
        content.write_text(text, encoding="utf-8")
        assert await store.reload_content() is True
        contacts = await store.facts.contacts("en")
        assert [c.value for c in contacts] == ["lily.new@jitri.org"]
        assert await store.users.count() == 1
        assert await store.users.seen(42, "en") == "zh"
        answer = await answer_engine(store).ask("lily.new", "en")
        assert answer.best is not None and answer.best.fields["value"] == "lily.new@jitri.org"
    finally:
        await store.close()


async def test_every_text_exists_in_every_language(store: Store) -> None:
    for table, key in (
        ("organization_i18n", "organization_id"),
        ("person_i18n", "person_id"),
        ("statement_i18n", "statement_id"),
        ("contact_i18n", "contact_id"),
    ):
        async with store.connection.execute(
            f"SELECT {key}, group_concat(lang) FROM {table} GROUP BY {key}"
        ) as cursor:
            for entry, langs in await cursor.fetchall():
                assert sorted(langs.split(",")) == sorted(LANGUAGES), (table, entry)


async def test_event_and_source_in_three_languages(store: Store) -> None:
    expected_city = {"ru": "Нанкин", "zh": "南京", "en": "Nanjing"}
    for lang in LANGUAGES:
        event = await store.facts.event(lang)
        assert event.date == dt.date(2020, 9, 9)
        assert expected_city[lang] in event.city
        source = await store.facts.source(lang)
        assert source.date == dt.date(2020, 10, 8)
    assert (await store.facts.source("ru")).title == "Инновации для практики"


async def test_figures_are_identical_in_every_language(store: Store) -> None:
    values = {}
    for lang in LANGUAGES:
        org = await store.facts.organization("jitri", lang)
        assert org is not None
        values[lang] = [figure.value for figure in org.figures]
    assert values["ru"] == values["zh"] == values["en"]
    assert values["ru"] == [
        "51",
        "30+",
        "8",
        "4",
        "80+",
        "55",
        "8000",
        "140",
        "134",
        "800+",
        "15000+",
    ]


async def test_chair_comes_first_among_people(store: Store) -> None:
    people = await store.facts.people("ru")
    assert people[0].name == "Ху Идун"
    assert people[0].role == "chair"
    assert {p.name for p in people[1:]} == {"Лю Юнчжи", "Го Липин", "Олег Азаров"}


async def test_organizers(store: Store) -> None:
    organizers = {o.id for o in await store.facts.organizations("en", role="organizer")}
    assert len(organizers) == 3
    assert "jitri" in organizers


@pytest.mark.slow
async def test_event_time_zone_is_kept_and_follows_a_reload(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    text = bundled_content_path().read_text(encoding="utf-8")
    content.write_text(text, encoding="utf-8")
    store = await open_store(tmp_path / "bot.sqlite3", content)
    try:
        assert str(await store.time_zone()) == "Asia/Shanghai"
        content.write_text(
            text.replace('time_zone = "Asia/Shanghai"', 'time_zone = "Europe/Moscow"'),
            encoding="utf-8",
        )
        assert await store.reload_content() is True
        assert str(await store.time_zone()) == "Europe/Moscow"
    finally:
        await store.close()
