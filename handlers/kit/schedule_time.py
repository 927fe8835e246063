"""When a scheduled broadcast goes out: the organizer's `<when>` parsed, in the event's time zone.

Accepted forms (FORMS): `YYYY-MM-DD HH:MM` and `HH:MM` (today or tomorrow, whichever comes
next) read as wall-clock time in the event's zone, which is data (the content file's
`event.time_zone`), and relative `+30s`, `+10m`, `+2h`, `+1d` from now. A time that is not
strictly in the future, or more than MAX_AHEAD away, is refused with the reason, so the reply can
name the forms. Pure: `now` is passed in, nothing here reads a clock or the database.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from zoneinfo import ZoneInfo

FORMS = ("YYYY-MM-DD HH:MM", "HH:MM", "+30s", "+10m", "+2h", "+1d")
MAX_AHEAD = dt.timedelta(days=365)
DISPLAY = "%Y-%m-%d %H:%M"
DISPLAY_SECONDS = "%Y-%m-%d %H:%M:%S"

_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_RELATIVE = re.compile(r"^\+(\d{1,7})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# The `<when>` at the start of "/schedule <when> <text>": a date and a time, or one word.
_LEADING = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|\S+)(?:\s+(.*))?$", re.DOTALL)


class WhenProblem(StrEnum):
    """Why a `<when>` was refused (also the catalog key suffix of the reply)."""

    MALFORMED = "malformed"
    PAST = "past"
    TOO_FAR = "too_far"


class WhenError(ValueError):
    """A `<when>` the scheduler cannot use."""

    def __init__(self, problem: WhenProblem, text: str) -> None:
        super().__init__(f"{problem}: {text!r}")
        self.problem = problem
        self.text = text


def split_when(text: str) -> tuple[str, str]:
    """("<when>", "the rest") from the text after /schedule; ("", "") for nothing."""
    match = _LEADING.match(text)
    if match is None:
        return "", ""
    return match.group(1), (match.group(2) or "").strip()


def parse_when(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The moment `text` names, as an aware UTC datetime; WhenError if it is unusable.

    `now` must be aware (any zone).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    text = text.strip()
    due = _moment(text, now, zone)
    if due <= now:
        raise WhenError(WhenProblem.PAST, text)
    if due - now > MAX_AHEAD:
        raise WhenError(WhenProblem.TOO_FAR, text)
    return due.astimezone(dt.UTC)


def _moment(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if match := _RELATIVE.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        try:
            return now + dt.timedelta(**{_UNITS[unit]: amount})
        except OverflowError:
            raise WhenError(WhenProblem.TOO_FAR, text) from None
    if match := _DATE_TIME.match(text):
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            return dt.datetime(year, month, day, hour, minute, tzinfo=zone)
        except ValueError:
            raise WhenError(WhenProblem.MALFORMED, text) from None
    if match := _TIME.match(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise WhenError(WhenProblem.MALFORMED, text)
        today = now.astimezone(zone).date()
        for date in (today, today + dt.timedelta(days=1)):
            candidate = dt.datetime.combine(date, dt.time(hour, minute), tzinfo=zone)
            if candidate > now:
                return candidate
        return candidate
    raise WhenError(WhenProblem.MALFORMED, text)


def in_zone(moment: dt.datetime, zone: ZoneInfo) -> str:
    """`moment` as wall-clock time in `zone`: "2020-09-09 10:00" (seconds only if any)."""
    local = moment.astimezone(zone)
    return local.strftime(DISPLAY_SECONDS if local.second else DISPLAY)


def in_utc(moment: dt.datetime) -> str:
    """`moment` in UTC: "2020-09-09 02:00" (seconds only if any)."""
    return in_zone(moment, ZoneInfo("UTC"))
