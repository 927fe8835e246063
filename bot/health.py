"""How the storage is doing: the state /readyz reports and the one line operators read.

A full disk, a read-only file or a long-held lock makes writes fail. Users are then told, in
their language and without another database call, that the bot is temporarily unavailable
(handlers/fallback.py); the operator gets one ERROR line when it starts failing and one INFO
line when a write succeeds again, not one traceback per update. Nothing is cached open or
closed: every update still tries the database, so the bot recovers on its own the moment
space is back.

The hook for /readyz: `BotData.storage_health.failing` (True from the first failure until a
write succeeds again) and `last_failure_at` (unix time of the latest failure).
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class StorageHealth:
    """The storage's last failure and whether it is failing now."""

    def __init__(self) -> None:
        self.failing = False
        self.last_failure_at: float | None = None
        self.last_error = ""
        # Failures since the storage started failing (each one an update answered politely).
        self.failures = 0
        self._since = 0.0

    def failed(self, error: BaseException) -> None:
        """A storage operation failed; the first failure of an outage is logged (one line)."""
        now = time.time()
        self.last_failure_at = now
        self.last_error = str(error) or error.__class__.__name__
        self.failures += 1
        if not self.failing:
            self.failing, self._since, self.failures = True, now, 1
            log.error(
                "Storage unavailable: %s; users are told to try again later until it recovers",
                self.last_error,
            )

    def succeeded(self) -> None:
        """A write went through: if the storage was failing, it has recovered."""
        if self.failing:
            self.failing = False
            log.info(
                "Storage writable again after %.0f s (%d failed operations meanwhile)",
                time.time() - self._since,
                self.failures,
            )
