"""What every handler needs: the user's language, safe replies and callback-data names."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.fast_bot import FastBot
from bot.i18n import Html, language_from_telegram
from bot.telegram_text import utf16_length
from storage.users import UserStore

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
    "help",
]


async def user_language(update: Update, context: BotContext) -> str:
    """The stored choice, else Telegram's language_code, else the configured default.

    Nothing is awaited: the choice is read from memory and the contact noted for the next batch
    (ContactJournal below writes it before Telegram is told the update arrived).
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


class ContactJournal:
    """The FetchJournal of bot/fast_bot.py: who wrote to the bot, on disk before the ack."""

    def __init__(self, users: UserStore) -> None:
        self._users = users

    def fetched(self, updates: Sequence[Update]) -> None:
        """Note every sender (first contact, Telegram's language) for the next flush."""
        for update in updates:
            user = update.effective_user
            if user is not None:
                self._users.note(user.id, user.language_code)

    async def flush(self) -> None:
        """Write the noted senders in batches."""
        await self._users.flush()


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text trimmed for echoing: no control characters, at most `limit` characters."""
    cleaned = re.sub(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]", " ", text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a reply on paragraph boundaries into pieces Telegram accepts.

    Lengths are measured in UTF-16 code units of the raw HTML, which is never shorter than the
    text Telegram counts, so every piece fits. Our templates keep tags inside one paragraph.
    """
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        for part in _split_long(paragraph, limit):
            pieces.append(part)
    if current:
        pieces.append(current)
    return pieces or [text]


def _split_long(paragraph: str, limit: int) -> list[str]:
    if utf16_length(paragraph) <= limit:
        return [paragraph]
    parts, current = [], ""
    for line in paragraph.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while utf16_length(line) > limit:
            cut = _cut_point(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        parts.append(current)
    return parts


def _cut_point(line: str, limit: int) -> int:
    cut = limit // 2  # any UTF-16 surrogate pair counts twice, so half the limit always fits
    while utf16_length(line[: cut + 1]) <= limit and cut < len(line):
        cut += 1
    amp = line.rfind("&", max(0, cut - 10), cut)
    if amp != -1 and ";" not in line[amp:cut]:
        cut = amp  # never cut an HTML entity in two
    return max(cut, 1)


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
