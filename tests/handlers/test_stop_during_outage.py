"""A clean stop while the disk is full: exit 0, one line, no traceback (fault 4).

What an outage costs at a stop is the inbox's documented price (handlers/transport/inbox.py):
updates fed from memory are not replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BotProcess, assert_token_not_logged, fill, write_config
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


async def test_sigint_during_a_full_disk_is_clean_and_one_line(
    emulator: BotApiEmulator, tmp_path: Path, small_disk: Path
) -> None:
    db_path = small_disk / "bot.sqlite3"
    config = write_config(tmp_path / "config.toml", emulator.base_url, db_path)
    process = BotProcess(emulator, config)
    await process.start()
    filler = small_disk / "filler"
    users = [945_000 + i for i in range(40)]
    try:
        fill(filler)
        since = len(emulator.calls())
        for user in users:  # new users: their first contact waits in memory for the disk
            emulator.push_message(user, "/about", language_code="en")
        for user in users:
            await emulator.wait_for_call("sendMessage", chat_id=user, since=since)
    finally:
        code = await process.stop()
    log = process.log()
    assert code == 0, log
    assert "Traceback" not in log, log
    assert_token_not_logged(process)
    assert log.count("Stopping while the database refuses writes") == 1, log
    filler.unlink()
    await process.start()  # space is back: it starts and serves again
    assert await process.stop() == 0
    assert "Traceback" not in process.log()
