"""The conference programme in Telegram: /programme, /now, /next, /my, session cards, ★ and
calendar files, deep links `session-<id>`, and `/programme reload` for organizers.

Everything comes from the programme file an organizer configures (`[programme] source`); with
none configured every command says, in the reader's language, that the article gives no
programme. Nothing is ever made up: no file, no sessions.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from answers.programme import ProgrammeIndex
from handlers.auth import is_admin, refuse
from handlers.common import reply, shorten, show, user_language
from handlers.content_admin import ERROR_SHOWN
from handlers.kit import programme_view as view
from handlers.kit.context import BotContext, BotData
from handlers.kit.keyboards import button, keyboard
from handlers.kit.telegram_text import callback_text
from storage.db import is_storage_failure
from storage.programme import ProgrammeInfo, StoredSession
from storage.programme_file import SESSION_ID, ProgrammeError
from wording.calendar import calendar_file
from wording.i18n import Html

log = logging.getLogger(__name__)

# The deep-link payload that opens a session card: session-<event id>.
DEEP_LINK_PREFIX = "session-"
DEEP_LINK = rf"^/start(@\w+)?\s+{DEEP_LINK_PREFIX}"
# Sessions listed by /now's "next" line and /next.
NEXT_SHOWN = 8
STATS_SHOWN = 10


async def loaded(data: BotData) -> ProgrammeInfo | None:
    """The programme, if one is configured and loaded; None means: say there is none."""
    if data.settings.programme.source is None:
        return None
    return await data.store.programme.info()


async def _none(update: Update, context: BotContext, language: str) -> None:
    await reply(update, context.bot_data.translate(language, "programme.none"))


# ------------------------------------------------------------------ commands


async def programme_command(update: Update, context: BotContext) -> None:
    """/programme: the current (or first) day of the programme; /programme reload (admins)."""
    language = await user_language(update, context)
    args = [a.lower() for a in context.args or []]
    if args[:1] == ["reload"]:
        if not is_admin(update, context):
            await refuse(update, context)
            return
        await _reload(update, context, language)
        return
    info = await loaded(context.bot_data)
    if info is None:
        await _none(update, context, language)
        return
    text, markup = await _day(update, context, language, info, None, 0)
    await reply(update, text, markup)


async def _reload(update: Update, context: BotContext, language: str) -> None:
    data = context.bot_data
    t = data.translate
    source = data.settings.programme.source
    if source is None:
        await reply(update, t(language, "programme.reload.no_source"))
        return
    try:
        report = await data.store.reload_programme(source)
    except ProgrammeError as error:
        log.warning("Programme reload refused: %s", error)
        await reply(
            update, t(language, "programme.reload.invalid", error=shorten(str(error), ERROR_SHOWN))
        )
        return
    except Exception as error:
        if not is_storage_failure(error):
            raise
        # Rolled back as a whole: the previous programme is still served.
        log.warning("Programme reload failed in the database: %s", error)
        data.storage_health.failed(error)
        await reply(update, t(language, "programme.reload.failed", error=shorten(str(error))))
        return
    if data.programme_outbox is not None:
        data.programme_outbox.wake()
    if report.unchanged:
        await reply(update, t(language, "programme.reload.unchanged"))
        return
    info = await data.store.programme.info()
    await reply(
        update,
        t(
            language,
            "programme.reload.done",
            sessions=info.sessions if info else 0,
            added=report.added,
            changed=report.changed,
            cancelled=report.cancelled,
            restored=report.restored,
            edited=report.edited,
            notices=report.notices,
        ),
    )


async def now_command(update: Update, context: BotContext) -> None:
    """/now: what is on in each room, and what starts next."""
    language = await user_language(update, context)
    data = context.bot_data
    info = await loaded(data)
    if info is None:
        await _none(update, context, language)
        return
    t, zone, now = data.translate, info.time_zone, time.time()
    moment = view.clock(dt.datetime.fromtimestamp(now, zone))
    running = await data.store.programme.running(now)
    upcoming = await data.store.programme.upcoming(now, limit=NEXT_SHOWN)
    lines: list[str]
    if running:
        lines = [t(language, "programme.now.heading", time=moment, zone=zone.key)]
        for s in running:
            lines += [
                "",
                t(
                    language,
                    "programme.now.item",
                    room=s.room,
                    end=view.clock(s.end),
                    title=view.title_html(s, language, t),
                ),
            ]
    else:
        lines = [t(language, "programme.now.nothing", time=moment, zone=zone.key)]
    if upcoming:
        first = upcoming[0]
        lines += [
            "",
            t(
                language,
                "programme.now.later",
                start=view.clock(first.start),
                room=first.room,
                title=view.title_html(first, language, t),
            ),
        ]
    shown = running or upcoming[:1]
    markup = keyboard(*[[view.session_button(s, language)] for s in shown])
    await reply(update, Html("\n".join(lines)), markup)


async def next_command(update: Update, context: BotContext) -> None:
    """/next: the next session in each room (soonest first)."""
    language = await user_language(update, context)
    data = context.bot_data
    info = await loaded(data)
    if info is None:
        await _none(update, context, language)
        return
    t, zone, now = data.translate, info.time_zone, time.time()
    upcoming = await data.store.programme.upcoming(now, limit=500)
    per_room: dict[str, StoredSession] = {}
    for s in upcoming:
        per_room.setdefault(s.room, s)
    shown = sorted(per_room.values(), key=lambda s: (s.start, s.room))[:NEXT_SHOWN]
    if not shown:
        await reply(update, t(language, "programme.next.nothing"))
        return
    moment = view.clock(dt.datetime.fromtimestamp(now, zone))
    lines: list[str] = [t(language, "programme.next.heading", time=moment, zone=zone.key)]
    for s in shown:
        when = view.clock(s.start)
        if s.start.date() != dt.datetime.fromtimestamp(now, zone).date():
            when = f"{t.date(language, s.start.date())} {when}"
        lines += [
            "",
            t(
                language,
                "programme.next.item",
                start=when,
                room=s.room,
                title=view.title_html(s, language, t),
            ),
        ]
    markup = keyboard(*[[view.session_button(s, language)] for s in shown])
    await reply(update, Html("\n".join(lines)), markup)


async def my_command(update: Update, context: BotContext) -> None:
    """/my: the sessions I starred, in time order, with a calendar of them all."""
    language = await user_language(update, context)
    await _show_my(update, context, language)


async def _show_my(update: Update, context: BotContext, language: str) -> None:
    data = context.bot_data
    user = update.effective_user
    info = await loaded(data)
    if info is None or user is None:
        await _none(update, context, language)
        return
    t = data.translate
    mine = await data.store.programme.favourites(user.id)
    if not mine:
        await show_or_reply(update, t(language, "programme.my.empty"), None)
        return
    lines: list[str] = [t(language, "programme.my.heading", sessions=len(mine))]
    for s in mine:
        lines += [
            "",
            t(
                language,
                "programme.my.item",
                day=s.start.strftime("%d.%m"),
                start=view.clock(s.start),
                room=s.room,
                mark=t(language, "programme.cancelled_mark") if s.cancelled else "",
                title=view.title_html(s, language, t),
            ),
        ]
    rows = [[view.session_button(s, language, True)] for s in mine[:40]]
    rows.append([button(t(language, "programme.button.my_calendar"), view.data(view.MY_CALENDAR))])
    await show_or_reply(update, Html("\n".join(lines)), keyboard(*rows))


async def show_or_reply(update: Update, text: Html, markup: InlineKeyboardMarkup | None) -> None:
    if update.callback_query:
        await show(update, text, markup)
    else:
        await reply(update, text, markup)


async def start_session(update: Update, context: BotContext) -> None:
    """/start session-<id> (a poster's deep link): the session's card."""
    payload = context.args[0] if context.args else ""
    session_id = payload.removeprefix(DEEP_LINK_PREFIX)
    language = await user_language(update, context)
    await _send_card(update, context, language, session_id)


async def _send_card(update: Update, context: BotContext, language: str, session_id: str) -> bool:
    data = context.bot_data
    t = data.translate
    info = await loaded(data)
    if info is None:
        await _none(update, context, language)
        return False
    session = (
        await data.store.programme.session(session_id) if SESSION_ID.fullmatch(session_id) else None
    )
    if session is None:
        await reply(update, t(language, "programme.not_found", id=shorten(session_id, 40)))
        return False
    user = update.effective_user
    starred = user is not None and await data.store.programme.is_favourite(user.id, session.id)
    text, markup = view.card(session, language, t, info.time_zone, starred)
    await show_or_reply(update, text, markup)
    return True


async def _day(
    update: Update,
    context: BotContext,
    language: str,
    info: ProgrammeInfo,
    day: dt.date | None,
    page: int,
) -> tuple[Html, InlineKeyboardMarkup]:
    store = context.bot_data.store.programme
    t = context.bot_data.translate
    days = await store.days()
    if day is None or day not in days:
        today = dt.datetime.now(info.time_zone).date()
        day = next((d for d in days if d >= today), days[-1] if days else today)
    sessions = await store.on_day(day)
    user = update.effective_user
    starred = {s.id for s in await store.favourites(user.id)} if user else set()
    heading = t(language, "programme.heading", title=info.title or "—")
    return view.day_page(sessions, day, days, page, language, t, info.time_zone, heading, starred)


# ------------------------------------------------------------------ buttons


async def programme_button(update: Update, context: BotContext) -> None:
    """Every pg:… button: a day page, a card, ★, a calendar file, /my."""
    query = update.callback_query
    if query is None:
        return
    language = await user_language(update, context)
    data = context.bot_data
    t = data.translate
    parts = (query.data or "").split(":")
    action, args = (parts[1], parts[2:]) if len(parts) > 1 else ("", [])
    info = await loaded(data)
    if info is None:
        await query.answer(callback_text(t(language, "programme.none")), show_alert=True)
        return
    if action == view.DAY and len(args) == 2:
        try:
            day, page = dt.date.fromisoformat(args[0]), int(args[1])
        except ValueError:
            day, page = None, 0
        text, markup = await _day(update, context, language, info, day, page)
        await query.answer()
        await show(update, text, markup)
    elif action == view.SESSION and args:
        await query.answer()
        await _send_card(update, context, language, args[0])
    elif action == view.STAR and args:
        await _star(update, context, language, info, args[0])
    elif action == view.CALENDAR and args:
        session = await data.store.programme.session(args[0])
        if session is None:
            await query.answer(callback_text(t(language, "programme.stale")), show_alert=True)
            return
        await query.answer()
        await _send_calendar(update, context, language, [session], f"session-{session.id}.ics")
    elif action == view.MY:
        await query.answer()
        await _show_my(update, context, language)
    elif action == view.MY_CALENDAR:
        user = update.effective_user
        mine = await data.store.programme.favourites(user.id) if user else []
        await query.answer()
        if mine:
            await _send_calendar(update, context, language, mine, "my-programme.ics")
        else:
            await reply(update, t(language, "programme.my.empty"))
    else:
        await query.answer(callback_text(t(language, "programme.stale")), show_alert=True)


async def _star(
    update: Update, context: BotContext, language: str, info: ProgrammeInfo, session_id: str
) -> None:
    query = update.callback_query
    user = update.effective_user
    data = context.bot_data
    t = data.translate
    if query is None or user is None:
        return
    store = data.store.programme
    session = await store.session(session_id)
    if session is None:
        await query.answer(callback_text(t(language, "programme.stale")), show_alert=True)
        return
    starred = await store.is_favourite(user.id, session.id)
    if session.cancelled and not starred:
        await query.answer(callback_text(t(language, "programme.favourite.cancelled")))
        return
    starred = await store.toggle_favourite(user.id, session.id)
    minutes = data.settings.programme.remind_minutes
    if not starred:
        toast = t(language, "programme.favourite.removed")
    elif minutes:
        toast = t(language, "programme.favourite.added", minutes=minutes)
    else:
        toast = t(language, "programme.favourite.added_no_reminder")
    await query.answer(callback_text(toast))
    text, markup = view.card(session, language, t, info.time_zone, starred)
    await show(update, text, markup)


async def _send_calendar(
    update: Update,
    context: BotContext,
    language: str,
    sessions: list[StoredSession],
    filename: str,
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    data = context.bot_data
    info = await data.store.programme.info()
    payload = calendar_file(sessions, language, name=info.title if info else "Programme")
    try:
        await context.bot.send_document(
            chat.id,
            InputFile(payload, filename=filename),
            caption=data.translate(language, "programme.calendar.caption"),
        )
    except BadRequest as error:
        log.warning("Could not send a calendar file: %s", error.message)


# ------------------------------------------------------------------ questions


async def search_programme(
    update: Update, context: BotContext, query: str, language: str, *, facts_answered: bool
) -> bool:
    """Answer a question from the programme if it is about the programme (answers/programme.py):
    surely (a programme word, a room or a time), or by topic alone when the facts had no
    answer. Whether it answered."""
    data = context.bot_data
    info = await loaded(data)
    if info is None:
        return False
    index = await _index(data, info)
    found = index.ask(query, dt.datetime.now(info.time_zone))
    if found is None or not (found.marked or (found.sessions and not facts_answered)):
        return False
    t = data.translate
    if not found.sessions:
        await reply(update, t(language, "programme.search.nothing", query=shorten(query)))
        return True
    lines: list[str] = [t(language, "programme.search.heading")]
    for s in found.sessions:
        lines += [
            "",
            t(
                language,
                "programme.search.item",
                title=view.title_html(s, language, t),
                day=t.date(language, s.start.date()),
                start=view.clock(s.start),
                end=view.clock(s.end),
                room=s.room,
            ),
        ]
    markup = keyboard(*[[view.session_button(s, language)] for s in found.sessions])
    await reply(update, Html("\n".join(lines)), markup)
    return True


async def _index(data: BotData, info: ProgrammeInfo) -> ProgrammeIndex:
    """The search index of the programme loaded now (rebuilt after a reload)."""
    cached = data.programme_index
    if cached is not None and cached[0] == info.digest:
        return cached[1]
    index = ProgrammeIndex(await data.store.programme.sessions(), info.time_zone)
    data.programme_index = (info.digest, index)
    return index


# ------------------------------------------------------------------ for /stats


async def stats_lines(data: BotData, language: str) -> list[str]:
    """/stats' programme part: favourites per session, the most wanted first (empty without
    a programme)."""
    if await loaded(data) is None:
        return []
    t = data.translate
    counted = await data.store.programme.favourite_counts(STATS_SHOWN)
    if not counted:
        return [t(language, "programme.stats.none")]
    lines: list[str] = [t(language, "programme.stats.heading")]
    for session, count in counted:
        lines.append(
            t(
                language,
                "programme.stats.line",
                stars=count,
                title=view.title_html(session, language, t),
                day=session.start.strftime("%d.%m"),
                start=view.clock(session.start),
            )
        )
    return lines
