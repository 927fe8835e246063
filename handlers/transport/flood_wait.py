"""One retry path for every request the application makes: honour Telegram's 429.

`FloodWait` is the Application's rate limiter (PTB's `BaseRateLimiter` hook, which ExtBot
calls for every request but getUpdates), so no handler retries on its own. On `RetryAfter`
every reply waits until the time Telegram named (one shared pause: if one reply was told to
wait, the others would be too) and is sent again, up to `MAX_RETRIES` times and only for
waits up to `MAX_WAIT` seconds; a longer wait is Telegram refusing for now, and the error
reaches the error handler as before.

Replies and the delivery worker's broadcasts share the bot's budget at Telegram. The worker
paces itself to `[broadcast] messages_per_second` counting replies too: each request made here
is noted in the worker's pacing window (`share_budget`), so a busy chat slows the broadcast
instead of the broadcast crowding out replies; and a 429 on a reply pauses the worker as well.
Replies are never delayed by the pacing: they go first and the broadcast yields. Only right
after flood control (a 429 to either) does a reply take a slot of the window, ahead of the
broadcast, until one window has passed: the replies held during the pause would otherwise go
out together with the resumed broadcast and overshoot the limit.

PTB's AIORateLimiter does the retry too, but it also throttles every reply to a fixed overall
rate (30/s by default) and per group; our replies must not queue behind a limit the
broadcast already respects, so that part is left to the worker's pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from handlers.transport.telemetry import FLOOD_WAITS, RETRIES

log = logging.getLogger(__name__)

MAX_RETRIES = 3
MAX_WAIT = 60.0


def retry_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class FloodWait(BaseRateLimiter[None]):
    """Retries requests Telegram answered with 429 after the wait it names; see the module."""

    def __init__(self, max_retries: int = MAX_RETRIES, max_wait: float = MAX_WAIT) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._resume_at = 0.0
        self._note: Callable[[], None] | None = None
        self._pause: Callable[[float], None] | None = None
        self._paced: Callable[[], AbstractAsyncContextManager[object]] | None = None

    def share_budget(
        self,
        note: Callable[[], None],
        pause: Callable[[float], None],
        paced: Callable[[], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        """Count every request in the worker's pacing window (`note`), pass 429s on (`pause`),
        and right after flood control take a slot of that window (`paced`, which is
        RateLimiter.after_flood)."""
        self._note, self._pause, self._paced = note, pause, paced

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send; on 429 wait as told and send again."""
        retries = self.max_retries
        attempt = 0
        while True:
            pause = self._resume_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            window = self._paced() if self._paced is not None else contextlib.nullcontext()
            slot: object = None
            try:
                async with window as slot:
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                FLOOD_WAITS.labels("reply").inc()
                seconds = retry_seconds(error)
                if attempt >= retries or seconds > self.max_wait:
                    raise
                attempt += 1
                RETRIES.labels("reply", "429").inc()
                self._resume_at = max(self._resume_at, time.monotonic() + seconds)
                if self._pause is not None:
                    self._pause(seconds)
                log.warning("Flood control on %s: retrying in %.0f s", endpoint, seconds)
            finally:
                # A slot counts itself in the window; any other request is noted there.
                if self._note is not None and slot is None:
                    self._note()
