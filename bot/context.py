"""The typed `bot_data` every handler sees, and the context type that carries it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.delivery import DeliveryWorker
    from bot.flood import FloodGuard
    from bot.i18n import Translator
    from storage.store import Store
    from web.server import WebServer


class BotData:
    """Services shared by all handlers: created in post_init, closed in post_shutdown."""

    settings: Settings
    translate: Translator
    store: Store
    flood: FloodGuard
    # The broadcast delivery worker (bot/delivery.py): started in post_init.
    delivery: DeliveryWorker
    # Rendered cards by (card key, language); cleared whenever the content is reloaded.
    cards: dict[tuple[str, str], Any]
    bot_username: str
    # The process's web server (site, health checks) when `[web] enabled`: started in post_init.
    web: WebServer | None

    def __init__(self) -> None:
        self.cards = {}
        self.bot_username = ""
        self.web = None


BotContext: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# What every handler is: `async def name(update: Update, context: BotContext) -> None`.
HandlerCallback: TypeAlias = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
