"""What every handler needs: the user's language, safe replies and callback-data names."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest

from handlers.kit.context import BotContext
from handlers.kit.telegram_text import callback_text, split_visible
from handlers.transport.fast_bot import FastBot
from wording.i18n import Html, Translator, language_from_telegram

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
# Longest piece of user text we echo back (in "nothing found for …"), so replies stay short.
ECHO_LIMIT = 64

# Commands in Telegram's menu and in /help, in this order; descriptions come from the catalogs.
PUBLIC_COMMANDS = [
    "start",
    "about",
    "speakers",
    "organizers",
    "jitri",
    "org",
    "interview",
    "search",
    "contacts",
    "source",
    "lang",
    "subscribe",
    "unsubscribe",
    "news",
    "ask",
    "faq",
    "help",
]
# In the menu too when a programme is configured ([programme] source).
PROGRAMME_COMMANDS = ["programme", "now", "next", "my"]


async def user_language(update: Update, context: BotContext) -> str:
    """The stored choice, else Telegram's language_code, else the configured default.

    Nothing is awaited: the choice is read from memory and the contact noted for the next batch
    (handlers/transport/contacts.py writes it before Telegram is told the update arrived).
    """
    data = context.bot_data
    user = update.effective_user
    if user is None:
        return data.settings.bot.default_language
    users = data.store.users
    users.note(user.id, user.language_code)
    chosen = users.chosen(user.id)
    return (
        chosen or language_from_telegram(user.language_code) or data.settings.bot.default_language
    )


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text trimmed for echoing: no control characters, at most `limit` characters."""
    cleaned = re.sub(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]", " ", text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a reply into pieces Telegram accepts: at most `limit` visible characters each
    (UTF-16 units of the text, as Telegram counts after parsing the HTML), cut at paragraph
    breaks if possible, with formatting that spans a cut closed and re-opened around it."""
    return split_visible(text, limit)


async def reply(update: Update, text: Html, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send `text` to the update's chat, split if long; the keyboard goes on the last piece.

    Telegram's echo of the message is not read (FastBot.send_text); errors raise as usual.
    """
    chat = update.effective_chat
    if chat is None:
        return
    bot = update.get_bot()
    pieces = split_html(text)
    for index, piece in enumerate(pieces):
        piece_markup = markup if index == len(pieces) - 1 else None
        if isinstance(bot, FastBot):
            await bot.send_text(chat.id, piece, piece_markup)
        else:
            await chat.send_message(piece, reply_markup=piece_markup)


async def reply_message(
    update: Update, text: Html, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Like `reply`, returning the last sent Message, for a caller that edits it later."""
    chat = update.effective_chat
    if chat is None:
        return None
    pieces = split_html(text)
    sent = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await chat.send_message(piece, reply_markup=markup if last else None)
    return sent


async def show(update: Update, text: Html, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button press by editing its message in place, or by a new message if we can't."""
    query = update.callback_query
    message = query.message if query else None
    if isinstance(message, Message) and len(split_html(text)) == 1:
        if _same_content(message, text, markup):
            return  # Telegram refuses an edit that changes nothing
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as error:
            if "not modified" in error.message:
                return
            log.info("Could not edit message, sending a new one: %s", error.message)
    await reply(update, text, markup)


def _same_content(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether `message` already shows `text` with `markup` (best effort; False if unsure)."""
    try:
        shown = message.text_html
    except (TypeError, ValueError):
        return False
    return shown == text and message.reply_markup == markup


# ------------------------------------------------------------------ button presses


@dataclass(frozen=True, slots=True)
class Press:
    """A button press whose data matched its handler's pattern: who pressed, in which language."""

    query: CallbackQuery
    user: User
    language: str
    match: re.Match[str]


async def read_press(update: Update, context: BotContext, pattern: re.Pattern[str]) -> Press | None:
    """The press, if `pattern` matches its data; None for an update without a press or a user,
    or for a button that is out of date (its presser is told so)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return None
    language = await user_language(update, context)
    match = pattern.match(query.data or "")
    if match is None:
        await answer_stale(query, language, context.bot_data.translate)
        return None
    return Press(query, user, language, match)


async def answer_stale(query: CallbackQuery, language: str, t: Translator) -> None:
    """Tell the presser the button is out of date: an alert in their language."""
    await query.answer(callback_text(t(language, "callback.stale")), show_alert=True)
