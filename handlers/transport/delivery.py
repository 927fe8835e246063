"""The broadcast delivery worker: sends the outbox, paced, durable and resumable.

A background asyncio task (started in post_init, stopped in post_shutdown, kept on BotData)
streams due outbox rows from SQLite in key order, `BATCH` at a time, so memory stays flat in
the number of recipients. It has its own database connection and its own `Bot` with its own
HTTP connection pool, so a broadcast never queues interactive replies behind it.

Pacing: `RateLimiter` counts a request from its start until its answer arrives, and admits a
new one only while fewer than N are running or answered within the last second, so no
one-second window *at the server* ever sees more than `[broadcast] messages_per_second`
requests, across all broadcasts (progress edits count too), whatever the network jitter.

Outcomes, per outbox row:
- success → `sent`;
- 429 → the whole worker pauses for `retry_after`, the row goes back to the queue (the attempt
  is not counted) and sending resumes at the same pace;
- 5xx, and network errors before the request was written (no connection, connect timeout:
  `NotSent`) → retried with exponential backoff, at most `MAX_ATTEMPTS` attempts, then
  `failed` with the reason;
- 403 (blocked, deactivated, kicked) and "chat not found" → `blocked`, and the user is marked
  blocked so no later broadcast is addressed to them until they come back; never retried;
- other 400s → `failed` (a message Telegram rejects would be rejected again);
- **after the request was written, a timeout (`TimedOut`) or a dropped connection
  (`ConnectionLost`) → `uncertain`, never resent.** The request may well have reached Telegram
  and been delivered; resending risks a duplicate on every slow moment, so we choose
  at-most-once here and count these rows separately in the progress and the report. The
  transport (handlers/transport/aiohttp_request.py) tells the two cases apart, and bounds each
  request by `[broadcast] request_timeout` in all.

Scheduled broadcasts: the loop also starts every scheduled broadcast whose time has come
(`BroadcastStore.start_due`: its status and all its outbox rows in one transaction, the audience
as it is at that moment) and sleeps no longer than until the next one is due. A broadcast that
came due while the process was down starts as soon as the worker does; its report says how late.

Crash safety: rows are marked `sending` (claimed, several in one write) right before their
requests; outcomes are written by one recorder task, many per transaction under load, and a
row's slot is freed only once its outcome is on disk, so at most `MAX_IN_FLIGHT` rows are
`sending` at any moment. An outcome that cannot be written (the database locked, the disk
full) is retried until it is: its slot stays held meanwhile, so sending pauses rather than
stranding rows in `sending` (the operator gets one log line, see storage/health.py). After
`kill -9` the rows left `sending` may or may not have been delivered; **on startup they go back
to the queue and are sent again**, because losing a recipient is worse than a rare duplicate.
So a crash costs no recipient and at most `MAX_IN_FLIGHT` duplicate messages (the in-flight
window). A clean shutdown waits for the in-flight requests, so it causes no duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Defaults, ExtBot

from handlers.kit.broadcast_view import (
    render_progress,
    render_report,
    send_version,
    stop_markup,
    unsubscribe_markup,
)
from handlers.transport.aiohttp_request import AiohttpRequest, ConnectionLost, NotSent
from handlers.transport.flood_wait import retry_seconds
from handlers.transport.in_flight import InFlight
from handlers.transport.telemetry import FLOOD_WAITS, OUTBOX_OUTCOMES, RETRIES
from storage.broadcasts import (
    Audience,
    Broadcast,
    BroadcastStatus,
    BroadcastStore,
    OutboxRow,
    OutboxState,
    Outcome,
    Version,
)
from storage.errors import is_storage_failure
from storage.health import StorageHealth
from wording.i18n import Html, Translator, choose_text

log = logging.getLogger(__name__)

# Requests in flight at once: also the bound on duplicates after a crash.
MAX_IN_FLIGHT = 8
# A clean stop waits this long for the requests in flight (bounded by request_timeout anyway),
# but only this long while paused: those waiting for the pause have not been sent.
STOP_WAIT = 20.0
STOP_WAIT_PAUSED = 1.0
# After a 401 (token revoked) no broadcast request for this long: the process is stopping.
TOKEN_PAUSE = 60.0
# Outbox rows read per query.
BATCH = 200
MAX_ATTEMPTS = 5
BACKOFF_BASE = 1.0
BACKOFF_MAX = 60.0
# The progress message is edited at most this often.
PROGRESS_INTERVAL = 3.0
# Posting or editing the progress message may take this long: it is not a recipient's message,
# so a slow answer is waited for rather than risking a second progress message.
PROGRESS_TIMEOUT = 30.0
# While a broadcast streams, scheduled broadcasts that came due are looked for this often.
DUE_CHECK_INTERVAL = 0.5
# Answers that mean the chat is gone for good (403s are all of this kind).
GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")


class RateLimiter:
    """At most `per_second` requests in any one-second window, as the server sees them.

    A request holds its slot from admission until its answer arrives, and its timestamp is
    the time of that answer. The server received it somewhere in between, so counting it
    until then bounds the server's own windows too, whatever the network jitter: no margin
    needs guessing. The price is one round trip per window, a few milliseconds here.

    Replies are not paced (they are only noted), except right after Telegram's flood control
    (`flood`): until the pause is over and one window has passed, a reply takes a slot too,
    ahead of the broadcast (`after_flood`). Otherwise the replies held during the pause and the
    broadcast resumed at the same moment, and the total overshot the limit (70 requests in the
    busiest second against 50).
    """

    def __init__(self, per_second: float) -> None:
        self.capacity = max(1, int(per_second))
        # capacity requests per `period`: for fractional rates the window grows accordingly.
        self.period = self.capacity / per_second
        self._answered: deque[float] = deque()  # answer times still inside the window
        self._in_flight = 0
        self._changed = asyncio.Condition()
        # Priority requests (replies after flood control) waiting: the broadcast waits behind.
        self._priority_waiting = 0
        self._careful_until = 0.0

    def flood(self, seconds: float) -> None:
        """Telegram said to wait `seconds`: until then and one window after, replies are paced."""
        self._careful_until = max(self._careful_until, time.monotonic() + seconds + self.period)

    def after_flood(self) -> contextlib.AbstractAsyncContextManager[object]:
        """For a reply: a priority slot while flood control is recent, else nothing at all."""
        if time.monotonic() < self._careful_until:
            return self.slot(priority=True)
        return contextlib.nullcontext()

    @contextlib.asynccontextmanager
    async def slot(self, *, priority: bool = False) -> AsyncIterator[bool]:
        """Wait until one more request fits in the window; hold the slot while it runs.
        A `priority` request goes before every waiting non-priority one."""
        async with self._changed:
            self._priority_waiting += priority
            try:
                while (wait := self._wait(priority)) is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout=wait or None)
            finally:
                self._priority_waiting -= priority
                if priority:
                    self._changed.notify_all()  # the broadcast may go again once none waits
            self._in_flight += 1
        try:
            yield True
        finally:
            async with self._changed:
                self._in_flight -= 1
                self._answered.append(time.monotonic())
                self._changed.notify_all()

    def note(self) -> None:
        """A request made elsewhere (a reply) used the same budget: count it in the window, so
        the worker leaves room for replies instead of crowding them out."""
        now = time.monotonic()
        # Expire here too: with no broadcast running nothing else would, and every reply ever
        # sent would stay in the window.
        self._expire(now)
        self._answered.append(now)

    def _expire(self, now: float) -> None:
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()

    def _wait(self, priority: bool = False) -> float | None:
        """None if a request may start now, else how long to wait (0: until one answers)."""
        now = time.monotonic()
        self._expire(now)
        if not priority and self._priority_waiting:
            return 0.0  # woken when the priority requests are admitted
        if self._in_flight + len(self._answered) < self.capacity:
            return None
        return self._answered[0] + self.period - now if self._answered else 0.0


@dataclass
class _Pace:
    """Where a broadcast's rate is measured from (this process's view)."""

    started: float
    done: int
    last_edit: float


class DeliveryWorker:
    """Sends the outbox in the background; see the module docstring for the guarantees."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        database: Path,
        translate: Translator,
        messages_per_second: float,
        default_language: str,
        request_timeout: float,
        defaults: Defaults,
        health: StorageHealth | None = None,
        write_contacts: Callable[[], Awaitable[object]] | None = None,
        on_token_rejected: Callable[[], object] | None = None,
    ) -> None:
        request = AiohttpRequest(
            connection_pool_size=MAX_IN_FLIGHT + 2,
            connect_timeout=10,
            read_timeout=request_timeout,
            write_timeout=request_timeout,
            pool_timeout=15,
        )
        # The application's Defaults (HTML, no link previews), so a broadcast looks like a reply.
        self.bot: ExtBot[None] = ExtBot(
            token, base_url=base_url, request=request, defaults=defaults
        )
        self.translate = translate
        self.default_language = default_language
        self.health = health or StorageHealth()
        self.limiter = RateLimiter(messages_per_second)
        # Users the bot has heard from but not yet written (UserStore batches first contacts):
        # written before an audience is resolved, so it includes everyone heard from so far.
        self._write_contacts = write_contacts
        # Told when Telegram answers 401 (the update source then stops the process).
        self._on_token_rejected = on_token_rejected
        self._database = database
        self._store: BroadcastStore | None = None
        self._wake = asyncio.Event()
        self._resume_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._in_flight: InFlight[Outcome] = InFlight(
            self._save_outcomes,
            limit=MAX_IN_FLIGHT,
            wake=self._wake,
            health=self.health,
            what="delivery",
            on_written=_count_outcomes,
        )
        self._texts: dict[int, dict[str, Version]] = {}
        self._pace: dict[int, _Pace] = {}
        self._last_check = 0.0
        self._next_due_check = 0.0
        # A broadcast was confirmed or stopped: report on it at once (its first progress).
        self._news = True

    @property
    def store(self) -> BroadcastStore:
        """The worker's own view of the broadcasts (its own connection)."""
        if self._store is None:
            raise RuntimeError("delivery worker not started")
        return self._store

    @property
    def running(self) -> bool:
        """True while the sending loop and the outcome recorder are alive."""
        return self._task is not None and not self._task.done() and self._in_flight.recording

    async def start(self) -> None:
        """Open the connection, requeue rows a crash left in flight and start sending."""
        self._store = await BroadcastStore.open(self._database)
        recovered = await self._store.recover_sending()
        if recovered:
            log.warning("Resending %d outbox rows that were in flight at a crash", recovered)
        await self.bot.initialize()
        self._in_flight.start()
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self) -> None:
        """Stop taking rows, let the requests in flight finish (bounded), record, then close."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Paused (a 429 or a revoked token): the requests still waiting have not been sent, so
        # they need not be waited for; their rows go back to the queue at the next start.
        paused = self._resume_at - time.monotonic() > STOP_WAIT_PAUSED
        await self._in_flight.stop(STOP_WAIT_PAUSED if paused else STOP_WAIT)
        await self.bot.shutdown()
        if self._store is not None:
            await self._store.close()
            self._store = None

    def wake(self) -> None:
        """New work (a confirmed or stopped broadcast): look at the outbox now."""
        self._news = True
        self._wake.set()

    async def enqueue(
        self,
        broadcast_id: int,
        audience: Audience,
        progress_chat_id: int | None,
        language: str | None = None,
    ) -> int | None:
        """Confirm a draft (one transaction on the worker's connection) and start sending, or
        for a scheduled one, wait for its time; `language`: only that language's readers.
        The progress message is posted in `progress_chat_id` by the worker."""
        if self._write_contacts is not None:
            await self._write_contacts()
        total = await self.store.enqueue(
            broadcast_id,
            audience,
            self.default_language,
            progress_chat_id,
            language,
        )
        self.wake()
        return total

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        after = (0, 0)
        while True:
            try:
                # Scheduled broadcasts that came due start now (mid-stream, _start_rows looks
                # twice a second); the queue is then read from its start.
                if (after == (0, 0) or time.monotonic() >= self._next_due_check) and (
                    await self._start_scheduled()
                ):
                    after = (0, 0)
                    self._news = True
                if self._news:
                    # A broadcast was just confirmed or started: its progress message goes up
                    # before its first send.
                    await self._check_progress()
                rows = await self.store.due(time.time(), BATCH, after)
                if rows:
                    if await self._start_rows(rows):
                        after = (rows[-1].broadcast_id, rows[-1].user_id)
                    else:
                        after = (0, 0)  # a scheduled broadcast started: re-read the queue
                    continue
                if after != (0, 0):
                    after = (0, 0)  # wrap around for rows that came due again (retries)
                    continue
                await self._check_progress(idle=True)
                await self._sleep()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if is_storage_failure(error):
                    self.health.failed(error)  # one line per outage, not a traceback a second
                else:
                    log.exception("Delivery worker error; retrying in a second")
                await asyncio.sleep(1)

    async def _start_scheduled(self) -> bool:
        """Start the scheduled broadcasts that have come due (on time, or late after downtime);
        whether any did."""
        self._next_due_check = time.monotonic() + DUE_CHECK_INTERVAL
        if self._write_contacts is not None:
            await self._write_contacts()
        started = await self.store.start_due(time.time(), self.default_language)
        for broadcast in started:
            late = time.time() - (broadcast.due_at or time.time())
            log.info("Scheduled broadcast %d started (%.1f s after its time)", broadcast.id, late)
        return bool(started)

    async def _sleep(self) -> None:
        timeout = PROGRESS_INTERVAL
        for moment in (await self.store.next_retry_at(), await self.store.next_due_at()):
            if moment is not None:
                timeout = min(timeout, max(moment - time.time(), 0.05))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self._wake.clear()

    async def _start_rows(self, rows: list[OutboxRow]) -> bool:
        """Start sending `rows` as slots free up, claiming every free slot's row in one write.

        False if it stopped early because a scheduled broadcast came due and was started (the
        rows not taken stay pending), so the queue is read again from its start."""
        start = 0
        while start < len(rows):
            taken, claimed = await self._in_flight.claim(rows[start:], self._claim)
            start += taken
            for row in claimed:
                self._in_flight.send(self._deliver(row))
            await self._check_progress()
            if time.monotonic() >= self._next_due_check and await self._start_scheduled():
                return False
        return True

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Honour a 429 pause, then hold a slot of the pacing window for one request."""
        while True:
            pause = self._resume_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            async with self.limiter.slot():
                if time.monotonic() >= self._resume_at:
                    yield
                    return

    def turn(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One request's place in this worker's pacing window, after any 429 pause: for the
        other durable queues that share its budget (handlers/transport/programme_outbox.py)."""
        return self._turn()

    def _pause(self, error: RetryAfter) -> None:
        FLOOD_WAITS.labels("broadcast").inc()
        self.pause_for(retry_seconds(error))

    def _token_rejected(self) -> None:
        if self._resume_at - time.monotonic() < TOKEN_PAUSE / 2:
            log.error("Telegram rejected the bot token (401): broadcasts paused, rows kept pending")
            if self._on_token_rejected is not None:
                self._on_token_rejected()
        self._resume_at = max(self._resume_at, time.monotonic() + TOKEN_PAUSE)

    def pause_for(self, seconds: float) -> None:
        """Telegram said to wait (to us or to a reply): no broadcast request for `seconds`."""
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)
        self.limiter.flood(seconds)
        log.warning("Flood control: delivery paused for %.0f s", seconds)

    async def _deliver(self, row: OutboxRow) -> Outcome:
        """Send one row: its outcome, for the recorder (which then frees the slot)."""
        try:
            return await self._send(row)
        except Exception as error:
            log.exception("Unexpected error sending to user %d", row.user_id)
            return Outcome(row.broadcast_id, row.user_id, OutboxState.FAILED, repr(error))

    async def _send(self, row: OutboxRow) -> Outcome:
        versions = self._texts.get(row.broadcast_id)
        if versions is None:
            versions = self._texts[row.broadcast_id] = await self.store.versions(row.broadcast_id)
        version = choose_text(versions, row.lang, self.default_language)

        def outcome(state: OutboxState, error: str | None = None, retry_at: float = 0.0) -> Outcome:
            return Outcome(row.broadcast_id, row.user_id, state, error, retry_at)

        if version is None:
            return outcome(OutboxState.FAILED, "no text")
        try:
            async with self._turn():
                await send_version(
                    self.bot, row.user_id, version, unsubscribe_markup(self.translate, row.lang)
                )
        except RetryAfter as error:
            self._pause(error)
            return Outcome(
                row.broadcast_id, row.user_id, OutboxState.PENDING, str(error), count_attempt=False
            )
        except NotSent as error:
            return self._retry_later(row, error)
        except TimedOut as error:
            return outcome(OutboxState.UNCERTAIN, f"timed out: {error}")
        except ConnectionLost as error:
            return outcome(OutboxState.UNCERTAIN, f"connection lost: {error}")
        except InvalidToken:
            # 401: the token was revoked or changed. Not the recipient's fault: the row stays
            # pending (no attempt counted) and sending pauses; the update source stops the
            # process with one line, and the next start with a valid token sends it.
            self._token_rejected()
            return Outcome(
                row.broadcast_id,
                row.user_id,
                OutboxState.PENDING,
                "token rejected (401)",
                count_attempt=False,
            )
        except Forbidden as error:
            return outcome(OutboxState.BLOCKED, error.message)
        except BadRequest as error:
            return outcome(
                OutboxState.BLOCKED if _gone(error) else OutboxState.FAILED, error.message
            )
        except NetworkError as error:  # 5xx: the server answered, it did not deliver
            return self._retry_later(row, error)
        except TelegramError as error:
            return outcome(OutboxState.FAILED, error.message)
        return outcome(OutboxState.SENT)

    @staticmethod
    def _retry_later(row: OutboxRow, error: TelegramError) -> Outcome:
        """Back to the queue after an exponential backoff, or `failed` after MAX_ATTEMPTS."""
        attempt = row.attempts + 1
        if attempt >= MAX_ATTEMPTS:
            return Outcome(row.broadcast_id, row.user_id, OutboxState.FAILED, error.message)
        delay = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX)
        RETRIES.labels("broadcast", "error").inc()
        return Outcome(
            row.broadcast_id, row.user_id, OutboxState.PENDING, error.message, time.time() + delay
        )

    async def _claim(self, chunk: list[OutboxRow]) -> list[OutboxRow]:
        """The rows of `chunk` still pending, now `sending` (not those of a stopped broadcast)."""
        claimed = await self.store.claim(chunk)
        return [row for row in chunk if (row.broadcast_id, row.user_id) in claimed]

    async def _save_outcomes(self, batch: list[Outcome]) -> None:
        await self.store.save(batch)

    # ------------------------------------------------------------------ progress

    async def _check_progress(self, *, idle: bool = False) -> None:
        now = time.monotonic()
        if not idle and not self._news and now - self._last_check < 0.5:
            return
        self._last_check, self._news = now, False
        for broadcast in await self.store.active():
            await self._report(broadcast)

    async def _report(self, broadcast: Broadcast) -> None:
        counts = await self.store.counts(broadcast.id)
        now = time.monotonic()
        done = counts.total - counts.unfinished
        pace = self._pace.get(broadcast.id)
        if pace is None:
            pace = self._pace[broadcast.id] = _Pace(now, done, 0.0)
        if counts.unfinished == 0:
            if await self.store.finish(broadcast.id):
                final = await self.store.get(broadcast.id)
                self._pace.pop(broadcast.id, None)
                self._texts.pop(broadcast.id, None)
                if final is not None:
                    log.info("Broadcast %d finished: %s", broadcast.id, counts)
                    zone = await self.store.time_zone()
                    report = render_report(self.translate, final, counts, zone)
                    await self._edit(final, report, None)
            return
        if now - pace.last_edit < PROGRESS_INTERVAL:
            return
        elapsed = now - pace.started
        rate = (done - pace.done) / elapsed if elapsed >= 1 and done > pace.done else None
        await self._edit(
            broadcast,
            render_progress(self.translate, broadcast, counts, rate),
            stop_markup(self.translate, broadcast)
            if broadcast.status is BroadcastStatus.SENDING
            else None,
        )
        # Measured from when the edit went out: it may have waited for the pacing window.
        pace.last_edit = time.monotonic()

    async def _edit(
        self, broadcast: Broadcast, text: Html, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Show `text` in the broadcast's progress message, posting it first if there is none.

        The worker posts it (not the confirming handler): the outbox is on disk by then, and
        after a crash between confirming and posting, the restarted worker posts it.
        """
        if broadcast.progress_chat_id is None:
            return
        for _ in range(3):
            try:
                async with self._turn():
                    if broadcast.progress_message_id is None:
                        message = await self.bot.send_message(
                            broadcast.progress_chat_id,
                            text,
                            reply_markup=markup,
                            read_timeout=PROGRESS_TIMEOUT,
                        )
                    else:
                        await self.bot.edit_message_text(
                            text,
                            chat_id=broadcast.progress_chat_id,
                            message_id=broadcast.progress_message_id,
                            reply_markup=markup,
                            read_timeout=PROGRESS_TIMEOUT,
                        )
                if broadcast.progress_message_id is None:
                    await self.store.set_progress_message(broadcast.id, message.message_id)
                return
            except RetryAfter as error:
                self._pause(error)
            except BadRequest as error:
                if "not modified" not in error.message.lower():
                    log.warning("Could not edit the progress message: %s", error.message)
                return
            except TelegramError as error:
                log.warning("Could not edit the progress message: %s", error)
                return


def _gone(error: BadRequest) -> bool:
    message = error.message.lower()
    return any(reason in message for reason in GONE)


def _count_outcomes(batch: list[Outcome]) -> None:
    for outcome in batch:
        OUTBOX_OUTCOMES.labels(str(outcome.state)).inc()
