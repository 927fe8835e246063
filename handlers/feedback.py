"""Helpful / Not helpful under a typed answer (issue 22).

One tap, idempotent, the state shown on the buttons themselves, changeable. The state lives in
the message's keyboard, so nothing about the user is stored: "Not helpful" writes the question
(as typed) to the unanswered report and adds "Ask the organizers" under the answer; changing
it back to "Helpful" takes that row out of the report again.

Buttons: fb:up and fb:dn (not chosen), fb:ok (the chosen one: pressing it again does nothing
but say so), fb:up:<token> (Helpful while "Not helpful" is chosen: forget its report row).
The question is the one the answer was given to, remembered per chat in memory by the search
handler; after a restart an old answer cannot be rated (the user is told to ask again).
"""

from __future__ import annotations

import contextlib
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from handlers.common import answer_stale, user_language
from handlers.kit.context import BotContext
from handlers.kit.keyboards import button
from handlers.kit.telegram_text import callback_text
from handlers.questions import ASK
from storage.db import is_storage_failure
from storage.unanswered import Reason
from wording.i18n import Translator

FEEDBACK = "fb"
_CALLBACK = re.compile(rf"^{FEEDBACK}:(?:(up|dn|ok)|up:([A-Za-z0-9_-]{{22}}))$")


def feedback_row(
    t: Translator, language: str, chosen: str | None = None, token: str | None = None
) -> list[InlineKeyboardButton]:
    """The pair under an answer; `chosen` is "up" or "dn" once the user pressed one."""
    if chosen == "up":
        return [
            button(t(language, "feedback.helpful_chosen"), f"{FEEDBACK}:ok"),
            button(t(language, "feedback.unhelpful"), f"{FEEDBACK}:dn"),
        ]
    if chosen == "dn":
        return [
            button(
                t(language, "feedback.helpful"),
                f"{FEEDBACK}:up:{token}" if token else f"{FEEDBACK}:up",
            ),
            button(t(language, "feedback.unhelpful_chosen"), f"{FEEDBACK}:ok"),
        ]
    return [
        button(t(language, "feedback.helpful"), f"{FEEDBACK}:up"),
        button(t(language, "feedback.unhelpful"), f"{FEEDBACK}:dn"),
    ]


def _is_feedback_row(row: tuple[InlineKeyboardButton, ...]) -> bool:
    return any(str(b.callback_data or "").startswith(f"{FEEDBACK}:") for b in row)


def _replace(
    rows: list[list[InlineKeyboardButton]], pair: list[InlineKeyboardButton]
) -> list[list[InlineKeyboardButton]]:
    """The keyboard with its feedback row replaced by `pair`, in place."""
    return [pair if _is_feedback_row(tuple(row)) else row for row in rows]


def _is_ask_row(row: tuple[InlineKeyboardButton, ...]) -> bool:
    return any(str(b.callback_data or "").startswith(f"{ASK}:") for b in row)


async def feedback_button(update: Update, context: BotContext) -> None:
    """fb:…: record the rating and show it on the buttons."""
    query = update.callback_query
    if query is None:
        return
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    match = _CALLBACK.match(query.data or "")
    message = query.message
    if match is None or not isinstance(message, Message) or message.reply_markup is None:
        await answer_stale(query, language, t)
        return
    vote, forget = match.groups()
    if vote == "ok":
        await query.answer(callback_text(t(language, "feedback.already")))
        return
    rows = [list(row) for row in message.reply_markup.inline_keyboard if not _is_ask_row(row)]
    if vote == "dn":
        # Imported here: the search handler imports this module for the buttons it shows.
        from handlers.search import answered_query

        asked = answered_query(context, message)
        if asked is None:
            await query.answer(callback_text(t(language, "feedback.stale")), show_alert=True)
            return
        try:
            key = await data.answers.normal_form(asked)
            token = await data.store.unanswered.note(asked, language, key, Reason.UNHELPFUL, None)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            data.storage_health.failed(error)
            await query.answer(callback_text(t(language, "ask.failed")), show_alert=True)
            return
        pair = feedback_row(t, language, "dn", token)
        rows = [[button(t(language, "ask.button"), f"{ASK}:{token}")], *_replace(rows, pair)]
        await query.answer(callback_text(t(language, "feedback.sorry")))
    else:
        if forget:
            with contextlib.suppress(Exception):
                await data.store.unanswered.forget(forget)
        rows = _replace(rows, feedback_row(t, language, "up"))
        await query.answer(callback_text(t(language, "feedback.thanks")))
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows))
