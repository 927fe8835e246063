"""The programme through the real bot process on the emulator, with fictional programme files
the tests write relative to the current time."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import icalendar
import pytest
import vobject

from tests.broadcasting import message_id, press, say
from tests.conftest import (
    ADMIN_ID,
    BotProcess,
    ask,
    callbacks,
    run_until_exit,
    running_bot,
    write_config,
)
from tests.programme_files import Talk, soon, write_programme
from tgemu import BotApiEmulator

NONE = {
    "en": "gives no programme",
    "ru": "программы нет",
    "zh": "没有提供日程",
}

# Real bot or site processes: seconds each.
pytestmark = pytest.mark.slow


async def test_without_a_programme_every_command_says_there_is_none(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        emulator = bot.emulator
        for user, code in ((7001, "en"), (7002, "ru"), (7003, "zh-hans")):
            for command in ("/programme", "/now", "/next", "/my", "/start session-101"):
                reply = await ask(emulator, user, command, language_code=code)
                assert NONE[code[:2]] in reply.params["text"], (command, code)


def _talks() -> list[Talk]:
    now = soon(0)
    return [
        Talk(
            101,
            "Graphene membranes (fictional)",
            now - dt.timedelta(minutes=10),
            60,
            "Hall A",
            ["Ada Testova"],
            abstract="An invented talk for the tests.",
        ),
        Talk(102, "Composite panels (fictional)", now + dt.timedelta(hours=1), 30, "Hall B"),
        Talk(103, "Ceramic coatings (fictional)", now + dt.timedelta(hours=2), 30, "Hall A"),
    ]


async def test_programme_cards_favourites_and_calendar(tmp_path: Path) -> None:
    source = write_programme(
        tmp_path / "programme",
        _talks(),
        sidecar='[sessions.101]\ntitle.ru = "Графеновые мембраны (вымышленный)"\n',
    )
    async with running_bot(tmp_path, programme={"source": str(source)}) as bot:
        emulator = bot.emulator
        user = 7101
        talks = _talks()
        day = await ask(emulator, user, "/programme")
        assert "Fictional Test Conference" in day.params["text"]
        assert "Europe/Berlin" in day.params["text"]
        # Each session on its own day's page (the test may run near midnight in Berlin).
        for talk in talks:
            await press(emulator, user, f"pg:d:{talk.start.date()}:0", message_id=message_id(day))
            await emulator.wait_until_idle(quiet=0.2)
            # The message as the user now sees it (edited in place, or unchanged).
            page = next(
                m for m in emulator.sent_messages(user) if m["message_id"] == message_id(day)
            )
            assert talk.title in page["text"] and talk.room in page["text"]
            assert f"pg:s:{talk.id}" in callbacks(page)

        # The card by its button, and by a poster's deep link.
        replies = await say(emulator, user, "/start session-101")
        card = replies[0].params["text"]
        for expected in (
            "Graphene membranes (fictional)",
            "Hall A",
            "Ada Testova",
            "Europe/Berlin",
        ):
            assert expected in card
        assert "An invented talk for the tests." in card
        assert "pg:f:101" in callbacks(replies[0])

        # Russian reader: the sidecar's title; an untranslated one is marked with its language.
        ru = await ask(emulator, 7102, "/start session-101", language_code="ru")
        assert "Графеновые мембраны (вымышленный)" in ru.params["text"]
        ru2 = await ask(emulator, 7102, "/start session-102", language_code="ru")
        assert "Composite panels (fictional)" in ru2.params["text"]
        assert "[EN]" in ru2.params["text"]

        # ★ toggles, /my lists mine in time order.
        answer = await press(emulator, user, "pg:f:103", message_id=message_id(replies[0]))
        assert "Added" in answer.params["text"]
        await press(emulator, user, "pg:f:101", message_id=message_id(replies[0]))
        await emulator.wait_until_idle(quiet=0.2)
        mine = await ask(emulator, user, "/my")
        text = mine.params["text"]
        assert text.index("Graphene") < text.index("Ceramic")
        assert "Composite" not in text
        # Unstar.
        answer = await press(emulator, user, "pg:f:103", message_id=message_id(mine))
        assert "Removed" in answer.params["text"]

        # /now: the session running in Hall A; /next: what starts next per room.
        now = await ask(emulator, user, "/now")
        assert "Graphene" in now.params["text"] and "Hall A" in now.params["text"]
        following = await ask(emulator, user, "/next")
        assert following.params["text"].index("Composite") < following.params["text"].index(
            "Ceramic"
        )

        # The card's calendar file: an upload that two independent parsers read.
        since = len(emulator.calls())
        await press(emulator, user, "pg:i:101", message_id=message_id(replies[0]))
        document = await emulator.wait_for_call("sendDocument", chat_id=user, since=since)
        payload = document.params["document"].data.decode()
        parsed = vobject.readOne(payload)
        assert parsed.vevent.summary.value == "Graphene membranes (fictional)"
        assert parsed.vevent.dtstart.value.tzinfo is not None
        assert "Europe/Berlin" in payload and "BEGIN:VTIMEZONE" in payload

        # /my's calendar: every starred session, each with its stable UID.
        since = len(emulator.calls())
        await press(emulator, user, "pg:mi", message_id=message_id(mine))
        document = await emulator.wait_for_call("sendDocument", chat_id=user, since=since)
        mine_calendar = vobject.readOne(document.params["document"].data.decode())
        assert [e.summary.value for e in mine_calendar.vevent_list] == [
            "Graphene membranes (fictional)"
        ]
        assert mine_calendar.vevent.uid.value == parsed.vevent.uid.value

        # Unknown session: a polite line, not a crash.
        missing = await ask(emulator, user, "/start session-999")
        assert "no session 999" in missing.params["text"]

        # /stats counts favourites per session.
        stats = await ask(emulator, ADMIN_ID, "/stats")
        assert "Most starred" in stats.params["text"]
        assert "1 · Graphene membranes (fictional)" in stats.params["text"]


async def test_reload_refuses_a_bad_file_and_keeps_the_programme(tmp_path: Path) -> None:
    source = write_programme(tmp_path / "programme", _talks())
    async with running_bot(tmp_path, programme={"source": str(source)}) as bot:
        emulator = bot.emulator
        # /help names the programme's commands; organizers also see /programme reload.
        helped = " ".join(c.params["text"] for c in await say(emulator, 7201, "/help"))
        assert "/now" in helped and "/my" in helped and "/programme reload" not in helped
        helped = " ".join(c.params["text"] for c in await say(emulator, ADMIN_ID, "/help"))
        assert "/programme reload" in helped
        refused = await ask(emulator, 7201, "/programme reload")
        assert "administrators only" in refused.params["text"]
        document = json.loads(source.read_text(encoding="utf-8"))
        for day in document["schedule"]["conference"]["days"]:
            for events in day["rooms"].values():
                for event in events:
                    if event["id"] == 102:
                        event["duration"] = "x"
        source.write_text(json.dumps(document), encoding="utf-8")
        invalid = await ask(emulator, ADMIN_ID, "/programme reload")
        assert "previous programme stays" in invalid.params["text"]
        assert "event 102" in invalid.params["text"] and "duration" in invalid.params["text"]
        card = await ask(emulator, 7201, "/start session-102")
        assert "Composite panels (fictional)" in card.params["text"]
        # A restart with the bad file: one warning line, the previous programme still served.
        await bot.restart()
        warnings = [line for line in bot.log().splitlines() if "previous one stays" in line]
        assert len(warnings) == 1 and "event 102" in warnings[0] and "duration" in warnings[0]
        card = await ask(emulator, 7201, "/start session-102")
        assert "Composite panels (fictional)" in card.params["text"]


async def _calendar_event(emulator: BotApiEmulator, user: int, session_id: str) -> icalendar.Event:
    """The session card's calendar file, as the icalendar library reads it."""
    since = len(emulator.calls())
    await press(emulator, user, f"pg:i:{session_id}")
    document = await emulator.wait_for_call("sendDocument", chat_id=user, since=since)
    calendar = icalendar.Calendar.from_ical(document.params["document"].data)
    [event] = calendar.walk("VEVENT")
    return event


async def _reminders_of(emulator: BotApiEmulator, user: int) -> list[float]:
    return [
        c.at
        for c in emulator.calls("sendMessage", chat_id=user)
        if c.ok and "starts at" in c.params.get("text", "")
    ]


@pytest.mark.slow
async def test_reminder_once_on_time_across_kill_9(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """A session starting in 90 s, reminded 1 minute before: the bot is killed (-9) and
    restarted in between; the reminder comes once, on time, before the start."""
    start = soon(90)
    talk = Talk(301, "Reminder test talk (fictional)", start, 30, "Hall R")
    source = write_programme(tmp_path / "programme", [talk])
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        programme={"source": str(source), "remind_minutes": 1},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    user = 7301
    try:
        card = await ask(emulator, user, "/start session-301")
        await press(emulator, user, "pg:f:301", message_id=message_id(card))
        await emulator.wait_until_idle(quiet=0.2)
        await asyncio.sleep(5)
        await bot.kill()
        await asyncio.sleep(3)
        await bot.start()
        due_wall = start.timestamp() - 60
        # Wait until just after the start; the reminder must have come once, before it.
        await asyncio.sleep(max(0.0, start.timestamp() - time.time() + 2))
        sent = await _reminders_of(emulator, user)
        assert len(sent) == 1, bot.log()
        # The emulator's clock is monotonic: convert the due time to it.
        offset = time.monotonic() - time.time()
        lateness = sent[0] - (due_wall + offset)
        assert -2.0 <= lateness <= 2.0, lateness
        # A restart after it was sent sends nothing again.
        await bot.restart()
        await emulator.wait_until_idle(quiet=1.0)
        assert len(await _reminders_of(emulator, user)) == 1
    finally:
        if bot.process is not None and bot.process.returncode is None:
            assert await bot.stop() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()


@pytest.mark.slow
async def test_a_moved_session_notifies_its_followers_once(tmp_path: Path) -> None:
    talks = _talks()
    source = write_programme(tmp_path / "programme", talks)
    async with running_bot(tmp_path, programme={"source": str(source)}) as bot:
        emulator = bot.emulator
        followers = {7401: "en", 7402: "ru", 7403: "zh-hans"}
        for user, code in followers.items():
            card = await ask(emulator, user, "/start session-102", language_code=code)
            await press(emulator, user, "pg:f:102", message_id=message_id(card), language_code=code)
        await emulator.wait_until_idle(quiet=0.2)
        before = await _calendar_event(emulator, 7401, "102")
        assert int(before["sequence"]) == 0
        old = talks[1].start
        talks[1].start = old + dt.timedelta(minutes=45)
        talks[1].room = "Hall C"
        write_programme(tmp_path / "programme", talks)
        done = await ask(emulator, ADMIN_ID, "/programme reload")
        assert "Notices to followers: 3" in done.params["text"]
        expected = {
            "en": "has changed",
            "ru": "изменился",
            "zh": "有变化",
        }

        def notices(user: int) -> list[str]:
            return [
                c.params["text"]
                for c in emulator.calls("sendMessage", chat_id=user)
                if c.ok and "→" in c.params.get("text", "")
            ]

        for user in followers:
            await emulator.wait_for_call(
                "sendMessage",
                chat_id=user,
                predicate=lambda c: "→" in c.params.get("text", ""),
                timeout=10,
            )
        for user, code in followers.items():
            got = notices(user)
            assert len(got) == 1, (user, got)
            assert expected[code[:2]] in got[0]
            assert f"{old:%H:%M} → " in got[0] and f" {talks[1].start:%H:%M}" in got[0]
            assert "Hall B → Hall C" in got[0]
        # The calendar entry is the same event (UID), updated: SEQUENCE 1, new time and room.
        after = await _calendar_event(emulator, 7401, "102")
        assert str(after["uid"]) == str(before["uid"])
        assert int(after["sequence"]) == 1
        assert str(after["location"]) == "Hall C"
        assert after.decoded("dtstart") == talks[1].start
        # The same file again, and a restart: nobody is told twice.
        again = await ask(emulator, ADMIN_ID, "/programme reload")
        assert "not changed" in again.params["text"]
        await bot.restart()
        await emulator.wait_until_idle(quiet=1.0)
        assert all(len(notices(u)) == 1 for u in followers)


async def test_a_bad_programme_setting_is_one_line_and_exit_2(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        programme={"remind_minutes": -5},
    )
    code, output = await run_until_exit(config)
    assert code == 2
    assert "programme.remind_minutes" in output
    assert "Traceback" not in output
