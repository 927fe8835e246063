"""Sends in flight from a durable outbox, and the one task that writes their outcomes.

Both outboxes (the broadcasts' delivery worker and the programme's reminders) send the same
way: a slot is taken before a row is claimed (`sending` on disk) and freed only once that row's
outcome is written, so rows `sending` never outnumber `limit`: that is the bound on what a
crash can send twice. Outcomes are written as they come, many per transaction under load; while
the database refuses them (a full disk, a lock) the writes are retried and the slots stay held,
so the outbox pauses instead of claiming rows only a restart would requeue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Generic, TypeVar

from storage.errors import is_storage_failure
from storage.health import StorageHealth

log = logging.getLogger(__name__)

Outcome = TypeVar("Outcome")
Row = TypeVar("Row")

# Waits between attempts to write outcomes while the database refuses them.
RECORD_RETRY_FIRST = 0.2
RECORD_RETRY_MAX = 2.0
# A clean stop waits this long for the outcomes already in hand to be written.
RECORD_WAIT = 10.0


class InFlight(Generic[Outcome]):
    """At most `limit` sends at once; their outcomes written by `save`, then their slots freed.

    `wake` is set after every write (a freed slot may let the outbox go on); `on_written` sees
    each batch once it is on disk (for the metrics). `what` names the outbox in log lines.
    """

    def __init__(
        self,
        save: Callable[[list[Outcome]], Awaitable[None]],
        *,
        limit: int,
        wake: asyncio.Event,
        health: StorageHealth,
        what: str,
        on_written: Callable[[list[Outcome]], None] | None = None,
    ) -> None:
        self._save = save
        self._slots = asyncio.Semaphore(limit)
        self._wake = wake
        self._health = health
        self._what = what
        self._on_written = on_written
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._sends: set[asyncio.Task[None]] = set()
        self._recorder: asyncio.Task[None] | None = None

    @property
    def recording(self) -> bool:
        """True while the recorder task is alive."""
        return self._recorder is not None and not self._recorder.done()

    def start(self) -> None:
        """Start the recorder (before the first send)."""
        self._recorder = asyncio.create_task(self._record(), name=f"{self._what}-recorder")

    async def claim(
        self, rows: Sequence[Row], claim: Callable[[list[Row]], Awaitable[list[Row]]]
    ) -> tuple[int, list[Row]]:
        """Wait for a free slot, take every other free one (up to one per row), and claim that
        many rows from the front of `rows` with `claim`, in one write: (how many rows were
        taken, the ones claimed). The claimed rows hold their slots until `send`'s outcome is
        written; the others' slots (rows no longer pending) are freed at once."""
        await self._slots.acquire()
        taken = 1
        while taken < len(rows) and not self._slots.locked():
            await self._slots.acquire()  # free: returns at once
            taken += 1
        chunk = list(rows[:taken])
        try:
            claimed = await claim(chunk)
        except BaseException:
            self._free(len(chunk))
            raise
        self._free(len(chunk) - len(claimed))
        return taken, claimed

    def _free(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()

    def send(self, sending: Coroutine[Any, Any, Outcome]) -> None:
        """Run one claimed row's send (which must return its outcome, never raise)."""
        task = asyncio.create_task(self._send(sending))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _send(self, sending: Coroutine[Any, Any, Outcome]) -> None:
        self._outcomes.put_nowait(await sending)

    async def stop(self, wait: float) -> None:
        """Wait up to `wait` s for the sends in flight (cancelling the rest: their rows stay
        `sending` and go again at the next start), write the outcomes in hand, stop recording."""
        if self._sends:
            _, unfinished = await asyncio.wait(self._sends, timeout=wait)
            for task in unfinished:
                task.cancel()
        if self._recorder is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outcomes.join(), timeout=RECORD_WAIT)
            self._recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recorder
            self._recorder = None

    async def _record(self) -> None:
        while True:
            batch = [await self._outcomes.get()]
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            try:
                await self._save_until_written(batch)
            finally:
                self._free(len(batch))
                for _ in batch:
                    self._outcomes.task_done()
                self._wake.set()

    async def _save_until_written(self, batch: list[Outcome]) -> None:
        wait = RECORD_RETRY_FIRST
        while True:
            try:
                await self._save(batch)
            except Exception as error:
                if not is_storage_failure(error):
                    # A bug, not an outage: the rows stay `sending` and are requeued on restart.
                    log.exception("%s: could not record %d outcomes", self._what, len(batch))
                    return
                self._health.failed(error)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECORD_RETRY_MAX)
                continue
            self._health.succeeded()
            if self._on_written is not None:
                self._on_written(batch)
            return
