"""Replies honour 429 (one retry path for the whole bot) and share the budget with broadcasts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.broadcasting import confirm, draft, start_with_subscribers, wait_for_report
from tests.conftest import running_bot
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def test_replies_during_a_429_window_are_sent_after_retry_after(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        emulator = bot.emulator
        askers = range(880_000, 880_020)
        await emulator.wait_until_idle(quiet=0.2)
        since = len(emulator.calls())
        emulator.rate_limit(2, methods={"sendMessage", "answerCallbackQuery"})
        for user in askers:
            emulator.push_message(user, "/about", language_code="en")
        emulator.push_callback(880_100, "card:about")
        for user in askers:
            answer = await emulator.wait_for_call(
                "sendMessage", chat_id=user, since=since, predicate=lambda c: c.ok, timeout=10
            )
            assert "Conference" in answer.params["text"]
        pressed = await emulator.wait_for_call(
            "answerCallbackQuery", since=since, predicate=lambda c: c.ok, timeout=10
        )
        assert pressed.ok
        limited = [c for c in emulator.calls("sendMessage", since=since) if c.status == 429]
        assert limited, "the 429 window was never hit"
        # Each asker got exactly one answer: retried, not duplicated.
        for user in askers:
            assert len([c for c in emulator.calls("sendMessage", chat_id=user) if c.ok]) == 1
        assert "Flood control" in bot.log()


async def test_broadcast_pacing_leaves_room_for_replies(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """At 20/s with people asking meanwhile, broadcast + replies stay near 20/s: the broadcast
    yields, and the replies are not delayed."""
    rate = 20
    users = {881_000 + i: "en" for i in range(200)}
    process, _ = await start_with_subscribers(emulator, tmp_path, users, messages_per_second=rate)
    try:
        broadcast_id, control = await draft(emulator, "Shared budget")
        progress = await confirm(emulator, broadcast_id, control)
        await asyncio.sleep(1.5)
        askers = list(range(882_000, 882_030))
        replies = []
        for user in askers:  # 10 questions a second for 3 s
            mark = len(emulator.calls())
            emulator.push_message(user, "/contacts", language_code="en")
            await asyncio.sleep(0.1)
            replies.append(mark)
        answers = [
            await emulator.wait_for_call("sendMessage", chat_id=user, since=mark, timeout=5)
            for user, mark in zip(askers, replies, strict=True)
        ]
        start, end = answers[0].at, answers[-1].at
        broadcast = [
            c for c in emulator.calls("sendMessage") if c.chat_id in users and start <= c.at <= end
        ]
        total = len(broadcast) + len(answers)
        # Every one-second window holds at most `rate` of them, so D seconds hold at most
        # rate × (D + 1). Without sharing the broadcast alone would fill that: ~20/s + 10/s.
        assert total <= rate * (end - start + 1), (len(broadcast), len(answers), end - start)
        await wait_for_report(emulator, progress, timeout=40)
    finally:
        assert await process.stop() == 0, process.log()
