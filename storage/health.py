"""How the storage is doing: the state /readyz reports and the one line operators read.

A full disk, a read-only file or a long-held lock makes writes fail. Users are then told, in
their language and without another database call, that the bot is temporarily unavailable
(handlers/fallback.py); the operator gets one ERROR line when it starts failing and one INFO
line when a write succeeds again, not one traceback per update. Nothing is cached open or
closed: every update still tries the database, so the bot recovers on its own the moment
space is back.

/readyz (bot/health.py) reports it: `BotData.storage_health.failing` (True from the first
failure until a write succeeds again), `last_error` and `last_failure_at` (unix time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from storage.errors import RESTORE_HINT, is_corruption

log = logging.getLogger(__name__)

# While failing, a test write is tried this often, so recovery is noticed (and logged) even
# when no user happens to write.
PROBE_INTERVAL = 2.0


class StorageHealth:
    """The storage's last failure and whether it is failing now."""

    def __init__(self) -> None:
        self.failing = False
        self.last_failure_at: float | None = None
        self.last_error = ""
        # Failures since the storage started failing (each one an update answered politely).
        self.failures = 0
        # Every failure since the process started (for /metrics) and the outages among them.
        self.failures_total = 0
        self.outages = 0
        # A failure meant a damaged file: only a restore helps (/readyz says so). Sticky until
        # the process restarts (and its start-up quick_check judges the file again): a write
        # that happens to miss the damaged pages proves nothing.
        self.corrupt = False
        self._since = 0.0
        self._probe: Callable[[], Awaitable[None]] | None = None
        self._probing: asyncio.Task[None] | None = None

    def watch(self, probe: Callable[[], Awaitable[None]]) -> None:
        """While failing, call `probe` (a small real write) until it succeeds."""
        self._probe = probe

    async def close(self) -> None:
        """Stop probing."""
        if self._probing is not None:
            self._probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probing
            self._probing = None

    def failed(self, error: BaseException) -> None:
        """A storage operation failed; the first failure of an outage is logged (one line)."""
        now = time.time()
        self.last_failure_at = now
        self.last_error = str(error) or error.__class__.__name__
        self.failures += 1
        self.failures_total += 1
        if is_corruption(error):
            if not self.corrupt:
                log.critical("Database damaged: %s; %s", self.last_error, RESTORE_HINT)
            self.corrupt = True
        if not self.failing:
            self.failing, self._since, self.failures = True, now, 1
            self.outages += 1
            if not self.corrupt:
                log.error(
                    "Storage unavailable: %s; users are told to try again later until it recovers",
                    self.last_error,
                )
            if self._probe is not None and (self._probing is None or self._probing.done()):
                with contextlib.suppress(RuntimeError):  # no running loop: nothing to probe from
                    self._probing = asyncio.get_running_loop().create_task(self._probe_until_ok())

    def succeeded(self) -> None:
        """A write went through: if the storage was failing, it has recovered."""
        if self.failing:
            self.failing = False
            log.info(
                "Storage writable again after %.0f s (%d failed operations meanwhile)",
                time.time() - self._since,
                self.failures,
            )

    async def _probe_until_ok(self) -> None:
        while self.failing and self._probe is not None:
            await asyncio.sleep(PROBE_INTERVAL)
            try:
                await self._probe()
            except Exception as error:  # still failing: recorded quietly (no new line)
                self.last_failure_at, self.last_error = time.time(), str(error)
                continue
            self.succeeded()
