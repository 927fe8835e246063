"""An operator's first-run mistakes: each is one line naming the problem, exit code 2.

Every case runs the real `python -m bot run` (or `chat`, or the emulator) as a subprocess,
and checks the exit code, that stderr is exactly one line, no traceback and no token.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, TOKEN, write_config
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

WRONG_TOKEN = "999999:WRONG-SECRET-do-not-print"


async def _bot(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `python -m <args>` to completion; (exit code, stdout, stderr)."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TELEGRAM_BOT_TOKEN", "BOT_CONFIG") and not k.upper().startswith("BOT_")
    }
    environment.update(env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=ROOT,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def _one_line(code: int, stderr: str, *, secrets: tuple[str, ...] = ()) -> str:
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for secret in (*secrets, TOKEN.split(":", 1)[1]):
        assert secret not in stderr, "the token reached the output"
    return lines[0]


async def test_rejected_token_from_the_file(emulator: BotApiEmulator, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        telegram={"token": WRONG_TOKEN},
    )
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr, secrets=("WRONG-SECRET",))
    assert "the token was rejected" in line
    assert str(config) in line  # where the token came from
    assert "TELEGRAM_BOT_TOKEN" not in line
    assert emulator.stats()["get_updates"] == 0  # it never started polling


async def test_rejected_token_from_the_environment(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot(
        "bot", "run", "--config", str(config), env={"TELEGRAM_BOT_TOKEN": WRONG_TOKEN}
    )
    line = _one_line(code, stderr, secrets=("WRONG-SECRET",))
    assert "the token was rejected" in line and "TELEGRAM_BOT_TOKEN" in line


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_unreachable_base_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/bot"
    config = write_config(tmp_path / "config.toml", url, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "cannot reach" in line and url in line


async def test_base_url_without_the_bot_suffix(emulator: BotApiEmulator, tmp_path: Path) -> None:
    url = emulator.url  # http://127.0.0.1:PORT, the mistake: no /bot
    config = write_config(tmp_path / "config.toml", url, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "telegram.base_url" in line and "/bot" in line
    assert emulator.calls() == []


async def test_storage_path_is_a_directory(emulator: BotApiEmulator, tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    config = write_config(tmp_path / "config.toml", emulator.base_url, directory)
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "storage.path" in line and "is a directory" in line
    assert emulator.calls() == []


async def test_storage_path_cannot_be_created(emulator: BotApiEmulator, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be", encoding="utf-8")
    config = write_config(
        tmp_path / "config.toml", emulator.base_url, blocker / "sub" / "bot.sqlite3"
    )
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "storage.path" in line and "cannot create" in line


async def test_storage_path_is_not_a_database(emulator: BotApiEmulator, tmp_path: Path) -> None:
    impostor = tmp_path / "bot.sqlite3"
    impostor.write_text("this is not SQLite " * 100, encoding="utf-8")
    config = write_config(tmp_path / "config.toml", emulator.base_url, impostor)
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "storage.path" in line and "cannot open" in line


async def test_environment_variable_that_is_not_json(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot(
        "bot", "run", "--config", str(config), env={"BOT_BOT__ADMINS": "abc"}
    )
    line = _one_line(code, stderr)
    assert "BOT_BOT__ADMINS" in line and "JSON" in line
    assert str(config) not in line  # the variable is the culprit, not the file


async def test_environment_variable_with_a_wrong_value_is_named(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot(
        "bot", "run", "--config", str(config), env={"BOT_BOT__FLOOD_BURST": "many"}
    )
    line = _one_line(code, stderr)
    assert line.startswith("error: BOT_BOT__FLOOD_BURST: bot.flood_burst"), line


async def test_chat_with_a_bad_storage_path(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{directory}"\n', encoding="utf-8")
    code, _, stderr = await _bot("bot", "chat", "--config", str(config))
    line = _one_line(code, stderr)
    assert "is a directory" in line


async def test_emulator_port_already_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stdout, stderr = await _bot("tgemu", "--port", str(port))
    line = _one_line(code, stderr)
    assert f"port {port}" in line and "in use" in line
    assert "READY" not in stdout
