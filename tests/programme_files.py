"""Fictional programme files for the tests, made relative to the current time (no tests here).

Nothing here is conference content: the conference, talks, rooms and people are invented for
the tests and written to temporary directories, never shipped.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

ZONE = "Europe/Berlin"
TITLE = "Fictional Test Conference"


@dataclass
class Talk:
    id: int
    title: str
    start: dt.datetime
    minutes: int = 30
    room: str = "Hall A"
    persons: list[str] = field(default_factory=lambda: ["Test Speaker"])
    language: str = "en"
    track: str | None = "Materials"
    abstract: str = ""

    @property
    def guid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-programme/{self.id}"))


def soon(seconds: float, zone: str = ZONE) -> dt.datetime:
    """A start `seconds` from now, in the zone, to the second."""
    now = dt.datetime.now(ZoneInfo(zone)).replace(microsecond=0)
    return now + dt.timedelta(seconds=seconds)


def _event(talk: Talk) -> dict[str, Any]:
    return {
        "id": talk.id,
        "guid": talk.guid,
        "date": talk.start.isoformat(),
        "start": talk.start.strftime("%H:%M"),
        "duration": f"{talk.minutes // 60:02d}:{talk.minutes % 60:02d}",
        "room": talk.room,
        "slug": f"test-{talk.id}",
        "title": talk.title,
        "subtitle": "",
        "track": talk.track,
        "type": "Talk",
        "language": talk.language,
        "abstract": talk.abstract,
        "description": "",
        "persons": [{"id": i, "public_name": name} for i, name in enumerate(talk.persons)],
        "links": [],
    }


def schedule(talks: list[Talk], zone: str = ZONE) -> dict[str, Any]:
    """A frab schedule JSON document (as pretalx exports it)."""
    days: dict[dt.date, dict[str, list[dict[str, Any]]]] = {}
    for talk in talks:
        rooms = days.setdefault(talk.start.date(), {})
        rooms.setdefault(talk.room, []).append(_event(talk))
    return {
        "schedule": {
            "version": "test-1",
            "base_url": "https://example.invalid/",
            "conference": {
                "acronym": "ftc",
                "title": TITLE,
                "start": min(days).isoformat() if days else "2030-01-01",
                "end": max(days).isoformat() if days else "2030-01-01",
                "daysCount": len(days),
                "timeslot_duration": "00:05",
                "time_zone_name": zone,
                "rooms": [{"name": r} for r in sorted({t.room for t in talks})],
                "days": [
                    {
                        "index": index + 1,
                        "date": day.isoformat(),
                        "day_start": f"{day.isoformat()}T00:00:00",
                        "day_end": f"{day.isoformat()}T23:59:00",
                        "rooms": rooms,
                    }
                    for index, (day, rooms) in enumerate(sorted(days.items()))
                ],
            },
        }
    }


def schedule_xml(talks: list[Talk], zone: str = ZONE) -> str:
    """The same schedule as frab XML."""
    document = schedule(talks, zone)["schedule"]
    conference = document["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "version").text = document["version"]
    conf = ET.SubElement(root, "conference")
    for key in ("acronym", "title", "start", "end", "time_zone_name"):
        ET.SubElement(conf, key).text = str(conference[key])
    for day in conference["days"]:
        day_node = ET.SubElement(root, "day", index=str(day["index"]), date=day["date"])
        for room, events in day["rooms"].items():
            room_node = ET.SubElement(day_node, "room", name=room)
            for event in events:
                node = ET.SubElement(room_node, "event", id=str(event["id"]), guid=event["guid"])
                for key in ("date", "start", "duration", "room", "slug", "title", "subtitle"):
                    ET.SubElement(node, key).text = str(event[key])
                for key in ("track", "type", "language", "abstract", "description"):
                    ET.SubElement(node, key).text = event[key] or ""
                persons = ET.SubElement(node, "persons")
                for person in event["persons"]:
                    ET.SubElement(persons, "person", id=str(person["id"])).text = person[
                        "public_name"
                    ]
    return ET.tostring(root, encoding="unicode")


def write_programme(
    directory: Path,
    talks: list[Talk],
    *,
    xml: bool = False,
    sidecar: str | None = None,
    name: str = "schedule",
) -> Path:
    """Write the schedule (JSON or XML) and its sidecar TOML; the schedule's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.{'xml' if xml else 'json'}"
    text = schedule_xml(talks) if xml else json.dumps(schedule(talks), ensure_ascii=False)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    side = directory / f"{name}.i18n.toml"
    if sidecar is not None:
        side.write_text(sidecar, encoding="utf-8")
    elif side.exists():
        side.unlink()
    return path
