"""Everything else: flood control, unknown commands, media, edits, stale buttons, errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ApplicationHandlerStop

from handlers.common import answer_stale, reply, shorten, user_language
from handlers.kit.context import BotContext
from handlers.kit.flood import Verdict
from handlers.kit.keyboards import CARD, button, keyboard
from handlers.kit.telegram_text import callback_text
from storage.cards import CardKey
from storage.errors import is_corruption, is_storage_failure

log = logging.getLogger(__name__)


async def flood_guard(update: Update, context: BotContext) -> None:
    """Stop a user's burst of messages and button presses: one polite notice, then silence.

    Only what a user sends counts. Service updates (my_chat_member: the user blocked or came
    back) and inline queries always pass, so a flooding user who then blocks the bot is still
    marked blocked."""
    user = update.effective_user
    if user is None or not (update.message or update.edited_message or update.callback_query):
        return
    verdict = context.bot_data.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    notice = None
    if verdict is Verdict.NOTIFY:
        language = await user_language(update, context)
        notice = context.bot_data.translate(language, "flood")
    if update.callback_query:
        # A press must always be answered, or the user's button spins; the first one over the
        # limit carries the notice as an alert, so the user learns why nothing happens.
        if notice is None:
            await update.callback_query.answer()
        else:
            await update.callback_query.answer(callback_text(notice), show_alert=True)
    elif notice is not None:
        await reply(update, notice)
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: BotContext) -> None:
    """Say the command is unknown and point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    name, _, addressee = command.partition("@")
    ours = context.bot_data.bot_username.lower()
    if addressee and addressee.lower() != ours:
        return  # /cmd@otherbot is for another bot, in a private chat as in a group
    if message.chat.type != "private" and not addressee:
        return  # in a group, a command without our name may belong to another bot
    language = await user_language(update, context)
    await reply(
        update, context.bot_data.translate(language, "unknown_command", command=shorten(name, 32))
    )


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like: we only read text.

    A sticker is small talk, as a lone emoji is (answers/engine.py Verdict.SMALL_TALK): the
    same friendly reply and the menu."""
    language = await user_language(update, context)
    t = context.bot_data.translate
    message = update.effective_message
    if message is not None and message.sticker is not None:
        menu = keyboard([button(t(language, "button.menu"), f"{CARD}:{CardKey.WELCOME}")])
        await reply(update, t(language, "honest.emoji"), menu)
        return
    await reply(update, t(language, "text_only"))


async def edited(update: Update, context: BotContext) -> None:
    """An edited message is not re-answered; say how to ask again."""
    language = await user_language(update, context)
    await reply(update, context.bot_data.translate(language, "edited"))


async def stale_button(update: Update, context: BotContext) -> None:
    """Any callback no other handler claimed: forged or from an old version of the bot."""
    query = update.callback_query
    if query is None:
        return
    language = await user_language(update, context)
    await answer_stale(query, language, context.bot_data.translate)


async def error_handler(update: object, context: BotContext) -> None:
    """Log the error first, then apologise to the user if there is one to apologise to.

    The apology never touches the database (it may be what failed): the language comes from
    memory or from Telegram. A storage failure (full disk, read-only file, a lock held too
    long) is one log line per outage (storage/health.py) and a "temporarily unavailable" reply.
    """
    error = context.error
    unavailable = is_storage_failure(error)
    if unavailable and error is not None:
        context.bot_data.storage_health.failed(error)
    elif isinstance(error, InvalidToken):
        # Revoked while running: the update source confirms it and stops the process (one line).
        log.error("Error while handling an update: Telegram rejected the bot token (401)")
        if context.bot_data.source is not None:
            context.bot_data.source.check_token()
        return  # no apology can be sent with a rejected token
    elif _transport_failure(error):
        # Telegram (or a proxy in front of it) refused or failed the request: not a bug here,
        # so one line, not a traceback with the HTML page's parse error chained to it.
        log.error(
            "Error while handling an update: Telegram did not take a request (%s)",
            _one_line(error),
        )
    else:
        log.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    try:
        language = await user_language(update, context)  # from memory, never the database
        key = "unavailable" if unavailable else "error"
        if is_corruption(error):
            key = "storage.damaged"  # only a restore helps: never "try again in a few minutes"
        text = context.bot_data.translate(language, key)
        if update.callback_query:
            await update.callback_query.answer(callback_text(text), show_alert=True)
        elif update.effective_chat and update.effective_chat.type == "private":
            await reply(update, text)
    except TelegramError as failed:
        log.warning("Could not tell the user about the error: %s", _one_line(failed))
    if unavailable:
        raise ApplicationHandlerStop  # later groups would only fail (and apologise) again


def _transport_failure(error: BaseException | None) -> bool:
    """A request Telegram answered with a server error, a flood wait or not at all (timeouts,
    connection errors): the network's fault, not a bug in a handler (BadRequest is ours)."""
    return isinstance(error, RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    )


def _one_line(error: BaseException | None) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
