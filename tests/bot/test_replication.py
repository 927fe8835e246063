"""Litestream started and supervised by `run`: replicating while the bot writes, restarted when
it dies, stopped with the bot; [backup] mistakes are one line and exit code 2."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.bot.test_metrics import sample, scrape
from tests.conftest import BotProcess, run_until_exit, write_config
from tests.handlers.transport.test_webhook import free_port
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


def children(pid: int, name: str) -> list[int]:
    """Pids of `pid`'s child processes whose command is `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and command.endswith(name):
            found.append(int(entry.name))
    return found


async def test_litestream_replicates_and_is_restarted_when_it_dies(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        backup={"replica_url": f"file://{replica}", "sync_interval": 0.5},
        metrics={"enabled": True},
        web={"port": port},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    assert bot.process is not None
    try:
        (first,) = children(bot.process.pid, "litestream")
        os.kill(first, signal.SIGKILL)  # the tool dies under the bot
        for _ in range(100):
            again = children(bot.process.pid, "litestream")
            if again and again != [first]:
                break
            await asyncio.sleep(0.1)
        assert again and again != [first], bot.log()
        for user in range(52_000_000, 52_000_040):  # writes after the restart
            emulator.push_message(user, "/subscribe", language_code="en")
        await emulator.wait_until_idle(quiet=0.5)
        await asyncio.sleep(2.0)  # a few sync intervals
        text = await scrape(port)
        assert sample(text, "conference_bot_replication_up") == 1
        assert sample(text, "conference_bot_replication_restarts_total") == 1
        assert sample(text, "conference_bot_replication_lag_seconds") < 5
        # The replica, restored while the bot runs, has those writes.
        copy = tmp_path / "peek.sqlite3"
        restored = await asyncio.to_thread(
            subprocess.run,
            [
                str(Path(sys.executable).parent / "litestream"),
                "restore",
                "-o",
                str(copy),
                f"file://{replica}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr
        with sqlite3.connect(copy) as db:
            subscribed = db.execute(
                "SELECT count(*) FROM users WHERE id >= 52000000 AND subscribed"
            ).fetchone()[0]
        assert subscribed == 40
    finally:
        assert await bot.stop() == 0, bot.log()
    assert bot.log().count("Litestream exited") == 1, bot.log()
    assert children(bot.process.pid, "litestream") == []  # stopped with the bot
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://example.org/x", "backup.replica_url"),
        ("s3://key:SeCrEt-Password@bucket/x", "password"),
        ("file://relative/path", "absolute"),
    ],
)
def test_replica_url_mistakes_are_named(tmp_path: Path, url: str, said: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[backup]\nreplica_url = "{url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert said in str(caught.value)
    assert "SeCrEt-Password" not in str(caught.value)


async def test_a_missing_litestream_is_one_line(emulator: BotApiEmulator, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        backup={"replica_url": f"file://{tmp_path / 'r'}", "litestream": "/nonexistent/litestream"},
    )
    code, output = await run_until_exit(config)
    assert code == 2, output
    assert "backup.litestream" in output and "Traceback" not in output, output


async def test_restore_at_a_timestamp_brings_the_database_as_it_was(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    import datetime as dt

    from tests.broadcasting import subscribe_users
    from tests.conftest import ROOT

    replica = f"file://{tmp_path / 'replica'}"
    sections: dict[str, dict[str, object]] = {
        "backup": {"replica_url": replica, "sync_interval": 0.5}
    }
    config = write_config(
        tmp_path / "c.toml", emulator.base_url, tmp_path / "a.sqlite3", **sections
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    before = {54_000_000 + i: "en" for i in range(10)}
    after = {54_100_000 + i: "en" for i in range(10)}
    try:
        await subscribe_users(emulator, before)
        await asyncio.sleep(2.5)
        moment = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        await asyncio.sleep(1.5)
        await subscribe_users(emulator, after)
        await asyncio.sleep(2.0)
    finally:
        assert await bot.stop() == 0, bot.log()
    target = tmp_path / "then" / "bot.sqlite3"
    restored_config = write_config(tmp_path / "then.toml", emulator.base_url, target, **sections)
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "bot",
            "restore",
            "--config",
            str(restored_config),
            "--timestamp",
            moment,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"as of {moment}" in done.stdout
    with sqlite3.connect(target) as db:
        ids = {row[0] for row in db.execute("SELECT id FROM users WHERE subscribed")}
    assert set(before) <= ids and not (set(after) & ids), ids
