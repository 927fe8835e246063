"""Migration 2 and the broadcast / subscriber repositories, on real SQLite files."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path

import aiosqlite
import pytest

from bot.services import open_store
from storage.broadcasts import (
    Audience,
    BroadcastStatus,
    Counts,
    MediaKind,
    OutboxRow,
    OutboxState,
    Outcome,
    Version,
)
from storage.db import SCHEMA_VERSION, migrate, schema_version
from storage.migrations import MIGRATIONS
from storage.store import Store


async def make_v1_database(path: Path) -> None:
    """A database as the first release left it, with users in it."""
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, target=1)
        await db.executemany(
            "INSERT INTO users (id, language, telegram_language, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [(1, "zh", "en", 100, 200), (2, None, "ru-RU", 110, 210), (3, None, None, 120, 220)],
        )


async def test_v1_database_with_users_migrates_to_v2_keeping_them(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make_v1_database(path)
    store = await open_store(path)
    try:
        assert await schema_version(store.connection) == SCHEMA_VERSION
        assert await store.users.count() == 3
        assert await store.users.seen(1, "en") == "zh"  # the chosen language survived
        assert not await store.subscribers.is_subscribed(2)
        assert await store.subscribers.subscribe(2)
        stats = await store.subscribers.stats("en")
        assert (stats.users, stats.subscribers, stats.blocked) == (3, 1, 0)
        assert stats.by_language == {"en": (1, 0), "ru": (1, 1), "zh": (1, 0)}
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, language, telegram_language, first_seen, subscribed, blocked"
            " FROM users ORDER BY id"
        ).fetchall()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert rows == [
        (1, "zh", "en", 100, 0, 0),
        (2, None, "ru-RU", 110, 1, 0),
        (3, None, None, 120, 0, 0),
    ]
    assert {"broadcasts", "broadcast_texts", "outbox"} <= tables


@pytest.fixture
async def store(fresh_database: Path) -> AsyncIterator[Store]:
    opened = await open_store(fresh_database)
    yield opened
    await opened.close()


async def blocked_users(store: Store) -> int:
    """How many users are marked unreachable, as /stats counts them."""
    return (await store.subscribers.stats("en")).blocked


async def test_subscribe_unsubscribe_block_are_idempotent(store: Store) -> None:
    subs = store.subscribers
    assert await subs.subscribe(10, "en") is True
    assert await subs.subscribe(10, "en") is False
    await subs.mark_blocked(10, "Forbidden: bot was blocked by the user")
    assert await blocked_users(store) == 1
    assert await store.broadcasts.audience_sizes() == (0, 0)
    # Subscribing again proves the user is back.
    assert await subs.subscribe(10) is False
    assert await blocked_users(store) == 0
    assert await store.broadcasts.audience_sizes() == (1, 1)
    assert await subs.unsubscribe(10) is True
    assert await subs.unsubscribe(10) is False
    await subs.mark_blocked(11, "kicked")  # a user we never saw
    assert await blocked_users(store) == 1
    assert await subs.unblock(11) is True
    assert await blocked_users(store) == 0
    assert await subs.unblock(11) is False


async def test_enqueue_selects_recipients_in_one_statement(store: Store) -> None:
    subs, broadcasts = store.subscribers, store.broadcasts
    await subs.subscribe(1, "ru-RU")
    await subs.subscribe(2, "zh-hans")
    await subs.subscribe(3, "de")
    await store.users.set_language(3, "en")  # an explicit choice wins
    await subs.subscribe(4, "pt")  # no language we speak: the default
    await subs.subscribe(5, "en")
    await subs.mark_blocked(5, "blocked")
    await store.users.seen(6, "en")  # never subscribed
    broadcast_id = await broadcasts.create(99, "en", texts={"en": "Hi", "ru": "Привет"})
    assert (await broadcasts.get(broadcast_id)).status == "draft"  # type: ignore[union-attr]
    assert await broadcasts.audience_sizes() == (4, 5)

    assert await broadcasts.enqueue(broadcast_id, "subscribers", "ru", 99) == 4
    assert await broadcasts.enqueue(broadcast_id, "subscribers", "ru", 99) is None
    rows = await broadcasts.due(time.time(), 100)
    assert [(r.user_id, r.lang) for r in rows] == [(1, "ru"), (2, "zh"), (3, "en"), (4, "ru")]
    broadcast = await broadcasts.get(broadcast_id)
    assert broadcast is not None
    assert (broadcast.status, broadcast.total, broadcast.audience) == ("sending", 4, "subscribers")
    # The worker posts the progress message once the outbox is on disk.
    assert (broadcast.progress_chat_id, broadcast.progress_message_id) == (99, None)

    everyone = await broadcasts.create(99, "en", texts={"en": "All"})
    assert await broadcasts.enqueue(everyone, "all", "ru") == 5  # all but the blocked one
    # Streaming: batches continue after the last key seen.
    first = await broadcasts.due(time.time(), 3)
    rest = await broadcasts.due(time.time(), 100, (first[-1].broadcast_id, first[-1].user_id))
    assert len(first) + len(rest) == 9
    assert {(r.broadcast_id, r.user_id) for r in first} & {
        (r.broadcast_id, r.user_id) for r in rest
    } == set()


async def test_outbox_life_cycle_retry_recovery_and_stop(store: Store) -> None:
    subs, broadcasts = store.subscribers, store.broadcasts
    for user in range(1, 7):
        await subs.subscribe(user, "en")
    broadcast_id = await broadcasts.create(99, "en", texts={"en": "Hi"})
    await broadcasts.enqueue(broadcast_id, "subscribers", "ru")

    async def claim(user_id: int) -> bool:
        row = OutboxRow(broadcast_id, user_id, "en", 0)
        return await broadcasts.claim([row]) == {(broadcast_id, user_id)}

    assert await claim(1)
    assert not await claim(1)  # already in flight
    await broadcasts.save([Outcome(broadcast_id, 1, OutboxState.SENT)])
    assert await claim(2)
    await broadcasts.save(
        [Outcome(broadcast_id, 2, OutboxState.BLOCKED, "Forbidden: bot was blocked by the user")]
    )
    assert await blocked_users(store) == 1  # the recipient is marked unreachable with the row
    assert await claim(3)
    later = time.time() + 60
    await broadcasts.save(
        [Outcome(broadcast_id, 3, OutboxState.PENDING, "Internal Server Error", later)]
    )
    assert await broadcasts.next_retry_at() == pytest.approx(0)
    due = [r.user_id for r in await broadcasts.due(time.time(), 100)]
    assert due == [4, 5, 6]  # 3 waits for its backoff
    assert [r.user_id for r in await broadcasts.due(later + 1, 100)] == [3, 4, 5, 6]
    assert (await broadcasts.due(later + 1, 100))[0].attempts == 1
    assert await claim(4)
    await broadcasts.save([Outcome(broadcast_id, 4, OutboxState.UNCERTAIN, "timed out")])
    assert await claim(5)  # then the process dies

    assert await broadcasts.counts(broadcast_id) == Counts(
        pending=2, sending=1, sent=1, blocked=1, uncertain=1
    )
    assert not await broadcasts.finish(broadcast_id)
    assert await broadcasts.recover_sending() == 1
    assert [r.user_id for r in await broadcasts.due(time.time(), 100)] == [5, 6]

    assert await claim(5)
    assert await broadcasts.stop(broadcast_id)
    assert not await broadcasts.stop(broadcast_id)
    assert not await claim(6)  # cancelled by the stop
    assert [b.id for b in await broadcasts.active()] == [broadcast_id]
    assert not await broadcasts.finish(broadcast_id)  # 5 is still in flight
    await broadcasts.save([Outcome(broadcast_id, 5, OutboxState.FAILED, "Bad Request: whatever")])
    assert await broadcasts.finish(broadcast_id)
    assert await broadcasts.active() == []
    final = await broadcasts.get(broadcast_id)
    assert final is not None and final.status == "stopped" and final.finished_at is not None
    counts = await broadcasts.counts(broadcast_id)
    assert counts == Counts(sent=1, blocked=1, uncertain=1, failed=1, cancelled=2)
    assert counts.total == 6


async def test_composing_drafts_news_and_recent(store: Store) -> None:
    broadcasts = store.broadcasts
    composing = await broadcasts.create(99, "ru", step="ru")
    assert (await broadcasts.composing(99)).id == composing  # type: ignore[union-attr]
    await broadcasts.set_text(composing, "ru", "Первый")
    await broadcasts.advance(composing, "zh")
    await broadcasts.advance(composing, None)
    assert await broadcasts.composing(99) is None
    assert await broadcasts.texts(composing) == {"ru": "Первый"}

    dropped = await broadcasts.create(99, "ru", step="ru")
    assert await broadcasts.cancel_composing(99) == 1
    assert not await broadcasts.cancel(dropped)
    assert await broadcasts.news(5) == []

    await broadcasts.enqueue(composing, "all", "ru")
    assert await broadcasts.finish(composing)  # no recipients at all
    assert await broadcasts.news(5) == []  # it reached nobody: not news
    await store.subscribers.subscribe(7, "ru")
    reached = await broadcasts.create(99, "ru", texts={"ru": "Второй"})
    await broadcasts.enqueue(reached, "all", "ru")
    news = await broadcasts.news(5)
    assert [(b.id, b.status, texts) for b, texts in news] == [
        (reached, "sending", {"ru": "Второй"})
    ]
    recent = await broadcasts.recent(5)
    assert [(b.id, counts.total) for b, counts in recent] == [(reached, 1), (composing, 0)]


async def test_claim_takes_only_pending_rows_in_one_write(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.sqlite3")
    try:
        for user_id in (1, 2, 3):
            await store.subscribers.subscribe(user_id, "en")
        broadcasts = store.broadcasts
        broadcast_id = await broadcasts.create(99, "en", texts={"en": "Hi"})
        await broadcasts.enqueue(broadcast_id, "subscribers", "en")
        rows = await broadcasts.due(time.time(), 100)
        assert [r.user_id for r in rows] == [1, 2, 3]
        assert await broadcasts.claim(rows[:2]) == {(broadcast_id, 1), (broadcast_id, 2)}
        # Claimed rows are in flight: a second claim gets only the one still pending.
        assert await broadcasts.claim(rows) == {(broadcast_id, 3)}
        assert await broadcasts.claim([]) == set()
        assert await broadcasts.counts(broadcast_id) == Counts(sending=3)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("table", "column", "words"),
    [
        ("broadcasts", "status", BroadcastStatus),
        ("outbox", "state", OutboxState),
        ("broadcasts", "audience", Audience),
        ("broadcast_texts", "media_kind", MediaKind),
    ],
)
def test_status_words_are_the_schemas(table: str, column: str, words: type[StrEnum]) -> None:
    """The enums and the schema's CHECK constraints name the same words (one home each); a
    later migration that redefines a column is the one that counts. Only the table's own
    definitions count (other tables have columns of the same name, e.g. a `state`)."""
    text = "\n".join(MIGRATIONS)
    found: list[tuple[int, str]] = []
    check = rf"\b{column}\s+TEXT[^(]*CHECK \(\s*{column} IN \(([^)]*)\)"
    for block in re.finditer(rf"CREATE TABLE {table}(?:_new)? \((.*?)\n\);", text, re.S):
        found += [(block.start(), m.group(1)) for m in re.finditer(check, block.group(1))]
    altered = rf"ALTER TABLE {table} ADD COLUMN {check}"
    found += [(m.start(), m.group(1)) for m in re.finditer(altered, text)]
    assert found, (table, column)
    in_schema = {word.strip().strip("'") for word in max(found)[1].split(",")}
    assert in_schema == {str(word) for word in words}


async def test_a_scheduled_broadcast_waits_and_takes_the_audience_of_its_time(
    store: Store,
) -> None:
    broadcasts = store.broadcasts
    await store.subscribers.subscribe(1, "en")
    broadcast_id = await broadcasts.create(99, "en", texts={"en": "Doors open"})
    await broadcasts.set_due(broadcast_id, 1_000.0)
    # Confirming a draft with a due time queues nobody yet.
    assert await broadcasts.enqueue(broadcast_id, Audience.SUBSCRIBERS, "en", 5) == 0
    scheduled = await broadcasts.get(broadcast_id)
    assert scheduled is not None
    assert scheduled.status is BroadcastStatus.SCHEDULED
    assert scheduled.due_at == 1_000.0
    assert await broadcasts.counts(broadcast_id) == Counts()
    assert [b.id for b in await broadcasts.scheduled()] == [broadcast_id]
    assert await broadcasts.next_due_at() == 1_000.0
    # A second press is refused; the worker starts nothing before the time.
    assert await broadcasts.enqueue(broadcast_id, Audience.SUBSCRIBERS, "en") is None
    assert await broadcasts.start_due(999.0, "en") == []
    # Someone subscribes in between: they are in the audience when it starts.
    await store.subscribers.subscribe(2, "ru")
    started = await broadcasts.start_due(1_003.5, "en")
    assert [b.id for b in started] == [broadcast_id]
    after = await broadcasts.get(broadcast_id)
    assert after is not None
    assert after.status is BroadcastStatus.SENDING
    assert after.started_at == 1_003.5
    assert after.total == 2
    assert [(r.user_id, r.lang) for r in await broadcasts.due(time.time(), 10)] == [
        (1, "en"),
        (2, "ru"),
    ]
    # Started once: a second look finds nothing to start, and no row is written twice.
    assert await broadcasts.start_due(2_000.0, "en") == []
    assert await broadcasts.counts(broadcast_id) == Counts(pending=2)
    assert await broadcasts.next_due_at() is None


async def test_a_cancelled_schedule_never_starts(store: Store) -> None:
    broadcasts = store.broadcasts
    await store.subscribers.subscribe(1, "en")
    broadcast_id = await broadcasts.create(99, "en", texts={"en": "Never"})
    await broadcasts.set_due(broadcast_id, 1_000.0)
    await broadcasts.enqueue(broadcast_id, Audience.ALL, "en")
    assert await broadcasts.cancel(broadcast_id)
    assert await broadcasts.start_due(5_000.0, "en") == []
    cancelled = await broadcasts.get(broadcast_id)
    assert cancelled is not None
    assert cancelled.status is BroadcastStatus.CANCELLED
    assert await broadcasts.counts(broadcast_id) == Counts()
    assert await broadcasts.scheduled() == []


async def test_language_audience_takes_only_its_readers(store: Store) -> None:
    broadcasts = store.broadcasts
    # 1 chose Chinese; 2 has a Chinese Telegram; 3 reads Russian; 4 falls back to the default;
    # 5 reads Chinese but is not subscribed.
    for user_id, code in ((1, "en"), (2, "zh-hans"), (3, "ru"), (4, "de")):
        await store.subscribers.subscribe(user_id, code)
    await store.users.seen(5, "zh")
    await store.users.set_language(1, "zh")
    broadcast_id = await broadcasts.create(99, "en", texts={"zh": "你好"})
    assert await broadcasts.enqueue(broadcast_id, Audience.SUBSCRIBERS, "ru", language="zh") == 2
    assert [r.user_id for r in await broadcasts.due(time.time(), 10)] == [1, 2]
    saved = await broadcasts.get(broadcast_id)
    assert saved is not None and saved.audience_language == "zh"
    other = await broadcasts.create(99, "en", texts={"ru": "Привет"})
    # The default language's readers include those whose language we do not speak.
    assert await broadcasts.enqueue(other, Audience.SUBSCRIBERS, "ru", language="ru") == 2
    with pytest.raises(ValueError, match="not a language"):
        await broadcasts.enqueue(other, Audience.SUBSCRIBERS, "ru", language="de")


async def test_a_version_may_be_a_photo_or_a_document(store: Store) -> None:
    broadcasts = store.broadcasts
    broadcast_id = await broadcasts.create(99, "en", texts={"en": "Plain"})
    await broadcasts.set_text(broadcast_id, "ru", "Программа", (MediaKind.DOCUMENT, "doc-1"))
    await broadcasts.set_text(broadcast_id, "zh", "", (MediaKind.PHOTO, "photo-7"))
    versions = await broadcasts.versions(broadcast_id)
    assert versions["en"] == Version("Plain")
    assert versions["ru"] == Version("Программа", MediaKind.DOCUMENT, "doc-1")
    assert versions["zh"] == Version("", MediaKind.PHOTO, "photo-7")
    # Sending text in place of the photo replaces it entirely.
    await broadcasts.set_text(broadcast_id, "zh", "文字")
    assert (await broadcasts.versions(broadcast_id))["zh"] == Version("文字")


async def test_cancel_unsent_takes_the_draft_and_the_composing_but_nothing_confirmed(
    store: Store,
) -> None:
    broadcasts = store.broadcasts
    await store.subscribers.subscribe(7, "en")
    draft = await broadcasts.create(99, "en", texts={"en": "Draft"})
    composing = await broadcasts.create(99, "en", step="ru")
    sent = await broadcasts.create(99, "en", texts={"en": "Sent"})
    await broadcasts.enqueue(sent, "subscribers", "en")
    confirming = await broadcasts.create(99, "en", texts={"en": "Being confirmed"})
    await broadcasts.begin_confirm(confirming)
    others = await broadcasts.create(42, "en", texts={"en": "Another organizer's"})
    assert await broadcasts.cancel_unsent(99) == [draft, composing]
    assert await broadcasts.cancel_unsent(99) == []
    statuses = {b: (await broadcasts.get(b)).status for b in (sent, confirming, others)}  # type: ignore[union-attr]
    assert statuses == {sent: "sending", confirming: "draft", others: "draft"}
