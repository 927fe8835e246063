"""Shared fixtures: the Bot API emulator in-process and the bot as a real subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import dump_toml
from bot.services import open_store
from tgemu import BotApiEmulator, Call

# As `python -m bot` does (bot/cli.py): PTB clients in the tests read 429s as the bot does.
os.environ.setdefault("PTB_TIMEDELTA", "true")

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "conference_test_bot"
ADMIN_ID = 900_001
ROOT = Path(__file__).resolve().parent.parent


def write_config(path: Path, base_url: str, db_path: Path, **sections: dict[str, object]) -> Path:
    """A config file for the bot under test; `sections` override or add keys."""
    config: dict[str, dict[str, object]] = {
        "telegram": {"token": TOKEN, "base_url": base_url},
        # A generous flood allowance: tests send many messages from one user on purpose.
        "bot": {"admins": [ADMIN_ID], "default_language": "ru", "flood_burst": 1000},
        "storage": {"path": str(db_path)},
        "broadcast": {"messages_per_second": 25},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path.write_text(dump_toml(config), encoding="utf-8")
    return path


class BotProcess:
    """`python -m bot run` in a subprocess, talking HTTP to the emulator."""

    def __init__(self, emulator: BotApiEmulator, config: Path) -> None:
        self.emulator = emulator
        self.config = config
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = config.with_suffix(".log")
        self.returncode: int | None = None

    async def start(self, timeout: float = 20) -> None:  # noqa: ASYNC109
        """Start the bot and wait until its first getUpdates (or setWebhook) after this start."""
        # Counted when a poll arrives, not when it is answered: the first long poll would
        # otherwise keep us waiting for its whole timeout (10 s in run_polling).
        polls = self._started()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = asyncio.get_running_loop().time() + timeout
        while self._started() <= polls:
            if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                await self.kill()
                raise AssertionError(f"bot did not start receiving; log:\n{self.log()}")
            await asyncio.sleep(0.02)

    def _started(self) -> int:
        """getUpdates polls, plus successful setWebhook calls (webhook mode: no polls)."""
        stats = self.emulator.stats()
        webhooks = int(stats["calls"].get("setWebhook", {}).get("200", 0))
        return int(stats["get_updates"]) + webhooks

    async def stop(self, timeout: float = 15) -> int:  # noqa: ASYNC109
        """SIGINT, like Ctrl+C, and wait for a clean exit."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            async with asyncio.timeout(timeout):
                await self.process.wait()
        self.returncode = self.process.returncode
        return self.returncode

    async def kill(self) -> None:
        """SIGKILL: a crash, with no chance to clean up."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.returncode = self.process.returncode

    async def restart(self) -> None:
        """A real process restart: stop cleanly, then start again."""
        await self.stop()
        await self.start()

    def log(self) -> str:
        """Everything the bot printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def running_bot(tmp: Path, **sections: dict[str, object]) -> AsyncIterator[BotProcess]:
    """A fresh emulator and a bot on it (config `sections` override the defaults).

    On exit the bot must stop cleanly with SIGINT and must have logged no traceback.
    """
    emu = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
    await emu.start()
    process = BotProcess(
        emu, write_config(tmp / "config.toml", emu.base_url, tmp / "bot.sqlite3", **sections)
    )
    try:
        await process.start()
        yield process
    finally:
        code = await process.stop() if process.process is not None else 0
        await emu.stop()
        assert code == 0, process.log()
        assert "Traceback" not in process.log(), process.log()
        assert_token_not_logged(process)


async def run_until_exit(config: Path, timeout: float = 30) -> tuple[int, str]:  # noqa: ASYNC109
    """`python -m bot run` until it exits; its exit code and everything it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(timeout):
            output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return int(process.returncode or 0), output.decode("utf-8", "replace")


def assert_token_not_logged(process: BotProcess) -> None:
    """Request URLs contain the token: whatever went wrong, it must never reach the log."""
    secret = TOKEN.split(":", 1)[1]
    assert secret not in process.log(), "the bot token leaked into the log"


def markup_of(call: Call | dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a sendMessage/editMessageText call (or a stored message)."""
    params = call.params if isinstance(call, Call) else call
    markup = params.get("reply_markup")
    if markup is None:
        return []
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    return rows


def callbacks(call: Call | dict[str, Any]) -> list[str]:
    """Callback data of every button, in order."""
    return [b["callback_data"] for row in markup_of(call) for b in row if "callback_data" in b]


@pytest.fixture(scope="session")
def loaded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated and loaded with the bundled content, built once per test session.

    Tests take their own copy (`fresh_database`): loading the content and building the answer
    index costs ~0.3 s of CPU, a copy a few milliseconds, and the copy is the same database.
    """
    path = tmp_path_factory.mktemp("loaded") / "bot.sqlite3"

    async def build() -> None:
        await (await open_store(path)).close()

    asyncio.run(build())
    # Closing the last connection checkpointed the WAL into the file: the file is the database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def fresh_database(loaded_database: Path, tmp_path: Path) -> Path:
    """This test's own `tmp_path / "bot.sqlite3"`: migrated, the bundled content loaded."""
    path = tmp_path / "bot.sqlite3"
    shutil.copyfile(loaded_database, path)
    return path


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh, strict Bot API emulator on a free loopback port."""
    emu = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def config_path(tmp_path: Path, emulator: BotApiEmulator) -> Path:
    """The bot's config file, pointing at the emulator and a temp database."""
    return write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3")


@pytest.fixture
async def bot(emulator: BotApiEmulator, config_path: Path) -> AsyncIterator[BotProcess]:
    """The bot running against the emulator; stopped with SIGINT afterwards, which must be clean."""
    process = BotProcess(emulator, config_path)
    await process.start()
    try:
        yield process
    finally:
        if process.process is not None and process.process.returncode is None:
            code = await process.stop()
            assert code == 0, f"bot exited with {code}; log:\n{process.log()}"
        assert_token_not_logged(process)


async def ask(
    emulator: BotApiEmulator,
    user_id: int,
    text: str,
    *,
    language_code: str = "en",
    **kwargs: object,
) -> Call:
    """Send a message as a user and return the bot's first reply in that chat."""
    since = len(emulator.calls())
    emulator.push_message(user_id, text, language_code=language_code, **kwargs)  # type: ignore[arg-type]
    chat_id = kwargs.get("chat_id", user_id)
    return await emulator.wait_for_call("sendMessage", chat_id=chat_id, since=since)  # type: ignore[arg-type]


# ---------------------------------------------------------------- a disk that fills up


def mount(*args: str) -> bool:
    result = subprocess.run(["mount", *args], capture_output=True, check=False)
    return result.returncode == 0


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB filesystem of its own (tmpfs; needs the right to mount, else the test skips)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if not mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)):
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        yield disk
    finally:
        unmount(disk)


def fill(path: Path) -> None:
    """Take every byte left on the filesystem."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"x" * size)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- keeping the fast loop fast

# A phase (setup, call or teardown) this long belongs to a test marked `slow`.
SLOW_PHASE = 1.0
_unmarked_slow: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note tests that took a slow phase without the `slow` mark."""
    if report.duration >= SLOW_PHASE and "slow" not in report.keywords:
        _unmarked_slow[report.nodeid] = max(report.duration, _unmarked_slow.get(report.nodeid, 0))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name them at the end of the run, so `pytest -m "not slow"` stays under a minute.

    A reminder, not a failure: on a loaded machine a fast test can take a second once.
    """
    if _unmarked_slow:
        terminalreporter.section("tests of 1 s or more without @pytest.mark.slow")
        for nodeid, duration in sorted(_unmarked_slow.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{duration:5.2f}s {nodeid}")
