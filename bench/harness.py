"""Processes and numbers shared by the benchmarks.

The emulator and each bot run in processes of their own, talking HTTP over loopback, exactly as
in production against Telegram. Timestamps recorded by the emulator (`Call.at`) come from
`time.monotonic()`, which on Linux is one system-wide clock, so they compare directly with
`time.monotonic()` taken here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.config import dump_toml
from tgemu import EmulatorClient

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
ADMIN_ID = 900_001
# Every round uses user ids no earlier round used, so "distinct users" stays true across rounds.
_user_ids = itertools.count(10_000_000)


def fresh_user_ids(count: int) -> list[int]:
    """`count` user ids never handed out before in this run."""
    return [next(_user_ids) for _ in range(count)]


# ---------------------------------------------------------------------- results


@dataclass
class Metric:
    """One reported figure: median of its rounds, with min-max, and its target."""

    name: str
    unit: str
    samples: list[float]
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "min": min(self.samples) if self.samples else None,
            "max": max(self.samples) if self.samples else None,
            "rounds": len(self.samples),
            "samples": self.samples,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Result:
    """What one benchmark reports."""

    name: str
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Counts that show the run did what it claims (recipients reached, hits per query, …).
    counts: dict[str, Any] = field(default_factory=dict)

    def add(self, metric: Metric) -> Metric:
        self.metrics.append(metric)
        return metric

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.name == name)


# MiB (what /proc reports) to MB (what the memory targets are stated in).
MIB_TO_MB = 1.048576
# Every memory target: the peak stays under this many MB.
RSS_CEILING_MB = 100


def judge_ceiling(result: Result, name: str, peak_mib: float) -> Metric:
    """The peak in MB against the ceiling (< 100 MB), added to `result`."""
    ceiling = result.add(
        Metric(name, "MB", [peak_mib * MIB_TO_MB], target=f"< {RSS_CEILING_MB} MB")
    )
    ceiling.met = peak_mib * MIB_TO_MB < RSS_CEILING_MB
    return ceiling


def judge_growth(
    result: Result, peaks: dict[int, float], growth_name: str, ceiling_name: str
) -> None:
    """The memory targets over sizes: the largest peak ≤ 1.2 × the smallest, and under 100 MB."""
    sizes = list(peaks)
    smallest, largest = peaks[sizes[0]], peaks[sizes[-1]]
    growth = result.add(Metric(growth_name, "×", [largest / smallest], target="≤ 1.2"))
    growth.met = largest / smallest <= 1.2
    judge_ceiling(result, ceiling_name, largest)


async def judge_peaks(
    result: Result,
    sizes: Sequence[int],
    peak_rss_mib: Callable[[int], Awaitable[tuple[float, float]]],
    figure: str,
    growth_name: str,
    ceiling_name: str,
) -> None:
    """Measure `peak_rss_mib(size)` (peak, RSS after start-up) for each size, one after the
    other, and judge them (judge_growth). `figure` names each size's row ("{size:,}")."""
    peaks: dict[int, float] = {}
    for size in sizes:
        peak, idle = await peak_rss_mib(size)
        peaks[size] = peak
        result.add(Metric(figure.format(size=size), "MiB", [peak]))
        result.notes.append(f"{size:,}: RSS after start-up {idle:.1f} MiB, peak {peak:.1f} MiB")
    judge_growth(result, peaks, growth_name, ceiling_name)


def fmt(value: float) -> str:
    """A number with as many digits as it deserves."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def machine() -> dict[str, str]:
    """Cores, CPU model, OS, Python and the versions of the packages that matter."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ""
    with contextlib.suppress(OSError):
        load = Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    packages = {}
    for name in ("python-telegram-bot", "httpx", "aiohttp", "aiosqlite", "pydantic"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "absent"
    import sqlite3

    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": ", ".join(f"{k} {v}" for k, v in packages.items()),
        "loadavg_at_start": load,
    }


# ---------------------------------------------------------------------- processes


def _child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    for key in list(env):
        if key.startswith("BOT_"):
            env.pop(key)
    return env


class Emulator:
    """`python -m tgemu` in its own process, driven through EmulatorClient."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""
        self.client: EmulatorClient
        # Messages pushed from the bench admin: message ids in that chat count them too.
        self.admin_messages = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tgemu",
            "--port",
            "0",
            "--no-strict-chats",
            "--token",
            TOKEN,
            cwd=ROOT,
            env=_child_env(),
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 20)
        text = line.decode().strip()
        if not text.startswith("READY "):
            raise RuntimeError(f"emulator did not start: {text!r}")
        self.url = text.split(" ", 1)[1]
        self.client = EmulatorClient(self.url)

    async def stop(self) -> None:
        await self.client.close()
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def sent_count(self, method: str = "sendMessage") -> int:
        """Successful calls of `method` so far (since the last reset_calls)."""
        stats = await self.client.stats()
        return int(stats["calls"].get(method, {}).get("200", 0))

    async def total_calls(self) -> int:
        return int((await self.client.stats())["total_calls"])

    async def wait_sent(
        self,
        count: int,
        *,
        method: str = "sendMessage",
        timeout: float = 120,  # noqa: ASYNC109
        interval: float = 0.02,
    ) -> None:
        """Poll stats until `count` successful `method` calls were recorded."""
        deadline = time.monotonic() + timeout
        while True:
            sent = await self.sent_count(method)
            if sent >= count:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {sent} of {count} {method} calls after {timeout}s")
            await asyncio.sleep(interval)

    async def wait_drained(self, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Until the bot has fetched every pushed update."""
        deadline = time.monotonic() + timeout
        while True:
            stats = await self.client.stats()
            if (
                stats["pending_updates"] == 0
                or stats["max_delivered_update_id"] >= stats["last_update_id"]
            ):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"updates not drained: {stats}")
            await asyncio.sleep(0.05)

    async def wait_polling(self, since_get_updates: int, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Until a getUpdates newer than `since_get_updates` arrived."""
        deadline = time.monotonic() + timeout
        while (await self.client.stats())["get_updates"] <= since_get_updates:
            if time.monotonic() > deadline:
                raise TimeoutError("bot did not start polling")
            await asyncio.sleep(0.01)


def write_config(
    directory: Path, base_url: str, db_path: Path, **sections: dict[str, object]
) -> Path:
    """A bot config for a benchmark; `sections` override keys."""
    config: dict[str, dict[str, object]] = {
        "telegram": {"token": TOKEN, "base_url": base_url},
        "bot": {"admins": [ADMIN_ID], "default_language": "en"},
        "storage": {"path": str(db_path)},
        "broadcast": {"messages_per_second": 25},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path = directory / "bench.toml"
    path.write_text(dump_toml(config), encoding="utf-8")
    return path


class BotProcess:
    """A bot process (ours or the bare PTB bot), its log in a temp file."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    @classmethod
    def ours(cls, config: Path) -> BotProcess:
        return cls(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            config.with_suffix(".log"),
        )

    @classmethod
    def bare(cls, base_url: str, directory: Path) -> BotProcess:
        return cls(
            [sys.executable, "-m", "bench.bare_bot", "--base-url", base_url, "--token", TOKEN],
            directory / "bare.log",
        )

    @classmethod
    def floor(cls, base_url: str, directory: Path, card: Path) -> BotProcess:
        return cls(
            [
                sys.executable,
                "-m",
                "bench.floor_bot",
                "--base-url",
                base_url,
                "--token",
                TOKEN,
                "--card",
                str(card),
            ],
            directory / "floor.log",
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, emulator: Emulator, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Spawn and wait until it polls."""
        polls = (await emulator.client.stats())["get_updates"]
        with self.log_path.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, cwd=ROOT, env=_child_env(), stdout=log, stderr=log
            )
        try:
            await emulator.wait_polling(polls, timeout)
        except TimeoutError:
            await self.kill()
            raise RuntimeError(f"bot did not start; log:\n{self.log()[-3000:]}") from None

    async def stop(self, timeout: float = 20) -> int:  # noqa: ASYNC109
        """SIGINT and wait; SIGKILL if it hangs."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                await self.kill()
        return self.process.returncode or 0

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def peak_rss_kib(self) -> int:
        """VmHWM of the running process, in KiB."""
        return _status_kib(self.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        """CPU time (user + system, every thread) the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the ")" closing the command name: state is field 3, utime 14 and stime 15.
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[Emulator]:
    """A running standalone emulator."""
    emulator = Emulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@contextlib.asynccontextmanager
async def workdir() -> AsyncIterator[Path]:
    """A temp directory for configs, databases and logs."""
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        yield Path(name)


def about_updates(user_ids: Iterable[int], text: str = "/about") -> list[dict[str, Any]]:
    """Message specs for the control API, one per user, in English."""
    return [{"user_id": uid, "text": text, "language_code": "en"} for uid in user_ids]


async def push_in_chunks(
    client: EmulatorClient, updates: list[dict[str, Any]], chunk: int = 5000
) -> None:
    """Bulk push; large batches are split so one request body stays reasonable."""
    for start in range(0, len(updates), chunk):
        await client.push_messages(updates[start : start + chunk])
