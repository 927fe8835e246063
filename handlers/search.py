"""/search and plain-text questions in private chats: full-text search over every card."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Html, escape
from bot.keyboards import CARD, button, keyboard
from handlers.cards import get_card
from handlers.common import reply, shorten, user_language
from storage.cards import CardKey

RESULTS_SHOWN = 8


async def search_command(update: Update, context: BotContext) -> None:
    """Search for the command's argument, or explain how to search."""
    query = " ".join(context.args or [])
    if not query.strip():
        language = await user_language(update, context)
        card = await get_card(context, CardKey.SEARCH_TIPS, language)
        if card:
            await reply(update, card.text, card.markup)
        return
    await answer_search(update, context, query)


async def search_text(update: Update, context: BotContext) -> None:
    """A plain message in a private chat is a question: search for it."""
    message = update.effective_message
    if message and message.text:
        await answer_search(update, context, message.text)


async def answer_search(update: Update, context: BotContext, query: str) -> None:
    """Reply with ranked results, each with a button to its card, or with suggestions."""
    language = await user_language(update, context)
    t = context.bot_data.translate
    hits = await context.bot_data.store.facts.search(query, language, limit=RESULTS_SHOWN)
    if not hits:
        card = await get_card(context, CardKey.WELCOME, language)
        await reply(
            update,
            t(language, "search.nothing", query=shorten(query)),
            card.markup if card else None,
        )
        return
    lines: list[str] = [t(language, "search.found", count=len(hits), query=shorten(query))]
    lines += [
        f"{number}. <b>{escape(hit.title)}</b>\n{escape(shorten(hit.excerpt, 120))}"
        for number, hit in enumerate(hits, start=1)
    ]
    buttons = [
        [button(f"{n}. {shorten(hit.title, 40)}", f"{CARD}:{hit.card}")]
        for n, hit in enumerate(hits, 1)
    ]
    await reply(update, Html("\n\n".join(lines)), keyboard(*buttons))
