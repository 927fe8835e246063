"""The durable inbox's SQL: updates as Telegram sent them, until their handlers have finished.

handlers/transport/inbox.py decides when to call what; this module only reads and writes rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

import aiosqlite
import orjson


class InboxRow(NamedTuple):
    """One stored update: its id and its JSON text."""

    update_id: int
    payload: str


class InboxStore:
    """The inbox and runtime_state tables on one connection.

    Every write is one statement (its own transaction), so concurrent callers never nest
    transactions and each write is one trip to aiosqlite's thread.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # The write probe's BEGIN must not land inside another coroutine's BEGIN…ROLLBACK.
        self._transaction = asyncio.Lock()

    async def add(self, rows: Sequence[InboxRow], now: float) -> set[int]:
        """Store the rows not yet there; return the ids that were new.

        One statement, so one transaction and one trip to the connection's thread, however
        many rows. An update_id already in the inbox (pending or done), or twice in `rows`,
        is a repeated delivery: stored once.
        """
        if not rows:
            return set()
        batch = orjson.dumps([[row.update_id, row.payload] for row in rows]).decode()
        inserted = await self._db.execute_fetchall(
            "INSERT INTO inbox (update_id, payload, received_at)"
            " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?"
            " FROM json_each(?) WHERE true"
            " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (now, batch),
        )
        return {int(row[0]) for row in inserted}

    async def pending(self, after: int, limit: int) -> list[InboxRow]:
        """Undone rows with update_id > `after`, oldest first."""
        rows = await self._db.execute_fetchall(
            "SELECT update_id, payload FROM inbox WHERE done_at IS NULL AND update_id > ?"
            " ORDER BY update_id LIMIT ?",
            (after, limit),
        )
        return [InboxRow(int(row[0]), str(row[1])) for row in rows]

    async def count_pending(self) -> int:
        """How many rows are not done."""
        rows = await self._db.execute_fetchall("SELECT count(*) FROM inbox WHERE done_at IS NULL")
        return int(next(iter(rows))[0])

    async def mark_done(self, update_ids: Sequence[int], now: float) -> None:
        """Mark rows done: one statement, one transaction."""
        if not update_ids:
            return
        await self._db.execute(
            "UPDATE inbox SET done_at = ?"
            " WHERE update_id IN (SELECT value FROM json_each(?)) AND done_at IS NULL",
            (now, orjson.dumps(list(update_ids)).decode()),
        )

    async def prune(self, done_before: float) -> int:
        """Delete rows done before `done_before`, keeping the newest row (polling resumes there)."""
        cursor = await self._db.execute(
            "DELETE FROM inbox"
            " WHERE done_at < ? AND update_id < (SELECT max(update_id) FROM inbox)",
            (done_before,),
        )
        deleted = cursor.rowcount
        await cursor.close()
        return deleted

    async def last_update_id(self) -> int | None:
        """The newest update_id ever stored (and not pruned), or None for an empty inbox."""
        rows = await self._db.execute_fetchall("SELECT max(update_id) FROM inbox")
        value = next(iter(rows))[0]
        return None if value is None else int(value)

    async def state(self, key: str) -> str | None:
        """A runtime_state value, or None."""
        rows = await self._db.execute_fetchall(
            "SELECT value FROM runtime_state WHERE key = ?", (key,)
        )
        row = next(iter(rows), None)
        return None if row is None else str(row[0])

    async def state_or_set(self, key: str, value: str) -> str:
        """The stored value for `key`; `value` is stored first if there was none."""
        rows = await self._db.execute_fetchall(
            "INSERT INTO runtime_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = value RETURNING value",
            (key, value),
        )
        return str(next(iter(rows))[0])

    async def probe_write(self) -> None:
        """Take the write lock and give it back at once: raises if the database cannot be
        written."""
        async with self._transaction:
            await self._db.execute("BEGIN IMMEDIATE")
            await self._db.execute("ROLLBACK")


async def _rollback(db: aiosqlite.Connection) -> None:
    """Roll back if a transaction is open (a failed COMMIT may already have ended it)."""
    with contextlib.suppress(sqlite3.Error):
        await db.execute("ROLLBACK")
