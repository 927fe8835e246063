"""The typed `bot_data` every handler sees, and the context type that carries it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from storage.health import StorageHealth

if TYPE_CHECKING:
    from answers.engine import AnswerEngine
    from answers.programme import ProgrammeIndex
    from handlers.kit.flood import FloodGuard
    from handlers.settings import FaceSettings
    from handlers.transport.delivery import DeliveryWorker
    from handlers.transport.fast_bot import FastBot
    from handlers.transport.inbox import Inbox, UpdateSource
    from handlers.transport.programme_outbox import ProgrammeOutbox
    from storage.store import Store
    from wording.i18n import Translator


class BotData:
    """Services shared by all handlers: created in post_init, closed in post_shutdown.

    The database and the delivery worker are opened in post_init and may be missing if it
    failed half-way, so they are optional underneath; handlers (which only run once post_init
    has finished) read them through properties that say so if they are not there.
    """

    settings: FaceSettings
    translate: Translator
    flood: FloodGuard
    # Rendered cards by (card key, language); cleared whenever the content is reloaded.
    cards: dict[tuple[str, str], Any]
    bot_username: str
    opened_store: Store | None
    # The answer engine on the store (bot/services.py): questions, /search, inline mode, /org.
    opened_answers: AnswerEngine | None
    # The broadcast delivery worker (handlers/transport/delivery.py), once started.
    started_delivery: DeliveryWorker | None
    # Reminders and change notices of the programme, at the delivery worker's pace.
    programme_outbox: ProgrammeOutbox | None
    # The programme's search index and the digest of the programme it was built from.
    programme_index: tuple[str, ProgrammeIndex] | None
    # Whether the database is failing right now (full disk, read-only, locked): for /readyz.
    storage_health: StorageHealth
    # Showing interrupted broadcast confirmations again, after the inbox's replay (bot/app.py).
    resuming: asyncio.Task[None] | None
    # The durable inbox (handlers/transport/inbox.py), opened in post_init, and what feeds it
    # (polling or webhook), started by bot/runner.py once the application runs.
    opened_inbox: Inbox | None
    source: UpdateSource | None

    def __init__(self) -> None:
        self.storage_health = StorageHealth()
        self.resuming = None
        self.cards = {}
        self.bot_username = ""
        self.opened_store = None
        self.opened_answers = None
        self.started_delivery = None
        self.programme_outbox = None
        self.programme_index = None
        self.opened_inbox = None
        self.source = None

    @property
    def store(self) -> Store:
        """The database (opened in post_init)."""
        if self.opened_store is None:
            raise RuntimeError("the store is not open")
        return self.opened_store

    @property
    def answers(self) -> AnswerEngine:
        """The answer engine (made in post_init, with the store)."""
        if self.opened_answers is None:
            raise RuntimeError("the answer engine is not made")
        return self.opened_answers

    @property
    def delivery(self) -> DeliveryWorker:
        """The broadcast delivery worker (started in post_init)."""
        if self.started_delivery is None:
            raise RuntimeError("the delivery worker is not running")
        return self.started_delivery

    async def close(self) -> None:
        """Stop the worker, then the inbox and the database: whichever was started."""
        await self.storage_health.close()
        if self.resuming is not None:
            self.resuming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.resuming
            self.resuming = None
        # Before the worker: its requests take their turns in the worker's pacing window.
        if self.programme_outbox is not None:
            await self.programme_outbox.stop()
            self.programme_outbox = None
        if self.started_delivery is not None:
            await self.started_delivery.stop()
            self.started_delivery = None
        # Before the store: the inbox writes its last done marks through the store's connection.
        if self.opened_inbox is not None:
            await self.opened_inbox.close()
            self.opened_inbox = None
        if self.opened_store is not None:
            await self.opened_store.close()
            self.opened_store = None
            self.opened_answers = None


BotApplication: TypeAlias = (
    "Application[FastBot, Any, dict[Any, Any], dict[Any, Any], BotData, Any]"
)
BotContext: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# What every handler is: `async def name(update: Update, context: BotContext) -> None`.
HandlerCallback: TypeAlias = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
