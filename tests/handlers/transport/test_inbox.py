"""The durable inbox in polling mode: a real bot process, `kill -9`, restarts, the real database."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from handlers.transport.inbox import MAX_IN_FLIGHT
from tests.conftest import ROOT, BotProcess, assert_token_not_logged, write_config
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

BACKLOG_USERS = 3000


def replies_per_chat(emulator: BotApiEmulator, since: int = 0) -> Counter[int]:
    """Successful sendMessage calls per chat."""
    return Counter(
        c.chat_id for c in emulator.calls("sendMessage", since=since) if c.ok and c.chat_id
    )


async def wait_for_replies(emulator: BotApiEmulator, count: int) -> None:
    """Wait until at least `count` replies went out (the moment to kill the bot)."""
    while sum(replies_per_chat(emulator).values()) < count:  # noqa: ASYNC110 - a counter, no event
        await asyncio.sleep(0.01)


async def wait_all_answered(
    emulator: BotApiEmulator,
    users: list[int],
    timeout: float = 90,  # noqa: ASYNC109
) -> Counter[int]:
    """Wait until every user has at least one reply; return replies per chat."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        replies = replies_per_chat(emulator)
        missing = [u for u in users if replies[u] == 0]
        if not missing:
            return replies
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(missing)} of {len(users)} users never answered")
        await asyncio.sleep(0.1)


async def test_kill_9_with_a_backlog_loses_no_update(
    emulator: BotApiEmulator, config_path: Path
) -> None:
    users = list(range(20_000_000, 20_000_000 + BACKLOG_USERS))
    for user in users:
        emulator.push_message(user, "/about", language_code="en")
    bot = BotProcess(emulator, config_path)
    # Slow replies: at the kill, updates are accepted into the inbox but not yet answered.
    emulator.set_latency(0.2, "sendMessage")
    await bot.start()
    # Kill it in the middle of the burst: some answered, most waiting.
    await wait_for_replies(emulator, 300)
    await bot.kill()
    emulator.set_latency(0.0, "sendMessage")
    answered_before = len(replies_per_chat(emulator))
    assert answered_before < BACKLOG_USERS, "the backlog was gone before the kill"
    with sqlite3.connect(config_path.parent / "bot.sqlite3") as db:
        undone = db.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    # What Telegram no longer holds is in the inbox, not done: the restart must handle it.
    assert undone > 0, "nothing was in flight at the kill: the test proves nothing"

    await bot.start()
    replies = await wait_all_answered(emulator, users)
    duplicated = sum(1 for u in users if replies[u] > 1)
    # Handled twice only if the reply went out but the done mark had not reached the disk.
    assert duplicated <= MAX_IN_FLIGHT, duplicated
    assert await bot.stop() == 0
    assert "Handling" in bot.log() and "a previous run had received" in bot.log()
    assert "Traceback" not in bot.log()
    assert_token_not_logged(bot)
    with sqlite3.connect(config_path.parent / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0] == 0


async def test_an_update_delivered_twice_is_answered_once(
    emulator: BotApiEmulator, config_path: Path
) -> None:
    user = 20_100_001
    update = emulator.push_message(user, "/about", language_code="en")
    emulator.push_update(dict(update))  # the same update_id again, as a repeated delivery
    emulator.push_message(user, "/contacts", language_code="en")
    bot = BotProcess(emulator, config_path)
    await bot.start()
    try:
        second = await emulator.wait_for_call(
            "sendMessage", chat_id=user, predicate=lambda c: "lily@jitri.org" in c.params["text"]
        )
        await emulator.wait_until_idle()
        texts = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=user)]
        assert len(texts) == 2, texts
        assert "9 September 2020" in texts[0]
        assert second.ok
        assert "Skipped 1 updates delivered again" in bot.log()
    finally:
        assert await bot.stop() == 0


async def test_done_rows_are_marked_and_polling_resumes_after_the_last_one(
    emulator: BotApiEmulator, config_path: Path
) -> None:
    user = 20_200_001
    bot = BotProcess(emulator, config_path)
    await bot.start()
    emulator.push_message(user, "/about", language_code="en")
    await emulator.wait_for_call("sendMessage", chat_id=user)
    await emulator.wait_until_idle()
    assert await bot.stop() == 0
    with sqlite3.connect(config_path.parent / "bot.sqlite3") as db:
        rows = db.execute("SELECT update_id, done_at IS NOT NULL FROM inbox").fetchall()
    assert [done for _, done in rows] == [1], rows
    # The restart's first getUpdates confirms everything already in the inbox.
    since = len(emulator.calls())
    await bot.start()
    first = emulator.calls("getUpdates", since=since)[0]
    assert int(first.params["offset"]) == rows[-1][0] + 1
    assert await bot.stop() == 0


async def test_a_second_process_on_the_same_database_refuses_to_start(
    emulator: BotApiEmulator, config_path: Path
) -> None:
    bot = BotProcess(emulator, config_path)
    await bot.start()
    try:
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config_path),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: another bot process (pid ")
        assert str(bot.process.pid if bot.process else "") in lines[0]
        assert "already running" in lines[0]
        # The first one is unharmed.
        emulator.push_message(20_300_001, "/about", language_code="en")
        assert (await emulator.wait_for_call("sendMessage", chat_id=20_300_001)).ok
    finally:
        assert await bot.stop() == 0
    # Once the first has stopped (or crashed: the kernel drops the lock), a new one starts.
    await bot.start()
    await bot.kill()
    await bot.start()
    assert await bot.stop() == 0


async def test_a_locked_database_holds_updates_at_telegram_until_it_is_free(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3")
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        db = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        try:
            emulator.push_message(20_400_001, "/about", language_code="en")
            await asyncio.sleep(7)  # longer than the 5 s busy timeout: the write fails
            assert "Cannot store 1 updates in the inbox" in bot.log()
            assert emulator.pending_updates() == 1  # not confirmed: still Telegram's
        finally:
            db.execute("ROLLBACK")
            db.close()
        reply = await emulator.wait_for_call("sendMessage", chat_id=20_400_001, timeout=40)
        assert reply.ok
    finally:
        assert await bot.stop() == 0


async def test_a_409_on_get_updates_is_logged_and_polling_goes_on(bot: BotProcess) -> None:
    emulator = bot.emulator
    emulator.fail_next(
        "getUpdates",
        409,
        description="Conflict: terminated by other getUpdates request",
    )
    # The poll in progress already passed the fault check: this message ends it, the next fails.
    emulator.push_message(20_500_001, "/about", language_code="en")
    assert (await emulator.wait_for_call("sendMessage", chat_id=20_500_001)).ok
    await emulator.wait_for_call("getUpdates", predicate=lambda c: c.status == 409, timeout=15)
    emulator.push_message(20_500_002, "/about", language_code="en")
    assert (await emulator.wait_for_call("sendMessage", chat_id=20_500_002, timeout=15)).ok
    assert "getUpdates: 409 Conflict (another process polls with this token" in bot.log()


async def test_a_401_while_polling_stops_the_bot_with_one_line_and_exit_2(
    bot: BotProcess,
) -> None:
    emulator = bot.emulator
    emulator.fail_next("getUpdates", 401, description="Unauthorized")
    emulator.push_message(20_600_001, "/about", language_code="en")
    assert (await emulator.wait_for_call("sendMessage", chat_id=20_600_001)).ok
    assert bot.process is not None
    assert await asyncio.wait_for(bot.process.wait(), 20) == 2
    log = bot.log()
    assert "error: Telegram rejected the bot token (401 Unauthorized)" in log
    assert "Traceback" not in log
    assert_token_not_logged(bot)
    # What had been received was handled and marked done on the way out.
    with sqlite3.connect(bot.config.parent / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0] == 0


async def test_a_burst_waits_at_telegram_not_in_memory(
    emulator: BotApiEmulator, config_path: Path
) -> None:
    users = list(range(20_700_000, 20_700_000 + 2000))
    first = emulator.push_message(users[0], "/about", language_code="en")["update_id"]
    for user in users[1:]:
        emulator.push_message(user, "/about", language_code="en")
    bot = BotProcess(emulator, config_path)
    await bot.start()
    try:
        widest = 0
        while (answered := sum(replies_per_chat(emulator).values())) < len(users):
            fetched = emulator.stats()["max_delivered_update_id"] - first + 1
            widest = max(widest, fetched - answered)
            assert fetched - answered <= MAX_IN_FLIGHT, (fetched, answered)
            await asyncio.sleep(0.005)
        # The bound was reached (the test measured something), never passed.
        assert widest > MAX_IN_FLIGHT // 4, widest
    finally:
        assert await bot.stop() == 0
