"""Start-up log lines of `python -m bot run` in polling mode (issue 25, item 14): a failed call
is named as itself, in one line, with no traceback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import BOT_USERNAME, TOKEN, BotProcess, write_config
from tgemu import BotApiEmulator


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
    await emulator.start()
    yield emulator
    await emulator.stop()


def _lines_about(log: str, word: str) -> list[str]:
    return [line for line in log.splitlines() if word in line]


@pytest.mark.slow
async def test_a_failed_get_webhook_info_and_set_my_commands_are_one_line_each(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    emu.fail_next("getWebhookInfo", 500, description="Internal Server Error: webhook info")
    emu.fail_next("setMyCommands", 400, description="Bad Request: commands refused")
    bot = BotProcess(emu, write_config(tmp_path / "config.toml", emu.base_url, tmp_path / "b.db"))
    await bot.start(timeout=30)
    try:
        for _ in range(200):  # the log is a file another process writes: look every 50 ms
            if _lines_about(bot.log(), "command menus"):
                break
            await asyncio.sleep(0.05)
    finally:
        assert await bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log, log
    # The call that failed is the one named; deleteWebhook was never even needed.
    webhook = _lines_about(log, "Internal Server Error: webhook info")
    assert len(webhook) == 1 and "getWebhookInfo" in webhook[0], log
    assert not _lines_about(log, "deleteWebhook"), log
    menus = _lines_about(log, "command menus")
    assert len(menus) == 1, log
    assert "setMyCommands" in menus[0] and "commands refused" in menus[0].lower()
    # The line is the whole report: the next log line is another record, not a traceback.
    following = log.splitlines()[log.splitlines().index(menus[0]) + 1 :]
    assert not following or following[0][:4].isdigit(), log
