"""The programme as Telegram shows it: session cards, day pages, /now, /next, /my, reminders
and change notices, with their buttons. Kept in the kit so the reminder queue renders the same
messages as the handlers.

Times are shown in the conference's zone, named (Europe/Berlin), since a participant's phone
may be set to another. A title or abstract with no translation in the reader's language is the
original, marked with its language ("[de]"), never a made-up translation.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.kit.keyboards import PROGRAMME, button, keyboard
from storage.programme import Change, ChangeKind, StoredSession
from wording.i18n import Html, Translator, escape

# Sessions on one page of a day (a message stays short on a phone, buttons fit).
PAGE_SIZE = 8
# Longest title on a button.
BUTTON_TITLE = 48
ABSTRACT_SHOWN = 1500

# Callback data: "pg:<action>:<argument>".
DAY = "d"  # pg:d:<YYYY-MM-DD>:<page>
SESSION = "s"  # pg:s:<id>
STAR = "f"  # pg:f:<id>
CALENDAR = "i"  # pg:i:<id>
MY = "my"  # pg:my
MY_CALENDAR = "mi"  # pg:mi


def data(action: str, *args: object) -> str:
    return ":".join([PROGRAMME, action, *(str(a) for a in args)])


def clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def title_html(session: StoredSession, lang: str, t: Translator) -> Html:
    """The title in `lang`, or the original marked with its language."""
    title, original = session.title_in(lang)
    mark = t(lang, "programme.untranslated", language=original.upper()) if original else ""
    return Html(escape(title) + mark)


def plain_title(session: StoredSession, lang: str) -> str:
    title, original = session.title_in(lang)
    return f"{title} [{original.upper()}]" if original else title


def _short(text: str, limit: int = BUTTON_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def session_button(
    session: StoredSession, lang: str, starred: bool = False
) -> InlineKeyboardButton:
    prefix = "❌ " if session.cancelled else ("★ " if starred else "")
    label = f"{prefix}{clock(session.start)} {plain_title(session, lang)}"
    return button(_short(label), data(SESSION, session.id))


def card(
    session: StoredSession, lang: str, t: Translator, zone: ZoneInfo, starred: bool
) -> tuple[Html, InlineKeyboardMarkup]:
    """A session's card and its buttons: ★, calendar, back to its day."""
    lines: list[str] = []
    if session.cancelled:
        lines.append(t(lang, "programme.card.cancelled"))
    lines.append(f"<b>{title_html(session, lang, t)}</b>")
    if session.subtitle:
        lines.append(f"<i>{escape(session.subtitle)}</i>")
    lines.append("")
    lines.append(
        t(
            lang,
            "programme.card.when",
            day=t.date(lang, session.start.date()),
            start=clock(session.start),
            end=clock(session.end),
            zone=zone.key,
        )
    )
    lines.append(t(lang, "programme.card.room", room=session.room))
    if session.persons:
        lines.append(t(lang, "programme.card.speakers", names=", ".join(session.persons)))
    if session.language:
        lines.append(t(lang, "programme.card.language", language=session.language.upper()))
    if session.track:
        lines.append(t(lang, "programme.card.track", track=session.track))
    abstract, original = session.abstract_in(lang)
    if abstract:
        shown = abstract if len(abstract) <= ABSTRACT_SHOWN else abstract[:ABSTRACT_SHOWN] + "…"
        mark = t(lang, "programme.untranslated", language=original.upper()) if original else ""
        lines += ["", escape(shown) + mark]
    lines += ["", t(lang, "programme.card.source")]
    return Html("\n".join(lines)), card_markup(session, lang, t, starred)


def card_markup(
    session: StoredSession, lang: str, t: Translator, starred: bool
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if not session.cancelled or starred:
        star = t(lang, "programme.button.unstar" if starred else "programme.button.star")
        rows.append([button(star, data(STAR, session.id))])
    rows.append([button(t(lang, "programme.button.calendar"), data(CALENDAR, session.id))])
    rows.append(
        [
            button(t(lang, "programme.button.day"), data(DAY, session.start.date().isoformat(), 0)),
            button(t(lang, "programme.button.my"), data(MY)),
        ]
    )
    return keyboard(*rows)


def day_page(
    sessions: list[StoredSession],
    day: dt.date,
    days: list[dt.date],
    page: int,
    lang: str,
    t: Translator,
    zone: ZoneInfo,
    heading: str,
    starred: set[str],
) -> tuple[Html, InlineKeyboardMarkup]:
    """One page of a day: its sessions grouped by time slot, a button per session, paging
    and the other days."""
    pages = max(1, -(-len(sessions) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = sessions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [heading, t(lang, "programme.day_heading", day=t.date(lang, day), zone=zone.key)]
    slot: tuple[dt.datetime, dt.datetime] | None = None
    for session in shown:
        if (session.start, session.end) != slot:
            slot = (session.start, session.end)
            lines += ["", t(lang, "programme.slot", start=clock(slot[0]), end=clock(slot[1]))]
        mark = (
            t(lang, "programme.cancelled_mark")
            if session.cancelled
            else (t(lang, "programme.starred_mark") if session.id in starred else "")
        )
        lines.append(f"{mark}{title_html(session, lang, t)} · 📍 {escape(session.room)}")
    if pages > 1:
        lines += ["", t(lang, "programme.page", page=page + 1, pages=pages)]
    rows: list[list[InlineKeyboardButton]] = [
        [session_button(s, lang, s.id in starred)] for s in shown
    ]
    paging: list[InlineKeyboardButton] = []
    if page > 0:
        paging.append(button(t(lang, "programme.button.previous"), data(DAY, day, page - 1)))
    if page < pages - 1:
        paging.append(button(t(lang, "programme.button.next"), data(DAY, day, page + 1)))
    rows.append(paging)
    if len(days) > 1:
        others = [
            button(("• " if d == day else "") + d.strftime("%d.%m"), data(DAY, d.isoformat(), 0))
            for d in days
        ]
        rows += [others[i : i + 4] for i in range(0, len(others), 4)]
    rows.append([button(t(lang, "programme.button.my"), data(MY))])
    return Html("\n".join(lines)), keyboard(*rows)


def reminder(session: StoredSession, lang: str, t: Translator, zone: ZoneInfo) -> Html:
    return t(
        lang,
        "programme.reminder.text",
        title=title_html(session, lang, t),
        start=clock(session.start),
        zone=zone.key,
        room=session.room,
    )


def _when(moment: float, zone: ZoneInfo, lang: str, t: Translator) -> str:
    local = dt.datetime.fromtimestamp(moment, zone)
    return f"{t.date(lang, local.date())} {clock(local)}"


def change_notice(
    change: Change, session: StoredSession, lang: str, t: Translator, zone: ZoneInfo
) -> Html:
    """What changed, old → new, in the reader's language."""
    title = title_html(session, lang, t)
    if change.kind is ChangeKind.CANCELLED:
        return t(
            lang,
            "programme.change.cancelled",
            title=title,
            start=_when(change.old_start, zone, lang, t),
            room=change.old_room,
        )
    if change.kind is ChangeKind.RESTORED:
        return t(
            lang,
            "programme.change.restored",
            title=title,
            start=_when(change.new_start, zone, lang, t),
            room=change.new_room,
        )
    lines = [t(lang, "programme.change.heading", title=title)]
    if change.old_start != change.new_start:
        lines.append(
            t(
                lang,
                "programme.change.time",
                old=_when(change.old_start, zone, lang, t),
                new=_when(change.new_start, zone, lang, t),
            )
        )
    if change.old_room != change.new_room:
        lines.append(t(lang, "programme.change.room", old=change.old_room, new=change.new_room))
    return Html("\n".join(lines))


def open_markup(session: StoredSession, lang: str, t: Translator) -> InlineKeyboardMarkup:
    """Under a reminder or a notice: open the session's card."""
    return keyboard([button(t(lang, "programme.button.open"), data(SESSION, session.id))])
