"""/search and plain-text questions in private chats: full-text search over every card."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Html, escape
from bot.keyboards import CARD, RESULTS, button, keyboard
from bot.telegram_text import callback_text
from handlers.cards import get_card
from handlers.common import reply, shorten, show, user_language
from storage.cards import CardKey

RESULTS_SHOWN = 8
# Result lists a Back button can restore, per chat: the query by message id (in memory, so a
# restart forgets them and their Back buttons answer "out of date").
RESULT_LISTS_KEPT = 20
_RESULT_LISTS = "search_results"


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
    if update.callback_query:  # Back from a card: the list comes back in place
        await show(update, Html("\n\n".join(lines)), keyboard(*buttons))
        sent = update.callback_query.message
    else:
        sent = await reply(update, Html("\n\n".join(lines)), keyboard(*buttons))
    if isinstance(sent, Message):
        _remember(context, sent.message_id, query)


def _remember(context: BotContext, message_id: int, query: str) -> None:
    if context.chat_data is None:
        return
    lists: dict[int, str] = context.chat_data.setdefault(_RESULT_LISTS, {})
    lists.pop(message_id, None)
    lists[message_id] = query
    while len(lists) > RESULT_LISTS_KEPT:
        del lists[next(iter(lists))]


def _remembered_query(context: BotContext, message: object) -> str | None:
    if not isinstance(message, Message) or context.chat_data is None:
        return None
    lists: dict[int, str] = context.chat_data.get(_RESULT_LISTS, {})
    return lists.get(message.message_id)


def with_back_to_results(
    update: Update, context: BotContext, language: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """A card opened in place of a result list gets a Back button that restores the list."""
    query = update.callback_query
    if query is None or _remembered_query(context, query.message) is None:
        return markup
    back = button(context.bot_data.translate(language, "button.back_to_results"), RESULTS)
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup([[back], *rows])


async def back_to_results(update: Update, context: BotContext) -> None:
    """The Back button under a card opened from search results: show the results again."""
    query = update.callback_query
    if query is None:
        return
    remembered = _remembered_query(context, query.message)
    if remembered is None:
        language = await user_language(update, context)
        stale = context.bot_data.translate(language, "callback.stale")
        await query.answer(callback_text(stale), show_alert=True)
        return
    await query.answer()
    await answer_search(update, context, remembered)
