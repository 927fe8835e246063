"""Programme sessions as an iCalendar file (RFC 5545), built with the `icalendar` library.

Guarantees every calendar app relies on:
- times are in the conference's zone (TZID), with its VTIMEZONE in the file;
- a session's UID never changes (its guid from the programme file), so a re-import updates
  the event in the reader's calendar instead of adding a second one;
- SEQUENCE is the session's change count and DTSTAMP the time of its last change, so a moved,
  re-roomed or cancelled session replaces the earlier version; a cancelled one is
  STATUS:CANCELLED (kept, not dropped, so subscribed calendars learn of it).

`icalendar` (and python-dateutil under it: ~90 modules, 3 MiB) is imported when the first file
is built, not when the bot starts: most processes never serve a calendar (BENCHMARKS.md,
memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from storage.programme import StoredSession

if TYPE_CHECKING:
    import icalendar

PRODID = "-//conference-bot//programme//EN"
UID_DOMAIN = "programme.conference-bot"


def session_uid(session: StoredSession) -> str:
    """The stable UID of a session: its guid, which the programme file keeps across exports."""
    return f"{session.guid}@{UID_DOMAIN}"


def calendar_file(
    sessions: Iterable[StoredSession],
    lang: str,
    *,
    name: str,
    url_for: dict[str, str] | None = None,
) -> bytes:
    """The sessions as one VCALENDAR, titles and abstracts in `lang` where translated (the
    original otherwise). `url_for` maps a session id to its page, if the site's address is
    known."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(_event(session, lang, (url_for or {}).get(session.id)))
    # The VTIMEZONE of every TZID used, from the zone database.
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _event(session: StoredSession, lang: str, url: str | None) -> icalendar.Event:
    title, _ = session.title_in(lang)
    abstract, _ = session.abstract_in(lang)
    import icalendar

    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", dt.datetime.fromtimestamp(session.updated_at, dt.UTC))
    event.add("last-modified", dt.datetime.fromtimestamp(session.updated_at, dt.UTC))
    event.add("sequence", session.sequence)
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", title)
    event.add("location", session.room)
    description = [abstract] if abstract else []
    if session.persons:
        description.append(", ".join(session.persons))
    if description:
        event.add("description", "\n\n".join(description))
    if session.track:
        event.add("categories", [session.track])
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    if url:
        event.add("url", url)
    return event
