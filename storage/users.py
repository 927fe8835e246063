"""People who talk to the bot: first/last seen and their chosen language."""

from __future__ import annotations

import time
from collections import OrderedDict

import aiosqlite

# A user's last_seen is refreshed at most this often, so a busy chat costs no write per message.
LAST_SEEN_RESOLUTION = 3600
CACHE_SIZE = 10_000


class UserStore:
    """The users table, with a bounded cache so the hot path rarely touches the disk."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # user id -> (chosen language or None, when last_seen was last written)
        self._cache: OrderedDict[int, tuple[str | None, int]] = OrderedDict()

    async def seen(self, user_id: int, telegram_language: str | None) -> str | None:
        """Record that the user is active; return the language they chose, if any."""
        now = int(time.time())
        cached = self._cache.get(user_id)
        if cached is not None and now - cached[1] < LAST_SEEN_RESOLUTION:
            self._cache.move_to_end(user_id)
            return cached[0]
        rows = await self._db.execute_fetchall(
            """INSERT INTO users (id, telegram_language, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                last_seen = excluded.last_seen, telegram_language = excluded.telegram_language
            RETURNING language""",
            (user_id, telegram_language, now, now),
        )
        row = next(iter(rows), None)
        language = row[0] if row else None
        self._remember(user_id, language, now)
        return language

    def remembered(self, user_id: int) -> str | None:
        """The language the user chose, if it is in memory (never touches the database)."""
        cached = self._cache.get(user_id)
        return cached[0] if cached else None

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's explicit language choice."""
        now = int(time.time())
        await self._db.execute(
            """INSERT INTO users (id, language, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET language = excluded.language, last_seen = excluded.last_seen""",
            (user_id, language, now, now),
        )
        self._remember(user_id, language, now)

    async def count(self) -> int:
        """How many users have ever talked to the bot."""
        rows = await self._db.execute_fetchall("SELECT count(*) FROM users")
        row = next(iter(rows), None)
        return int(row[0]) if row else 0

    def _remember(self, user_id: int, language: str | None, written_at: int) -> None:
        self._cache[user_id] = (language, written_at)
        self._cache.move_to_end(user_id)
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
