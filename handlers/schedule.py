"""Scheduled broadcasts and captioned media: /schedule <when> <text>, /scheduled, and a photo or
document whose caption starts with /broadcast or /schedule.

A scheduled broadcast is an ordinary draft (handlers/admin.py: same preview, audience buttons
and per-language composition) with a due time; once confirmed it waits in SQLite until the
delivery worker starts it (handlers/transport/delivery.py). `<when>` is read in the event's time
zone, which comes from the content file (handlers/kit/schedule_time.py has the forms).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import MessageEntity, Update

from handlers.admin import BROADCAST_LIMIT, STEPS, ask, caption_fits, message_media, preview
from handlers.auth import admin_only
from handlers.common import reply, shorten, user_language
from handlers.kit.broadcast_view import render_due
from handlers.kit.context import BotContext
from handlers.kit.keyboards import BROADCAST, button, keyboard
from handlers.kit.schedule_time import FORMS, WhenError, parse_when, split_when
from handlers.kit.telegram_text import message_html, utf16_length
from storage.broadcasts import Audience, Broadcast
from storage.content import LANGUAGES
from wording.i18n import Html, Translator, choose_text
from wording.text import plain_text

# A photo's or document's caption that is a command: "/broadcast …" or "/schedule <when> …".
CAPTION_COMMAND = re.compile(r"^/(broadcast|schedule)(?:@\w+)?(?:\s+|$)")
# How much of a scheduled broadcast's text /scheduled shows.
PREVIEW_LENGTH = 60


def _rest(plain: str, entities: Sequence[MessageEntity], skip: int) -> tuple[str, str]:
    """(plain, HTML) of the text after its first `skip` characters (a command and a time), the
    HTML keeping the admin's formatting, every attribute escaped."""
    return plain[skip:].strip(), message_html(plain, entities, skip=plain[:skip])


async def _parse(
    update: Update, context: BotContext, after: str, language: str
) -> tuple[dt.datetime, int] | None:
    """The due time at the start of `after` and how many characters it took; or a reply saying
    what is wrong (with the accepted forms) and None."""
    data = context.bot_data
    t = data.translate
    zone = await data.store.time_zone()
    when, _ = split_when(after)
    forms = t(
        language,
        "schedule.forms",
        date_time=Html(f"<code>{FORMS[0]}</code>"),
        clock=Html(f"<code>{FORMS[1]}</code>"),
        relative=Html(", ".join(f"<code>{form}</code>" for form in FORMS[2:])),
        example=Html(f"<code>{_example(language, t, zone)}</code>"),
        zone=str(zone),
    )
    if not when:
        await reply(update, Html(f"{t(language, 'schedule.missing')}\n\n{forms}"))
        return None
    try:
        due = parse_when(when, dt.datetime.now(dt.UTC), zone)
    except WhenError as error:
        problem = t(language, f"schedule.{error.problem}", when=shorten(when))
        await reply(update, Html(f"{problem}\n\n{forms}"))
        return None
    return due, len(after) - len(after.lstrip()) + len(when)


@admin_only
async def schedule_command(update: Update, context: BotContext) -> None:
    """/schedule <when> <text>: a draft that, once confirmed, waits until <when>; without a
    text, the guided per-language composition."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    store = context.bot_data.store.broadcasts
    await store.cancel_composing(user.id)
    command = message.text.split(maxsplit=1)[0]
    after = message.text[len(command) :]
    parsed = await _parse(update, context, after, language)
    if parsed is None:
        return
    due, used = parsed
    skip = len(command) + used
    body, body_html = _rest(message.text, message.entities, skip)
    if not body:
        broadcast_id = await store.create(user.id, language, step=STEPS[0])
        await store.set_due(broadcast_id, due.timestamp())
        await ask(update, context, broadcast_id, STEPS[0], language)
        return
    length = utf16_length(body)
    if length > BROADCAST_LIMIT:
        await reply(update, t(language, "broadcast.too_long", length=length, limit=BROADCAST_LIMIT))
        return
    broadcast_id = await store.create(user.id, language, texts={language: body_html})
    await store.set_due(broadcast_id, due.timestamp())
    await preview(update, context, broadcast_id, language)


@admin_only
async def media_command(update: Update, context: BotContext) -> None:
    """A photo or document captioned "/broadcast <text>" or "/schedule <when> <text>": a draft
    whose message is that file (sent on by its file_id) with the rest of the caption."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.caption:
        return
    media = message_media(message)
    match = CAPTION_COMMAND.match(message.caption)
    if media is None or match is None:
        return
    language = await user_language(update, context)
    store = context.bot_data.store.broadcasts
    await store.cancel_composing(user.id)
    skip = match.end()
    due = None
    if match.group(1) == "schedule":
        parsed = await _parse(update, context, message.caption[skip:], language)
        if parsed is None:
            return
        due, used = parsed
        skip += used
    caption, caption_html = _rest(message.caption, message.caption_entities, skip)
    if not await caption_fits(update, context, caption, language):
        return
    broadcast_id = await store.create(user.id, language, texts={})
    await store.set_text(broadcast_id, language, caption_html if caption else "", media)
    if due is not None:
        await store.set_due(broadcast_id, due.timestamp())
    await preview(update, context, broadcast_id, language)


@admin_only
async def scheduled_command(update: Update, context: BotContext) -> None:
    """/scheduled: the broadcasts waiting for their time, each with a Cancel button."""
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    waiting = await data.store.broadcasts.scheduled()
    if not waiting:
        await reply(update, t(language, "schedule.none"))
        return
    zone = await data.store.time_zone()
    await reply(update, t(language, "schedule.title", count=len(waiting)))
    for broadcast in waiting:
        versions = await data.store.broadcasts.versions(broadcast.id)
        version = choose_text(versions, language, data.settings.bot.default_language)
        words = shorten(plain_text(version.body), PREVIEW_LENGTH) if version else ""
        if version and version.media_kind:
            words = f"📎 {words}".strip()
        text = t(
            language,
            "schedule.item",
            id=broadcast.id,
            due=render_due(t, language, broadcast.due_at or 0.0, zone),
            audience=audience_label(context, broadcast, language),
            preview=words,
        )
        cancel = button(
            t(language, "schedule.cancel", id=broadcast.id), f"{BROADCAST}:drop:{broadcast.token}"
        )
        await reply(update, text, keyboard([cancel]))


def _example(language: str, t: Translator, zone: ZoneInfo) -> Html:
    """A /schedule command that works as typed (HTML): the next full hour in the event's zone
    as a clock time, and a text for the organizer to replace with theirs."""
    local = dt.datetime.now(zone) + dt.timedelta(hours=1)
    return Html(f"/schedule {local:%H}:00 {t(language, 'schedule.example_text')}")


def audience_label(context: BotContext, broadcast: Broadcast, language: str) -> Html:
    """Who a confirmed broadcast goes to, in words."""
    t = context.bot_data.translate
    if broadcast.audience_language in LANGUAGES:
        name = t(broadcast.audience_language, "language.name")
        return t(language, "audience.language", language=name)
    if broadcast.audience is Audience.ALL:
        return t(language, "audience.all")
    return t(language, "audience.subscribers")
