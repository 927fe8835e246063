"""The programme's outbox: reminders and change notices, durable, paced by the delivery worker.

Why a queue of its own (`programme_deliveries`, storage/programme.py) rather than broadcast
outbox rows: a broadcast's rows belong to a broadcast (one text per language, a progress
message, a report, the news page), all sent as soon as possible; a reminder belongs to a
(session, follower, start), has a deadline (never after the start) and must follow the session
when a reload moves or cancels it, in the reload's own transaction. What the two share is the
thing that matters for Telegram: **one budget**. Every request here takes its turn in the
delivery worker's pacing window (`DeliveryWorker.turn`, which also honours a 429 pause), the
same window broadcasts and replies are counted in, so reminders never push the bot past
`[broadcast] messages_per_second`, and uses the worker's own HTTP pool, not the replies'.

On time: a reminder is written a while before it is due (`LOOKAHEAD`) and taken early enough
that the whole backlog due by then is sent by its due time at the paced rate: with n reminders
due within the look-ahead and a rate of r per second, sending starts n / r × `HEADROOM` seconds
ahead. So 5,000 followers of one session at 30/s start about three minutes early and the last
one still lands before its due time (docs/bench-programme.md). The reminder's text names the
start time, so an early one is still right.

Exactly once: a row is claimed (`sending`) right before its request and its outcome written
right after; the claim re-checks that the session is still on at that start, still starred,
not started, and the user has not blocked the bot. After `kill -9`, rows left `sending` (at most
`MAX_IN_FLIGHT`) go back to the queue and are sent again if their session has not started yet:
a crash at the very moment of a request may cost a duplicate, never a lost reminder. A timeout
after the request was written is `uncertain` and never resent (as for broadcasts). A reminder
whose session has started by the time its turn comes is `missed`, never sent late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from handlers.kit import programme_view as view
from handlers.transport.aiohttp_request import ConnectionLost, NotSent
from handlers.transport.delivery import GONE
from handlers.transport.flood_wait import retry_seconds
from handlers.transport.in_flight import InFlight
from storage.db import is_storage_failure
from storage.programme import DeliveryKind, DeliveryOutcome, DeliveryRow, ProgrammeStore
from wording.i18n import Html, Translator

if TYPE_CHECKING:
    from handlers.transport.delivery import DeliveryWorker

log = logging.getLogger(__name__)

# Reminders are written this far ahead of their due time (and this bounds how early one goes).
LOOKAHEAD = 900.0
# Start the backlog this much earlier than the paced rate alone needs (replies share the rate).
HEADROOM = 1.25
MAX_IN_FLIGHT = 8
# A clean stop waits this long for the requests in flight (bounded by the request timeout).
STOP_WAIT = 20.0
BATCH = 200
# Longest sleep between looks at the queue (a reload or a ★ also wakes it).
IDLE = 1.0
MAX_ATTEMPTS = 5
BACKOFF = 2.0


class ProgrammeOutbox:
    """Sends due reminders and change notices at the delivery worker's pace."""

    def __init__(
        self,
        worker: DeliveryWorker,
        database: Path,
        translate: Translator,
        *,
        remind_minutes: int,
        messages_per_second: float,
        default_language: str,
    ) -> None:
        self.worker = worker
        self.translate = translate
        self.remind = remind_minutes * 60.0
        self.rate = messages_per_second
        self.default_language = default_language
        self._database = database
        self._store: ProgrammeStore | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._in_flight: InFlight[DeliveryOutcome] = InFlight(
            self._save_outcomes,
            limit=MAX_IN_FLIGHT,
            wake=self._wake,
            health=worker.health,
            what="programme",
        )
        self._rendered: dict[
            tuple[str, str, float, str], tuple[Html, InlineKeyboardMarkup] | None
        ] = {}

    @property
    def store(self) -> ProgrammeStore:
        if self._store is None:
            raise RuntimeError("programme outbox not started")
        return self._store

    async def start(self) -> None:
        """Open its own connection, requeue what a crash left in flight, start the loop."""
        self._store = await ProgrammeStore.open(self._database)
        recovered = await self._store.recover_sending()
        if recovered:
            log.warning(
                "Programme: %d reminders or notices in flight at a crash go again", recovered
            )
        self._in_flight.start()
        self._task = asyncio.create_task(self._run(), name="programme-outbox")

    async def stop(self) -> None:
        """Stop taking rows; let the requests in flight finish (bounded); close."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._in_flight.stop(STOP_WAIT)
        if self._store is not None:
            await self._store.close()
            self._store = None

    def wake(self) -> None:
        """Something changed (a reload, a ★): look at the queue now."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if is_storage_failure(error):
                    self.worker.health.failed(error)
                else:
                    log.exception("Programme outbox error; retrying in a second")
                await asyncio.sleep(1)

    async def lead(self, now: float) -> float:
        """How far ahead of its due time a delivery is taken now: the time the backlog due
        within the look-ahead needs at the paced rate, with headroom."""
        backlog = await self.store.backlog(now + LOOKAHEAD)
        return min(LOOKAHEAD, backlog / self.rate * HEADROOM)

    async def _round(self) -> None:
        now = time.time()
        # Each look at the queue renders afresh: a reload may have changed a title or a room.
        self._rendered = {}
        if self.remind > 0:
            await self.store.write_reminders(now, self.remind, LOOKAHEAD)
        lead = await self.lead(now)
        rows = await self.store.due(now + lead, BATCH, self.default_language)
        start = 0
        while start < len(rows):
            # Every free slot's row is claimed in one transaction (one write, not one per row).
            taken, claimed = await self._in_flight.claim(rows[start:], self._claim)
            start += taken
            for row in claimed:
                self._in_flight.send(self._deliver(row))
        if rows:
            return
        await self._sleep(now, lead)

    async def _sleep(self, now: float, lead: float) -> None:
        timeout = IDLE
        due = await self.store.next_due_at()
        if due is not None:
            timeout = min(timeout, max(due - lead - now, 0.01))
        if self.remind > 0:
            # The next session whose reminders are not written yet: wake when they should be.
            start = await self.store.next_session_start(now + self.remind + LOOKAHEAD)
            if start is not None:
                timeout = min(timeout, max(start - self.remind - LOOKAHEAD - now, 0.01))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self._wake.clear()

    async def _deliver(self, row: DeliveryRow) -> DeliveryOutcome:
        """Send one row: its outcome, for the recorder (which then frees the slot)."""
        try:
            return await self._send(row)
        except Exception as error:
            log.exception("Programme: unexpected error sending to user %d", row.user_id)
            return DeliveryOutcome(row.key, "failed", repr(error))

    async def _claim(self, chunk: list[DeliveryRow]) -> list[DeliveryRow]:
        return await self.store.claim_many(chunk, time.time())

    async def _save_outcomes(self, outcomes: list[DeliveryOutcome]) -> None:
        await self.store.save(outcomes)

    async def render(self, row: DeliveryRow) -> tuple[Html, InlineKeyboardMarkup] | None:
        """The message for a row in its reader's language; None if there is nothing to say.

        Rendered once per (kind, session, ref, language) and look at the queue: 5,000
        followers of one session cost one rendering per language, not 5,000."""
        key = (row.kind, row.session_id, row.ref, row.lang)
        if key not in self._rendered:
            self._rendered[key] = await self._render(row)
        return self._rendered[key]

    async def _render(self, row: DeliveryRow) -> tuple[Html, InlineKeyboardMarkup] | None:
        store, t, lang = self.store, self.translate, row.lang
        info = await store.info()
        session = await store.session(row.session_id)
        if info is None or session is None:
            return None
        zone = info.time_zone
        if row.kind is DeliveryKind.REMINDER:
            text = view.reminder(session, lang, t, zone)
        else:
            change = await store.change(int(row.ref))
            if change is None:
                return None
            text = view.change_notice(change, session, lang, t, zone)
        return text, view.open_markup(session, lang, t)

    async def _send(self, row: DeliveryRow) -> DeliveryOutcome:
        def outcome(state: str, error: str | None = None, retry_at: float = 0.0) -> DeliveryOutcome:
            return DeliveryOutcome(row.key, state, error, retry_at)

        message = await self.render(row)
        if message is None:
            return outcome("failed", "nothing to say: session or change gone")
        text, markup = message
        try:
            async with self.worker.turn():
                if row.kind is DeliveryKind.REMINDER and not await self._before_start(row):
                    return outcome("missed", "the session had started")
                await self.worker.bot.send_message(row.user_id, text, reply_markup=markup)
        except RetryAfter as error:
            self.worker.pause_for(retry_seconds(error))
            return outcome("pending", str(error), time.time() + retry_seconds(error))
        except NotSent as error:
            return self._retry(row, error)
        except (TimedOut, ConnectionLost) as error:
            return outcome("uncertain", str(error))
        except Forbidden as error:
            return outcome("blocked", error.message)
        except BadRequest as error:
            gone = any(reason in error.message.lower() for reason in GONE)
            return outcome("blocked" if gone else "failed", error.message)
        except NetworkError as error:
            return self._retry(row, error)
        except TelegramError as error:
            return outcome("failed", error.message)
        return outcome("sent")

    async def _before_start(self, row: DeliveryRow) -> bool:
        """A reminder's last check, after waiting for its turn: its session has not started."""
        return time.time() < row.ref

    @staticmethod
    def _retry(row: DeliveryRow, error: TelegramError) -> DeliveryOutcome:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            return DeliveryOutcome(row.key, "failed", error.message)
        delay = BACKOFF * 2**row.attempts
        return DeliveryOutcome(row.key, "pending", error.message, time.time() + delay)
