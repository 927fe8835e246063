"""The WeChat face's people: each openid that wrote to the account and the language it chose.

An openid is WeChat's id of one user for one account, sent with every message; it is all this
table keeps, with the language the user chose by sending its name ("English", …) and
the day of first contact. Everything is in memory, read once when the store opens: the reply
path never waits for a read. Writes happen at first contact and at a language choice (rare),
each committed before the reply that depends on it is sent.
"""

from __future__ import annotations

import time

import aiosqlite

# WeChat does not tell a user's language: the face answers in Chinese until one is chosen.
DEFAULT_LANGUAGE = "zh"


class WeChatUserStore:
    """The wechat_users table, mirrored in memory."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # openid -> the language it chose (None: never chose one)
        self._users: dict[str, str | None] = {}

    async def load(self) -> None:
        """Read every user into memory (called once when the store opens)."""
        rows = await self._db.execute_fetchall("SELECT openid, language FROM wechat_users")
        self._users = {str(row[0]): (str(row[1]) if row[1] else None) for row in rows}

    def chosen(self, openid: str) -> str | None:
        """The language the user chose, if any (from memory)."""
        return self._users.get(openid)

    def known(self, openid: str) -> bool:
        """Whether the user has written before (from memory)."""
        return openid in self._users

    async def seen(self, openid: str) -> None:
        """Record a first contact (a no-op for a known user, so a retried message counts once)."""
        if openid in self._users:
            return
        await self._db.execute(
            "INSERT INTO wechat_users (openid, first_seen) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (openid, int(time.time())),
        )
        self._users.setdefault(openid, None)

    async def set_language(self, openid: str, language: str) -> None:
        """Remember the user's choice (written before the reply confirming it)."""
        await self._db.execute(
            """INSERT INTO wechat_users (openid, language, first_seen) VALUES (?, ?, ?)
            ON CONFLICT (openid) DO UPDATE SET language = excluded.language""",
            (openid, language, int(time.time())),
        )
        self._users[openid] = language

    async def count(self) -> int:
        """How many WeChat users ever wrote to the account."""
        rows = await self._db.execute_fetchall("SELECT count(*) FROM wechat_users")
        row = next(iter(rows), None)
        return int(row[0]) if row else 0

    async def by_language(self) -> dict[str, int]:
        """Users per language they are answered in (those who chose none: Chinese)."""
        rows = await self._db.execute_fetchall(
            "SELECT coalesce(language, ?), count(*) FROM wechat_users GROUP BY 1 ORDER BY 1",
            (DEFAULT_LANGUAGE,),
        )
        return {str(row[0]): int(row[1]) for row in rows}
