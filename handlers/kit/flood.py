"""Per-user flood control: a burst allowance, then one notice and silence until it calms down."""

from __future__ import annotations

import time
from collections import OrderedDict
from enum import Enum

TRACKED_USERS = 10_000


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # first update over the limit: tell the user once
    DROP = "drop"


class FloodGuard:
    """Counts each user's updates in a sliding window."""

    def __init__(self, burst: int, window: float) -> None:
        self.burst = burst
        self.window = window
        # Lists, not deques: a deque costs ~760 bytes even for one stamp, a list ~90, and a
        # burst of new users fills all TRACKED_USERS entries (BENCHMARKS.md, burst memory).
        self._recent: OrderedDict[int, list[float]] = OrderedDict()
        self._notified: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Record one update from the user and say what to do with it."""
        now = time.monotonic() if now is None else now
        stamps = self._recent.get(user_id)
        if stamps is None:
            stamps = self._recent[user_id] = []
            if len(self._recent) > TRACKED_USERS:
                old_user, _ = self._recent.popitem(last=False)
                self._notified.pop(old_user, None)
        self._recent.move_to_end(user_id)
        stamps.append(now)
        if len(stamps) > self.burst + 1:
            del stamps[0]
        while stamps and now - stamps[0] > self.window:
            del stamps[0]
        if len(stamps) <= self.burst:
            self._notified.pop(user_id, None)
            return Verdict.ALLOW
        if user_id in self._notified:
            return Verdict.DROP
        self._notified[user_id] = now
        return Verdict.NOTIFY
