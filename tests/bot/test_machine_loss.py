"""The machine-loss rehearsal: real processes, real files, real replication (Litestream).

The bot runs with `[backup] replica_url` to a local directory; users subscribe, a broadcast to
2,000 subscribers is confirmed and another is scheduled; the bot is killed mid-broadcast and
the database and its WAL are deleted (the machine is gone). `python -m bot restore` brings the
replica into a new directory and the bot starts there: no subscriber is lost, the confirmed
broadcast completes (duplicates only within the documented window), the schedule fires once.

It prints the figures docs/bench-operations.md reports: the restore time, and the data window
lost (deliveries acknowledged by Telegram before the kill that the replica does not record).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.broadcasting import confirm, draft, seed_subscribers, subscribe_users, wait_for_report
from tests.conftest import ADMIN_ID, ROOT, BotProcess, write_config
from tests.handlers.test_schedule import schedule
from tgemu import BotApiEmulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SEEDED = 1950
LIVE = 50
RATE = 250
TEXT = "The room changed: Hall B"


def delivered(emulator: BotApiEmulator) -> list[int]:
    """Recipients of the broadcast's text (not the organizer's preview), once per delivery."""
    return [
        c.chat_id
        for c in emulator.calls("sendMessage")
        if c.ok and c.params.get("text") == TEXT and c.chat_id not in (None, ADMIN_ID)
    ]


def subscribed(path: Path) -> set[int]:
    with sqlite3.connect(path) as db:
        return {int(r[0]) for r in db.execute("SELECT id FROM users WHERE subscribed = 1")}


def restore(config: Path) -> tuple[float, str]:
    env = {**os.environ}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "restore", "--config", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    return elapsed, done.stdout


async def test_lose_the_machine_keep_the_event(emulator: BotApiEmulator, tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    old_db = tmp_path / "old-machine" / "bot.sqlite3"
    seeded = {60_000_000 + i: "en" for i in range(SEEDED)}
    live = {61_000_000 + i: "ru" for i in range(LIVE)}
    await seed_subscribers(old_db, seeded)
    emulator.add_chats(seeded)
    sections: dict[str, dict[str, object]] = {
        "backup": {"replica_url": f"file://{replica}", "sync_interval": 1.0},
        "broadcast": {"messages_per_second": RATE},
    }
    old = BotProcess(
        emulator, write_config(tmp_path / "old.toml", emulator.base_url, old_db, **sections)
    )
    await old.start()
    await subscribe_users(emulator, live)
    scheduled_id, scheduled_control = await schedule(emulator, "+25s Closing session in Hall A")
    scheduled_progress = await confirm(emulator, scheduled_id, scheduled_control)
    broadcast_id, control = await draft(emulator, TEXT)
    await asyncio.sleep(1.5)  # the confirmation and the users are older than one sync
    progress = await confirm(emulator, broadcast_id, control)
    # Mid-broadcast: a third of the audience reached.
    while len(delivered(emulator)) < 600:  # noqa: ASYNC110 - a counter, no event
        await asyncio.sleep(0.01)
    await old.kill()
    sent_before = {
        c.chat_id
        for c in emulator.calls("sendMessage")
        if c.ok and c.params.get("text") == TEXT and c.chat_id != ADMIN_ID
    }
    # The machine is gone: the database, its WAL and everything beside it.
    shutil.rmtree(old_db.parent)

    new_db = tmp_path / "new-machine" / "bot.sqlite3"
    new_config = write_config(tmp_path / "new.toml", emulator.base_url, new_db, **sections)
    restore_seconds, said = restore(new_config)
    assert "integrity_check ok" in said
    audience = set(seeded) | set(live)
    assert subscribed(new_db) >= audience, "a subscriber was lost"
    with sqlite3.connect(new_db) as db:
        languages = dict(
            db.execute(
                "SELECT id, coalesce(language, telegram_language) FROM users WHERE id >= 61000000"
            )
        )
    assert all(languages.get(user) == "ru" for user in live), "a user's language was lost"
    with sqlite3.connect(new_db) as db:
        recorded_sent = {
            int(r[0])
            for r in db.execute(
                "SELECT user_id FROM outbox WHERE broadcast_id = ? AND state = 'sent'",
                (broadcast_id,),
            )
        }
    window = len(sent_before - recorded_sent)  # acknowledged, not in the replica

    new = BotProcess(emulator, new_config)
    await new.start()
    try:
        report = await wait_for_report(emulator, progress, timeout=60)
        assert "finished" in report["text"]
        deliveries = Counter(
            c.chat_id
            for c in emulator.calls("sendMessage")
            if c.ok and c.params.get("text") == TEXT and c.chat_id != ADMIN_ID
        )
        missing = audience - set(deliveries)
        assert not missing, f"{len(missing)} subscribers never got the broadcast"
        duplicates = sum(n - 1 for n in deliveries.values())
        # Resent: what the replica had not recorded as sent (the data window) and the in-flight.
        assert duplicates <= window + 8, (duplicates, window)
        # The schedule fires once, on the new machine (its report says finished).
        await wait_for_report(emulator, scheduled_progress, timeout=90)
        closing = Counter(
            c.chat_id
            for c in emulator.calls("sendMessage")
            if c.ok and c.params.get("text") == "Closing session in Hall A"
        )
        assert set(closing) >= audience and max(closing[u] for u in audience) == 1
    finally:
        assert await new.stop() == 0, new.log()
    assert "Traceback" not in new.log() + old.log()
    print(
        f"\nmachine loss: restore {restore_seconds:.2f} s ({said.strip()}); data window {window} deliveries "
        f"(of {len(sent_before)} before the kill) not in the replica; {duplicates} duplicates"
    )
