"""Confirming a broadcast under faults (a crash, a failing database) and draft ownership."""

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
    draft,
    message_id,
    outbox_states,
    press,
    received,
    say,
    seed_subscribers,
    start_bot,
    subscribe_users,
    wait_for_report,
)
from tests.conftest import ADMIN_ID, BotProcess, fill, running_bot, write_config
from tgemu import BotApiEmulator, Call

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

OTHER_ADMIN = 900_002


def broadcast_row(db_path: Path, broadcast_id: int) -> tuple[str, int | None]:
    """(status, confirming_at) of a broadcast, read straight from the file."""
    with sqlite3.connect(db_path) as db:
        status, confirming = db.execute(
            "SELECT status, confirming_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        ).fetchone()
    return str(status), confirming


def live_buttons(emulator: BotApiEmulator, token_data: str) -> list[int]:
    """Ids of the admin's messages that currently show a button with this callback data."""
    return [m["message_id"] for m in emulator.sent_messages(ADMIN_ID) if token_data in callbacks(m)]


async def test_a_failing_database_at_confirm_is_told_and_send_works_again(
    emulator: BotApiEmulator, tmp_path: Path, small_disk: Path
) -> None:
    """The outbox cannot be written (the disk is full): the organizer is told, keeps the
    buttons, and pressing Send once there is room again delivers."""
    db_path = small_disk / "bot.sqlite3"
    await seed_subscribers(db_path, {7801: "en", 7802: "ru"})
    emulator.add_chats([7801, 7802])
    config = write_config(
        tmp_path / "config.toml", emulator.base_url, db_path, broadcast={"messages_per_second": 200}
    )
    process = BotProcess(emulator, config)
    await process.start()
    try:
        since = len(emulator.calls())
        broadcast_id, control = await draft(emulator, "Disk full")
        send = button_data(control, "send")
        filler = small_disk / "filler"
        fill(filler)
        emulator.push_callback(ADMIN_ID, send, message_id=message_id(control))
        answer = await emulator.wait_for_call("answerCallbackQuery", since=since, timeout=15)
        assert "could not be queued" in answer.params["text"] and answer.params["show_alert"]
        assert live_buttons(emulator, send) == [message_id(control)]  # press again
        filler.unlink()
        assert broadcast_row(db_path, broadcast_id)[0] == "draft"
        assert outbox_states(db_path, broadcast_id) == {}
        assert received(emulator, 7801, since) == []

        progress = await confirm(emulator, broadcast_id, control)
        await wait_for_report(emulator, progress)
        assert outbox_states(db_path, broadcast_id) == {"sent": 2}
        assert received(emulator, 7801, since) == ["Disk full"]
    finally:
        assert await process.stop() == 0, process.log()
    assert "Traceback" not in process.log()


async def _kill_while_confirming(
    emulator: BotApiEmulator, tmp_path: Path
) -> tuple[BotProcess, Path, int, Call]:
    """A bot killed after Send was pressed and the draft marked `confirming`, before the outbox
    was committed (400,000 recipients make that transaction long enough to be caught); the
    decoys are gone again before the restart, so only the real subscriber remains."""
    db_path = tmp_path / "bot.sqlite3"
    await seed_subscribers(db_path, {7900: "en"})
    emulator.add_chats([7900])
    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO users (id, first_seen, last_seen, subscribed) VALUES (?, 0, 0, 1)",
            ((10_000_000 + i,) for i in range(400_000)),
        )
    process, _ = await start_bot(emulator, tmp_path, messages_per_second=200)
    broadcast_id, control = await draft(emulator, "Crash test")
    emulator.push_callback(ADMIN_ID, button_data(control, "send"), message_id=message_id(control))
    deadline = time.monotonic() + 10
    while broadcast_row(db_path, broadcast_id)[1] is None:
        assert time.monotonic() < deadline, "the confirmation never started"
        await asyncio.sleep(0.005)
    await process.kill()
    assert broadcast_row(db_path, broadcast_id)[0] == "draft"
    assert outbox_states(db_path, broadcast_id) == {}
    with sqlite3.connect(db_path) as db:
        db.execute("DELETE FROM users WHERE id >= 10000000")
    return process, db_path, broadcast_id, control


async def test_kill_9_while_confirming_the_press_is_replayed(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """The Send press is in the durable inbox: after the restart it is handled again and the
    broadcast goes out, once; the organizer is not asked again."""
    since = len(emulator.calls())
    process, db_path, broadcast_id, _ = await _kill_while_confirming(emulator, tmp_path)
    await process.start()
    deadline = time.monotonic() + 20
    while outbox_states(db_path, broadcast_id) != {"sent": 1}:
        assert time.monotonic() < deadline, outbox_states(db_path, broadcast_id)
        await asyncio.sleep(0.1)
    assert broadcast_row(db_path, broadcast_id)[1] is None
    await emulator.wait_until_idle(quiet=0.5)
    assert received(emulator, 7900, since) == ["Crash test"]
    texts = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since)]
    assert not any("restarted" in text for text in texts)
    assert await process.stop() == 0, process.log()


async def test_kill_9_while_confirming_shows_the_draft_again(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """If the press is not replayed (its update lost), the `confirming` mark brings the draft
    back to its author with its buttons on start; nothing was sent; Send then works."""
    since = len(emulator.calls())
    process, db_path, broadcast_id, control = await _kill_while_confirming(emulator, tmp_path)
    with sqlite3.connect(db_path) as db:  # the lost update: nothing left to replay
        db.execute("UPDATE inbox SET done_at = 0 WHERE done_at IS NULL")
    restarted = len(emulator.calls())
    await process.start()
    send = button_data(control, "send")
    notice = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=restarted,
        predicate=lambda c: (
            f"#{broadcast_id}" in c.params["text"] and "restarted" in c.params["text"]
        ),
        timeout=40,
    )
    again = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=notice.index,
        predicate=lambda c: send in callbacks(c),
    )
    assert broadcast_row(db_path, broadcast_id) == ("draft", None)
    assert received(emulator, 7900, since) == []
    # Shown once, not at every restart.
    await process.stop()
    restarted = len(emulator.calls())
    await process.start()
    await emulator.wait_until_idle(quiet=0.5)
    assert not [
        c
        for c in emulator.calls("sendMessage", chat_id=ADMIN_ID, since=restarted)
        if "restarted" in c.params["text"]
    ]
    progress = await confirm(emulator, broadcast_id, again)
    await wait_for_report(emulator, progress)
    assert received(emulator, 7900, since) == ["Crash test"]
    assert await process.stop() == 0, process.log()


async def test_drafts_belong_to_their_author(tmp_path: Path) -> None:
    """Another organizer sees the draft in /stats but cannot send, test, cancel or stop it."""
    admins = {"admins": [ADMIN_ID, OTHER_ADMIN], "flood_burst": 1000}
    async with running_bot(tmp_path, bot=admins, broadcast={"messages_per_second": 2}) as bot:
        emulator = bot.emulator
        db_path = tmp_path / "bot.sqlite3"
        await subscribe_users(emulator, {8101: "en", 8102: "en", 8103: "en", 8104: "en"})
        since = len(emulator.calls())
        broadcast_id, control = await draft(emulator, "Mine")
        for action in ("send", "all", "test", "cancel"):
            answer = await press(emulator, OTHER_ADMIN, button_data(control, action))
            assert "another organizer" in answer.params["text"], action
        stats = await say(emulator, OTHER_ADMIN, "/stats")
        assert f"#{broadcast_id} (author {ADMIN_ID})" in stats[0].params["text"]
        assert broadcast_row(db_path, broadcast_id) == ("draft", None)
        assert emulator.calls("sendMessage", chat_id=OTHER_ADMIN, since=since)[-1:] == stats
        assert received(emulator, 8101, since) == []

        progress = await confirm(emulator, broadcast_id, control)
        stop = await emulator.wait_for_call(
            "sendMessage",
            chat_id=ADMIN_ID,
            since=since,
            predicate=lambda c: any(d.startswith("bc:stop:") for d in callbacks(c)),
        )
        answer = await press(emulator, OTHER_ADMIN, callbacks(stop)[0], message_id=progress)
        assert "another organizer" in answer.params["text"]
        report = await wait_for_report(emulator, progress)
        assert "finished" in report["text"]
        assert outbox_states(db_path, broadcast_id) == {"sent": 4}


async def test_a_recipient_who_leaves_during_delivery_is_skipped(tmp_path: Path) -> None:
    """Unsubscribing or blocking the bot after the broadcast was confirmed stops it for them.

    (Rows are claimed up to MAX_IN_FLIGHT ahead of the pacing, so the leavers come last.)"""
    async with running_bot(tmp_path, broadcast={"messages_per_second": 5}) as bot:
        emulator = bot.emulator
        db_path = tmp_path / "bot.sqlite3"
        users = {8200 + i: "en" for i in range(30)}
        await subscribe_users(emulator, users)
        leavers, blockers = list(users)[-6:-2], list(users)[-2:]
        since = len(emulator.calls())
        broadcast_id, control = await draft(emulator, "Only for those who stay")
        progress = await confirm(emulator, broadcast_id, control)
        for user in leavers:
            emulator.push_message(user, "/unsubscribe", language_code="en")
        for user in blockers:
            emulator.push_my_chat_member(user, "kicked")
        report = await wait_for_report(emulator, progress, timeout=30)
        for user in (*leavers, *blockers):
            assert "Only for those who stay" not in received(emulator, user, since), user
        assert outbox_states(db_path, broadcast_id) == {"sent": 24, "cancelled": 6}
        assert "Cancelled: 6" in report["text"]
