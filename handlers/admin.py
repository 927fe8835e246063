"""Admin tools: /broadcast (one-shot or guided, per language), its buttons, /stats.

Admins are the user ids in `[bot] admins`; anyone else gets a polite refusal and nothing
happens. The guided flow's state lives in SQLite (a broadcast in status 'composing' with the
language it awaits), so it survives restarts; /cancel or the cancel button ends it.

Buttons: bc:send:<id> (subscribers), bc:all:<id> (everyone who started the bot),
bc:test:<id> (to myself), bc:cancel:<id> (drop the draft), bc:skip:<id> (skip a language),
bc:stop:<id> (stop a broadcast being sent).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.broadcast_view import choose_text, unsubscribe_markup
from bot.context import BotContext
from bot.i18n import Html
from bot.keyboards import BROADCAST, button, keyboard
from bot.telegram_text import callback_text, utf16_length
from handlers.auth import admin_only
from handlers.common import reply, user_language
from storage.broadcasts import Audience, Broadcast, BroadcastStatus
from storage.content import LANGUAGES

# Longest broadcast text, in UTF-16 code units as Telegram counts them; the rest of the 4096
# limit leaves room for the date header /news puts above each item.
BROADCAST_LIMIT = 4000
# The guided flow asks for the text in each language, in this order.
STEPS = LANGUAGES
RECENT_SHOWN = 5
_CALLBACK = re.compile(rf"^{BROADCAST}:(send|all|test|cancel|skip|stop):(\d{{1,18}})$")


def _command_body(message: Message) -> tuple[str, int]:
    """The HTML of the text after the command (formatting kept) and its plain length."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        return "", 0
    command = parts[0]
    body = message.text_html
    if not body.startswith(command):
        return "", 0
    return body[len(command) :].strip(), utf16_length(parts[1].strip())


# ------------------------------------------------------------------ /broadcast


@admin_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast <text>: a draft with preview; /broadcast alone: the guided flow."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    store = context.bot_data.store.broadcasts
    await store.cancel_composing(user.id)
    body, length = _command_body(message)
    if body:
        if length > BROADCAST_LIMIT:
            await reply(
                update, t(language, "broadcast.too_long", count=length, limit=BROADCAST_LIMIT)
            )
            return
        broadcast_id = await store.create(user.id, language, texts={language: body})
        await _preview(update, context, broadcast_id, language)
        return
    broadcast_id = await store.create(user.id, language, step=STEPS[0])
    await _ask(update, context, broadcast_id, STEPS[0], language)


async def _ask(
    update: Update, context: BotContext, broadcast_id: int, step: str, language: str
) -> None:
    t = context.bot_data.translate
    markup = keyboard(
        [
            button(t(language, "button.broadcast_skip"), f"{BROADCAST}:skip:{broadcast_id}"),
            button(t(language, "button.broadcast_cancel"), f"{BROADCAST}:cancel:{broadcast_id}"),
        ]
    )
    await reply(
        update,
        t(
            language,
            "broadcast.ask",
            language=t(step, "language.name"),
            step=STEPS.index(step) + 1,
            steps=len(STEPS),
            limit=BROADCAST_LIMIT,
        ),
        markup,
    )


async def compose_input(update: Update, context: BotContext) -> None:
    """An admin's message while composing: the next text of the guided flow.

    Runs in a handler group before the questions; a message that is not part of a broadcast
    being composed is left alone for the later groups (a search, or the text-only note)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    store = context.bot_data.store.broadcasts
    draft = await store.composing(user.id)
    if draft is None or draft.step is None:
        return
    await _take_composed(update, context, draft, draft.step, message)
    raise ApplicationHandlerStop


async def _take_composed(
    update: Update, context: BotContext, draft: Broadcast, step: str, message: Message
) -> None:
    """Store the message as the draft's text in its current language, then ask for the next."""
    store = context.bot_data.store.broadcasts
    language = await user_language(update, context)
    t = context.bot_data.translate
    if not message.text:
        await reply(update, t(language, "broadcast.text_expected"))
        return
    length = utf16_length(message.text)
    if length > BROADCAST_LIMIT:
        await reply(update, t(language, "broadcast.too_long", count=length, limit=BROADCAST_LIMIT))
        return
    await store.set_text(draft.id, step, message.text_html)
    await _advance(update, context, draft, language)


async def _advance(update: Update, context: BotContext, draft: Broadcast, language: str) -> None:
    """Go to the language after the draft's current step, or to the preview after the last."""
    store = context.bot_data.store.broadcasts
    index = STEPS.index(draft.step) if draft.step in STEPS else len(STEPS) - 1
    following = STEPS[index + 1] if index + 1 < len(STEPS) else None
    await store.advance(draft.id, following)
    if following is not None:
        await _ask(update, context, draft.id, following, language)
        return
    if not await store.texts(draft.id):
        await store.cancel(draft.id)
        await reply(update, context.bot_data.translate(language, "broadcast.no_text"))
        return
    await _preview(update, context, draft.id, language)


@admin_only
async def skip_command(update: Update, context: BotContext) -> None:
    """/skip: no text in the language asked for."""
    user = update.effective_user
    if user is None:
        return
    language = await user_language(update, context)
    draft = await context.bot_data.store.broadcasts.composing(user.id)
    if draft is None:
        await reply(update, context.bot_data.translate(language, "broadcast.nothing"))
        return
    await _advance(update, context, draft, language)


@admin_only
async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: drop the broadcast being composed."""
    user = update.effective_user
    if user is None:
        return
    language = await user_language(update, context)
    cancelled = await context.bot_data.store.broadcasts.cancel_composing(user.id)
    key = "broadcast.cancelled" if cancelled else "broadcast.nothing"
    await reply(update, context.bot_data.translate(language, key))


async def _preview(update: Update, context: BotContext, broadcast_id: int, language: str) -> None:
    """Each language version exactly as recipients will see it, then the confirm buttons."""
    data = context.bot_data
    t = data.translate
    store = data.store.broadcasts
    texts = await store.texts(broadcast_id)
    for lang in STEPS:
        if lang in texts:
            await reply(update, Html(texts[lang]), unsubscribe_markup(t, lang))
    subscribers, users = await store.audience_sizes()
    languages = ", ".join(t(lang, "language.name") for lang in STEPS if lang in texts)
    markup = keyboard(
        [
            button(
                t(language, "button.broadcast_send", count=subscribers),
                f"{BROADCAST}:send:{broadcast_id}",
            )
        ],
        [
            button(
                t(language, "button.broadcast_all", count=users), f"{BROADCAST}:all:{broadcast_id}"
            )
        ],
        [
            button(t(language, "button.broadcast_test"), f"{BROADCAST}:test:{broadcast_id}"),
            button(t(language, "button.broadcast_cancel"), f"{BROADCAST}:cancel:{broadcast_id}"),
        ],
    )
    await reply(
        update,
        t(language, "broadcast.preview", id=broadcast_id, languages=languages, count=subscribers),
        markup,
    )


@admin_only
async def broadcast_button(update: Update, context: BotContext) -> None:
    """Every bc:… button."""
    query = update.callback_query
    if query is None:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    match = _CALLBACK.match(query.data or "")
    store = context.bot_data.store.broadcasts
    broadcast = await store.get(int(match.group(2))) if match else None
    if match is None or broadcast is None:
        await query.answer(callback_text(t(language, "callback.stale")), show_alert=True)
        return
    action = match.group(1)
    if action == "stop":
        await _stop(update, context, broadcast, language)
    elif action == "skip":
        if broadcast.status is not BroadcastStatus.COMPOSING:
            await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)
            return
        await query.answer()
        await _drop_keyboard(query.message)
        await _advance(update, context, broadcast, language)
    elif action == "cancel":
        if not await store.cancel(broadcast.id):
            await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)
            return
        await query.answer()
        await _drop_keyboard(query.message)
        await reply(update, t(language, "broadcast.cancelled"))
    elif broadcast.status is not BroadcastStatus.DRAFT:
        await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)
    elif action == "test":
        await _test(update, context, broadcast, language)
    else:
        audience = Audience.SUBSCRIBERS if action == "send" else Audience.ALL
        await _confirm(update, context, broadcast, audience)


async def _test(update: Update, context: BotContext, broadcast: Broadcast, language: str) -> None:
    data = context.bot_data
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    texts = await data.store.broadcasts.texts(broadcast.id)
    text = choose_text(texts, language, data.settings.bot.default_language)
    if text is None:
        await query.answer(
            callback_text(data.translate(language, "broadcast.stale")), show_alert=True
        )
        return
    await query.answer(callback_text(data.translate(language, "broadcast.test_sent")))
    await chat.send_message(Html(text), reply_markup=unsubscribe_markup(data.translate, language))


async def _confirm(
    update: Update, context: BotContext, broadcast: Broadcast, audience: Audience
) -> None:
    data = context.bot_data
    t = data.translate
    query = update.callback_query
    if query is None:
        return
    language = await user_language(update, context)
    await query.answer()
    await _drop_keyboard(query.message)
    progress = await reply(update, t(language, "broadcast.queued", id=broadcast.id))
    total = await data.delivery.enqueue(
        broadcast.id,
        audience,
        progress.chat_id if progress else None,
        progress.message_id if progress else None,
    )
    if total is None and progress is not None:
        await progress.edit_text(t(language, "broadcast.stale"))


async def _stop(update: Update, context: BotContext, broadcast: Broadcast, language: str) -> None:
    query = update.callback_query
    if query is None:
        return
    t = context.bot_data.translate
    if not await context.bot_data.store.broadcasts.stop(broadcast.id):
        await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)
        return
    context.bot_data.delivery.wake()
    await query.answer(callback_text(t(language, "broadcast.stopping")))


async def _drop_keyboard(message: object) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(None)


# ------------------------------------------------------------------ /stats


@admin_only
async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: the audience and the last broadcasts; /stats csv: every broadcast as CSV."""
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    if context.args and context.args[0].lower() == "csv":
        await _stats_csv(update, context)
        return
    audience = await data.store.subscribers.stats(data.settings.bot.default_language)
    lines: list[str] = [
        t(
            language,
            "stats.audience",
            users=audience.users,
            subscribers=audience.subscribers,
            blocked=audience.blocked,
        )
    ]
    for lang, (users, subscribers) in audience.by_language.items():
        lines.append(
            t(
                language,
                "stats.language",
                language=t(lang, "language.name"),
                users=users,
                subscribers=subscribers,
            )
        )
    recent = await data.store.broadcasts.recent(RECENT_SHOWN)
    lines.append("")
    lines.append(t(language, "stats.broadcasts") if recent else t(language, "stats.no_broadcasts"))
    for broadcast, counts in recent:
        lines.append(
            t(
                language,
                "stats.broadcast",
                id=broadcast.id,
                status=t(language, f"broadcast.status.{broadcast.status}"),
                total=counts.total,
                sent=counts.sent,
                failed=counts.failed + counts.uncertain,
                blocked=counts.blocked,
                pending=counts.unfinished,
            )
        )
    await reply(update, Html("\n".join(lines)))


CSV_COLUMNS = (
    "id",
    "created_at",
    "status",
    "audience",
    "total",
    "sent",
    "failed",
    "uncertain",
    "blocked",
    "cancelled",
    "pending",
)


async def _stats_csv(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for broadcast, counts in await context.bot_data.store.broadcasts.recent():
        row: list[Any] = [
            broadcast.id,
            dt.datetime.fromtimestamp(broadcast.created_at, dt.UTC).isoformat(),
            broadcast.status,
            broadcast.audience or "",
            counts.total,
            counts.sent,
            counts.failed,
            counts.uncertain,
            counts.blocked,
            counts.cancelled,
            counts.unfinished,
        ]
        writer.writerow(row)
    payload = buffer.getvalue().encode("utf-8")
    await chat.send_document(InputFile(payload, filename="broadcasts.csv"))
