"""The database as a file, with real processes: one lock per file (whatever its name), damage
named as damage, an empty file refused, backup and restore by the command line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.broadcasting import seed_subscribers
from tests.conftest import ROOT, BotProcess, run_until_exit, write_config
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


def bot_command(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` to its end: exit code and output."""
    env = {**os.environ}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def users_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM users").fetchone()[0])


async def test_a_second_process_through_a_symlink_or_a_hard_link_is_refused(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """The lock is the file's (device and inode), not its path's spelling (fault 1)."""
    real = tmp_path / "data" / "bot.sqlite3"
    first = BotProcess(emulator, write_config(tmp_path / "first.toml", emulator.base_url, real))
    await first.start()
    try:
        (tmp_path / "alias").mkdir()
        symlink = tmp_path / "alias" / "linked.sqlite3"
        symlink.symlink_to(real)
        hard = tmp_path / "alias" / "hard.sqlite3"
        os.link(real, hard)
        for name, path in (("symlink", symlink), ("hard", hard)):
            config = write_config(tmp_path / f"{name}.toml", emulator.base_url, path)
            code, output = await run_until_exit(config)
            assert code == 2, output
            assert "already running" in output and str(first.process.pid) in output, output  # type: ignore[union-attr]
            assert "Traceback" not in output
    finally:
        assert await first.stop() == 0


async def test_a_damaged_database_is_named_at_start_in_one_line_exit_2(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """quick_check at start (fault 2): one line that says damage and how to restore."""
    db = tmp_path / "bot.sqlite3"
    await seed_subscribers(db, {30_000_000 + i: "en" for i in range(3000)})
    with sqlite3.connect(db) as check:
        page_size = check.execute("PRAGMA page_size").fetchone()[0]
        pages = check.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 8
    # Scribble over a page in the middle of the file (a b-tree page of the users table).
    with db.open("r+b") as raw:
        raw.seek(page_size * (pages // 2) + 8)
        raw.write(os.urandom(page_size - 16))
    code, output = await run_until_exit(write_config(tmp_path / "c.toml", emulator.base_url, db))
    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "damaged" in lines[0] and "python -m bot restore" in lines[0], output


async def test_a_zero_length_database_file_is_refused_unless_told(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"")
    config = write_config(tmp_path / "c.toml", emulator.base_url, db)
    code, output = await run_until_exit(config)
    assert code == 2, output
    assert "empty file" in output and "--allow-empty-database" in output, output
    assert "Traceback" not in output
    assert db.stat().st_size == 0  # refused means untouched
    told = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        "--allow-empty-database",
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await emulator.wait_for_call("getUpdates", timeout=20)
    finally:
        told.terminate()
        await told.wait()
    assert users_in(db) == 0  # an empty database began, as asked


async def test_backup_while_running_and_restore_refusing_live_and_existing(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed_subscribers(db, {40_000_000 + i: "en" for i in range(500)})
    config = write_config(tmp_path / "c.toml", emulator.base_url, db)
    bot = BotProcess(emulator, config)
    await bot.start()
    snapshot = tmp_path / "snap" / "bot-backup.sqlite3"
    try:
        for i in range(20):  # writes going on while the snapshot is taken
            emulator.push_message(41_000_000 + i, "/start", language_code="en")
        made = bot_command("backup", "--config", str(config), "--out", str(snapshot))
        assert made.returncode == 0, made.stderr
        assert "backup written" in made.stdout
        with sqlite3.connect(snapshot) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT count(*) FROM users").fetchone()[0] >= 500
        live = bot_command("restore", "--config", str(config), "--from", str(snapshot), "--replace")
        assert live.returncode == 2 and "running bot" in live.stderr, live.stderr
    finally:
        assert await bot.stop() == 0
    existing = bot_command("restore", "--config", str(config), "--from", str(snapshot))
    assert existing.returncode == 2 and "--replace" in existing.stderr, existing.stderr
    db_target = tmp_path / "new-machine" / "bot.sqlite3"
    fresh = write_config(tmp_path / "fresh.toml", emulator.base_url, db_target)
    done = bot_command("restore", "--config", str(fresh), "--from", str(snapshot))
    assert done.returncode == 0, done.stderr
    assert "integrity_check ok" in done.stdout
    assert users_in(db_target) >= 500
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    refused = bot_command("restore", "--config", str(fresh), "--from", str(damaged), "--replace")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert users_in(db_target) >= 500  # the good database was not replaced by a bad copy


async def test_backup_during_a_broadcast_has_the_outbox(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    from tests.broadcasting import confirm, draft

    users = {42_000_000 + i: "en" for i in range(1000)}
    db = tmp_path / "bot.sqlite3"
    await seed_subscribers(db, users)
    emulator.add_chats(users)
    config = write_config(
        tmp_path / "c.toml", emulator.base_url, db, broadcast={"messages_per_second": 200}
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        broadcast_id, control = await draft(emulator, "Snapshot me")
        await confirm(emulator, broadcast_id, control)
        await asyncio.sleep(1.0)  # mid-broadcast: rows are being claimed and recorded
        snapshot = tmp_path / "mid-broadcast.sqlite3"
        made = bot_command("backup", "--config", str(config), "--out", str(snapshot))
        assert made.returncode == 0, made.stderr
    finally:
        assert await bot.stop() == 0
    with sqlite3.connect(snapshot) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = dict(
            copy.execute(
                "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
                (broadcast_id,),
            ).fetchall()
        )
    assert sum(states.values()) == len(users), states
    assert states.get("sent", 0) > 0 and states.get("pending", 0) > 0, states
