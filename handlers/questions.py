"""Questions to the organizers (issue 22): asking, the admins' queue, answering, delivery.

Participants: the "Ask the organizers" button under a reply that is not in the article (and
after "Not helpful"), or `/ask <question>`, sends the question exactly as typed. Limits: at
most `MAX_OPEN` open questions per user, Telegram's own message length, the flood guard; the
open questions of a user who blocked the bot drop out of the queue.

Organizers: a new question reaches each admin (or the `[bot] organizers_chat` group) at once,
with Answer and Dismiss; `/questions` lists the open ones, oldest first, paged. Answer, then a
text or a photo with a caption, delivers it to the asker as a reply to their question, marked
as the organizers' and quoting it; every admin's copy of the question then says who answered.

Buttons (callback data; tokens are unguessable, never the sequential id):
ask:<token> (send a noted question), q:a:<token> (answer), q:d:<token> (dismiss),
q:r:<token> (send an answer again), q:x (stop writing an answer), q:p:<page>.
Only admins can press the q:… buttons; a forged or stale one does nothing but say so.

Durability (write first, then tell; storage/asked.py): the question is on disk before the
asker hears "sent"; the answer, marked `pending`, before its delivery starts; `sending`
before the request. On start, `pending` answers are delivered and `sending` ones (a crash
mid-request) become "uncertain": their admin is asked whether to send again. So an answer is
sent at most once per press and never silently lost. Its request goes through the
interactive bot, whose every call counts in the budget the broadcast worker shares
(handlers/transport/flood_wait.py), so answers and broadcasts never exceed it together.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import re
import time

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, ExtBot

from handlers import faq
from handlers.auth import admin_only
from handlers.common import answer_stale, read_press, reply, shorten, user_language
from handlers.kit.context import BotContext, BotData
from handlers.kit.keyboards import button, keyboard
from handlers.kit.telegram_text import callback_text, message_html, split_visible, utf16_length
from handlers.transport.aiohttp_request import NotSent
from storage.asked import Asked, Delivery, Origin, State
from storage.db import is_storage_failure
from storage.unanswered import Reason
from wording.i18n import Html, escape

log = logging.getLogger(__name__)

ASK = "ask"
QUESTION = "q"
# Open questions one user may have waiting at once.
MAX_OPEN = 3
# A question is at most what Telegram lets anyone type in one message (UTF-16 units).
QUESTION_LIMIT = 4096
# An answer leaves room for the header and the quoted question within Telegram's limits.
ANSWER_LIMIT = 3000
CAPTION_ANSWER_LIMIT = 700
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# The question as quoted above the organizers' answer.
QUOTE_LIMIT = 600
CAPTION_QUOTE_LIMIT = 200
PAGE_SIZE = 5
_TOKEN = r"[A-Za-z0-9_-]{22}"
_QUESTION_CALLBACK = re.compile(rf"^{QUESTION}:(?:([adr]):({_TOKEN})|(x)|p:(\d{{1,4}}))$")
_ASK_CALLBACK = re.compile(rf"^{ASK}:({_TOKEN})$")
# The "send your answer" prompt each admin was shown last (in memory: after a restart its
# Cancel button stays, and pressing it says there is nothing to cancel).
_PROMPTS: dict[int, int] = {}
# At most one notice per organizers' chat this often (Telegram: about one message a second
# per chat); questions arriving meanwhile are shown together.
NOTICE_INTERVAL = 1.0
# Retention runs on start, on /questions and /unanswered, and at most this often otherwise.
SWEEP_INTERVAL = 600.0
_last_sweep = float("-inf")


def _closed_by(data: BotData, language: str, asked: Asked | None) -> str:
    """Who answered or dismissed a question: the admin's first name as it was then."""
    if asked is not None and asked.closed_by_name:
        return asked.closed_by_name
    return data.translate(language, "questions.someone")


async def _sweep(data: BotData, *, now: bool = False) -> None:
    """Retention: closed questions older than `[bot] question_retention_days` go; at most once
    every SWEEP_INTERVAL (a flood of questions must not mean a flood of deletes) unless `now`
    (an admin looking at the queue or the report sees it swept)."""
    global _last_sweep
    moment = time.monotonic()
    if not now and moment - _last_sweep < SWEEP_INTERVAL:
        return
    _last_sweep = moment
    with contextlib.suppress(Exception):
        await data.store.asked.sweep(data.settings.bot.question_retention_days)


# ------------------------------------------------------------------ participants


async def offer_to_ask(
    update: Update, context: BotContext, query: str, language: str
) -> list[list[InlineKeyboardButton]]:
    """The hook under a "not in the article" reply (issue 22): note the question for the
    unanswered report and return the keyboard row with "Ask the organizers".

    Never fails the reply: if the database refuses the note, no button is offered."""
    data = context.bot_data
    message = update.effective_message
    try:
        key = await data.answers.normal_form(query)
        token = await data.store.unanswered.note(
            query,
            language,
            key,
            Reason.NOTHING,
            message.message_id if message is not None and not update.callback_query else None,
        )
    except Exception as error:
        if not is_storage_failure(error):
            raise
        data.storage_health.failed(error)
        return []
    return [[button(data.translate(language, "ask.button"), f"{ASK}:{token}")]]


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask <question>: the question, exactly as typed after the command, to the organizers."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    language = await user_language(update, context)
    parts = message.text.split(maxsplit=1)
    text = message.text[len(parts[0]) :].strip() if len(parts) > 1 else ""
    if not text:
        await reply(update, context.bot_data.translate(language, "ask.usage"))
        return
    await submit(update, context, text, Origin.ASK, message.message_id, language)


async def ask_button(update: Update, context: BotContext) -> None:
    """ask:<token>: send the question noted under a reply to the organizers (once)."""
    query = update.callback_query
    if query is None:
        return
    data = context.bot_data
    language = await user_language(update, context)
    t = data.translate
    match = _ASK_CALLBACK.match(query.data or "")
    noted = await data.store.unanswered.by_token(match.group(1)) if match else None
    if noted is None:
        await query.answer(callback_text(t(language, "ask.stale")), show_alert=True)
        return
    if noted.asked:
        await query.answer(callback_text(t(language, "ask.already")))
        return
    origin = Origin.UNHELPFUL if noted.reason is Reason.UNHELPFUL else Origin.NOTHING
    # Reply to the question the user typed; after "Not helpful", to the answer they rated.
    reply_to = noted.message_id
    if reply_to is None and isinstance(query.message, Message):
        reply_to = query.message.message_id
    # The question first, then the mark: a crash in between costs at most a duplicate question
    # (a chat's updates run one at a time, so two presses never race), never a lost one.
    asked = await _store(update, context, noted.text, origin, reply_to, language)
    if asked is None:
        await query.answer()
        return
    await data.store.unanswered.mark_asked(noted.id)
    # The press is answered and its button marked first: the organizers' notice (in the same
    # chat, for an organizer asking) comes last.
    await query.answer(callback_text(t(language, "ask.button_sent")))
    await _mark_button_sent(query.message, query.data or "", t(language, "ask.button_sent"))
    await _tell_and_notify(update, context, asked, language)


async def _mark_button_sent(message: object, data: str, label: str) -> None:
    """The pressed Ask button becomes a "Sent" mark (pressing it again says so)."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [button(label, b.callback_data) if b.callback_data == data else b for b in row]
        for row in message.reply_markup.inline_keyboard
    ]
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows))


async def submit(
    update: Update,
    context: BotContext,
    text: str,
    origin: Origin,
    reply_to: int | None,
    language: str,
) -> bool:
    """Store the question (first), tell the asker, then notify the organizers."""
    asked = await _store(update, context, text, origin, reply_to, language)
    if asked is None:
        return False
    await _tell_and_notify(update, context, asked, language)
    return True


async def _store(
    update: Update,
    context: BotContext,
    text: str,
    origin: Origin,
    reply_to: int | None,
    language: str,
) -> Asked | None:
    """The question on disk, within the limits; None (the user told why) if not."""
    data = context.bot_data
    t = data.translate
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    length = utf16_length(text)
    if length > QUESTION_LIMIT:
        await reply(update, t(language, "ask.too_long", length=length, limit=QUESTION_LIMIT))
        return None
    try:
        asked = await data.store.asked.create(
            user_id=user.id,
            chat_id=chat.id,
            message_id=reply_to,
            lang=language,
            text=text,
            origin=origin,
            max_open=MAX_OPEN,
        )
    except Exception as error:
        if not is_storage_failure(error):
            raise
        data.storage_health.failed(error)
        await reply(update, t(language, "ask.failed"))
        return None
    if asked is None:
        await reply(update, t(language, "ask.too_many", limit=MAX_OPEN))
    return asked


async def _tell_and_notify(
    update: Update, context: BotContext, asked: Asked, language: str
) -> None:
    data = context.bot_data
    user = update.effective_user
    try:
        await reply(update, data.translate(language, "ask.sent"))
    finally:
        # The organizers hear of the question even if telling its asker failed.
        queue_notice(context, asked, user.first_name if user else None)
    await _sweep(data)


# ------------------------------------------------------------------ organizers' notices


async def _admin_language(data: BotData, chat_id: int) -> str:
    """The language an admin reads (the organizers' group chat: the default one)."""
    default = data.settings.bot.default_language
    if chat_id < 0:
        return default
    return data.store.users.chosen(chat_id) or await data.store.asked.reader_language(
        chat_id, default
    )


def _notice_head(data: BotData, language: str, asked: Asked, name: str | None) -> Html:
    t = data.translate
    params = {
        "id": asked.id,
        "language": t(asked.lang, "language.name"),
        "tag": asked.lang,
    }
    if name:
        return t(language, "questions.notice", name=name, **params)
    return t(language, "questions.notice_anonymous", **params)


def _quote(text: str) -> Html:
    return Html(f"<blockquote>{escape(text)}</blockquote>")


def _open_markup(data: BotData, language: str, asked: Asked) -> InlineKeyboardMarkup:
    t = data.translate
    return keyboard(
        [
            button(t(language, "questions.button_answer"), f"{QUESTION}:a:{asked.token}"),
            button(t(language, "questions.button_dismiss"), f"{QUESTION}:d:{asked.token}"),
        ]
    )


# Questions waiting to be shown, per organizers' chat, and the chats whose sender is running.
_WAITING: dict[int, list[tuple[Asked, str | None]]] = {}
_SENDING: set[int] = set()


def queue_notice(context: BotContext, asked: Asked, name: str | None) -> None:
    """Show a new question to the organizers (their group chat, or every admin), from a task of
    its own: the asker's update is done once the question is stored and acknowledged.

    Each organizers' chat gets at most one message every NOTICE_INTERVAL seconds (Telegram
    allows about one a second per chat, and a 429 would pause every reply): questions that
    arrive meanwhile are shown together in one digest. Losing a queued notice to a crash loses
    nothing: the question is stored, and /questions lists it."""
    data = context.bot_data
    group = data.settings.bot.organizers_chat
    targets = [group] if group is not None else list(data.settings.bot.admins)
    for chat_id in targets:
        _WAITING.setdefault(chat_id, []).append((asked, name))
        if chat_id not in _SENDING:
            _SENDING.add(chat_id)
            context.application.create_task(
                _send_notices(context.bot, data, chat_id), name=f"questions-notices-{chat_id}"
            )


async def _send_notices(bot: ExtBot[None], data: BotData, chat_id: int) -> None:
    try:
        while waiting := _WAITING.pop(chat_id, []):
            try:
                if len(waiting) == 1:
                    await _notice(bot, data, chat_id, *waiting[0])
                else:
                    await _digest(bot, data, chat_id, [asked for asked, _ in waiting])
            except TelegramError as error:
                # The questions are stored: /questions shows them whatever happened here.
                log.warning(
                    "Could not show %d questions in chat %d: %s", len(waiting), chat_id, error
                )
            await asyncio.sleep(NOTICE_INTERVAL)
    finally:
        _SENDING.discard(chat_id)


async def _notice(
    bot: ExtBot[None], data: BotData, chat_id: int, asked: Asked, name: str | None
) -> None:
    """One question, with Answer and Dismiss; remembered, to mark it answered later."""
    language = await _admin_language(data, chat_id)
    head = _notice_head(data, language, asked, name)
    pieces = split_visible(f"{head}\n{_quote(asked.text)}", MESSAGE_LIMIT)
    sent = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await bot.send_message(
            chat_id, piece, reply_markup=_open_markup(data, language, asked) if last else None
        )
    if sent is not None:
        await data.store.asked.add_notice(asked.id, chat_id, sent.message_id)


async def _digest(bot: ExtBot[None], data: BotData, chat_id: int, questions: list[Asked]) -> None:
    """Several questions that arrived together: one message, the first PAGE_SIZE with buttons."""
    language = await _admin_language(data, chat_id)
    t = data.translate
    shown = questions[:PAGE_SIZE]
    lines = [t(language, "questions.digest", new=len(questions))]
    share = (MESSAGE_LIMIT - 300) // PAGE_SIZE - 80
    rows = []
    for asked in shown:
        lines.append(_item(data, language, asked, share))
        rows.append(_item_buttons(data, language, asked))
    if len(questions) > len(shown):
        lines.append(t(language, "questions.digest_more", more=len(questions) - len(shown)))
    await bot.send_message(chat_id, Html("\n\n".join(lines)), reply_markup=keyboard(*rows))


async def _mark_notices(bot: ExtBot[None], data: BotData, asked: Asked, status_key: str) -> None:
    """Every admin's copy of the question says it was answered or dismissed, and by whom."""
    for chat_id, message_id in await data.store.asked.notices(asked.id):
        language = await _admin_language(data, chat_id)
        status = data.translate(language, status_key, name=_closed_by(data, language, asked))
        head = _notice_head(data, language, asked, None)
        quoted = _quote(shorten(asked.text, QUOTE_LIMIT))
        markup = faq.teach_markup(data, language, asked) if asked.state is State.ANSWERED else None
        with contextlib.suppress(TelegramError):
            await bot.edit_message_text(
                Html(f"{head}\n{quoted}\n{status}"),
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
            )


# ------------------------------------------------------------------ /questions


@admin_only
async def questions_command(update: Update, context: BotContext) -> None:
    """/questions: the open questions, oldest first, paged, with Answer and Dismiss."""
    await _sweep(context.bot_data, now=True)
    language = await user_language(update, context)
    text, markup = await _page(context.bot_data, language, 0)
    await reply(update, text, markup)


def _item(data: BotData, language: str, asked: Asked, share: int) -> Html:
    t = data.translate
    when = dt.datetime.fromtimestamp(asked.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return t(
        language,
        "questions.item",
        id=asked.id,
        language=t(asked.lang, "language.name"),
        tag=asked.lang,
        when=when,
        text=shorten(asked.text, share),
    )


def _item_buttons(data: BotData, language: str, asked: Asked) -> list[InlineKeyboardButton]:
    t = data.translate
    return [
        button(
            t(language, "questions.button_answer_one", id=asked.id), f"{QUESTION}:a:{asked.token}"
        ),
        button(
            t(language, "questions.button_dismiss_one", id=asked.id), f"{QUESTION}:d:{asked.token}"
        ),
    ]


async def _page(
    data: BotData, language: str, page: int
) -> tuple[Html, InlineKeyboardMarkup | None]:
    t = data.translate
    count = await data.store.asked.open_count()
    if count == 0:
        return t(language, "questions.empty"), None
    pages = math.ceil(count / PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    items = await data.store.asked.open_page(page * PAGE_SIZE, PAGE_SIZE)
    lines = [t(language, "questions.page", open=count, page=page + 1, pages=pages)]
    rows = []
    # Each item fits so that a page stays one message.
    share = (MESSAGE_LIMIT - 200) // PAGE_SIZE - 80
    for asked in items:
        lines.append(_item(data, language, asked, share))
        rows.append(_item_buttons(data, language, asked))
    navigation = []
    if page > 0:
        navigation.append(
            button(t(language, "questions.button_previous"), f"{QUESTION}:p:{page - 1}")
        )
    if page + 1 < pages:
        navigation.append(button(t(language, "questions.button_next"), f"{QUESTION}:p:{page + 1}"))
    return Html("\n\n".join(lines)), keyboard(*rows, navigation)


# ------------------------------------------------------------------ the q:… buttons


@admin_only
async def question_button(update: Update, context: BotContext) -> None:
    """Answer, Dismiss, Send again, Cancel and paging; admins only (the guard refuses others)."""
    press = await read_press(update, context, _QUESTION_CALLBACK)
    if press is None:
        return
    query, user, language = press.query, press.user, press.language
    data = context.bot_data
    t = data.translate
    action, token, cancel, page = press.match.groups()
    if cancel:
        await _cancel_answering(update, context, language)
        return
    if page is not None:
        await query.answer()
        text, markup = await _page(data, language, int(page))
        if isinstance(query.message, Message):
            with contextlib.suppress(BadRequest):
                await query.message.edit_text(text, reply_markup=markup)
        return
    asked = await data.store.asked.by_token(token)
    if asked is None:
        await answer_stale(query, language, t)
        return
    if action == "r":
        await _send_again(update, context, asked, language)
        return
    if asked.state is not State.OPEN:
        key = "questions.answered_by" if asked.state is State.ANSWERED else "questions.dismissed_by"
        await query.answer(
            callback_text(t(language, key, name=_closed_by(data, language, asked))),
            show_alert=True,
        )
        return
    if action == "d":
        if not await data.store.asked.dismiss(asked.id, user.id, user.first_name):
            await query.answer(
                callback_text(t(language, "questions.closed", id=asked.id)), show_alert=True
            )
            return
        await query.answer(callback_text(t(language, "questions.dismissed", id=asked.id)))
        closed = await data.store.asked.get(asked.id)
        if closed is not None:
            await _mark_notices(context.bot, data, closed, "questions.dismissed_by")
        await _sweep(data)
        return
    await _start_answering(update, context, asked, language)


async def _start_answering(
    update: Update, context: BotContext, asked: Asked, language: str
) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    data = context.bot_data
    t = data.translate
    # The next message is this answer: not a broadcast text or a FAQ step.
    await data.store.broadcasts.cancel_composing(user.id)
    await data.store.faq.stop_composing(user.id)
    await data.store.asked.start_answering(user.id, asked.id)
    prompt = t(language, "questions.write", id=asked.id, text=shorten(asked.text, QUOTE_LIMIT))
    markup = keyboard([button(t(language, "questions.button_cancel"), f"{QUESTION}:x")])
    try:
        sent = await context.bot.send_message(user.id, prompt, reply_markup=markup)
        _PROMPTS[user.id] = sent.message_id
    except Forbidden:
        await data.store.asked.stop_answering(user.id)
        await query.answer(callback_text(t(language, "questions.private_first")), show_alert=True)
        return
    chat = update.effective_chat
    private = chat is not None and chat.id == user.id
    await query.answer(
        None if private else callback_text(t(language, "questions.write_in_private"))
    )


async def _cancel_answering(update: Update, context: BotContext, language: str) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    t = context.bot_data.translate
    asked = await context.bot_data.store.asked.answering(user.id)
    if asked is None or not await context.bot_data.store.asked.stop_answering(user.id):
        await query.answer(callback_text(t(language, "questions.nothing_to_cancel")))
        return
    await query.answer(callback_text(t(language, "questions.cancelled", id=asked.id)))
    if isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(None)


# ------------------------------------------------------------------ the answer itself


async def organizer_input(update: Update, context: BotContext) -> None:
    """An admin's private message while writing an answer (or a FAQ entry) is that text.

    Runs in its own handler group before the questions; any other message falls through."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    data = context.bot_data
    asked = await data.store.asked.answering(user.id)
    if asked is None:
        if await faq.compose_input(update, context):
            raise ApplicationHandlerStop
        return
    await _take_answer(update, context, asked, message)
    raise ApplicationHandlerStop


async def _take_answer(update: Update, context: BotContext, asked: Asked, message: Message) -> None:
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    user = update.effective_user
    if user is None:
        return
    if message.photo:
        body = message.caption or ""
        html = message_html(body, message.caption_entities) if body else ""
        limit, media = CAPTION_ANSWER_LIMIT, f"photo:{message.photo[-1].file_id}"
    elif message.text:
        body, html = message.text, message_html(message.text, message.entities)
        limit, media = ANSWER_LIMIT, None
    else:
        await reply(update, t(language, "questions.text_or_photo"))
        return
    length = utf16_length(body)
    if length > limit:
        await reply(update, t(language, "questions.too_long", length=length, limit=limit))
        return
    try:
        taken = await data.store.asked.answer(asked.id, user.id, html, media, user.first_name)
    except Exception as error:
        if not is_storage_failure(error):
            raise
        data.storage_health.failed(error)
        await reply(update, t(language, "questions.storage_failed"))
        return
    if not taken:
        await data.store.asked.stop_answering(user.id)
        current = await data.store.asked.get(asked.id)
        await reply(
            update,
            t(
                language,
                "questions.taken",
                id=asked.id,
                name=_closed_by(data, language, current),
            ),
        )
        return
    answered = await data.store.asked.get(asked.id)
    if answered is None:
        return
    await _drop_prompt(context.bot, user.id)
    await _mark_notices(context.bot, data, answered, "questions.answered_by")
    await deliver(context.bot, data, answered.id)


async def _drop_prompt(bot: ExtBot[None], admin_id: int) -> None:
    """The answer is taken: its prompt's Cancel button goes."""
    message_id = _PROMPTS.pop(admin_id, None)
    if message_id is not None:
        with contextlib.suppress(TelegramError):
            await bot.edit_message_reply_markup(admin_id, message_id, reply_markup=None)


def _answer_html(data: BotData, asked: Asked, caption: bool) -> Html:
    """The asker's message: marked as the organizers', their question quoted, the answer."""
    t = data.translate
    quote = shorten(asked.text, CAPTION_QUOTE_LIMIT if caption else QUOTE_LIMIT)
    return Html(
        f"{t(asked.lang, 'ask.answer_header')}\n"
        f"{t(asked.lang, 'ask.your_question')}\n<blockquote>{escape(quote)}</blockquote>\n"
        f"{asked.answer_html or ''}"
    )


async def deliver(bot: ExtBot[None], data: BotData, question_id: int) -> Delivery | None:
    """Send a `pending` answer to its asker, once: `sending` is written before the request,
    the outcome after; a failure is reported to the admin who answered. None if the answer
    was not pending (another press, or a restart, took it)."""
    store = data.store.asked
    if not await store.claim_delivery(question_id):
        return None
    asked = await store.get(question_id)
    if asked is None:
        return None
    reply_to = (
        ReplyParameters(asked.message_id, allow_sending_without_reply=True)
        if asked.message_id is not None
        else None
    )
    outcome, reason = Delivery.SENT, None
    try:
        if asked.answer_media and asked.answer_media.startswith("photo:"):
            await bot.send_photo(
                asked.chat_id,
                asked.answer_media.removeprefix("photo:"),
                caption=_answer_html(data, asked, caption=True),
                reply_parameters=reply_to,
            )
        else:
            await bot.send_message(
                asked.chat_id, _answer_html(data, asked, caption=False), reply_parameters=reply_to
            )
    except Forbidden as error:
        outcome, reason = Delivery.BLOCKED, error.message
    except NotSent as error:  # never left: safe to send again
        outcome, reason = Delivery.FAILED, error.message
    except TimedOut as error:
        outcome, reason = Delivery.UNCERTAIN, error.message
    except BadRequest as error:
        gone = "chat not found" in error.message.lower()
        outcome, reason = (Delivery.BLOCKED if gone else Delivery.FAILED), error.message
    except TelegramError as error:  # may have been delivered: never resent on its own
        outcome, reason = Delivery.UNCERTAIN, error.message
    await store.delivered(question_id, outcome, reason)
    await _tell_outcome(bot, data, asked, outcome, reason)
    return outcome


async def _tell_outcome(
    bot: ExtBot[None], data: BotData, asked: Asked, outcome: Delivery, reason: str | None
) -> None:
    """The admin who answered learns how the delivery went (Send again when it may help)."""
    if asked.closed_by is None:
        return
    language = await _admin_language(data, asked.closed_by)
    t = data.translate
    markup = None
    if outcome is Delivery.SENT:
        text = t(language, "questions.sent", id=asked.id)
    elif outcome is Delivery.BLOCKED:
        text = t(language, "questions.blocked", id=asked.id)
    else:
        key = "questions.uncertain" if outcome is Delivery.UNCERTAIN else "questions.failed"
        text = t(language, key, id=asked.id, reason=reason or "")
        markup = keyboard(
            [button(t(language, "questions.button_resend"), f"{QUESTION}:r:{asked.token}")]
        )
    try:
        await bot.send_message(asked.closed_by, text, reply_markup=markup)
    except TelegramError as error:
        log.warning("Could not tell admin about question %d: %s", asked.id, error)


async def _send_again(update: Update, context: BotContext, asked: Asked, language: str) -> None:
    query = update.callback_query
    if query is None:
        return
    data = context.bot_data
    t = data.translate
    if not await data.store.asked.send_again(asked.id):
        await query.answer(callback_text(t(language, "questions.not_resendable")), show_alert=True)
        return
    await query.answer(callback_text(t(language, "questions.resending")))
    if isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(None)
    await deliver(context.bot, data, asked.id)


async def mark_interrupted_deliveries(data: BotData) -> list[Asked]:
    """At start, before any update is handled: answers a crash caught mid-request become
    `uncertain` (the request may or may not have reached Telegram). Done before updates flow,
    so an answer an admin sends meanwhile is never taken for one the crash interrupted."""
    interrupted = await data.store.asked.interrupted_deliveries()
    for asked in interrupted:
        log.warning("Answer to question %d: delivery interrupted by a restart", asked.id)
    return interrupted


async def resume_deliveries(bot: ExtBot[None], data: BotData, interrupted: list[Asked]) -> None:
    """After start: the admins of the `interrupted` answers learn they are uncertain (Send
    again), answers written but not yet sent are sent now.

    Safe to call again after a storage failure: each admin told is taken off `interrupted`, and
    a pending answer is claimed in one write before it is sent."""
    while interrupted:
        await _tell_outcome(bot, data, interrupted[0], Delivery.UNCERTAIN, "restart")
        interrupted.pop(0)
    for asked in await data.store.asked.pending_deliveries():
        await deliver(bot, data, asked.id)
    await _sweep(data, now=True)
