"""The store: one SQLite connection per process and the repositories that share it."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from storage.answers import AnswerEngine
from storage.broadcasts import BroadcastStore
from storage.content import LoadedContent, load_content
from storage.db import connect
from storage.facts import FactStore
from storage.loader import sync_content
from storage.subscribers import SubscriberStore
from storage.users import UserStore


class Store:
    """Everything the bot keeps; opened in post_init, closed in post_shutdown."""

    def __init__(self, connection: aiosqlite.Connection, content_path: Path | None) -> None:
        self.connection = connection
        self.content_path = content_path
        self.facts = FactStore(connection)
        # The answer engine (plain-text questions, /search, inline mode, the web site's search).
        self.answers = AnswerEngine(connection, self.facts)
        self.users = UserStore(connection)
        self.subscribers = SubscriberStore(connection)
        self.broadcasts = BroadcastStore(connection)

    @classmethod
    async def open(
        cls, path: Path, content_path: Path | None = None, loaded: LoadedContent | None = None
    ) -> Store:
        """Open the database, migrate it and load the content file (`None`: the bundled one).

        `loaded` is that file already parsed (the CLI validates it before starting the bot).
        """
        content, digest = loaded or load_content(content_path)
        connection = await connect(path)
        try:
            await sync_content(connection, content, digest)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, content_path)

    async def reload_content(self) -> bool:
        """Re-read the content file; return True if the store changed."""
        content, digest = load_content(self.content_path)
        changed = await sync_content(self.connection, content, digest)
        if changed:
            self.answers.reset()
        return changed

    async def close(self) -> None:
        """Close the connection (WAL is checkpointed by SQLite on last close)."""
        await self.connection.close()
