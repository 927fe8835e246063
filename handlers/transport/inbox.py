"""The durable inbox: no update is confirmed to Telegram before it is on disk.

An update source (handlers/transport/polling.py, handlers/transport/webhook.py) hands every
batch it receives to `accept`, which writes it to SQLite in one transaction and only then puts
the updates on PTB's `application.update_queue`. Only after `accept` returns does the source
tell Telegram it has the batch: the next getUpdates offset in polling, the HTTP 200 in webhook
mode. When an update's handlers have finished, the update processor
(handlers/transport/processor.py) calls `done`; done marks are written by one flusher task, many
per transaction.

Bounded memory: at most `limit` updates are between `accept` and their done mark being on disk.
A source waits for room (`wait_for_room`) before it fetches or accepts more, so a burst of any
size waits at Telegram, not in our memory.

What a crash (`kill -9`, OOM, power cut) costs:
- no update is lost: everything confirmed to Telegram is in the inbox, and on start the rows not
  marked done are handled first, in update_id order (`recover`);
- an update whose handlers had finished (its reply sent) but whose done mark had not reached the
  disk is handled again after the restart: at most `limit` updates, in practice those finished
  within the last write of done marks (a few milliseconds).
First contacts: every accepted update's sender is told to a `ContactJournal` (the users store
keeps them in memory and writes them in batches, off the reply path), and the journal is written
before the done marks of those updates: a crash may cost a reply sent twice, never a user's
first contact or Telegram language.
A repeated delivery of an update_id already in the inbox (Telegram retrying a webhook, or
polling from an older offset) is skipped: an update is handled once.

While the database is unavailable for good (a full disk, a read-only file, an I/O error;
storage.db.is_lasting_storage_failure) the bot keeps answering instead of holding every update
at Telegram (issue #10); a lock, which passes, still holds them there: a batch that cannot be
stored is fed from memory and confirmed, and its updates free their slots when handled without
a done mark; stored updates whose done marks
cannot be written free their slots too (their marks are written once the disk takes them), so
fetching never stops. The operator gets one log line per outage (storage/health.py). The
price: a crash during the outage loses the updates that were only in memory, which were
answered already ("temporarily unavailable" where they needed a write).

Two connections. Batches are written on the inbox's own connection with `synchronous = FULL`,
so a stored batch is on the disk, not only in the OS cache, before it is confirmed: it survives
a power cut too. On the store's shared connection they would queue behind the handlers'
queries (measured: 63 ms per batch under load, against 22 ms on their own; polling waits for
that write, so it is on the critical path). Done marks go the other way: through the store's
connection, the one the handlers write through, so they take turns with the handlers' writes
instead of waiting for the write lock in SQLite's busy backoff; and without fsync, because a
mark lost in a power cut costs a repeated reply, never a lost message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import aiosqlite
import orjson
from telegram import Bot, Update

from storage.db import connect, is_lasting_storage_failure, is_storage_failure
from storage.health import StorageHealth
from storage.inbox import InboxRow, InboxStore

log = logging.getLogger(__name__)

# Updates in memory at once (accepted, not yet marked done on disk). Also the most updates a
# crash can make us handle twice. A slot is free only once its done mark is on disk, so the
# bound must cover the marks' pause (DONE_FLUSH_DELAY) too: at 128 the pipeline ran dry under a
# burst (2,072 updates/s), at 256 it does not (2,538/s), and a 20,000-user burst still peaks
# at 87.5 MiB (BENCHMARKS.md).
MAX_IN_FLIGHT = 256
# Done marks gather this long before they are written, and those that finish while a write is
# in progress share the next one. Under a burst each write cost ~50 µs of the bot's CPU across
# the event loop and SQLite's thread, and without a pause they came every 2-3 updates: 5 ms cut
# the CPU per update by 15 % (BENCHMARKS.md). The price is at kill -9: the replies of the last
# 5 ms are sent again after the restart, with the rest of the unmarked in-flight updates
# (71-116 per kill in a burst, within MAX_IN_FLIGHT; docs/operators.md, "What a crash costs").
DONE_FLUSH_DELAY = 0.005
# Done rows are kept this long (a late duplicate delivery is recognised), then pruned.
DONE_RETENTION = 3600.0
PRUNE_INTERVAL = 60.0
# After a failed write of done marks, wait this long before trying again.
RETRY_DELAY = 1.0


class ContactJournal(Protocol):
    """What must be on disk before an update is marked done: who wrote to the bot."""

    def fetched(self, updates: Sequence[Update]) -> None:
        """Note what these updates bring (kept in memory until `flush`)."""

    async def flush(self) -> None:
        """Write everything noted so far; raise if it could not be written."""


class UpdateSource(Protocol):
    """What feeds the inbox: long polling (handlers/transport/polling.py) or the webhook
    (handlers/transport/webhook.py).

    `start` first hands the inbox's leftover rows to the application (`Inbox.recover`), then
    receives new updates into it until `stop`; the task it returns ends only on a fatal error
    (it raises `StopBot`).
    """

    # time.monotonic() of the last contact with Telegram (an answered getUpdates, a delivery,
    # a webhook check); 0 before the first.
    last_contact: float

    @property
    def healthy_within(self) -> float:
        """The last contact may be at most this old (s) for the bot to count as ready."""
        ...

    @property
    def running(self) -> bool:
        """True while updates are being received."""
        ...

    async def start(self) -> asyncio.Task[None]:
        """Recover, then receive in the background."""
        ...

    async def stop(self) -> None:
        """Stop receiving."""
        ...


class StopBot(Exception):
    """The bot cannot go on (e.g. Telegram rejected its token); the message says why."""


class Inbox:
    """Updates on disk before they are confirmed; see the module docstring for the guarantees."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self.limit = limit
        self._journal: ContactJournal | None = None
        self._connection: aiosqlite.Connection | None = None
        self._store: InboxStore | None = None
        self._marks: InboxStore | None = None
        self._bot: Bot | None = None
        self._queue: asyncio.Queue[object] | None = None
        self._in_flight = 0
        self._room = asyncio.Condition()
        self._done: list[int] = []
        self._released_unmarked = 0
        self._done_event = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._last_prune = 0.0
        self._closing = False
        # Batches waiting for the next inbox write, and the task writing them.
        self._arrivals: list[tuple[Sequence[InboxRow], Sequence[Update], asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None
        # During a storage outage: updates fed without being stored, and stored updates whose
        # slot was freed before their done mark could be written (see the module docstring).
        self._health: StorageHealth | None = None
        self._unstored: set[int] = set()
        self._freed_early: set[int] = set()
        # Set once the updates a previous run left undone have been fed (`recover`).
        self._recovered = asyncio.Event()

    @property
    def store(self) -> InboxStore:
        """The inbox's SQL (its own connection)."""
        if self._store is None:
            raise RuntimeError("the inbox is not open")
        return self._store

    @property
    def in_flight(self) -> int:
        """Updates accepted whose done mark is not on disk yet."""
        return self._in_flight

    @property
    def running(self) -> bool:
        """True while the done-mark writer is alive."""
        return self._flusher is not None and not self._flusher.done()

    async def open(
        self,
        database: Path,
        shared: aiosqlite.Connection,
        bot: Bot,
        queue: asyncio.Queue[object],
        journal: ContactJournal | None = None,
        health: StorageHealth | None = None,
    ) -> None:
        """Open the inbox's own connection to `database`; done marks go through `shared`.

        Updates are de-serialised for `bot` and fed to `queue` (PTB's update_queue); their
        senders are told to `journal`, which is written before their done marks. With
        `health`, a storage outage degrades to answering from memory (module docstring).
        """
        self._journal = journal
        self._health = health
        self._connection = await connect(database)
        await self._connection.execute("PRAGMA synchronous = FULL")
        self._store = InboxStore(self._connection)
        self._marks = InboxStore(shared)
        self._bot = bot
        self._queue = queue
        self._flusher = asyncio.create_task(self._flush_loop(), name="inbox-done-writer")

    async def close(self) -> None:
        """Write the last done marks (before the store closes `shared`) and close."""
        if self._flusher is not None:
            # Not cancelled: a write in progress finishes (its transaction is not cut in half).
            self._closing = True
            self._done_event.set()
            with contextlib.suppress(Exception):
                await self._flusher
            self._flusher = None
        if self._marks is not None:
            with contextlib.suppress(Exception):
                await self._flush()
            self._marks = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
            self._store = None

    async def recover(self) -> int:
        """Feed the rows a previous run left undone, oldest first; return how many."""
        after, total = -1, 0
        while True:
            room = await self.wait_for_room(1)
            rows = await self.store.pending(after, room)
            if not rows:
                break
            self._feed([self._parse(row) for row in rows])
            after = rows[-1].update_id
            total += len(rows)
        if total:
            log.warning("Handling %d updates a previous run had received but not finished", total)
        self._recovered.set()
        return total

    async def settled(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return once the updates a previous run left undone have been handled (or after
        `timeout` seconds): what a crash interrupted has been replayed by then."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._recovered.wait()
                async with self._room:
                    await self._room.wait_for(lambda: self._in_flight == 0)

    async def resume_offset(self) -> int:
        """The getUpdates offset that confirms everything already in the inbox (0: nothing)."""
        last = await self.store.last_update_id()
        return 0 if last is None else last + 1

    async def wait_for_room(self, minimum: int = 1) -> int:
        """Wait until at least `minimum` more updates may be accepted; return how many may."""
        minimum = max(1, min(minimum, self.limit))
        async with self._room:
            await self._room.wait_for(lambda: self.limit - self._in_flight >= minimum)
            return self.limit - self._in_flight

    async def accept(self, rows: Sequence[InboxRow], updates: Sequence[Update]) -> int:
        """Store a batch (one transaction), then queue the new ones; return how many were new.

        `rows[i]` is `updates[i]` as Telegram sent it. Raises if the batch could not be
        stored, in which case nothing was queued and the caller must not confirm it. Batches
        that arrive while a write is in progress (concurrent webhook deliveries) share the
        next transaction, so 40 deliveries at once cost one fsync, not 40.
        """
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._arrivals.append((rows, updates, waiter))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_arrivals(), name="inbox-writer")
        return await waiter

    def done(self, update: object, handled: bool) -> None:
        """The processor finished `update`: mark it done (if `handled`) and free its slot."""
        if not isinstance(update, Update):
            return
        if update.update_id in self._unstored:
            self._unstored.discard(update.update_id)  # nothing on disk to mark
            self._released_unmarked += 1
        elif handled:
            self._done.append(update.update_id)
        else:
            # Not finished (cancelled at shutdown): it stays undone on disk for the next start.
            self._released_unmarked += 1
        self._done_event.set()

    # ------------------------------------------------------------------ internals

    async def _write_arrivals(self) -> None:
        while self._arrivals:
            batch, self._arrivals = self._arrivals, []
            rows = [row for batch_rows, _, _ in batch for row in batch_rows]
            try:
                new = await self.store.add(rows, time.time())
            except Exception as error:
                if self._health is not None and is_lasting_storage_failure(error):
                    self._health.failed(error)
                    self._feed_unstored(batch)
                    continue
                for _, _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(error)
                continue
            if len(new) < len(rows):
                log.info("Skipped %d updates delivered again", len(rows) - len(new))
            for batch_rows, updates, waiter in batch:
                fresh = []
                for row, update in zip(batch_rows, updates, strict=True):
                    if row.update_id in new:
                        new.discard(row.update_id)  # one update_id twice is one update
                        fresh.append(update)
                self._feed(fresh)
                if not waiter.done():
                    waiter.set_result(len(fresh))

    def _feed_unstored(
        self, batch: list[tuple[Sequence[InboxRow], Sequence[Update], asyncio.Future[int]]]
    ) -> None:
        """The database refused the batch: handle it from memory and let it be confirmed."""
        for _, updates, waiter in batch:
            self._unstored.update(update.update_id for update in updates)
            self._feed(updates)
            if not waiter.done():
                waiter.set_result(len(updates))

    def _parse(self, row: InboxRow) -> Update:
        return Update.de_json(orjson.loads(row.payload), self._bot)

    def _feed(self, updates: Sequence[Update]) -> None:
        if self._queue is None:
            raise RuntimeError("the inbox is not open")
        self._in_flight += len(updates)
        if self._journal is not None:
            self._journal.fetched(updates)
        for update in updates:
            self._queue.put_nowait(update)

    async def _flush_loop(self) -> None:
        while True:
            await self._done_event.wait()
            if self._closing:
                return
            await asyncio.sleep(DONE_FLUSH_DELAY)
            try:
                await self._flush()
            except Exception as error:
                if self._health is not None and is_storage_failure(error):
                    self._health.failed(error)  # one line per outage, not one a second
                else:
                    log.error("Cannot write done marks to the inbox (%s); retrying", error)
                await asyncio.sleep(RETRY_DELAY)
                continue
            now = time.time()
            if now - self._last_prune >= PRUNE_INTERVAL:
                self._last_prune = now
                try:
                    await self.store.prune(now - DONE_RETENTION)
                except Exception as error:
                    log.warning("Cannot prune the inbox (%s)", error)

    async def _flush(self) -> None:
        """Write the gathered done marks, then free their slots."""
        self._done_event.clear()
        marks, self._done = self._done, []
        try:
            if self._marks is None:
                raise RuntimeError("the inbox is not open")
            if self._journal is not None:
                await self._journal.flush()  # first contacts before the updates they came in
            await self._marks.mark_done(marks, time.time())
        except BaseException as error:
            self._done[:0] = marks
            self._done_event.set()
            if self._health is not None and is_lasting_storage_failure(error):
                # Keep fetching while the disk refuses the marks: free their slots now, once.
                early = [mark for mark in marks if mark not in self._freed_early]
                self._freed_early.update(early)
                await self._release(len(early) + self._released_unmarked)
                self._released_unmarked = 0
            raise
        freed = sum(mark not in self._freed_early for mark in marks) + self._released_unmarked
        self._freed_early.difference_update(marks)
        self._released_unmarked = 0
        await self._release(freed)

    async def _release(self, count: int) -> None:
        """Free `count` slots and wake a source waiting for room."""
        if count:
            async with self._room:
                self._in_flight -= count
                self._room.notify_all()
