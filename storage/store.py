"""The store: one SQLite connection per process and the repositories that share it.

It also composes the answer engine (answers/) on its connection's answer tables and hands the
loader the engine's indexer: the one place storage names the engine, until the process (bot/)
composes it; the loader and the engine's tables (storage/answer_tables.py) do not import it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from answers.engine import AnswerEngine
from answers.index import Indexer
from storage.answer_tables import AnswerTables
from storage.asked import AskedStore
from storage.broadcasts import BroadcastStore
from storage.content import LoadedContent, load_content
from storage.db import connect
from storage.errors import StorageError, as_storage_error, is_storage_failure
from storage.facts import FactStore
from storage.faq import FaqStore
from storage.inbox import InboxStore
from storage.loader import event_time_zone, sync_content
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
        self, connection: aiosqlite.Connection, content_path: Path | None, path: Path
    ) -> None:
        self.connection = connection
        self.content_path = content_path
        self.path = path
        self.facts = FactStore(connection)
        # The answer engine (plain-text questions, /search, inline mode, the web site's search).
        # The organizers' FAQ (issue 22): the engine answers its entries too, and reads them
        # again whenever they change.
        self.faq = FaqStore(connection)
        self.answers = AnswerEngine(AnswerTables(connection), extra=self.faq)
        self.faq.on_change = self.answers.reset
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
        cls, path: Path, content_path: Path | None = None, loaded: LoadedContent | None = None
    ) -> Store:
        """Open the database, migrate it and load the content file (`None`: the bundled one).

        `loaded` is that file already parsed (the CLI validates it before starting the bot).
        """
        content, digest = loaded or load_content(content_path)
        connection = await connect(path)
        try:
            await sync_content(connection, content, digest, Indexer())
            store = cls(connection, content_path, path)
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
                changed = await sync_content(connection, content, digest, Indexer())
            finally:
                await connection.close()
        except StorageError:
            raise
        except sqlite3.Error as error:
            raise as_storage_error(error) from None
        if changed:
            self.answers.reset()
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
