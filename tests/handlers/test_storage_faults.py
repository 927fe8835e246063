"""A full disk and a read-only database: polite replies without the database, one log line
for the operator, recovery without a restart; a read-only database at start is one line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from bot.services import open_store
from tests.conftest import (
    BotProcess,
    assert_token_not_logged,
    fill,
    mount,
    run_until_exit,
    unmount,
    write_config,
)
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

UNAVAILABLE = {
    "en": "temporarily unavailable",
    "ru": "временно недоступен",
    "zh": "暂时无法使用",
}


async def test_a_full_disk_gets_polite_replies_and_recovers_without_restart(
    emulator: BotApiEmulator, tmp_path: Path, small_disk: Path
) -> None:
    db_path = small_disk / "bot.sqlite3"
    config = write_config(tmp_path / "config.toml", emulator.base_url, db_path)
    process = BotProcess(emulator, config)
    await process.start()
    try:
        filler = small_disk / "filler"
        fill(filler)
        with pytest.raises(sqlite3.OperationalError, match="full"), sqlite3.connect(db_path) as db:
            db.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (1, 0, 0)")

        since = len(emulator.calls())
        languages = ("en", "ru", "zh")
        users = {940_000 + i: languages[i % 3] for i in range(100)}
        for user, language in users.items():
            emulator.push_message(
                user, "/about" if user % 2 else "/subscribe", language_code=language
            )
        for user, language in users.items():
            answer = await emulator.wait_for_call("sendMessage", chat_id=user, since=since)
            assert answer.ok
            if user % 2:  # a question needs no write: answered as always
                text = answer.params["text"]
                assert text.startswith("<b>") and UNAVAILABLE[language] not in text, text
            else:  # a subscription cannot be written: said so, politely, in their language
                assert UNAVAILABLE[language] in answer.params["text"], answer.params["text"]
        # A button press too: answered with an alert, not left spinning.
        emulator.push_callback(940_500, "sub:on")
        alert = await emulator.wait_for_call("answerCallbackQuery", since=since)
        assert "temporarily unavailable" in alert.params["text"]
        await emulator.wait_until_idle(quiet=0.3)
        for user in users:  # one reply each, never two
            assert len(emulator.calls("sendMessage", chat_id=user, since=since)) == 1

        filler.unlink()  # space is back: no restart
        since = len(emulator.calls())
        for user in list(users)[:20]:
            emulator.push_message(user, "/subscribe", language_code="en")
        for user in list(users)[:20]:
            answer = await emulator.wait_for_call("sendMessage", chat_id=user, since=since)
            assert "You are subscribed" in answer.params["text"]
        with sqlite3.connect(db_path) as db:
            stored = db.execute(
                "SELECT count(*) FROM users WHERE id BETWEEN 940000 AND 940019 AND subscribed"
            ).fetchone()[0]
        assert stored == 20
        # Everyone who wrote during the outage reaches the disk with the next journal flush
        # (before the next getUpdates: at most one long poll later).
        for _ in range(300):
            with sqlite3.connect(db_path) as db:
                known = db.execute(
                    "SELECT count(*) FROM users WHERE id BETWEEN 940000 AND 940099"
                ).fetchone()[0]
            if known == 100:
                break
            await asyncio.sleep(0.1)
        assert known == 100
        for _ in range(50):  # the probe notices recovery within a couple of seconds
            if "Storage writable again" in process.log():
                break
            await asyncio.sleep(0.1)
    finally:
        code = await process.stop()
    log = process.log()
    assert code == 0, log
    assert log.count("Storage unavailable") == 1, log
    assert "database or disk is full" in log
    assert "Storage writable again" in log
    assert "Traceback" not in log, log
    assert_token_not_logged(process)


async def test_a_read_only_database_at_start_is_one_line_and_exit_2(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    db_path = disk / "bot.sqlite3"
    store = await open_store(db_path)
    await store.close()
    mounted = os.geteuid() == 0 and mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk))
    try:
        if mounted:
            # Root ignores file modes: make the filesystem itself read-only, with the database.
            store = await open_store(db_path)
            await store.close()
            assert mount("-o", "remount,ro", str(disk))
        else:
            db_path.chmod(0o444)
            disk.chmod(0o555)
        config = write_config(tmp_path / "config.toml", emulator.base_url, db_path)
        code, output = await run_until_exit(config)
    finally:
        if mounted:
            unmount(disk)
        else:
            disk.chmod(0o755)
    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(db_path) in lines[0], output
    assert "Traceback" not in output, output
