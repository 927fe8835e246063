"""Damage met while running is named as damage: /readyz red with "restore from backup", one
CRITICAL line, the damaged gauge at 1 (fault 2); not an outage that "recovers" by itself."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests.bot.test_metrics import sample, scrape
from tests.broadcasting import seed_subscribers
from tests.conftest import ADMIN_ID, BotProcess, write_config
from tests.handlers.transport.test_webhook import free_port
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


async def readyz(port: int) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/readyz") as response,
    ):
        return response.status, await response.json()


async def test_damage_while_running_turns_readyz_red_for_good(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed_subscribers(db, {53_000_000 + i: "en" for i in range(3000)})
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        db,
        metrics={"enabled": True},
        web={"port": port},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        for _ in range(50):
            if (await readyz(port))[0] == 200:
                break
            await asyncio.sleep(0.2)
        assert (await readyz(port))[0] == 200
        with sqlite3.connect(db) as check:
            size = check.execute("PRAGMA page_size").fetchone()[0]
            leaves = [
                row[0]
                for row in check.execute(
                    "SELECT pageno FROM dbstat WHERE name = 'users' AND pagetype = 'leaf'"
                )
            ]
            check.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # A disk fault scribbles over pages of the users table...
        with db.open("r+b") as raw:
            for page in leaves[len(leaves) // 3 :: 3]:
                raw.seek((page - 1) * size)
                raw.write(os.urandom(size))
        # ...and another writer commits, so the bot's connections read the file afresh.
        with sqlite3.connect(db) as other:
            other.execute("INSERT OR REPLACE INTO runtime_state (key, value) VALUES ('x', 'y')")
        for _ in range(3):  # /stats counts the users: it reads every page of the table
            emulator.push_message(ADMIN_ID, "/stats", language_code="en")
            await asyncio.sleep(0.5)
        await emulator.wait_until_idle(quiet=0.5)
        status, body = await readyz(port)
        assert status == 503, body
        reasons = " ".join(str(reason) for reason in body["reasons"])  # type: ignore[union-attr]
        assert "damaged" in reasons and "restore from backup" in reasons, body
        await asyncio.sleep(3)  # the recovery probe writes fine: damage stays damage
        assert (await readyz(port))[0] == 503
        assert sample(await scrape(port), "conference_bot_storage_damaged") == 1
        # Told as damage, not "try again in a few minutes".
        told = [c.params.get("text", "") for c in emulator.calls("sendMessage", chat_id=ADMIN_ID)]
        assert any("data is damaged" in text for text in told), told
        assert not any("try again in a few minutes" in text for text in told), told
    finally:
        await bot.stop()
    log = bot.log()
    assert log.count("CRITICAL") == 1, log
    assert "python -m bot restore" in log
