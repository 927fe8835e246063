"""Building the Application: request settings, defaults, services and handler registration."""

from __future__ import annotations

import gc
import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.aiohttp_request import AiohttpRequest
from bot.config import Settings
from bot.context import BotData
from bot.delivery import DeliveryWorker
from bot.fast_bot import FastBot, ReplyRequest, UpdateGate
from bot.flood import FloodGuard
from bot.flood_wait import FloodWait
from bot.i18n import Translator, load_catalogs
from bot.processor import PerChatUpdateProcessor
from handlers.admin import resume_confirmations
from handlers.common import ContactJournal
from handlers.content_admin import publish_commands
from storage.content import LoadedContent
from storage.store import Store

log = logging.getLogger(__name__)

BotApplication = Application[FastBot, Any, dict[Any, Any], dict[Any, Any], BotData, Any]

# The update types the handlers use; Telegram sends nothing else, so nothing else costs a parse.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query", "my_chat_member"]
CONCURRENT_UPDATES = 64
# Updates fetched but not finished, at most (plus one getUpdates batch): memory stays flat under
# a burst of any size, the rest waits at Telegram (BENCHMARKS.md, burst).
MAX_UPDATES_IN_FLIGHT = 128
# Python's defaults are (700, 10, 10); a reply allocates a few thousand objects, nearly all freed
# by reference counting, so young-generation collections every 700 allocations find little.
GC_THRESHOLDS = (10_000, 20, 20)
CONNECTION_POOL = 128


def build_application(
    settings: Settings, token: str, content: LoadedContent | None = None
) -> BotApplication:
    """The bot, ready for run_polling(); services start in post_init.

    `content` is the already validated content file, if the caller checked it up front.
    """

    # One look for every message: the handlers' replies and the delivery worker's broadcasts.
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )

    async def post_init(application: BotApplication) -> None:
        data = application.bot_data
        data.settings = settings
        data.translate = Translator(load_catalogs())
        data.flood = FloodGuard(settings.bot.flood_burst, settings.bot.flood_window)
        data.opened_store = await Store.open(
            settings.storage.path, settings.storage.content, content
        )
        data.storage_health.watch(data.store.probe_write)
        # New users' first contact is on disk before their updates are confirmed to Telegram.
        bot.use_journal(ContactJournal(data.opened_store.users, data.storage_health))
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
        )
        await delivery.start()
        data.started_delivery = delivery
        # Replies and broadcasts share Telegram's budget (bot/flood_wait.py).
        flood_wait.share_budget(delivery.limiter.note, delivery.pause_for)
        await publish_commands(application.bot, data)
        # A confirmation a crash cut short goes back to its organizer.
        await resume_confirmations(application.bot, data)
        if settings.web.enabled:
            from web.serve import build_server  # only a process that serves the site loads it

            data.web = build_server(settings, data.store, data.translate, data.bot_username)
            await data.web.start(settings.web.host, settings.web.port)
        # Everything alive now (modules, PTB's classes, catalogs) lives as long as the process:
        # keep it out of the collector's scans, and collect young objects less often. Under a
        # burst this was ~10 % of the CPU per update (BENCHMARKS.md).
        gc.collect()  # start-up's garbage first: frozen objects are never collected
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("Bot @%s is up", data.bot_username)

    async def post_shutdown(application: BotApplication) -> None:
        bot.use_journal(None)
        await application.bot_data.close()

    # The one retry path on 429 for every request the handlers make.
    flood_wait = FloodWait()

    # Echo-free replies and the contact journal (bot/fast_bot.py); aiohttp, not PTB's default
    # httpx: 3x the replies per second under load (BENCHMARKS.md).
    bot = FastBot(
        token,
        base_url=settings.telegram.base_url,
        request=ReplyRequest(CONNECTION_POOL, pool_timeout=10),
        get_updates_request=AiohttpRequest(1),
        defaults=defaults,
        rate_limiter=flood_wait,
    )
    gate = UpdateGate(MAX_UPDATES_IN_FLIGHT)
    bot.use_gate(gate)
    application: BotApplication = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES, gate))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    handlers.register(application, settings.bot.admins)
    return application


async def close_requests(application: BotApplication) -> None:
    """Close the bot's HTTP sessions (after a failed start, which PTB does not clean up)."""
    for request in (application.bot.request, application.bot._request[0]):
        await request.shutdown()
