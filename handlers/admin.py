"""Admin tools: /broadcast (one-shot or guided, per language), its buttons, /stats.

Admins are the user ids in `[bot] admins`; anyone else gets a polite refusal and nothing
happens. The guided flow's state lives in SQLite (a broadcast in status 'composing' with the
language it awaits), so it survives restarts; /cancel or the cancel button ends it.

A language version may be a photo or a document: its caption is the text, and it is sent to
every recipient by the file_id Telegram gave it (never uploaded again). /schedule (in
handlers/schedule.py) makes the same drafts with a due time.

Buttons: bc:send:<token> (subscribers), bc:all:<token> (everyone who started the bot),
bc:ru|zh|en:<token> (subscribers reading that language), bc:test:<token> (to myself),
bc:cancel:<token> (drop the draft), bc:skip:<token> (skip a language), bc:stop:<token> (stop a
broadcast being sent), bc:drop:<token> (cancel a scheduled broadcast; once started, the same as
stop). The token is the broadcast's unguessable id; only the broadcast's author may press its
buttons (other organizers see it in /stats).

Confirming writes first and tells afterwards: the draft is marked `confirming`, the outbox (or
the schedule) is written in one transaction that clears the mark, and only then is the press
answered and the keyboard removed; the delivery worker posts the progress message. If the
database fails, the organizer is told so and keeps the buttons, to press again. If the process
dies before the outbox is on disk, the mark survives and on start the organizer gets the
preview again.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import re
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ExtBot

from handlers.auth import admin_only
from handlers.common import answer_stale, reply, reply_message, user_language
from handlers.kit.broadcast_view import render_due, send_version, unsubscribe_markup
from handlers.kit.context import BotContext, BotData
from handlers.kit.keyboards import BROADCAST, button, keyboard
from handlers.kit.schedule_time import in_zone
from handlers.kit.telegram_text import callback_text, message_html, utf16_length
from handlers.programme import stats_lines as programme_stats
from storage.broadcasts import Audience, Broadcast, BroadcastStatus, Counts, MediaKind
from storage.content import LANGUAGES
from storage.errors import is_corruption, is_storage_failure
from wording.i18n import Html, choose_text

log = logging.getLogger(__name__)

# Longest broadcast text, in UTF-16 code units as Telegram counts them; the rest of the 4096
# limit leaves room for the date header /news puts above each item.
BROADCAST_LIMIT = 4000
# The guided flow asks for the text in each language, in this order.
STEPS = LANGUAGES
RECENT_SHOWN = 5
# Telegram's limit on a photo's or document's caption, in UTF-16 code units.
CAPTION_LIMIT = 1024
_ACTIONS = "|".join(("send", "all", "test", "cancel", "skip", "stop", "drop", *LANGUAGES))
_CALLBACK = re.compile(rf"^{BROADCAST}:({_ACTIONS}):([A-Za-z0-9_-]{{16,43}})$")


def _command_body(message: Message) -> tuple[str, int]:
    """The HTML of the text after the command (formatting kept) and its visible length."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        return "", 0
    return message_html(text, message.entities, skip=parts[0]), utf16_length(parts[1].strip())


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
    if await replayed(update, context, language):
        return
    await store.cancel_composing(user.id)
    body, length = _command_body(message)
    if body:
        if length > BROADCAST_LIMIT:
            await reply(
                update, t(language, "broadcast.too_long", count=length, limit=BROADCAST_LIMIT)
            )
            return
        broadcast_id = await store.create(
            user.id, language, texts={language: body}, source_update=update.update_id
        )
        await preview(update, context, broadcast_id, language)
        return
    broadcast_id = await store.create(
        user.id, language, step=STEPS[0], source_update=update.update_id
    )
    await ask(update, context, broadcast_id, STEPS[0], language)


async def replayed(update: Update, context: BotContext, language: str) -> bool:
    """This update already made its broadcast (handled again after a crash cut it short before
    its done mark): no second draft. Its preview is sent only if it had not gone out."""
    made = await context.bot_data.store.broadcasts.from_update(update.update_id)
    if made is None:
        return False
    broadcast_id, previewed = made
    draft = await context.bot_data.store.broadcasts.get(broadcast_id)
    if not previewed and draft is not None and draft.status is BroadcastStatus.DRAFT:
        await preview(update, context, broadcast_id, language)
    return True


async def ask(
    update: Update, context: BotContext, broadcast_id: int, step: str, language: str
) -> None:
    t = context.bot_data.translate
    draft = await context.bot_data.store.broadcasts.get(broadcast_id)
    if draft is None:
        return
    markup = keyboard(
        [
            button(t(language, "button.broadcast_skip"), f"{BROADCAST}:skip:{draft.token}"),
            button(t(language, "button.broadcast_cancel"), f"{BROADCAST}:cancel:{draft.token}"),
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
    media = message_media(message)
    if media is not None:
        caption = message.caption or ""
        if not await caption_fits(update, context, caption, language):
            return
        body = message_html(caption, message.caption_entities) if caption else ""
        await store.set_text(draft.id, step, body, media)
        await _advance(update, context, draft, language)
        return
    if not message.text:
        await reply(update, t(language, "media.expected"))
        return
    length = utf16_length(message.text)
    if length > BROADCAST_LIMIT:
        await reply(update, t(language, "broadcast.too_long", count=length, limit=BROADCAST_LIMIT))
        return
    await store.set_text(draft.id, step, message_html(message.text, message.entities))
    await _advance(update, context, draft, language)


def message_media(message: Message) -> tuple[MediaKind, str] | None:
    """(kind, file_id) of the photo (its largest size) or document a message carries, if any."""
    if message.photo:
        return MediaKind.PHOTO, message.photo[-1].file_id
    if message.document:
        return MediaKind.DOCUMENT, message.document.file_id
    return None


async def caption_fits(update: Update, context: BotContext, caption: str, language: str) -> bool:
    """Whether a caption is within Telegram's limit; if not, say so and return False."""
    length = utf16_length(caption)
    if length <= CAPTION_LIMIT:
        return True
    t = context.bot_data.translate
    await reply(update, t(language, "media.caption_too_long", length=length, limit=CAPTION_LIMIT))
    return False


async def _advance(update: Update, context: BotContext, draft: Broadcast, language: str) -> None:
    """Go to the language after the draft's current step, or to the preview after the last."""
    store = context.bot_data.store.broadcasts
    index = STEPS.index(draft.step) if draft.step in STEPS else len(STEPS) - 1
    following = STEPS[index + 1] if index + 1 < len(STEPS) else None
    await store.advance(draft.id, following)
    if following is not None:
        await ask(update, context, draft.id, following, language)
        return
    if not await store.texts(draft.id):
        await store.cancel(draft.id)
        await reply(update, context.bot_data.translate(language, "broadcast.no_text"))
        return
    await preview(update, context, draft.id, language)


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
    """/cancel: drop the broadcast being composed and any draft still waiting for its Send
    (a confirmed or scheduled one is cancelled by its own buttons: Stop, /scheduled)."""
    user = update.effective_user
    if user is None:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    cancelled = await context.bot_data.store.broadcasts.cancel_unsent(user.id)
    if not cancelled:
        await reply(update, t(language, "broadcast.nothing"))
        return
    ids = ", ".join(f"#{broadcast_id}" for broadcast_id in cancelled)
    await reply(update, t(language, "broadcast.cancelled_drafts", ids=ids))


async def preview(update: Update, context: BotContext, broadcast_id: int, language: str) -> None:
    """Each language version exactly as recipients will see it, then the confirm buttons."""
    chat = update.effective_chat
    if chat is not None:
        await send_preview(context.bot, context.bot_data, chat.id, broadcast_id, language)
        # Written after it went out: a crash in between costs a second preview of the same
        # draft, never a second draft.
        await context.bot_data.store.broadcasts.mark_previewed(broadcast_id)


async def send_preview(
    bot: ExtBot[None], data: BotData, chat_id: int, broadcast_id: int, language: str
) -> None:
    """The preview in `chat_id` (also on start, for a confirmation a crash interrupted)."""
    t = data.translate
    store = data.store.broadcasts
    broadcast = await store.get(broadcast_id)
    if broadcast is None:
        return
    versions = await store.versions(broadcast_id)
    for lang in STEPS:
        if lang in versions:
            # The very message the delivery worker sends a reader of this language.
            await send_version(bot, chat_id, versions[lang], unsubscribe_markup(t, lang))
    await data.store.users.settle()  # everyone heard from so far is counted
    subscribers, users = await store.audience_sizes()
    by_language = await data.store.subscribers.stats(data.settings.bot.default_language)
    languages = ", ".join(t(lang, "language.name") for lang in STEPS if lang in versions)
    scheduled_at = None
    if broadcast.due_at is not None:
        zone = await data.store.time_zone()
        scheduled_at = in_zone(dt.datetime.fromtimestamp(broadcast.due_at, dt.UTC), zone)
    token = broadcast.token
    audiences = [
        (f"{BROADCAST}:send:{token}", subscribers, "send", {}),
        (f"{BROADCAST}:all:{token}", users, "all", {}),
        *[
            (
                f"{BROADCAST}:{lang}:{token}",
                by_language.by_language.get(lang, (0, 0))[1],
                "language",
                {"language": t(lang, "language.name")},
            )
            for lang in LANGUAGES
        ],
    ]
    rows = []
    for callback, count, kind, extra in audiences:
        if scheduled_at is not None:
            # Nothing goes out now: the button says when, and who counts today.
            label = t(language, f"schedule.{kind}", time=scheduled_at, count=count, **extra)
        elif count == 0:
            continue  # a broadcast that would reach nobody is not offered
        else:
            key = {"send": "button.broadcast_send", "all": "button.broadcast_all"}.get(
                kind, "audience.button"
            )
            label = t(language, key, count=count, **extra)
        rows.append([button(label, callback)])
    markup = keyboard(
        *rows,
        [
            button(t(language, "button.broadcast_test"), f"{BROADCAST}:test:{token}"),
            button(t(language, "button.broadcast_cancel"), f"{BROADCAST}:cancel:{token}"),
        ],
    )
    text = t(language, "broadcast.preview", id=broadcast_id, languages=languages, count=subscribers)
    if broadcast.due_at is not None:
        due = render_due(t, language, broadcast.due_at, await data.store.time_zone())
        text = Html(f"{text}\n\n{t(language, 'schedule.preview', due=due)}")
    elif users == 0:
        text = Html(f"{text}\n\n{t(language, 'broadcast.nobody_now')}")
    await bot.send_message(chat_id, text, reply_markup=markup)


async def resume_confirmations(bot: ExtBot[None], data: BotData) -> None:
    """On start: drafts whose confirmation a crash cut short go back to their author."""
    store = data.store.broadcasts
    for draft in await store.interrupted():
        await store.end_confirm(draft.id)
        language = draft.author_language
        log.warning("Broadcast %d: confirmation interrupted by a restart; shown again", draft.id)
        try:
            await bot.send_message(
                draft.author_id, data.translate(language, "broadcast.interrupted", id=draft.id)
            )
            await send_preview(bot, data, draft.author_id, draft.id, language)
        except TelegramError as error:
            log.warning("Could not show broadcast %d to its author again: %s", draft.id, error)


@admin_only
async def broadcast_button(update: Update, context: BotContext) -> None:
    """Every bc:… button; only the broadcast's author may use them."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    match = _CALLBACK.match(query.data or "")
    store = context.bot_data.store.broadcasts
    broadcast = await store.by_token(match.group(2)) if match else None
    if match is None or broadcast is None:
        await answer_stale(query, language, t)
        return
    if broadcast.author_id != user.id:
        await query.answer(
            callback_text(t(language, "broadcast.not_yours", id=broadcast.id)), show_alert=True
        )
        return
    action = match.group(1)
    if action == "stop":
        await _stop(update, context, broadcast, language)
    elif action == "drop":
        await _drop(update, context, broadcast, language)
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
        audience = Audience.ALL if action == "all" else Audience.SUBSCRIBERS
        await _confirm(
            update, context, broadcast, audience, action if action in LANGUAGES else None, language
        )


async def _test(update: Update, context: BotContext, broadcast: Broadcast, language: str) -> None:
    data = context.bot_data
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    versions = await data.store.broadcasts.versions(broadcast.id)
    version = choose_text(versions, language, data.settings.bot.default_language)
    if version is None:
        await query.answer(
            callback_text(data.translate(language, "broadcast.stale")), show_alert=True
        )
        return
    await query.answer(callback_text(data.translate(language, "broadcast.test_sent")))
    await send_version(context.bot, chat.id, version, unsubscribe_markup(data.translate, language))


async def _confirm(
    update: Update,
    context: BotContext,
    broadcast: Broadcast,
    audience: Audience,
    audience_language: str | None,
    language: str,
) -> None:
    """Write the outbox (or the schedule) first, in one transaction, then answer."""
    data = context.bot_data
    t = data.translate
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    store = data.store.broadcasts
    if broadcast.due_at is None:
        reach = await _audience_size(data, audience, audience_language)
        if reach == 0:
            # Refused with the reason: a broadcast nobody gets is not sent, nor shown as news.
            who = audience_label_for(data, audience, audience_language, language)
            await query.answer(
                callback_text(t(language, "broadcast.nobody", id=broadcast.id, audience=who)),
                show_alert=True,
            )
            return
    try:
        await store.begin_confirm(broadcast.id)
        total = await data.delivery.enqueue(broadcast.id, audience, chat.id, audience_language)
    except Exception as error:
        if not is_storage_failure(error):
            raise
        data.storage_health.failed(error)
        with contextlib.suppress(Exception):
            await store.end_confirm(broadcast.id)
        # Nothing was queued and the buttons stay: the organizer can press Send again, unless
        # the file is damaged (then only a restore helps, and the message says so).
        key = "broadcast.confirm_damaged" if is_corruption(error) else "broadcast.confirm_failed"
        await query.answer(callback_text(t(language, key, id=broadcast.id)), show_alert=True)
        return
    if total is None:
        await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)
        return
    if broadcast.due_at is None:
        await query.answer(callback_text(t(language, "broadcast.confirmed", id=broadcast.id)))
        await _drop_keyboard(query.message)
    else:
        # Waiting for its time: this message shows it, and becomes its progress message.
        due = render_due(t, language, broadcast.due_at, await data.store.time_zone())
        await query.answer(
            callback_text(t(language, "schedule.confirmed", id=broadcast.id, time=due))
        )
        await _drop_keyboard(query.message)
        scheduled = await reply_message(
            update, t(language, "schedule.queued", id=broadcast.id, due=due)
        )
        if scheduled is not None:
            await store.set_progress_message(broadcast.id, scheduled.message_id, only_if_unset=True)


async def _audience_size(data: BotData, audience: Audience, language: str | None) -> int:
    """How many recipients the audience has right now (what the outbox would get)."""
    await data.store.users.settle()  # everyone heard from so far is counted
    if language is not None:
        stats = await data.store.subscribers.stats(data.settings.bot.default_language)
        return stats.by_language.get(language, (0, 0))[1]
    subscribers, users = await data.store.broadcasts.audience_sizes()
    return users if audience is Audience.ALL else subscribers


def audience_label_for(
    data: BotData, audience: Audience, language: str | None, reader: str
) -> Html:
    """Who a broadcast goes to, in words (`language`: only readers of that language)."""
    t = data.translate
    if language is not None:
        return t(reader, "audience.language", language=t(language, "language.name"))
    if audience is Audience.ALL:
        return t(reader, "audience.all")
    return t(reader, "audience.subscribers")


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


async def _drop(update: Update, context: BotContext, broadcast: Broadcast, language: str) -> None:
    """Cancel a scheduled broadcast; if it has already started, stop it like the Stop button."""
    query = update.callback_query
    if query is None:
        return
    t = context.bot_data.translate
    store = context.bot_data.store.broadcasts
    if broadcast.due_at is not None and await store.cancel(broadcast.id):
        await query.answer()
        await _drop_keyboard(query.message)
        await reply(update, t(language, "schedule.cancelled", id=broadcast.id))
        return
    if broadcast.due_at is not None and await store.stop(broadcast.id):
        context.bot_data.delivery.wake()
        await query.answer(callback_text(t(language, "schedule.stopping", id=broadcast.id)))
        await _drop_keyboard(query.message)
        return
    await query.answer(callback_text(t(language, "broadcast.stale")), show_alert=True)


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
    await data.store.users.settle()  # everyone heard from so far is counted
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
    lines.extend(await _wechat_stats(data, language))  # issue 23: users by face
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
                **counts.as_params(),
            )
        )
    drafts = await data.store.broadcasts.drafts()
    if drafts:
        lines.append("")
        lines.append(t(language, "stats.drafts"))
        for draft in drafts[-RECENT_SHOWN:]:
            lines.append(t(language, "stats.draft", id=draft.id, author=draft.author_id))
    favourites = await programme_stats(data, language)
    if favourites:
        lines += ["", *favourites]
    await reply(update, Html("\n".join(lines)))


async def _wechat_stats(data: BotData, language: str) -> list[str]:
    """The WeChat face's users (by the language they are answered in), if it ever had any."""
    t = data.translate
    users = await data.store.wechat_users.count()
    if not users:
        return []
    lines = ["", t(language, "wechat.stats", users=users)]
    for lang, count in (await data.store.wechat_users.by_language()).items():
        lines.append(
            t(language, "wechat.stats_language", language=t(lang, "language.name"), users=count)
        )
    return lines


CSV_COLUMNS = ("id", "created_at", "status", "audience", *Counts().as_params())


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
            *counts.as_params().values(),
        ]
        writer.writerow(row)
    payload = buffer.getvalue().encode("utf-8")
    await chat.send_document(InputFile(payload, filename="broadcasts.csv"))
