"""/lang and the language buttons: the choice is stored and wins over Telegram's language."""

from __future__ import annotations

from telegram import Update

from handlers.info import send_card
from handlers.kit.context import BotContext
from storage.cards import CardKey
from storage.content import LANGUAGES


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer the three languages."""
    await send_card(update, context, CardKey.LANGUAGE)


async def set_language(update: Update, context: BotContext) -> None:
    """Store the pressed language and show the main menu in it."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    language = (query.data or "").partition(":")[2]
    if language not in LANGUAGES:
        await query.answer()
        await send_card(update, context, CardKey.LANGUAGE)
        return
    await context.bot_data.store.users.set_language(user.id, language)
    await query.answer(context.bot_data.translate(language, "language.saved"))
    await send_card(update, context, CardKey.WELCOME)
