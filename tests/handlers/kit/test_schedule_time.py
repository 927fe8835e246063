"""The scheduling time parser: every accepted form, and every refusal with its reason.

Expected moments are written by hand (Asia/Shanghai is UTC+8 all year; Europe/Moscow UTC+3;
America/New_York has daylight saving time).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from handlers.kit.schedule_time import (
    WhenError,
    WhenProblem,
    in_utc,
    in_zone,
    parse_when,
    split_when,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2020-09-09 10:00 in Nanjing.
NOW = dt.datetime(2020, 9, 9, 2, 0, tzinfo=dt.UTC)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-09-09 18:30", utc(2020, 9, 9, 10, 30)),
        ("2020-09-10 00:05", utc(2020, 9, 9, 16, 5)),
        ("2021-09-08 09:59", utc(2021, 9, 8, 1, 59)),
        ("2020-09-09T10:01", utc(2020, 9, 9, 2, 1)),
        # HH:MM: today if still ahead, else tomorrow.
        ("10:01", utc(2020, 9, 9, 2, 1)),
        ("9:00", utc(2020, 9, 10, 1, 0)),
        ("10:00", utc(2020, 9, 10, 2, 0)),
        ("23:59", utc(2020, 9, 9, 15, 59)),
        ("00:00", utc(2020, 9, 9, 16, 0)),
        ("+30s", utc(2020, 9, 9, 2, 0, 30)),
        ("+10m", utc(2020, 9, 9, 2, 10)),
        ("+2h", utc(2020, 9, 9, 4, 0)),
        ("+1d", utc(2020, 9, 10, 2, 0)),
        ("+365d", utc(2021, 9, 9, 2, 0)),
        ("  +3s ", utc(2020, 9, 9, 2, 0, 3)),
    ],
)
def test_accepted_forms(text: str, expected: dt.datetime) -> None:
    due = parse_when(text, NOW, SHANGHAI)
    assert due == expected
    assert due.tzinfo == dt.UTC


def test_local_times_follow_the_zone_given() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    assert parse_when("2020-09-09 18:30", NOW, moscow) == utc(2020, 9, 9, 15, 30)
    # It is 05:00 in Moscow: 05:30 is still ahead today, 04:59 is tomorrow.
    assert parse_when("05:30", NOW, moscow) == utc(2020, 9, 9, 2, 30)
    assert parse_when("04:59", NOW, moscow) == utc(2020, 9, 10, 1, 59)


def test_daylight_saving_time_is_the_zone_s_own() -> None:
    new_york = ZoneInfo("America/New_York")
    winter_now = utc(2021, 1, 10, 12, 0)
    assert parse_when("2021-01-11 09:00", winter_now, new_york) == utc(2021, 1, 11, 14, 0)
    assert parse_when("2021-07-11 09:00", winter_now, new_york) == utc(2021, 7, 11, 13, 0)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", WhenProblem.MALFORMED),
        ("tomorrow", WhenProblem.MALFORMED),
        ("18.30", WhenProblem.MALFORMED),
        ("24:00", WhenProblem.MALFORMED),
        ("12:60", WhenProblem.MALFORMED),
        ("2020-02-30 10:00", WhenProblem.MALFORMED),
        ("2020-13-01 10:00", WhenProblem.MALFORMED),
        ("2020-09-09", WhenProblem.MALFORMED),
        ("+10", WhenProblem.MALFORMED),
        ("+10w", WhenProblem.MALFORMED),
        ("-10m", WhenProblem.MALFORMED),
        ("+1.5h", WhenProblem.MALFORMED),
        ("2020-09-09 10:00", WhenProblem.PAST),
        ("2020-09-09 09:59", WhenProblem.PAST),
        ("2019-01-01 00:00", WhenProblem.PAST),
        ("+0s", WhenProblem.PAST),
        ("+366d", WhenProblem.TOO_FAR),
        ("+9000h", WhenProblem.TOO_FAR),
        ("+9999999d", WhenProblem.TOO_FAR),
        ("2021-09-09 10:01", WhenProblem.TOO_FAR),
    ],
)
def test_refusals_say_why(text: str, problem: WhenProblem) -> None:
    with pytest.raises(WhenError) as error:
        parse_when(text, NOW, SHANGHAI)
    assert error.value.problem is problem


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("+1m", dt.datetime(2020, 9, 9, 10, 0), SHANGHAI)


@pytest.mark.parametrize(
    ("text", "when", "rest"),
    [
        ("2020-09-09 18:30 Doors open", "2020-09-09 18:30", "Doors open"),
        ("18:30 Doors\nopen <b>now</b>", "18:30", "Doors\nopen <b>now</b>"),
        ("+3s  Hello", "+3s", "Hello"),
        ("+3s", "+3s", ""),
        ("2020-09-09 18:30", "2020-09-09 18:30", ""),
        ("   ", "", ""),
        ("", "", ""),
    ],
)
def test_split_when(text: str, when: str, rest: str) -> None:
    assert split_when(text) == (when, rest)


def test_display_in_zone_and_utc() -> None:
    due = utc(2020, 9, 9, 10, 30)
    assert in_zone(due, SHANGHAI) == "2020-09-09 18:30"
    assert in_utc(due) == "2020-09-09 10:30"
    assert in_zone(utc(2020, 9, 9, 10, 30, 5), SHANGHAI) == "2020-09-09 18:30:05"
    assert in_utc(utc(2020, 9, 9, 10, 30, 5)) == "2020-09-09 10:30:05"
