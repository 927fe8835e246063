"""A /broadcast handled again after a crash (its done mark not on disk) makes no second draft
and no second preview (fault 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.broadcasting import draft, start_with_subscribers
from tests.conftest import ADMIN_ID
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


def previews(emulator: BotApiEmulator) -> int:
    return sum(
        1
        for c in emulator.calls("sendMessage", chat_id=ADMIN_ID)
        if c.ok and "bc:send:" in str(c.params.get("reply_markup", ""))
    )


@pytest.mark.parametrize("command", ["/broadcast Lunch is served", "/schedule +1h Lunch soon"])
async def test_a_replayed_broadcast_command_makes_one_draft(
    emulator: BotApiEmulator, tmp_path: Path, command: str
) -> None:
    process, db_path = await start_with_subscribers(emulator, tmp_path, {8201: "en"})
    try:
        if command.startswith("/broadcast"):
            await draft(emulator, command.removeprefix("/broadcast "))
        else:
            since = len(emulator.calls())
            emulator.push_message(ADMIN_ID, command, language_code="en")
            await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=since)
        await emulator.wait_until_idle(quiet=0.3)
        assert previews(emulator) == 1
    finally:
        assert await process.stop() == 0
    # What kill -9 leaves when it lands after the preview but before the done mark.
    with sqlite3.connect(db_path) as db:
        (update_id,) = db.execute(
            "SELECT max(update_id) FROM inbox WHERE payload LIKE ?", (f"%{command}%",)
        ).fetchone()
        db.execute("UPDATE inbox SET done_at = NULL WHERE update_id = ?", (update_id,))
    await process.start()
    try:
        await emulator.wait_until_idle(quiet=1.0)
        assert "Handling 1 updates a previous run" in process.log()
        assert previews(emulator) == 1
    finally:
        assert await process.stop() == 0
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 1
    assert "Traceback" not in process.log()
