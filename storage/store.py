"""The store: one SQLite connection per process and the repositories that share it.

Storage does not know the answer engine (answers/): whoever opens the store hands it the
engine's indexer (storage/loader.py `AnswerIndexer`), and the process (bot/services.py) builds
the engine on the store's answer tables and FAQ and subscribes it to their changes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from storage.answer_tables import AnswerTables
from storage.asked import AskedStore
from storage.broadcasts import BroadcastStore
from storage.content import LoadedContent, load_content
from storage.db import connect
from storage.errors import StorageError, as_storage_error, is_storage_failure
from storage.facts import FactStore
from storage.faq import FaqStore
from storage.inbox import InboxStore
from storage.loader import AnswerIndexer, event_time_zone, sync_content
from storage.programme import ProgrammeStore, ReloadReport
from storage.programme_file import load_programme
from storage.subscribers import SubscriberStore
from storage.unanswered import UnansweredStore
from storage.users import UserStore
from storage.wechat_users import WeChatUserStore

log = logging.getLogger(__name__)


class Store:
    """Everything the bot keeps; opened in post_init, closed in post_shutdown."""

    def __init__(
        self,
        connection: aiosqlite.Connection,
        content_path: Path | None,
        path: Path,
        indexer: AnswerIndexer,
    ) -> None:
        self.connection = connection
        self.content_path = content_path
        self.path = path
        self.indexer = indexer
        self.facts = FactStore(connection)
        # What the answer engine reads: its index rows, and the organizers' FAQ (issue 22),
        # whose entries it answers too (the FAQ's `on_change` tells it to read them again).
        self.answer_tables = AnswerTables(connection)
        self.faq = FaqStore(connection)
        # Called after a reload changed the content (the engine reads its index again).
        self.on_content_change: Callable[[], None] | None = None
        self.asked = AskedStore(connection)
        self.unanswered = UnansweredStore(connection)
        self.users = UserStore(connection)
        self.subscribers = SubscriberStore(connection)
        self.broadcasts = BroadcastStore(connection)
        # The inbox's done marks go through this shared connection (handlers/transport/inbox.py).
        self.inbox = InboxStore(connection)
        # The conference programme, if an organizer provides one ([programme] source).
        self.programme = ProgrammeStore(connection)
        # The WeChat face's users (issue 23): openids and their chosen languages.
        self.wechat_users = WeChatUserStore(connection)

    @classmethod
    async def open(
        cls,
        path: Path,
        content_path: Path | None = None,
        loaded: LoadedContent | None = None,
        *,
        indexer: AnswerIndexer,
    ) -> Store:
        """Open the database, migrate it and load the content file (`None`: the bundled one),
        with the answer rows `indexer` builds from it.

        `loaded` is that file already parsed (the CLI validates it before starting the bot).
        """
        content, digest = loaded or load_content(content_path)
        connection = await connect(path)
        try:
            await sync_content(connection, content, digest, indexer)
            store = cls(connection, content_path, path, indexer)
            await store.users.load_choices()
            await store.wechat_users.load()
        except BaseException:
            await connection.close()
            raise
        return store

    async def reload_content(self) -> bool:
        """Re-read the content file; return True if the store changed.

        The new content is written on a connection of its own, in one transaction: readers on
        the shared connection keep seeing the old content (WAL snapshots) until the commit
        switches them to the new one all at once, and users' writes are never part of the
        reload's transaction, so a failing reload cannot take them down with it. Whatever
        the loader writes (storage/loader.py) is switched the same way.

        Raises ContentError for a bad file, StorageError when the database refused.
        """
        content, digest = load_content(self.content_path)
        try:
            connection = await connect(self.path)
            try:
                changed = await sync_content(connection, content, digest, self.indexer)
            finally:
                await connection.close()
        except StorageError:
            raise
        except sqlite3.Error as error:
            raise as_storage_error(error) from None
        if changed and self.on_content_change is not None:
            self.on_content_change()
        return changed

    async def reload_programme(self, source: Path) -> ReloadReport:
        """Import the programme file `source` (ProgrammeError: refused, the previous programme
        stays). Written on a connection of its own in one transaction, like the content."""
        zone = await self.time_zone()
        programme = await asyncio.to_thread(load_programme, source, zone.key)
        connection = await connect(self.path)
        try:
            return await ProgrammeStore(connection).replace(programme)
        finally:
            await connection.close()

    async def time_zone(self) -> ZoneInfo:
        """The event's time zone from the loaded content: organizers' times are read in it."""
        return await event_time_zone(self.connection)

    async def ping(self) -> None:
        """A trivial query: raises StorageError when the database does not answer."""
        try:
            await self.connection.execute_fetchall("SELECT 1")
        except sqlite3.Error as error:
            raise as_storage_error(error) from None
        except ValueError:  # aiosqlite: the connection is closed
            raise StorageError("the database connection is closed") from None

    async def probe_write(self) -> None:
        """A small real write (a fresh value, so pages really change): does the disk take it?"""
        await self.connection.execute(
            "INSERT INTO content_meta (key, value) VALUES ('storage_probe', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (secrets.token_hex(512),),
        )

    async def close(self) -> None:
        """Write the noted users, close the connection (WAL is checkpointed on last close).

        A database that refuses the last write (a full disk, a lock at the moment of a clean
        stop) costs nothing: those users' updates are not marked done either (the inbox writes
        first contacts before done marks), so the next start replays them and notes them
        again. One log line says so; the stop stays clean."""
        try:
            await self.users.flush()
        except Exception as error:
            if not is_storage_failure(error):
                raise
            log.warning(
                "Stopping while the database refuses writes (%s): the users noted last are"
                " written when their updates are handled again at the next start",
                error,
            )
        finally:
            await self.connection.close()
