"""Questions to the organizers, the unanswered report and the FAQ on real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from bot.services import answer_engine, open_store
from storage.asked import Delivery, Origin, State
from storage.db import connect
from storage.store import Store
from storage.unanswered import Reason


async def _ask(store: Store, user: int, text: str = "Where is the shuttle?") -> int | None:
    asked = await store.asked.create(
        user_id=user,
        chat_id=user,
        message_id=7,
        lang="en",
        text=text,
        origin=Origin.ASK,
        max_open=3,
    )
    return asked.id if asked else None


async def test_open_questions_per_user_are_limited_even_when_sent_at_once(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.sqlite3")
    try:
        made = await asyncio.gather(*(_ask(store, 1, f"q{n}") for n in range(6)))
        assert sum(m is not None for m in made) == 3
        assert await _ask(store, 2) is not None  # another user is not limited by the first
        first = next(m for m in made if m is not None)
        assert await store.asked.dismiss(first, 99)
        assert await _ask(store, 1) is not None  # a closed question frees a place
    finally:
        await store.close()


async def test_two_connections_answering_at_once_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    other = await open_store(path)
    try:
        question = await _ask(store, 1)
        assert question is not None
        results = await asyncio.gather(
            store.asked.answer(question, 10, "one", None, "Olga"),
            other.asked.answer(question, 20, "two", None, "Ivan"),
        )
        assert sorted(results) == [False, True]
        asked = await store.asked.get(question)
        assert asked is not None and asked.state is State.ANSWERED
        assert asked.answer_html == ("one" if results[0] else "two")
        assert asked.closed_by == (10 if results[0] else 20)
        assert asked.closed_by_name == ("Olga" if results[0] else "Ivan")
        assert not await other.asked.dismiss(question, 20)
    finally:
        await other.close()
        await store.close()


async def test_delivery_is_claimed_once_and_a_crash_in_flight_becomes_uncertain(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        first, second = await _ask(store, 1), await _ask(store, 2)
        assert first is not None and second is not None
        for question in (first, second):
            assert await store.asked.answer(question, 10, "answer", None)
        assert [a.id for a in await store.asked.pending_deliveries()] == [first, second]
        assert await store.asked.claim_delivery(first)
        assert not await store.asked.claim_delivery(first)  # a second press takes nothing
    finally:
        await store.close()
    # "Restart": the in-flight one is uncertain (never resent by itself); the other is pending.
    store = await open_store(path)
    try:
        interrupted = await store.asked.interrupted_deliveries()
        assert [a.id for a in interrupted] == [first]
        asked = await store.asked.get(first)
        assert asked is not None and asked.delivery is Delivery.UNCERTAIN
        assert [a.id for a in await store.asked.pending_deliveries()] == [second]
        assert await store.asked.send_again(first)
        assert not await store.asked.send_again(first)
        assert await store.asked.claim_delivery(first)
        await store.asked.delivered(first, Delivery.SENT)
        assert not await store.asked.send_again(first)  # delivered: nothing to send again
    finally:
        await store.close()


async def test_retention_deletes_closed_questions_only(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        old_id, open_id, pending_id = [await _ask(store, n) for n in (1, 2, 3)]
        assert old_id and open_id and pending_id
        assert await store.asked.dismiss(old_id, 10)
        assert await store.asked.answer(pending_id, 10, "not yet delivered", None)
        await store.unanswered.note("old", "en", "old", Reason.NOTHING, None)
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        ancient = time.time() - 40 * 86400
        db.execute("UPDATE asked_questions SET closed_at = ?, created_at = ?", (ancient, ancient))
        db.execute("UPDATE unanswered SET at = ?", (ancient,))
    store = await open_store(path)
    try:
        assert await store.asked.sweep(30) == 1
        assert await store.asked.get(old_id) is None
        assert await store.asked.get(open_id) is not None  # open: waits for an answer
        assert await store.asked.get(pending_id) is not None  # its answer is still to deliver
        assert await store.unanswered.report() == []
    finally:
        await store.close()


@pytest.mark.slow  # the answer engine loads its index
async def test_report_groups_by_the_engines_normal_form(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.sqlite3")
    engine = answer_engine(store)
    try:
        for text, lang in (
            ("Is there a shuttle from the airport?", "en"),
            ("airport shuttle", "en"),
            ("Shuttles from airports?", "en"),
            ("Where is the cloakroom?", "en"),
            ("Есть ли трансфер из аэропорта?", "ru"),
            ("трансфер из аэропорта", "ru"),
        ):
            key = await engine.normal_form(text)
            await store.unanswered.note(text, lang, key, Reason.NOTHING, None)
        report = await store.unanswered.report()
        counts = {(g.lang, g.texts[0]): g.count for g in report}
        assert counts == {
            ("en", "Shuttles from airports?"): 3,
            ("ru", "трансфер из аэропорта"): 2,
            ("en", "Where is the cloakroom?"): 1,
        }
        assert [g.lang for g in await store.unanswered.report("ru")] == ["ru"]
    finally:
        await store.close()


@pytest.mark.slow  # the answer engine loads its index
async def test_faq_entries_survive_a_content_reload(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        engine = answer_engine(store)
        entry = await store.faq.create(10, "en", "Is there a shuttle?\n\nshuttle bus", "Hourly.")
        await store.faq.set_answer(entry.id, "ru", "Каждый час.")
        assert (await engine.ask("shuttle bus", "ru")).organizers is not None
        await store.reload_content()
    finally:
        await store.close()
    store = await open_store(path)
    try:
        engine = answer_engine(store)
        [kept] = await store.faq.entries()
        assert kept.questions == {"en": ("Is there a shuttle?", "shuttle bus")}
        assert kept.answers == {"en": "Hourly.", "ru": "Каждый час."}
        found = (await engine.ask("Is there a shuttle?", "ru")).organizers
        assert found is not None and found.answer == "Каждый час."
        assert await store.faq.remove(kept.id)
        assert (await engine.ask("Is there a shuttle?", "ru")).organizers is None
    finally:
        await store.close()


async def test_the_migration_applies_to_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    connection = await connect(path)
    await connection.close()
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"asked_questions", "asked_notices", "answering", "unanswered"} <= tables
    assert {"faq_entries", "faq_texts", "faq_composing"} <= tables
