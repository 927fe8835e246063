"""Opening and migrating real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage.db import SCHEMA_VERSION, DatabaseTooNewError, connect, migrate, schema_version
from storage.migrations import MIGRATIONS


async def test_blank_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    connection = await connect(tmp_path / "new" / "bot.sqlite3")
    try:
        assert await schema_version(connection) == len(MIGRATIONS) == SCHEMA_VERSION
        async with connection.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        async with connection.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]
        # SQLite's busy handler is off: PatientConnection waits (tests/storage/test_locking.py).
        async with connection.execute("PRAGMA busy_timeout") as cursor:
            assert (await cursor.fetchone())[0] == 0  # type: ignore[index]
        async with connection.execute("PRAGMA synchronous") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]  # NORMAL
    finally:
        await connection.close()


@pytest.mark.parametrize("old_version", range(1, SCHEMA_VERSION + 1))
async def test_old_database_keeps_its_users_when_migrated(tmp_path: Path, old_version: int) -> None:
    path = tmp_path / "bot.sqlite3"
    old = await aiosqlite.connect(path, isolation_level=None)
    await migrate(old, target=old_version)
    await old.execute(
        "INSERT INTO users (id, language, telegram_language, first_seen, last_seen)"
        " VALUES (9007199254740993, 'zh', 'zh-hans', 1, 2)"
    )
    await old.close()

    connection = await connect(path)
    try:
        assert await schema_version(connection) == SCHEMA_VERSION
        async with connection.execute("SELECT id, language, first_seen FROM users") as cursor:
            rows = [tuple(row) for row in await cursor.fetchall()]
        # A 64-bit id larger than 2**53 survives exactly.
        assert rows == [(9007199254740993, "zh", 1)]
    finally:
        await connection.close()


async def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await connect(path)).close()
    connection = await connect(path)
    try:
        assert await schema_version(connection) == SCHEMA_VERSION
    finally:
        await connection.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DatabaseTooNewError, match="newer"):
        await connect(path)


async def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        # A stray table that migration 1 also creates makes it fail halfway through.
        raw.execute("CREATE TABLE users (whatever TEXT)")
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        await connect(path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
        tables = {
            row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert tables == {"users"}


def test_migrations_are_append_only_scripts() -> None:
    """Every migration is non-empty SQL that sqlite3 considers complete."""
    for number, script in enumerate(MIGRATIONS, start=1):
        assert script.strip(), f"migration {number} is empty"
        assert sqlite3.complete_statement(script), f"migration {number} ends mid-statement"


async def test_rebuilding_broadcasts_keeps_their_texts_and_outbox(tmp_path: Path) -> None:
    """Migration 4 rebuilds `broadcasts`; the children that refer to it survive (no cascade),
    and foreign keys are enforced again afterwards."""
    path = tmp_path / "bot.sqlite3"
    old = await aiosqlite.connect(path, isolation_level=None)
    await old.execute("PRAGMA foreign_keys = ON")
    await migrate(old, target=2)
    await old.execute(
        "INSERT INTO broadcasts (id, author_id, author_language, status, audience, total,"
        " created_at, queued_at) VALUES (7, 1, 'en', 'sending', 'all', 2, 100, 101)"
    )
    await old.execute("INSERT INTO broadcast_texts VALUES (7, 'en', 'Hello')")
    await old.execute("INSERT INTO outbox (broadcast_id, user_id, lang) VALUES (7, 11, 'en')")
    await old.execute(
        "INSERT INTO outbox (broadcast_id, user_id, lang, state) VALUES (7, 12, 'ru', 'sent')"
    )
    await old.close()

    connection = await connect(path)
    try:
        rows = await connection.execute_fetchall(
            "SELECT id, status, audience, total, queued_at, started_at, due_at FROM broadcasts"
        )
        assert [tuple(r) for r in rows] == [(7, "sending", "all", 2, 101, 101.0, None)]
        texts = await connection.execute_fetchall("SELECT * FROM broadcast_texts")
        assert [tuple(r) for r in texts] == [(7, "en", "Hello", None, None)]
        outbox = await connection.execute_fetchall(
            "SELECT user_id, state FROM outbox ORDER BY user_id"
        )
        assert [tuple(r) for r in outbox] == [(11, "pending"), (12, "sent")]
        # The new status is allowed, and the outbox still refers to broadcasts for real.
        await connection.execute("UPDATE broadcasts SET status = 'scheduled' WHERE id = 7")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            await connection.execute(
                "INSERT INTO outbox (broadcast_id, user_id, lang) VALUES (99, 1, 'en')"
            )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            await connection.execute("UPDATE broadcasts SET status = 'later' WHERE id = 7")
    finally:
        await connection.close()
