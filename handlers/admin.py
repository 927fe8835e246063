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
import functools
import html
import io
import re
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, filters

from bot.context import BotContext, HandlerCallback
from bot.delivery import choose_text, unsubscribe_markup
from bot.i18n import Html
from bot.keyboards import BROADCAST, button, keyboard
from handlers import fallback, search
from handlers.common import reply, user_language
from storage.broadcasts import Broadcast

# Longest broadcast text, in UTF-16 code units as Telegram counts them; the rest of the 4096
# limit leaves room for the date header /news puts above each item.
BROADCAST_LIMIT = 4000
STEPS = ("ru", "zh", "en")
RECENT_SHOWN = 5
_CALLBACK = re.compile(rf"^{BROADCAST}:(send|all|test|cancel|skip|stop):(\d{{1,18}})$")


def is_admin(update: Update, context: BotContext) -> bool:
    """Whether the update comes from a configured admin."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data.settings.bot.admins


def admin_only(handler: HandlerCallback) -> HandlerCallback:
    """Run `handler` for admins; refuse anyone else politely, doing nothing."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if is_admin(update, context):
            await handler(update, context)
        else:
            await refuse(update, context)

    return guarded


class FromAdmin(filters.UpdateFilter):
    """Updates from a configured admin (the list is read when the update arrives)."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        super().__init__(name="FromAdmin")
        self._application = application

    def filter(self, update: Update) -> bool:
        settings = getattr(self._application.bot_data, "settings", None)
        user = update.effective_user
        return settings is not None and user is not None and user.id in settings.bot.admins


async def refuse(update: Update, context: BotContext) -> None:
    """Politely tell a non-admin that this is for organizers; nothing else happens."""
    language = await user_language(update, context)
    text = context.bot_data.translate(language, "admin.only")
    if update.callback_query:
        await update.callback_query.answer(_plain(text), show_alert=True)
    else:
        await reply(update, text)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
    return body[len(command) :].strip(), _length(parts[1].strip())


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
                update, t(language, "broadcast.too_long", length=length, limit=BROADCAST_LIMIT)
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
    """An admin's message that is not a command: the next text of the guided flow, if one is
    being composed; otherwise what it would be for anyone (a search, or the text-only note)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    store = context.bot_data.store.broadcasts
    draft = await store.composing(user.id)
    if draft is None or draft.step is None:
        if message.text:
            await search.search_text(update, context)
        else:
            await fallback.not_text(update, context)
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    if not message.text:
        await reply(update, t(language, "broadcast.text_expected"))
        return
    length = _length(message.text)
    if length > BROADCAST_LIMIT:
        await reply(update, t(language, "broadcast.too_long", length=length, limit=BROADCAST_LIMIT))
        return
    await store.set_text(draft.id, draft.step, message.text_html)
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
        await query.answer(_plain(t(language, "callback.stale")), show_alert=True)
        return
    action = match.group(1)
    if action == "stop":
        await _stop(update, context, broadcast, language)
    elif action == "skip":
        if broadcast.status != "composing":
            await query.answer(_plain(t(language, "broadcast.stale")), show_alert=True)
            return
        await query.answer()
        await _drop_keyboard(query.message)
        await _advance(update, context, broadcast, language)
    elif action == "cancel":
        if not await store.cancel(broadcast.id):
            await query.answer(_plain(t(language, "broadcast.stale")), show_alert=True)
            return
        await query.answer()
        await _drop_keyboard(query.message)
        await reply(update, t(language, "broadcast.cancelled"))
    elif broadcast.status != "draft":
        await query.answer(_plain(t(language, "broadcast.stale")), show_alert=True)
    elif action == "test":
        await _test(update, context, broadcast, language)
    else:
        await _confirm(update, context, broadcast, "subscribers" if action == "send" else "all")


async def _test(update: Update, context: BotContext, broadcast: Broadcast, language: str) -> None:
    data = context.bot_data
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    texts = await data.store.broadcasts.texts(broadcast.id)
    text = choose_text(texts, language, data.settings.bot.default_language)
    if text is None:
        await query.answer(_plain(data.translate(language, "broadcast.stale")), show_alert=True)
        return
    await query.answer(_plain(data.translate(language, "broadcast.test_sent")))
    await chat.send_message(Html(text), reply_markup=unsubscribe_markup(data.translate, language))


async def _confirm(
    update: Update, context: BotContext, broadcast: Broadcast, audience: str
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
        await query.answer(_plain(t(language, "broadcast.stale")), show_alert=True)
        return
    context.bot_data.delivery.wake()
    await query.answer(_plain(t(language, "broadcast.stopping")))


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
