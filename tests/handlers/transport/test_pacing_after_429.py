"""After a 429 window, replies and the broadcast together stay within messages_per_second
(fault 4: 70 requests in the busiest second against 50, as replies queued during the pause and
the worker resumed at the same moment)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.broadcasting import confirm, draft, start_with_subscribers, wait_for_report
from tests.handlers.transport.test_delivery import max_in_window
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow

RATE = 50
SENDING = {"sendMessage", "editMessageText", "answerCallbackQuery"}


async def test_total_rate_after_a_429_window_stays_within_the_limit(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    users = {23_000 + i: "en" for i in range(400)}
    process, _ = await start_with_subscribers(emulator, tmp_path, users, messages_per_second=RATE)
    askers = [24_000 + i for i in range(60)]
    try:
        since = len(emulator.calls())
        broadcast_id, control = await draft(emulator, "Paced")
        progress = await confirm(emulator, broadcast_id, control)
        await asyncio.sleep(1.5)  # at full pace
        emulator.rate_limit(2, methods={"sendMessage"})
        for asker in askers:  # people keep asking during the pause
            emulator.push_message(asker, "/about", language_code="en")
            await asyncio.sleep(0.02)
        await wait_for_report(emulator, progress, timeout=40)
        await emulator.wait_until_idle(quiet=0.5)
        requests = [c for c in emulator.calls(since=since) if c.method in SENDING]
        answered = {c.chat_id for c in requests if c.ok}
        assert set(askers) <= answered
        after = [c.at for c in requests if c.status != 429]
        assert max_in_window(after) <= RATE, max_in_window(after)
    finally:
        assert await process.stop() == 0, process.log()
