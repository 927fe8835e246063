"""Scheduled broadcasts end to end: real bot processes on the emulator, real SQLite, kill -9.

/schedule makes a draft like /broadcast; once confirmed it waits in the database. Delivery
times are the emulator's own record of each call (monotonic clock, same process as the test).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.broadcasting import (
    button_data,
    callbacks,
    confirm,
    message_id,
    outbox_states,
    press,
    preview_id,
    say,
    start_with_subscribers,
    subscribe_users,
    wait_for_report,
)
from tests.conftest import ADMIN_ID, BotProcess, assert_token_not_logged
from tgemu import BotApiEmulator, Call

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def schedule(emulator: BotApiEmulator, args: str) -> tuple[int, Call]:
    """/schedule <args> as the admin: the draft id and the control message with its buttons."""
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, f"/schedule {args}", language_code="en")
    control = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
    )
    return preview_id(control), control


def deliveries(emulator: BotApiEmulator, user_id: int, text: str) -> list[Call]:
    """Successful sends of `text` to a user."""
    return [
        c
        for c in emulator.calls("sendMessage", chat_id=user_id)
        if c.ok and c.params.get("text") == text
    ]


def status_of(db_path: Path, broadcast_id: int) -> str:
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return str(row[0])


async def finish(process: BotProcess) -> None:
    """Stop cleanly; the log holds no traceback and no token."""
    assert await process.stop() == 0, process.log()
    assert "Traceback" not in process.log(), process.log()
    assert_token_not_logged(process)


async def test_kill_before_the_due_time_then_start_late_delivers_once(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    users = {8101: "en", 8102: "ru", 8103: "zh-hans"}
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, users, messages_per_second=200
    )
    try:
        t0 = time.monotonic()
        broadcast_id, control = await schedule(emulator, "+3s Doors open")
        # The preview says when, in the event's time zone and in UTC.
        assert "Asia/Shanghai" in control.params["text"]
        assert "UTC" in control.params["text"]
        progress = await confirm(emulator, broadcast_id, control)
        await emulator.wait_until_idle(quiet=0.2)
        assert status_of(db_path, broadcast_id) == "scheduled"
        # Someone subscribes after it was scheduled: the audience is taken when it starts.
        await subscribe_users(emulator, {8104: "en"})
        await process.kill()  # down at the due time
        await asyncio.sleep(max(0.0, t0 + 6.0 - time.monotonic()))
        await process.start()
        report = await wait_for_report(emulator, progress)
        assert "4 recipients" in report["text"]
        assert "late" in report["text"]
        for user in (*users, 8104):
            got = deliveries(emulator, user, "Doors open")
            assert len(got) == 1, user
            assert got[0].at >= t0 + 3
        assert outbox_states(db_path, broadcast_id) == {"sent": 4}
        # A further restart sends nothing again.
        await process.restart()
        await emulator.wait_until_idle(quiet=0.5)
        assert all(len(deliveries(emulator, u, "Doors open")) == 1 for u in (*users, 8104))
    finally:
        await finish(process)


async def test_kill_around_the_due_time_loses_nobody(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """kill -9 just as the broadcast comes due (before, during or after its start): nobody is
    lost, and duplicates stay within the outbox's in-flight bound."""
    users = {8200 + i: "en" for i in range(1, 31)}
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, users, messages_per_second=20
    )
    try:
        t0 = time.monotonic()
        broadcast_id, control = await schedule(emulator, "+2s Hall B")
        progress = await confirm(emulator, broadcast_id, control)
        await asyncio.sleep(max(0.0, t0 + 2.3 - time.monotonic()))
        await process.kill()
        await process.start()
        await wait_for_report(emulator, progress, timeout=30)
        counts = [len(deliveries(emulator, u, "Hall B")) for u in users]
        assert min(counts) == 1
        assert sum(counts) - len(users) <= 8  # MAX_IN_FLIGHT, the outbox's crash bound
        assert all(c.at >= t0 + 2 for u in users for c in deliveries(emulator, u, "Hall B"))
        assert outbox_states(db_path, broadcast_id) == {"sent": 30}
    finally:
        await finish(process)


async def test_on_time_and_not_before(emulator: BotApiEmulator, tmp_path: Path) -> None:
    users = {8301: "en", 8302: "en"}
    process, _ = await start_with_subscribers(emulator, tmp_path, users, messages_per_second=200)
    try:
        t0 = time.monotonic()
        broadcast_id, control = await schedule(emulator, "+2s <b>Now</b> & then")
        progress = await confirm(emulator, broadcast_id, control)
        queued = next(m for m in emulator.sent_messages(ADMIN_ID) if m["message_id"] == progress)
        assert "scheduled" in queued["text"]
        await asyncio.sleep(1.0)
        assert deliveries(emulator, 8301, "&lt;b&gt;Now&lt;/b&gt; &amp; then") == []
        report = await wait_for_report(emulator, progress)
        assert "on time" in report["text"]
        for user in users:
            (got,) = deliveries(emulator, user, "&lt;b&gt;Now&lt;/b&gt; &amp; then")
            assert t0 + 2 <= got.at <= t0 + 5
            assert callbacks(got) == ["sub:off"]
    finally:
        await finish(process)


async def test_cancel_before_the_time_sends_nothing(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, {8401: "en"}, messages_per_second=200
    )
    try:
        broadcast_id, control = await schedule(emulator, "+3s Maybe later")
        await confirm(emulator, broadcast_id, control, action="all")
        listing = await say(emulator, ADMIN_ID, "/scheduled")
        assert "Scheduled broadcasts" in listing[0].params["text"]
        item = listing[1]
        assert f"#{broadcast_id}" in item.params["text"]
        assert "Maybe later" in item.params["text"]
        assert "everyone who started the bot" in item.params["text"]
        (drop,) = callbacks(item)
        assert drop.startswith("bc:drop:") and drop == button_data(control, "send").replace(
            "send", "drop", 1
        )
        answer = await press(emulator, ADMIN_ID, drop, message_id=message_id(item))
        assert answer.ok
        await asyncio.sleep(3.5)
        assert deliveries(emulator, 8401, "Maybe later") == []
        assert status_of(db_path, broadcast_id) == "cancelled"
        assert outbox_states(db_path, broadcast_id) == {}
        empty = await say(emulator, ADMIN_ID, "/scheduled")
        assert "No broadcast is waiting" in empty[0].params["text"]
        again = await press(emulator, ADMIN_ID, drop)
        assert "already been sent or cancelled" in again.params["text"]
    finally:
        await finish(process)


async def test_cancel_after_it_started_stops_it(emulator: BotApiEmulator, tmp_path: Path) -> None:
    users = {8500 + i: "en" for i in range(1, 21)}
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, users, messages_per_second=4
    )
    try:
        broadcast_id, control = await schedule(emulator, "+1s Slowly")
        progress = await confirm(emulator, broadcast_id, control)
        listing = await say(emulator, ADMIN_ID, "/scheduled")
        item = listing[1]
        first = await emulator.wait_for_call(
            "sendMessage", predicate=lambda c: c.chat_id in users, timeout=10
        )
        assert first.ok
        answer = await press(emulator, ADMIN_ID, callbacks(item)[0], message_id=message_id(item))
        assert "stopping" in answer.params["text"]
        report = await wait_for_report(emulator, progress, word="stopped")
        assert "Not sent" in report["text"]
        states = outbox_states(db_path, broadcast_id)
        assert states.get("cancelled", 0) > 0
        sent = sum(len(deliveries(emulator, u, "Slowly")) for u in users)
        assert sent == states["sent"] < len(users)
    finally:
        await finish(process)


async def test_bad_times_are_explained(emulator: BotApiEmulator, tmp_path: Path) -> None:
    process, db_path = await start_with_subscribers(emulator, tmp_path, {8601: "en"})
    try:
        for args, reason in (
            ("", "needs a time first"),
            ("soon Hello", "can't read the time “soon”"),
            ("2020-09-09 10:00 Hello", "has already passed"),
            ("+400d Hello", "more than a year away"),
            ("25:00 Hello", "can't read the time"),
        ):
            (answer,) = await say(emulator, ADMIN_ID, f"/schedule {args}".strip())
            text = answer.params["text"]
            assert reason in text, text
            for form in ("YYYY-MM-DD HH:MM", "HH:MM", "+30s", "+10m", "+2h", "+1d"):
                assert form in text
            assert "Asia/Shanghai" in text
        (ru,) = await say(emulator, ADMIN_ID, "/schedule вчера", language_code="ru")
        assert "Не понимаю время «вчера»" in ru.params["text"]
        (refused,) = await say(emulator, 8601, "/schedule +1m Hi")
        assert "administrators only" in refused.params["text"]
        with sqlite3.connect(db_path) as db:
            assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0
    finally:
        await finish(process)


async def test_guided_composition_with_a_time(emulator: BotApiEmulator, tmp_path: Path) -> None:
    users = {8701: "ru", 8702: "en"}
    process, _ = await start_with_subscribers(emulator, tmp_path, users, messages_per_second=200)
    try:
        (ask,) = await say(emulator, ADMIN_ID, "/schedule +2s")
        assert "Step 1 of 3" in ask.params["text"]
        await say(emulator, ADMIN_ID, "Двери открыты")
        await say(emulator, ADMIN_ID, "/skip")
        replies = await say(emulator, ADMIN_ID, "Doors open")
        control = replies[-1]
        assert "waits until" in control.params["text"]
        broadcast_id = preview_id(control)
        progress = await confirm(emulator, broadcast_id, control)
        await wait_for_report(emulator, progress)
        assert len(deliveries(emulator, 8701, "Двери открыты")) == 1
        assert len(deliveries(emulator, 8702, "Doors open")) == 1
    finally:
        await finish(process)


async def test_starts_on_time_while_another_broadcast_is_streaming(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """A long broadcast is being sent when a scheduled one (to Russian readers) comes due: the
    scheduled one starts at its time, not after the long one's pass through the queue."""
    readers = {8851: "ru", 8852: "ru-RU"}
    others = {8800 + i: "en" for i in range(1, 41)}
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, {**others, **readers}, messages_per_second=5
    )
    try:
        t0 = time.monotonic()
        scheduled_id, control = await schedule(emulator, "+2s Second")
        scheduled_progress = await confirm(emulator, scheduled_id, control, action="ru")
        since = len(emulator.calls())
        emulator.push_message(ADMIN_ID, "/broadcast First", language_code="en")
        first_control = await emulator.wait_for_call(
            "sendMessage",
            chat_id=ADMIN_ID,
            since=since,
            predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
        )
        first_id = preview_id(first_control)
        await confirm(emulator, first_id, first_control)
        report = await wait_for_report(emulator, scheduled_progress, timeout=30)
        assert "on time" in report["text"]
        assert "2 recipients" in report["text"]
        started = [c.at for u in readers for c in deliveries(emulator, u, "Second")]
        assert len(started) == len(readers)
        assert t0 + 2 <= min(started) <= t0 + 5
        assert all(deliveries(emulator, u, "Second") == [] for u in others)
        assert outbox_states(db_path, scheduled_id) == {"sent": len(readers)}
    finally:
        await finish(process)
