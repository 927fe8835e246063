"""A token revoked mid-broadcast is a pause, not a failure: rows stay pending, the process stops
in one line, and the next start with a valid token completes the broadcast (fault 3)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.broadcasting import (
    confirm,
    draft,
    outbox_states,
    start_with_subscribers,
    wait_for_report,
)
from tests.conftest import ADMIN_ID, TOKEN, BotProcess
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow

TEXT = "Registration moved to the second floor"


def delivered(emulator: BotApiEmulator) -> list[int]:
    return [
        c.chat_id  # type: ignore[misc]
        for c in emulator.calls("sendMessage")
        if c.ok and c.params.get("text") == TEXT and c.chat_id != ADMIN_ID  # not the preview
    ]


async def test_revoked_mid_broadcast_pauses_and_stops_in_one_line(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    users = {70_000_000 + i: "en" for i in range(300)}
    process, db_path = await start_with_subscribers(
        emulator, tmp_path, users, messages_per_second=50
    )
    broadcast_id, control = await draft(emulator, TEXT)
    progress = await confirm(emulator, broadcast_id, control)
    while len(delivered(emulator)) < 60:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    emulator.token = "999999:REVOKED"  # the organizer revoked the token in BotFather
    assert process.process is not None
    async with asyncio.timeout(30):
        code = await process.process.wait()
    assert code == 2, process.log()
    assert "Traceback" not in process.log(), process.log()
    errors = [line for line in process.log().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "401" in errors[0], process.log()
    states = outbox_states(db_path, broadcast_id)
    assert states.get("failed", 0) == 0, states
    assert states.get("pending", 0) > 0, states
    emulator.token = TOKEN  # a valid token again
    again = BotProcess(emulator, process.config)
    await again.start()
    try:
        report = await wait_for_report(emulator, progress, timeout=30)
        assert "finished" in report["text"]
    finally:
        assert await again.stop() == 0
    assert set(delivered(emulator)) == set(users)
    assert outbox_states(db_path, broadcast_id) == {"sent": len(users)}


async def test_revoked_mid_broadcast_in_webhook_mode_stops_within_seconds(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Webhook mode used to keep running on a revoked token (until the next check a minute
    later, or forever); now the first 401 makes the source check at once and stop in one line."""
    from tests.broadcasting import seed_subscribers
    from tests.handlers.transport.test_webhook import free_port, webhook_config

    users = {71_000_000 + i: "en" for i in range(300)}
    db_path = tmp_path / "bot.sqlite3"
    await seed_subscribers(db_path, users)
    emulator.add_chats(users)
    config = webhook_config(tmp_path, emulator, free_port())
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "messages_per_second = 25", "messages_per_second = 50"
        ),
        encoding="utf-8",
    )
    process = BotProcess(emulator, config)
    await process.start()  # the emulator delivers pushed updates to the webhook
    broadcast_id, control = await draft(emulator, TEXT)
    await confirm(emulator, broadcast_id, control)
    while len(delivered(emulator)) < 60:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    emulator.token = "999999:REVOKED"
    assert process.process is not None
    async with asyncio.timeout(15):  # not the webhook check's minute
        code = await process.process.wait()
    assert code == 2, process.log()
    assert "Traceback" not in process.log(), process.log()
    errors = [line for line in process.log().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "401" in errors[0], process.log()
    states = outbox_states(db_path, broadcast_id)
    assert states.get("failed", 0) == 0 and states.get("pending", 0) > 0, states
    emulator.token = TOKEN
