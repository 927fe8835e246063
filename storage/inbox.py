"""The durable inbox's SQL: updates as Telegram sent them, until their handlers have finished.

bot/inbox.py decides when to call what; this module only reads and writes rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import aiosqlite

# SQLite's default limit on host parameters is 32,766; stay far below it per statement.
_CHUNK = 500


class InboxRow(NamedTuple):
    """One stored update: its id and its JSON text."""

    update_id: int
    payload: str


class InboxStore:
    """The inbox and runtime_state tables on one connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # One transaction at a time on this connection: the source's writes, the done marks and
        # concurrent webhook deliveries would otherwise BEGIN inside each other's transaction.
        self._transaction = asyncio.Lock()

    async def add(self, rows: Sequence[InboxRow], now: float) -> set[int]:
        """Store the rows not yet there, in one transaction; return the ids that were new.

        An update_id already in the inbox (pending or done) is a duplicate delivery: skipped.
        """
        if not rows:
            return set()
        ids = [row.update_id for row in rows]
        async with self._transaction:
            return await self._add(ids, rows, now)

    async def _add(self, ids: list[int], rows: Sequence[InboxRow], now: float) -> set[int]:
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            known: set[int] = set()
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found = await self._db.execute_fetchall(
                    f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", chunk
                )
                known.update(int(row[0]) for row in found)
            fresh: dict[int, InboxRow] = {}
            for row in rows:
                if row.update_id not in known:
                    fresh.setdefault(row.update_id, row)  # a repeat inside one batch, too
            await self._db.executemany(
                "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
                [(row.update_id, row.payload, now) for row in fresh.values()],
            )
            await self._db.execute("COMMIT")
        except BaseException:
            await _rollback(self._db)
            raise
        return set(fresh)

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

    async def mark_done(self, update_ids: Iterable[int], now: float) -> None:
        """Mark rows done, in one transaction."""
        params = [(now, update_id) for update_id in update_ids]
        if not params:
            return
        async with self._transaction:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.executemany(
                    "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL", params
                )
                await self._db.execute("COMMIT")
            except BaseException:
                await _rollback(self._db)
                raise

    async def prune(self, done_before: float) -> int:
        """Delete rows done before `done_before`, keeping the newest row (polling resumes there)."""
        async with self._transaction:
            cursor = await self._db.execute(
                "DELETE FROM inbox WHERE done_at < ?"
                " AND update_id < (SELECT max(update_id) FROM inbox)",
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
        """Take the write lock and give it back at once: raises if the database cannot be written."""
        async with self._transaction:
            await self._db.execute("BEGIN IMMEDIATE")
            await self._db.execute("ROLLBACK")


async def _rollback(db: aiosqlite.Connection) -> None:
    """Roll back if a transaction is open (a failed COMMIT may already have ended it)."""
    with contextlib.suppress(sqlite3.Error):
        await db.execute("ROLLBACK")
