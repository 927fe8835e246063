"""Long polling through the durable inbox: a batch is on disk before the next offset confirms it.

PTB's Updater confirms a batch with its next getUpdates as soon as the batch is on the update
queue, in memory; this loop takes its place (`Application.builder().updater(None)`). It asks
for a batch only when the inbox has room for it (backpressure: a burst waits at Telegram),
stores the batch in one transaction (handlers/transport/inbox.py), then asks for the next one.
Errors are handled as PTB's Updater does: 409 and network errors back off and retry, 429 waits
as told, a rejected token (401) stops the bot. Log lines never contain the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from handlers.transport.aiohttp_request import AiohttpRequest
from handlers.transport.flood_wait import retry_seconds
from handlers.transport.inbox import Inbox, StopBot
from handlers.transport.wire import dumps
from storage.inbox import InboxRow

T = TypeVar("T")

log = logging.getLogger(__name__)

# Seconds a getUpdates waits at Telegram for something to arrive.
POLL_TIMEOUT = 10
# Telegram returns at most 100 updates per getUpdates.
BATCH_LIMIT = 100
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0


class UpdatesRequest(AiohttpRequest):
    """The getUpdates transport; it keeps the last answer's updates as Telegram sent them.

    The inbox stores each update's original JSON: re-encoding PTB's `Update` objects
    (`to_json`) would cost ~70 µs per update, this costs an orjson encoding of a small dict
    (`handlers.transport.wire.dumps`).
    """

    __slots__ = ("last_result",)

    def __init__(self) -> None:
        super().__init__(1)
        self.last_result: list[dict[str, Any]] = []

    # PTB declares it a staticmethod but calls it on the instance, so an instance method works.
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """PTB's parse (this is its documented hook), keeping the raw `result` list."""
        data: dict[str, Any] = super().parse_json_payload(payload)
        result = data.get("result")
        self.last_result = result if isinstance(result, list) else []
        return data


class PollingSource:
    """Fetches updates with getUpdates into the inbox until stopped."""

    def __init__(
        self,
        bot: Bot,
        request: UpdatesRequest,
        inbox: Inbox,
        allowed_updates: Sequence[str],
        *,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.request = request
        self.inbox = inbox
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        # time.monotonic() of the last getUpdates that Telegram answered.
        self.last_contact = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def healthy_within(self) -> float:
        """The last contact must be at most this old (s) for the bot to count as ready."""
        return 3.0 * self.timeout + 5.0

    @property
    def running(self) -> bool:
        """True while the loop runs."""
        return self._task is not None and not self._task.done()

    async def start(self) -> asyncio.Task[None]:
        """Delete a webhook if one is set, then poll in the background; returns the task."""
        self._task = asyncio.create_task(self._run(), name="polling")
        return self._task

    async def stop(self) -> None:
        """Stop polling (what was fetched is in the inbox, so nothing needs confirming)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopBot):
                await self._task
            self._task = None

    async def _run(self) -> None:
        await self.inbox.recover()
        info = await self._retrying("getWebhookInfo", self.bot.get_webhook_info)
        if info.url:
            # Switching back from webhook mode: Telegram keeps undelivered updates for getUpdates.
            await self._retrying(
                "deleteWebhook", lambda: self.bot.delete_webhook(drop_pending_updates=False)
            )
            log.info("Deleted the webhook: serving by long polling")
        self.last_contact = time.monotonic()  # Telegram answered; the first long poll may wait
        offset = await self.inbox.resume_offset()
        backoff = BACKOFF_START
        while True:
            # Fetch again once a quarter of the inbox's room is free, not a whole batch: with a
            # small in-flight bound, waiting for a full batch would drain the pipeline first.
            room = await self.inbox.wait_for_room(max(1, self.inbox.limit // 4))
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    limit=min(room, BATCH_LIMIT),
                    timeout=self.timeout,
                    allowed_updates=self.allowed_updates,
                )
            except TimedOut:
                continue  # a long poll that took too long; just ask again
            except Exception as error:
                backoff = await self._failed("getUpdates", error, backoff)
                continue
            backoff = BACKOFF_START
            self.last_contact = time.monotonic()
            if not updates:
                continue
            raw = self.request.last_result
            rows = [InboxRow(int(item["update_id"]), dumps(item).decode()) for item in raw]
            await self._store(rows, updates)
            offset = updates[-1].update_id + 1

    async def _store(self, rows: list[InboxRow], updates: Sequence[Update]) -> None:
        """Keep trying until the batch is on disk: until then it must not be confirmed."""
        delay = BACKOFF_START
        while True:
            try:
                await self.inbox.accept(rows, updates)
                return
            except Exception as error:
                log.error(
                    "Cannot store %d updates in the inbox (%s); Telegram keeps them,"
                    " retrying in %.0f s",
                    len(rows),
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` until it succeeds, each failure logged as one line naming `what`."""
        backoff = BACKOFF_START
        while True:
            try:
                return await call()
            except Exception as error:
                backoff = await self._failed(what, error, backoff)

    async def _failed(self, what: str, error: Exception, backoff: float) -> float:
        """Log the error in one line, wait as it requires; return the next backoff."""
        if isinstance(error, InvalidToken):
            log.error("Telegram rejected the bot token (401 Unauthorized); stopping")
            raise StopBot("Telegram rejected the bot token (401 Unauthorized)") from None
        if isinstance(error, RetryAfter):
            wait = retry_seconds(error)
            log.warning("%s: flood control, waiting %.0f s as Telegram asks", what, wait)
            await asyncio.sleep(wait)
            return backoff
        if isinstance(error, Conflict):
            log.warning(
                "%s: 409 Conflict (another process polls with this token, or a webhook is set);"
                " retrying in %.0f s",
                what,
                backoff,
            )
        elif isinstance(error, NetworkError):
            log.warning("%s: network error (%s); retrying in %.0f s", what, error, backoff)
        elif isinstance(error, TelegramError):
            log.error("%s: %s; retrying in %.0f s", what, error, backoff)
        else:
            log.error(
                "%s: unexpected %s: %s; retrying in %.0f s",
                what,
                type(error).__name__,
                error,
                backoff,
            )
        await asyncio.sleep(backoff)
        return min(backoff * 2, BACKOFF_MAX)
