"""The programme file: the frab / c3voc schedule an organizer exports (JSON or XML), and its
optional sidecar TOML of per-language titles and abstracts.

pretalx, frab and the c3voc tools all export this format: a conference with days, each day
with rooms, each room with events (`id`, `guid`, `date`, `start`, `duration`, `room`, `title`,
`abstract`, `persons`, `language`, `track`). `load_programme` turns it into `Programme`, a list
of `Session`s with aware start and end times, or raises `ProgrammeError` with one line that
names the file, the event (its id and title) and the field: the bot then keeps the programme
it had. Nothing here touches the database.

Times: an event's `date` (ISO 8601 with an offset) is the moment it starts; without one, its
`start` (HH:MM) on its day, in the conference's time zone (`time_zone_name` in the file, else
the content's `[event] time_zone`).

The sidecar sits beside the file as `<name>.i18n.toml` (schedule.json → schedule.i18n.toml):

    [sessions."<guid or id>"]
    title.ru = "…"
    abstract.zh = "…"

A language missing there shows the original, marked with its language (wording's business).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from storage.content import LANGUAGES

# An event id travels in a deep link (`session-<id>`, 64 characters at most) and in callback
# data: ids are short and URL-safe.
SESSION_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DAYS_CLOCK = re.compile(r"^(\d+):(\d{1,2}):(\d{2})(?::(\d{2}))?$")
SIDECAR_SUFFIX = ".i18n.toml"
# Longest texts kept (a card must fit in one Telegram message with its buttons).
TITLE_LIMIT = 300
ABSTRACT_LIMIT = 2500
# What the language field may say: a language tag ("en", "de-CH"); kept as its base, lower case.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


class ProgrammeSettings(BaseModel):
    """`[programme]` in the configuration file (the process composes it into the whole file)."""

    model_config = ConfigDict(extra="forbid")

    # The schedule JSON or XML (relative to the config file); None: there is no programme.
    source: Path | None = None
    # Reminders go this many minutes before a starred session starts (0: no reminders).
    remind_minutes: int = Field(default=10, ge=0, le=24 * 60)


class ProgrammeError(Exception):
    """A programme file the bot refuses: one line naming the file, the event and the field."""


@dataclass(frozen=True, slots=True)
class Session:
    """One event of the programme. `titles`/`abstracts` hold the sidecar's translations."""

    id: str
    guid: str
    title: str
    start: dt.datetime
    end: dt.datetime
    room: str
    abstract: str = ""
    subtitle: str = ""
    persons: tuple[str, ...] = ()
    language: str | None = None
    track: str | None = None
    titles: Mapping[str, str] = field(default_factory=dict)
    abstracts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Programme:
    """A validated programme: its sessions by start time, and where it came from."""

    title: str
    time_zone: str
    sessions: tuple[Session, ...]
    digest: str


def sidecar_path(source: Path) -> Path:
    """Where the translations of `source` are looked for."""
    return source.with_name(source.stem + SIDECAR_SUFFIX)


def load_programme(source: Path, default_zone: str) -> Programme:
    """Read, parse and validate the programme file (and its sidecar, if there is one)."""
    try:
        raw = source.read_bytes()
    except OSError as error:
        raise ProgrammeError(f"programme file {source}: {error.strerror or error}") from None
    sidecar = sidecar_path(source)
    try:
        side_raw = sidecar.read_bytes() if sidecar.is_file() else b""
    except OSError as error:
        raise ProgrammeError(f"programme sidecar {sidecar}: {error.strerror or error}") from None
    try:
        title, zone, sessions = parse_schedule(raw, default_zone)
    except ProgrammeError as error:
        raise ProgrammeError(f"programme file {source}: {error}") from None
    try:
        translations = parse_sidecar(side_raw) if side_raw else {}
        sessions = apply_translations(sessions, translations)
    except ProgrammeError as error:
        raise ProgrammeError(f"programme sidecar {sidecar}: {error}") from None
    digest = hashlib.sha256(raw + b"\0" + side_raw).hexdigest()
    ordered = tuple(sorted(sessions, key=lambda s: (s.start, s.room, s.id)))
    return Programme(title, zone, ordered, digest)


# ---------------------------------------------------------------------- the schedule


@dataclass
class _Raw:
    """One event as read from JSON or XML, before validation; `where` names it in errors."""

    fields: dict[str, Any]
    day: str | None
    room: str | None
    where: str


def parse_schedule(raw: bytes, default_zone: str) -> tuple[str, str, list[Session]]:
    """(conference title, zone name, sessions) of a frab schedule in JSON or XML."""
    text = _decode(raw)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        title, zone_name, events = _from_xml(stripped)
    elif stripped.startswith("{"):
        title, zone_name, events = _from_json(stripped)
    else:
        raise ProgrammeError("neither schedule JSON nor schedule XML")
    zone_name = zone_name or default_zone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgrammeError(
            f"conference.time_zone_name: unknown IANA time zone {zone_name!r}"
        ) from None
    sessions: list[Session] = []
    seen: dict[str, str] = {}
    for event in events:
        session = _session(event, zone)
        if session.id in seen:
            raise ProgrammeError(f"{event.where}: id: {session.id} is used twice")
        seen[session.id] = event.where
        sessions.append(session)
    return title, zone_name, sessions


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProgrammeError(f"not UTF-8: {error}") from None


def _from_json(text: str) -> tuple[str, str | None, list[_Raw]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProgrammeError(f"not valid JSON: {error}") from None
    schedule = data.get("schedule", data) if isinstance(data, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict):
        raise ProgrammeError("schedule.conference: missing (not a frab schedule)")
    title = _text(conference.get("title")) or ""
    zone = _text(conference.get("time_zone_name")) or None
    days = conference.get("days")
    if not isinstance(days, list):
        raise ProgrammeError("schedule.conference.days: missing or not a list")
    events: list[_Raw] = []
    for d, day in enumerate(days):
        if not isinstance(day, dict):
            raise ProgrammeError(f"days[{d}]: not an object")
        rooms = day.get("rooms", {})
        if not isinstance(rooms, dict):
            raise ProgrammeError(f"days[{d}].rooms: not an object")
        for room, items in rooms.items():
            if not isinstance(items, list):
                raise ProgrammeError(f"days[{d}].rooms.{room}: not a list of events")
            for e, item in enumerate(items):
                where = f"days[{d}].rooms.{room}[{e}]"
                if not isinstance(item, dict):
                    raise ProgrammeError(f"{where}: not an object")
                events.append(_Raw(item, _text(day.get("date")), str(room), _name(item, where)))
    return title, zone, events


def _from_xml(text: str) -> tuple[str, str | None, list[_Raw]]:
    try:
        # The file is the organizer's own; expat (Python >= 3.11's) refuses entity expansion
        # attacks, and no external entity is ever fetched by ElementTree.
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ProgrammeError(f"not valid XML: {error}") from None
    if root.tag != "schedule":
        raise ProgrammeError(f"<{root.tag}>: not a frab <schedule>")
    conference = root.find("conference")
    title = _text(conference.findtext("title")) if conference is not None else ""
    zone = _text(conference.findtext("time_zone_name")) if conference is not None else ""
    events: list[_Raw] = []
    for d, day in enumerate(root.findall("day")):
        for room in day.findall("room"):
            room_name = room.get("name")
            for e, node in enumerate(room.findall("event")):
                item: dict[str, Any] = {"id": node.get("id"), "guid": node.get("guid")}
                for child in node:
                    if child.tag == "persons":
                        item["persons"] = [
                            {"public_name": person.text or ""} for person in child.findall("person")
                        ]
                    elif len(child) == 0:
                        item[child.tag] = child.text or ""
                where = f"day[{d + 1}].room[{room_name}].event[{e + 1}]"
                events.append(_Raw(item, day.get("date"), room_name, _name(item, where)))
    return title or "", zone or None, events


def _name(item: Mapping[str, Any], where: str) -> str:
    """How an error names an event: its id and title when it has them, else its place."""
    ident = _text(item.get("id"))
    title = _text(item.get("title"))
    if ident and title:
        return f"event {ident} «{title[:60]}»"
    if ident:
        return f"event {ident}"
    return f"{where}{f' «{title[:60]}»' if title else ''}"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return " ".join(value.split()) if "\n" not in value else value.strip()
    return ""


def _session(event: _Raw, zone: ZoneInfo) -> Session:
    f, where = event.fields, event.where
    ident = _text(f.get("id"))
    if not ident:
        raise ProgrammeError(f"{where}: id: missing")
    if not SESSION_ID.fullmatch(ident):
        raise ProgrammeError(f"{where}: id: {ident!r} is not 1-40 letters, digits or _")
    title = _text(f.get("title"))
    if not title:
        raise ProgrammeError(f"{where}: title: missing")
    if len(title) > TITLE_LIMIT:
        raise ProgrammeError(f"{where}: title: longer than {TITLE_LIMIT} characters")
    room = _text(f.get("room")) or (event.room or "")
    if not room:
        raise ProgrammeError(f"{where}: room: missing")
    start = _start(f, event.day, zone, where)
    duration = _duration(_text(f.get("duration")), where)
    abstract = _text(f.get("abstract")) or _text(f.get("description"))
    if len(abstract) > ABSTRACT_LIMIT:
        abstract = abstract[: ABSTRACT_LIMIT - 1].rstrip() + "…"
    language = _text(f.get("language")) or None
    if language is not None:
        if not _LANGUAGE_TAG.fullmatch(language):
            raise ProgrammeError(f"{where}: language: {language!r} is not a language code")
        language = re.split(r"[-_]", language)[0].lower()
    return Session(
        id=ident,
        guid=_text(f.get("guid")) or ident,
        title=title,
        start=start,
        end=start + duration,
        room=room,
        abstract=abstract,
        subtitle=_text(f.get("subtitle")),
        persons=tuple(_persons(f.get("persons"), where)),
        language=language,
        track=_text(f.get("track")) or None,
    )


def _start(f: Mapping[str, Any], day: str | None, zone: ZoneInfo, where: str) -> dt.datetime:
    """The event's start: its `date` (with an offset, or local), else `start` on its day."""
    moment = _text(f.get("date"))
    if moment and ("T" in moment or " " in moment):
        try:
            parsed = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            raise ProgrammeError(f"{where}: date: {moment!r} is not an ISO 8601 time") from None
        return (parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)).replace(
            microsecond=0
        )
    day_text = moment or (day or "")
    try:
        date = dt.date.fromisoformat(day_text[:10])
    except ValueError:
        raise ProgrammeError(f"{where}: date: missing or not YYYY-MM-DD ({day_text!r})") from None
    clock = _text(f.get("start"))
    match = _CLOCK.fullmatch(clock)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ProgrammeError(f"{where}: start: {clock!r} is not HH:MM")
    local = dt.datetime.combine(date, dt.time(int(match[1]), int(match[2])))
    return local.replace(tzinfo=zone)


def _duration(text: str, where: str) -> dt.timedelta:
    """frab durations: "00:30", "1:30", "01:30:00" or "1:02:00:00" (days first)."""
    if not text:
        raise ProgrammeError(f"{where}: duration: missing")
    match = _CLOCK.fullmatch(text)
    if match:
        value = dt.timedelta(hours=int(match[1]), minutes=int(match[2]), seconds=int(match[3] or 0))
    elif days := _DAYS_CLOCK.fullmatch(text):
        value = dt.timedelta(
            days=int(days[1]), hours=int(days[2]), minutes=int(days[3]), seconds=int(days[4] or 0)
        )
    else:
        raise ProgrammeError(f"{where}: duration: {text!r} is not HH:MM")
    if value <= dt.timedelta(0) or value > dt.timedelta(days=7):
        raise ProgrammeError(f"{where}: duration: {text!r} is not between 1 minute and 7 days")
    return value


def _persons(value: object, where: str) -> Iterator[str]:
    if value is None:
        return
    if not isinstance(value, list):
        raise ProgrammeError(f"{where}: persons: not a list")
    for person in value:
        if isinstance(person, str):
            name = _text(person)
        elif isinstance(person, dict):
            name = _text(person.get("public_name")) or _text(person.get("name"))
            if not name:
                name = " ".join(
                    part
                    for part in (_text(person.get(k)) for k in ("first_name", "last_name"))
                    if part
                )
        else:
            raise ProgrammeError(f"{where}: persons: not a list of names")
        if name:
            yield name


# ---------------------------------------------------------------------- the sidecar

Translations = dict[str, dict[str, dict[str, str]]]


def parse_sidecar(raw: bytes) -> Translations:
    """{event guid or id: {"title"|"abstract": {lang: text}}} from the sidecar TOML."""
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProgrammeError(f"not valid TOML: {error}") from None
    unknown = set(data) - {"sessions"}
    if unknown:
        raise ProgrammeError(f"{sorted(unknown)[0]}: unknown table (expected [sessions.<id>])")
    sessions = data.get("sessions", {})
    result: Translations = {}
    for key, entry in sessions.items():
        where = f"sessions.{key}"
        if not isinstance(entry, dict):
            raise ProgrammeError(f"{where}: not a table")
        texts: dict[str, dict[str, str]] = {}
        for name, by_language in entry.items():
            if name not in ("title", "abstract"):
                raise ProgrammeError(f"{where}.{name}: unknown field (title or abstract)")
            if not isinstance(by_language, dict):
                raise ProgrammeError(f"{where}.{name}: not a table of languages (ru, zh, en)")
            for language, text in by_language.items():
                if language not in LANGUAGES:
                    raise ProgrammeError(f"{where}.{name}.{language}: not ru, zh or en")
                if not isinstance(text, str) or not text.strip():
                    raise ProgrammeError(f"{where}.{name}.{language}: empty or not a string")
                limit = TITLE_LIMIT if name == "title" else ABSTRACT_LIMIT
                if len(text) > limit:
                    raise ProgrammeError(
                        f"{where}.{name}.{language}: longer than {limit} characters"
                    )
                texts.setdefault(name, {})[language] = text.strip()
        result[str(key)] = texts
    return result


def apply_translations(sessions: list[Session], translations: Translations) -> list[Session]:
    """The sessions with their translations; a key naming no event is an error."""
    by_key: dict[str, int] = {}
    for index, session in enumerate(sessions):
        by_key[session.guid] = index
        by_key[session.id] = index
    result = list(sessions)
    for key, texts in translations.items():
        found = by_key.get(key)
        if found is None:
            raise ProgrammeError(f"sessions.{key}: no event has this guid or id")
        current = result[found]
        result[found] = dataclasses.replace(
            current,
            titles={**current.titles, **texts.get("title", {})},
            abstracts={**current.abstracts, **texts.get("abstract", {})},
        )
    return result
