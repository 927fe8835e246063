"""People who talk to the bot: first/last seen and their chosen language.

The reply path never waits for this table. Chosen languages are few (only people who pressed a
language button) and are all kept in memory, loaded when the store opens; contacts are noted in
memory (`note`) and written in batches (`flush`). The bot flushes before it confirms updates to
Telegram (handlers/transport/fast_bot.py), so a crash loses no first contact: the updates whose
users were not yet on disk were not confirmed either, and Telegram sends them again.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import OrderedDict

import aiosqlite

from storage.db import is_storage_failure

# A user's last_seen is refreshed at most this often, so a busy chat costs no write per message.
LAST_SEEN_RESOLUTION = 3600
# How many users' last write time is remembered (older ones are simply written again).
CACHE_SIZE = 10_000
# Rows per INSERT statement: 4 parameters each, well under SQLite's 32,766 variables.
BATCH_ROWS = 500

_UPSERT = """INSERT INTO users (id, telegram_language, first_seen, last_seen) VALUES {rows}
ON CONFLICT (id) DO UPDATE SET
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen),
    telegram_language = excluded.telegram_language"""


class UserStore:
    """The users table, with the chosen languages in memory and contacts written in batches."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # user id -> the language they chose (every user who chose one)
        self._chosen: dict[int, str] = {}
        # user id -> when their row was last written (bounded, most recent last)
        self._written: OrderedDict[int, int] = OrderedDict()
        # user id -> (telegram language, seen at), noted but not yet written
        self._pending: dict[int, tuple[str | None, int]] = {}
        self._flushing = asyncio.Lock()

    async def load_choices(self) -> None:
        """Read every chosen language into memory (called once when the store opens)."""
        rows = await self._db.execute_fetchall(
            "SELECT id, language FROM users WHERE language IS NOT NULL"
        )
        self._chosen = {int(row[0]): str(row[1]) for row in rows}

    def chosen(self, user_id: int) -> str | None:
        """The language the user chose, if any; from memory, never the disk."""
        return self._chosen.get(user_id)

    def note(self, user_id: int, telegram_language: str | None) -> None:
        """Remember that the user is active; written by the next `flush`."""
        if user_id in self._pending:
            return
        now = int(time.time())
        written = self._written.get(user_id)
        if written is not None and now - written < LAST_SEEN_RESOLUTION:
            return
        self._pending[user_id] = (telegram_language, now)

    @property
    def unwritten(self) -> int:
        """How many noted users are not on disk yet."""
        return len(self._pending)

    async def flush(self) -> int:
        """Write every noted user (first contact, last seen, Telegram's language); how many.

        Each statement is its own transaction; if one fails, its users stay noted for the next try.
        """
        written = 0
        # One flush at a time: a caller that must see its users on disk waits for the one running.
        async with self._flushing:
            while self._pending:
                batch = list(self._pending.items())[:BATCH_ROWS]
                params = [v for uid, (lang, at) in batch for v in (uid, lang, at, at)]
                rows = ", ".join(["(?, ?, ?, ?)"] * len(batch))
                await self._db.execute(_UPSERT.format(rows=rows), params)
                for user_id, (_, at) in batch:
                    del self._pending[user_id]
                    self._remember(user_id, at)
                written += len(batch)
        return written

    async def settle(self) -> None:
        """Write the noted users if the database takes them, before reading the users table as
        an audience or a count, so that it includes everyone heard from so far.

        A database that refuses the write (full disk, lock) is not the reader's to report: the
        read goes on without them, and the inbox's own flush reports the failure and retries.
        """
        try:
            await self.flush()
        except sqlite3.Error as error:
            if not is_storage_failure(error):
                raise

    async def seen(self, user_id: int, telegram_language: str | None) -> str | None:
        """Record now that the user is active; return the language they chose, if any."""
        now = int(time.time())
        written = self._written.get(user_id)
        if written is not None and now - written < LAST_SEEN_RESOLUTION:
            self._written.move_to_end(user_id)
            return self._chosen.get(user_id)
        rows = await self._db.execute_fetchall(
            """INSERT INTO users (id, telegram_language, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                last_seen = excluded.last_seen, telegram_language = excluded.telegram_language
            RETURNING language""",
            (user_id, telegram_language, now, now),
        )
        row = next(iter(rows), None)
        language = row[0] if row else None
        if language is not None:
            self._chosen[user_id] = language
        self._remember(user_id, now)
        return language

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's explicit language choice (written at once: it is rare and wanted)."""
        now = int(time.time())
        await self._db.execute(
            """INSERT INTO users (id, language, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                language = excluded.language, last_seen = excluded.last_seen""",
            (user_id, language, now, now),
        )
        self._chosen[user_id] = language
        self._remember(user_id, now)

    async def count(self) -> int:
        """How many users have ever talked to the bot."""
        rows = await self._db.execute_fetchall("SELECT count(*) FROM users")
        row = next(iter(rows), None)
        return int(row[0]) if row else 0

    def _remember(self, user_id: int, written_at: int) -> None:
        self._written[user_id] = written_at
        self._written.move_to_end(user_id)
        if len(self._written) > CACHE_SIZE:
            self._written.popitem(last=False)
