"""Subscriptions and reachability: who wants the news and who has blocked the bot."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite

from storage.migrations import LANGUAGES_SQL

# A user's language as the bot would answer them: the stored choice, else Telegram's language
# when we speak it (ru-RU → ru), else the configured default (bound as :default).
LANGUAGE_SQL = f"""COALESCE(
    language,
    CASE WHEN lower(substr(telegram_language, 1, 2)) IN {LANGUAGES_SQL}
          AND (length(telegram_language) = 2 OR substr(telegram_language, 3, 1) IN ('-', '_'))
         THEN lower(substr(telegram_language, 1, 2)) END,
    :default
)"""


@dataclass(frozen=True, slots=True)
class AudienceStats:
    """Head counts for /stats."""

    users: int
    subscribers: int
    blocked: int
    # language -> (users, subscribers), reachable (not blocked) users only
    by_language: dict[str, tuple[int, int]]


class SubscriberStore:
    """The subscription and blocked columns of the users table."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    async def _ensure(self, user_id: int, telegram_language: str | None, now: int) -> None:
        await self._db.execute(
            """INSERT INTO users (id, telegram_language, first_seen, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING""",
            (user_id, telegram_language, now, now),
        )

    async def subscribe(self, user_id: int, telegram_language: str | None = None) -> bool:
        """Subscribe the user (who is evidently reachable); False if they already were."""
        now = int(time.time())
        await self._ensure(user_id, telegram_language, now)
        await self.unblock(user_id)
        cursor = await self._db.execute(
            "UPDATE users SET subscribed = 1, subscribed_at = ? WHERE id = ? AND subscribed = 0",
            (now, user_id),
        )
        return cursor.rowcount > 0

    async def unsubscribe(self, user_id: int) -> bool:
        """Unsubscribe the user; False if they were not subscribed."""
        cursor = await self._db.execute(
            "UPDATE users SET subscribed = 0 WHERE id = ? AND subscribed = 1", (user_id,)
        )
        return cursor.rowcount > 0

    async def is_subscribed(self, user_id: int) -> bool:
        """Whether the user gets the news."""
        rows = await self._db.execute_fetchall(
            "SELECT subscribed FROM users WHERE id = ?", (user_id,)
        )
        row = next(iter(rows), None)
        return bool(row and row[0])

    async def mark_blocked(self, user_id: int, reason: str) -> None:
        """The user blocked the bot (or is gone): never send to them until they come back."""
        now = int(time.time())
        await self._ensure(user_id, None, now)
        await self._db.execute(
            """UPDATE users SET blocked = 1, blocked_at = ?, blocked_reason = ?
            WHERE id = ? AND blocked = 0""",
            (now, reason[:200], user_id),
        )

    async def unblock(self, user_id: int) -> bool:
        """The user is back (/start, or unblocked the bot); False if they were not blocked."""
        cursor = await self._db.execute(
            """UPDATE users SET blocked = 0, blocked_at = NULL, blocked_reason = NULL
            WHERE id = ? AND blocked = 1""",
            (user_id,),
        )
        return cursor.rowcount > 0

    async def stats(self, default_language: str) -> AudienceStats:
        """Users, subscribers, blocked and the reachable audience by language."""
        rows = await self._db.execute_fetchall(
            """SELECT count(*), coalesce(sum(subscribed = 1 AND blocked = 0), 0),
                      coalesce(sum(blocked), 0)
            FROM users"""
        )
        row = next(iter(rows), None)
        users, subscribers, blocked = (int(value) for value in row) if row else (0, 0, 0)
        by_language: dict[str, tuple[int, int]] = {}
        rows = await self._db.execute_fetchall(
            f"""SELECT {LANGUAGE_SQL} AS lang, count(*), coalesce(sum(subscribed), 0)
            FROM users WHERE blocked = 0 GROUP BY lang ORDER BY lang""",
            {"default": default_language},
        )
        for lang, count, subscribed in rows:
            by_language[str(lang)] = (int(count), int(subscribed))
        return AudienceStats(users, subscribers, blocked, by_language)
