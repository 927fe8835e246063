"""Building the Application: request settings, defaults, services and handler registration."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, Job

import handlers
from bot.config import Settings
from bot.resume import resume_after_replay
from bot.services import answer_engine, open_store
from handlers.content_admin import publish_commands
from handlers.kit.context import BotApplication, BotData
from handlers.kit.flood import FloodGuard
from handlers.questions import mark_interrupted_deliveries
from handlers.transport.contacts import ContactJournal
from handlers.transport.delivery import DeliveryWorker
from handlers.transport.fast_bot import FastBot, ReplyRequest
from handlers.transport.flood_wait import FloodWait
from handlers.transport.inbox import Inbox, UpdateSource
from handlers.transport.polling import PollingSource, UpdatesRequest
from handlers.transport.processor import PerChatUpdateProcessor
from handlers.transport.programme_outbox import ProgrammeOutbox
from storage.content import LoadedContent
from storage.programme_file import ProgrammeError
from wording.i18n import Translator, load_catalogs

log = logging.getLogger(__name__)

# The update types the handlers use; Telegram sends nothing else, so nothing else costs a parse.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query", "my_chat_member"]
CONCURRENT_UPDATES = 64
# Python's defaults are (700, 10, 10); a reply allocates a few thousand objects, nearly all freed
# by reference counting, so young-generation collections every 700 allocations find little.
GC_THRESHOLDS = (10_000, 20, 20)
CONNECTION_POOL = 128


class StoreBackedApplication(
    Application[FastBot, Any, dict[Any, Any], dict[Any, Any], BotData, Any]
):
    """PTB's Application for a bot whose state lives in its own store, not in a PTB persistence.

    Without a persistence PTB still adds the chat and user of every update to two sets that only
    `update_persistence` empties, and that never runs without one: every id ever seen stays in
    memory (4 MiB after a burst of 20,000 new users, and growing for the process's life).
    """

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Job[Any] | None = None
    ) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def build_application(
    settings: Settings, token: str, content: LoadedContent | None = None
) -> BotApplication:
    """The bot, ready for bot.runner.serve(); services start in post_init.

    There is no PTB Updater: updates come through the durable inbox
    (handlers/transport/inbox.py), fed by long polling or the webhook, whichever the settings
    choose. The inbox also bounds the updates in memory, so a burst of any size waits at
    Telegram.

    `content` is the already validated content file, if the caller checked it up front.
    """

    # One look for every message: the handlers' replies and the delivery worker's broadcasts.
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )

    inbox = Inbox()
    updates_request = UpdatesRequest()

    async def post_init(application: BotApplication) -> None:
        data = application.bot_data
        data.settings = settings
        data.translate = Translator(load_catalogs())
        data.flood = FloodGuard(settings.bot.flood_burst, settings.bot.flood_window)
        data.opened_store = await open_store(
            settings.storage.path, settings.storage.content, content
        )
        data.opened_answers = answer_engine(data.opened_store)
        data.storage_health.watch(data.store.probe_write)
        data.opened_inbox = inbox
        await inbox.open(
            settings.storage.path,
            data.opened_store.inbox,
            application.bot,
            application.update_queue,
            # New users' first contact is on disk before their updates are marked done.
            ContactJournal(data.opened_store.users, data.storage_health),
            data.storage_health,
        )
        data.bot_username = application.bot.username
        delivery = DeliveryWorker(
            token=token,
            base_url=settings.telegram.base_url,
            database=settings.storage.path,
            translate=data.translate,
            messages_per_second=settings.broadcast.messages_per_second,
            default_language=settings.bot.default_language,
            request_timeout=settings.broadcast.request_timeout,
            defaults=defaults,
            health=data.storage_health,
            write_contacts=data.opened_store.users.settle,
            # A 401 while broadcasting: the update source confirms it and stops the process.
            on_token_rejected=lambda: data.source.check_token() if data.source else None,
        )
        await delivery.start()
        data.started_delivery = delivery
        await _load_programme(data)
        outbox = ProgrammeOutbox(
            delivery,
            settings.storage.path,
            data.translate,
            remind_minutes=settings.programme.remind_minutes,
            messages_per_second=settings.broadcast.messages_per_second,
            default_language=settings.bot.default_language,
        )
        await outbox.start()
        data.programme_outbox = outbox
        # Replies and broadcasts share Telegram's budget (handlers/transport/flood_wait.py).
        flood_wait.share_budget(
            delivery.limiter.note, delivery.pause_for, delivery.limiter.after_flood
        )
        await publish_commands(application.bot, data)
        # Answers a crash caught in flight are marked before any update is handled (start()
        # comes after post_init), so none sent from now on is taken for one of them.
        interrupted = await mark_interrupted_deliveries(data)
        # A confirmation a crash cut short goes back to its organizer, unless replaying the
        # inbox (the Send press) completed it: so only once the replayed updates are handled.
        data.resuming = asyncio.create_task(
            resume_after_replay(application, inbox, interrupted), name="resume-after-restart"
        )
        data.source = await _update_source(application, settings, inbox, updates_request)
        # Everything alive now (modules, PTB's classes, catalogs) lives as long as the process:
        # keep it out of the collector's scans, and collect young objects less often. Under a
        # burst this was ~10 % of the CPU per update (BENCHMARKS.md).
        gc.collect()  # start-up's garbage first: frozen objects are never collected
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("Bot @%s is up", data.bot_username)

    async def post_shutdown(application: BotApplication) -> None:
        await application.bot_data.close()

    # The one retry path on 429 for every request the handlers make.
    flood_wait = FloodWait()

    # Echo-free replies (handlers/transport/fast_bot.py); aiohttp, not PTB's default httpx: 3x
    # the replies per second under load (BENCHMARKS.md).
    bot = FastBot(
        token,
        base_url=settings.telegram.base_url,
        request=ReplyRequest(CONNECTION_POOL, pool_timeout=10),
        get_updates_request=updates_request,
        defaults=defaults,
        rate_limiter=flood_wait,
    )
    application: BotApplication = (
        ApplicationBuilder()
        .application_class(StoreBackedApplication)
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES, on_done=inbox.done))
        # Our own update source instead of PTB's Updater: see handlers/transport/inbox.py.
        .updater(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    handlers.register(application, settings.bot.admins)
    return application


async def _load_programme(data: BotData) -> None:
    """Import `[programme] source` at start. A bad file is one warning line and the programme
    the database already has stays, as with `/programme reload`."""
    source = data.settings.programme.source
    if source is None:
        return
    try:
        report = await data.store.reload_programme(source)
    except ProgrammeError as error:
        log.warning("Programme not loaded, the previous one stays: %s", error)
        return
    if not report.unchanged:
        log.info("Programme loaded from %s: %s", source, report)


async def _update_source(
    application: BotApplication, settings: Settings, inbox: Inbox, request: UpdatesRequest
) -> UpdateSource:
    """The webhook if [webhook] is configured, long polling otherwise."""
    if settings.webhook is None:
        return PollingSource(application.bot, request, inbox, ALLOWED_UPDATES)
    from handlers.transport.webhook import WebhookSource

    return await WebhookSource.create(application, inbox, settings.webhook, ALLOWED_UPDATES)
