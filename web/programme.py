"""The programme's pages: `/L/programme` (a day's grid, by time slot), `/L/session/<id>` and
`/L/programme.ics` (the whole programme, for calendar subscription).

Read from the store on every request (a `/programme reload` shows at once), no JavaScript: a
day is chosen by a plain link (`?day=YYYY-MM-DD`). Without a programme (`[programme] source`
unset, or never loaded) the programme page says the article gives none, and the session pages
and the calendar are 404s: nothing is invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from answers.programme import ProgrammeIndex
from storage.programme import ProgrammeInfo, ProgrammeStore, StoredSession
from web.pages import Page
from wording.calendar import calendar_file
from wording.i18n import Translator
from wording.text import plain


@dataclass(frozen=True, slots=True)
class ShownSession:
    """A session as a page shows it in one language."""

    id: str
    title: str
    # The original's language when the title is not in the page's language ("DE"), else None.
    title_language: str | None
    abstract: str
    abstract_language: str | None
    subtitle: str
    room: str
    start: dt.datetime
    end: dt.datetime
    persons: tuple[str, ...]
    language: str | None
    track: str | None
    cancelled: bool
    running: bool


@dataclass(frozen=True, slots=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    sessions: list[ShownSession]


def shown(session: StoredSession, lang: str, now: dt.datetime) -> ShownSession:
    title, title_language = session.title_in(lang)
    abstract, abstract_language = session.abstract_in(lang)
    return ShownSession(
        id=session.id,
        title=title,
        title_language=title_language.upper() if title_language else None,
        abstract=abstract,
        abstract_language=abstract_language.upper() if abstract_language else None,
        subtitle=session.subtitle,
        room=session.room,
        start=session.start,
        end=session.end,
        persons=session.persons,
        language=session.language.upper() if session.language else None,
        track=session.track,
        cancelled=session.cancelled,
        running=not session.cancelled and session.start <= now < session.end,
    )


async def programme_page(
    store: ProgrammeStore | None, lang: str, t: Translator, day_text: str | None
) -> Page:
    """A day of the programme, by time slot; or the page that says there is none."""
    info = await store.info() if store is not None else None
    title = plain(t(lang, "web.programme.title"))
    if store is None or info is None:
        return Page(
            "programme.html",
            title,
            plain(t(lang, "programme.none")),
            None,
            {"programme": None, "none_text": plain(t(lang, "programme.none"))},
        )
    days = await store.days()
    now = dt.datetime.now(info.time_zone)
    day = _chosen(day_text, days, now.date())
    slots: list[Slot] = []
    for session in await store.on_day(day) if day else []:
        if not slots or (slots[-1].start, slots[-1].end) != (session.start, session.end):
            slots.append(Slot(session.start, session.end, []))
        slots[-1].sessions.append(shown(session, lang, now))
    return Page(
        "programme.html",
        title,
        plain(t(lang, "web.programme.description", title=info.title or title)),
        None,
        {
            "programme": info,
            "conference": info.title,
            "zone": info.time_zone.key,
            "days": days,
            "day": day,
            "slots": slots,
        },
    )


def _chosen(day_text: str | None, days: list[dt.date], today: dt.date) -> dt.date | None:
    if day_text:
        try:
            asked = dt.date.fromisoformat(day_text)
        except ValueError:
            asked = None
        if asked in days:
            return asked
    return next((d for d in days if d >= today), days[-1] if days else None)


async def session_page(
    store: ProgrammeStore | None, ident: str, lang: str, t: Translator
) -> Page | None:
    """One session's page; None (a 404) for an unknown id or without a programme."""
    info = await store.info() if store is not None else None
    session = await store.session(ident) if store is not None and info is not None else None
    if session is None or info is None:
        return None
    item = shown(session, lang, dt.datetime.now(info.time_zone))
    return Page(
        "session.html",
        item.title,
        plain(
            t(
                lang,
                "web.programme.session_description",
                day=t.date(lang, item.start.date()),
                start=item.start.strftime("%H:%M"),
                room=item.room,
            )
        ),
        f"session:{session.id}",
        {"session": item, "zone": info.time_zone.key, "conference": info.title},
    )


class ProgrammeSearch:
    """Questions about the programme on the site's search page (the same rule as the bot's:
    answers/programme.py), with the index rebuilt when the programme changes."""

    def __init__(self) -> None:
        self._index: tuple[str, ProgrammeIndex] | None = None

    async def digest(self, store: ProgrammeStore | None) -> str | None:
        """The programme's version (part of the search cache's key), or None without one."""
        info = await store.info() if store is not None else None
        return info.digest if info else None

    async def hits(
        self, store: ProgrammeStore | None, query: str, lang: str, facts_answered: bool
    ) -> list[ShownSession]:
        """The sessions the query asks about: always for a sure programme question (a
        programme word, a room or a time), by topic alone only where the facts had nothing."""
        info = await store.info() if store is not None else None
        if store is None or info is None:
            return []
        if self._index is None or self._index[0] != info.digest:
            self._index = (info.digest, ProgrammeIndex(await store.sessions(), info.time_zone))
        now = dt.datetime.now(info.time_zone)
        found = self._index[1].ask(query, now)
        if found is None or not (found.marked or not facts_answered):
            return []
        return [shown(session, lang, now) for session in found.sessions]


async def programme_calendar(
    store: ProgrammeStore | None, lang: str, base_url: str | None
) -> tuple[ProgrammeInfo, bytes] | None:
    """The whole programme as iCalendar (cancelled sessions kept, as CANCELLED); None without
    a programme."""
    info = await store.info() if store is not None else None
    if store is None or info is None:
        return None
    sessions = await store.sessions()
    urls = {s.id: f"{base_url}/{lang}/session/{s.id}" for s in sessions} if base_url else None
    return info, calendar_file(sessions, lang, name=info.title or "Programme", url_for=urls)
