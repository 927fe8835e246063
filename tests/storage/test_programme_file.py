"""The programme file: frab JSON and XML, the sidecar, and one-line errors naming event and field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.programme_file import ProgrammeError, load_programme
from tests.programme_files import TITLE, ZONE, Talk, schedule, write_programme

START = dt.datetime(2031, 3, 4, 10, 0, tzinfo=ZoneInfo(ZONE))
TALKS = [
    Talk(101, "Graphene membranes (fictional)", START, 45, "Hall A", ["A. Tester", "B. Probe"]),
    Talk(102, "Композитные материалы (вымышленный доклад)", START, 30, "Hall B", language="ru"),
    Talk(103, "Closing", START + dt.timedelta(days=1, hours=6), 90, "Hall A", track=None),
]


@pytest.mark.parametrize("xml", [False, True])
def test_json_and_xml_read_the_same(tmp_path: Path, xml: bool) -> None:
    programme = load_programme(write_programme(tmp_path, TALKS, xml=xml), "Asia/Shanghai")
    assert programme.title == TITLE
    assert programme.time_zone == ZONE  # the file's zone wins over the content's
    by_id = {s.id: s for s in programme.sessions}
    graphene = by_id["101"]
    assert graphene.start == START
    assert graphene.end - graphene.start == dt.timedelta(minutes=45)
    assert graphene.room == "Hall A"
    assert graphene.persons == ("A. Tester", "B. Probe")
    assert graphene.language == "en"
    assert graphene.track == "Materials"
    assert by_id["102"].language == "ru"
    assert by_id["103"].track is None
    assert by_id["103"].start.date() == dt.date(2031, 3, 5)
    assert [s.id for s in programme.sessions] == ["101", "102", "103"]


def test_zone_from_content_when_the_file_names_none(tmp_path: Path) -> None:
    document = schedule(TALKS)
    del document["schedule"]["conference"]["time_zone_name"]
    for day in document["schedule"]["conference"]["days"]:
        for events in day["rooms"].values():
            for event in events:
                del event["date"]  # only the day and the local HH:MM are left
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    programme = load_programme(path, "Asia/Shanghai")
    assert programme.time_zone == "Asia/Shanghai"
    first = programme.sessions[0]
    assert first.start == dt.datetime(2031, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_sidecar_translations(tmp_path: Path) -> None:
    sidecar = f"""
[sessions."{TALKS[0].guid}"]
title.ru = "Графеновые мембраны"
abstract.zh = "石墨烯膜"
[sessions.102]
title.en = "Composite materials"
"""
    programme = load_programme(write_programme(tmp_path, TALKS, sidecar=sidecar), ZONE)
    by_id = {s.id: s for s in programme.sessions}
    assert by_id["101"].titles == {"ru": "Графеновые мембраны"}
    assert by_id["101"].abstracts == {"zh": "石墨烯膜"}
    assert by_id["102"].titles == {"en": "Composite materials"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e.pop("title"), "event 101: title: missing"),
        (
            lambda e: e.update(duration="half an hour"),
            "«Graphene membranes (fictional)»: duration:",
        ),
        (lambda e: e.update(date="tomorrow", start="25:00"), "event 101 «Graphene"),
        (lambda e: e.update(id="1 01"), "id: '1 01' is not"),
        (lambda e: e.update(room="", date=e["date"]), None),
    ],
)
def test_a_bad_event_is_one_line_naming_it_and_the_field(
    tmp_path: Path, change: object, expected: str | None
) -> None:
    document = schedule(TALKS)
    event = document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]
    change(event)  # type: ignore[operator]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    if expected is None:  # an empty room field falls back to the room the event is listed in
        assert load_programme(path, ZONE).sessions[0].room == "Hall A"
        return
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path, ZONE)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_duplicate_ids_unknown_sidecar_keys_and_broken_files(tmp_path: Path) -> None:
    twice = [*TALKS, Talk(101, "Again", START, 30, "Hall C")]
    with pytest.raises(ProgrammeError, match="id: 101 is used twice"):
        load_programme(write_programme(tmp_path / "a", twice), ZONE)
    with pytest.raises(ProgrammeError, match=r"sessions\.999: no event has this guid or id"):
        load_programme(
            write_programme(tmp_path / "b", TALKS, sidecar='[sessions.999]\ntitle.en = "x"\n'), ZONE
        )
    with pytest.raises(ProgrammeError, match=r"sessions\.101\.title\.de: not ru, zh or en"):
        load_programme(
            write_programme(tmp_path / "c", TALKS, sidecar='[sessions.101]\ntitle.de = "x"\n'), ZONE
        )
    broken = tmp_path / "broken.json"
    broken.write_text('{"schedule": {"conference": ', encoding="utf-8")
    with pytest.raises(ProgrammeError, match="not valid JSON"):
        load_programme(broken, ZONE)
    with pytest.raises(ProgrammeError, match="No such file"):
        load_programme(tmp_path / "missing.json", ZONE)
    zone = schedule(TALKS)
    zone["schedule"]["conference"]["time_zone_name"] = "Mars/Olympus"
    (tmp_path / "zone.json").write_text(json.dumps(zone), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="time_zone_name: unknown IANA time zone"):
        load_programme(tmp_path / "zone.json", ZONE)
