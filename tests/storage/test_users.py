"""UserStore: chosen languages from memory, contacts written in batches (real SQLite files)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.services import open_store
from storage.db import connect
from storage.users import BATCH_ROWS, UserStore


def rows(path: Path) -> dict[int, tuple[str | None, str | None, int, int]]:
    with sqlite3.connect(path) as db:
        found = db.execute(
            "SELECT id, language, telegram_language, first_seen, last_seen FROM users"
        )
        return {int(r[0]): (r[1], r[2], int(r[3]), int(r[4])) for r in found}


async def test_noted_users_reach_the_disk_only_when_flushed(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        for user_id in range(1, BATCH_ROWS * 2 + 2):  # more than one statement's worth
            store.users.note(user_id, "zh")
        assert store.users.unwritten == BATCH_ROWS * 2 + 1
        assert rows(path) == {}
        assert await store.users.flush() == BATCH_ROWS * 2 + 1
        assert store.users.unwritten == 0
        stored = rows(path)
        assert len(stored) == BATCH_ROWS * 2 + 1
        assert stored[1][:2] == (None, "zh")
        store.users.note(1, "en")  # written a moment ago: no new write for an hour
        assert store.users.unwritten == 0
    finally:
        await store.close()


async def test_close_writes_what_was_noted(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    store.users.note(7, "ru")
    await store.close()
    assert rows(path)[7][:2] == (None, "ru")


async def test_choices_are_loaded_into_memory_when_the_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        await store.users.set_language(5, "zh")
        store.users.note(6, "en")
    finally:
        await store.close()
    store = await open_store(path)
    try:
        assert store.users.chosen(5) == "zh"
        assert store.users.chosen(6) is None
    finally:
        await store.close()


async def test_a_later_batch_keeps_the_first_contact_and_the_choice(tmp_path: Path) -> None:
    """set_language or a subscription may write the row first; the batch keeps the earliest time."""
    path = tmp_path / "bot.sqlite3"
    store = await open_store(path)
    try:
        store.users.note(9, "en")
        await store.users.set_language(9, "ru")
        await store.users.flush()
        language, telegram_language, first_seen, last_seen = rows(path)[9]
        assert (language, telegram_language) == ("ru", "en")
        assert first_seen <= last_seen
    finally:
        await store.close()


async def test_settle_writes_the_noted_users_or_leaves_them_noted_on_a_locked_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await open_store(path)).close()
    connection = await connect(path, busy_wait=0.2)
    users = UserStore(connection)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        users.note(7, "en")
        holder.execute("BEGIN IMMEDIATE")
        await users.settle()  # the lock outlasts the wait: no error, the user stays noted
        assert users.unwritten == 1
        holder.execute("ROLLBACK")
        await users.settle()
        assert users.unwritten == 0
        assert set(rows(path)) == {7}
    finally:
        holder.close()
        await connection.close()
