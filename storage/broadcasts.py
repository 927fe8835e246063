"""Broadcasts: drafts, per-language texts, the delivery outbox and the news they become.

Life of a broadcast: composing (guided flow) → draft → [scheduled →] sending → done | stopped;
a draft or a scheduled broadcast may be cancelled. Starting to send writes one outbox row per
recipient in one transaction with INSERT … SELECT, so recipients never pass through Python: at
confirmation, or for a scheduled broadcast when it comes due (the audience is who it is then).
The delivery worker streams due rows in key order, claims each one (pending → sending) right
before its request and records the outcome (sent / failed / blocked / uncertain, or back to
pending for a retry).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage.content import LANGUAGES
from storage.db import transaction
from storage.subscribers import LANGUAGE_SQL


class BroadcastStatus(StrEnum):
    """Where a broadcast is in its life (the `broadcasts.status` column)."""

    COMPOSING = "composing"
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


class OutboxState(StrEnum):
    """What became of one recipient's row (the `outbox.state` column)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    """Who a confirmed broadcast goes to."""

    SUBSCRIBERS = "subscribers"
    ALL = "all"


class MediaKind(StrEnum):
    """What a language version is besides its text (the `broadcast_texts.media_kind` column)."""

    PHOTO = "photo"
    DOCUMENT = "document"


# The states a send can end in (or `pending` again, for a retry).
OUTCOMES = frozenset(
    {
        OutboxState.PENDING,
        OutboxState.SENT,
        OutboxState.FAILED,
        OutboxState.BLOCKED,
        OutboxState.UNCERTAIN,
    }
)

_BROADCAST_COLUMNS = """id, author_id, author_language, status, step, audience, total,
    created_at, queued_at, finished_at, progress_chat_id, progress_message_id,
    audience_language, due_at, started_at, token, confirming_at"""

# Bytes of randomness in a broadcast's token (22 URL-safe characters in callback data).
TOKEN_BYTES = 16


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: int
    author_language: str
    status: BroadcastStatus
    step: str | None
    audience: Audience | None
    total: int
    created_at: int
    queued_at: int | None
    finished_at: int | None
    progress_chat_id: int | None
    progress_message_id: int | None
    # Only readers of this language (None: every language).
    audience_language: str | None = None
    # Unix time a scheduled broadcast is due, and when sending actually began.
    due_at: float | None = None
    started_at: float | None = None
    # Unguessable: what buttons carry instead of the sequential id.
    token: str = ""
    # Set while a confirmation is being written; still set after a crash means "interrupted".
    confirming_at: int | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """One language's version: a text, or a photo/document (by file_id) with it as caption."""

    body: str
    media_kind: MediaKind | None = None
    media_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """Outbox rows of one broadcast by state."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    uncertain: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return (
            self.pending
            + self.sending
            + self.sent
            + self.failed
            + self.blocked
            + self.uncertain
            + self.cancelled
        )

    @property
    def unfinished(self) -> int:
        """Rows still to be attempted (or in flight)."""
        return self.pending + self.sending

    def as_params(self) -> dict[str, int]:
        """The figures by the names the catalog's messages and the /stats CSV use; `pending`
        is every row not yet attempted or in flight."""
        return {
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "uncertain": self.uncertain,
            "blocked": self.blocked,
            "cancelled": self.cancelled,
            "pending": self.unfinished,
        }


@dataclass(frozen=True, slots=True)
class OutboxRow:
    broadcast_id: int
    user_id: int
    lang: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one sent outbox row: a final state, or `pending` again at `retry_at`."""

    broadcast_id: int
    user_id: int
    state: OutboxState
    error: str | None = None
    retry_at: float = 0.0
    # A 429 is Telegram's pacing, not the recipient's fault: it does not use up an attempt.
    count_attempt: bool = True


def _clip(error: str | None) -> str | None:
    return error[:200] if error else None


def _broadcast(row: Sequence[object]) -> Broadcast:
    values = list(row)
    values[3] = BroadcastStatus(str(values[3]))
    values[5] = None if values[5] is None else Audience(str(values[5]))
    return Broadcast(*values)  # type: ignore[arg-type]


class BroadcastStore:
    """Broadcast rows on one connection; writes are serialized so none lands inside another's
    transaction."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ drafts

    async def create(
        self,
        author_id: int,
        author_language: str,
        *,
        texts: dict[str, str] | None = None,
        step: str | None = None,
    ) -> int:
        """A new draft (with `texts`) or, given a `step`, a broadcast being composed."""
        status = BroadcastStatus.COMPOSING if step else BroadcastStatus.DRAFT
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with self._lock:
            cursor = await self._db.execute(
                """INSERT INTO broadcasts
                    (author_id, author_language, status, step, created_at, token)
                VALUES (?, ?, ?, ?, ?, ?)""",
                (author_id, author_language, status, step, int(time.time()), token),
            )
            broadcast_id = int(cursor.lastrowid or 0)
            for lang, body in (texts or {}).items():
                await self._db.execute(
                    "INSERT INTO broadcast_texts (broadcast_id, lang, body) VALUES (?, ?, ?)",
                    (broadcast_id, lang, body),
                )
        return broadcast_id

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast by id."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        row = next(iter(rows), None)
        return _broadcast(row) if row else None

    async def by_token(self, token: str) -> Broadcast | None:
        """One broadcast by the token its buttons carry."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE token = ?", (token,)
        )
        row = next(iter(rows), None)
        return _broadcast(row) if row else None

    async def drafts(self) -> list[Broadcast]:
        """Drafts waiting for confirmation, oldest first (every author's)."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE status = 'draft' ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def composing(self, author_id: int) -> Broadcast | None:
        """The broadcast this admin is composing, if any."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE author_id = ? AND status = 'composing' ORDER BY id DESC LIMIT 1""",
            (author_id,),
        )
        row = next(iter(rows), None)
        return _broadcast(row) if row else None

    async def texts(self, broadcast_id: int) -> dict[str, str]:
        """The broadcast's text by language."""
        rows = await self._db.execute_fetchall(
            "SELECT lang, body FROM broadcast_texts WHERE broadcast_id = ? ORDER BY lang",
            (broadcast_id,),
        )
        return {str(lang): str(body) for lang, body in rows}

    async def set_text(
        self,
        broadcast_id: int,
        lang: str,
        body: str,
        media: tuple[MediaKind, str] | None = None,
    ) -> None:
        """Store (or replace) the version in one language: a text, or with `media` (kind,
        file_id) a photo or document whose caption is `body`."""
        kind, file_id = media if media else (None, None)
        async with self._lock:
            await self._db.execute(
                """INSERT INTO broadcast_texts (broadcast_id, lang, body, media_kind, media_file_id)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (broadcast_id, lang) DO UPDATE SET body = excluded.body,
                    media_kind = excluded.media_kind, media_file_id = excluded.media_file_id""",
                (broadcast_id, lang, body, kind, file_id),
            )

    async def versions(self, broadcast_id: int) -> dict[str, Version]:
        """The broadcast's version in each language (text, or media with a caption)."""
        rows = await self._db.execute_fetchall(
            """SELECT lang, body, media_kind, media_file_id FROM broadcast_texts
            WHERE broadcast_id = ? ORDER BY lang""",
            (broadcast_id,),
        )
        return {
            str(lang): Version(str(body), MediaKind(kind) if kind else None, file_id)
            for lang, body, kind, file_id in rows
        }

    async def set_due(self, broadcast_id: int, due_at: float) -> None:
        """Make a draft (or one being composed) a scheduled one: it will wait until `due_at`."""
        async with self._lock:
            await self._db.execute(
                """UPDATE broadcasts SET due_at = ?
                WHERE id = ? AND status IN ('composing', 'draft')""",
                (due_at, broadcast_id),
            )

    async def advance(self, broadcast_id: int, step: str | None) -> None:
        """Move a composing broadcast to the next language, or (None) make it a draft."""
        status = BroadcastStatus.COMPOSING if step else BroadcastStatus.DRAFT
        async with self._lock:
            await self._db.execute(
                "UPDATE broadcasts SET step = ?, status = ? WHERE id = ? AND status = 'composing'",
                (step, status, broadcast_id),
            )

    async def cancel(self, broadcast_id: int) -> bool:
        """Cancel a draft, a broadcast being composed or one waiting for its time; False if it
        is past that (sending has begun: see `stop`)."""
        async with self._lock:
            cursor = await self._db.execute(
                """UPDATE broadcasts SET status = 'cancelled', step = NULL, finished_at = ?
                WHERE id = ? AND status IN ('composing', 'draft', 'scheduled')""",
                (int(time.time()), broadcast_id),
            )
        return cursor.rowcount > 0

    async def cancel_composing(self, author_id: int) -> int:
        """Cancel whatever this admin was composing; the number of broadcasts cancelled."""
        async with self._lock:
            cursor = await self._db.execute(
                """UPDATE broadcasts SET status = 'cancelled', step = NULL, finished_at = ?
                WHERE author_id = ? AND status = 'composing'""",
                (int(time.time()), author_id),
            )
        return cursor.rowcount

    async def cancel_unsent(self, author_id: int) -> list[int]:
        """Cancel this admin's broadcast being composed and drafts awaiting their Send (not one
        whose confirmation is under way, nor a confirmed one); the ids cancelled, oldest first."""
        async with self._lock:
            rows = await self._db.execute_fetchall(
                """UPDATE broadcasts SET status = 'cancelled', step = NULL, finished_at = ?
                WHERE author_id = ? AND confirming_at IS NULL
                    AND status IN ('composing', 'draft')
                RETURNING id""",
                (int(time.time()), author_id),
            )
        return sorted(int(row[0]) for row in rows)

    async def audience_sizes(self) -> tuple[int, int]:
        """(reachable subscribers, reachable users)."""
        rows = await self._db.execute_fetchall(
            """SELECT (SELECT count(*) FROM users WHERE subscribed = 1 AND blocked = 0),
                      (SELECT count(*) FROM users WHERE blocked = 0)"""
        )
        row = next(iter(rows), None)
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # ------------------------------------------------------------------ confirmation

    async def begin_confirm(self, broadcast_id: int) -> bool:
        """Mark a draft as being confirmed (cleared by `enqueue` in its own transaction)."""
        async with self._lock:
            cursor = await self._db.execute(
                "UPDATE broadcasts SET confirming_at = ? WHERE id = ? AND status = 'draft'",
                (int(time.time()), broadcast_id),
            )
        return cursor.rowcount > 0

    async def end_confirm(self, broadcast_id: int) -> None:
        """The confirmation failed or was shown again: the draft is an ordinary draft."""
        async with self._lock:
            await self._db.execute(
                "UPDATE broadcasts SET confirming_at = NULL WHERE id = ?", (broadcast_id,)
            )

    async def interrupted(self) -> list[Broadcast]:
        """Drafts whose confirmation a crash interrupted before the outbox was written."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE confirming_at IS NOT NULL AND status = 'draft' ORDER BY id"""
        )
        return [_broadcast(row) for row in rows]

    async def set_progress_message(
        self, broadcast_id: int, message_id: int, *, only_if_unset: bool = False
    ) -> None:
        """The message that shows the broadcast's progress (posted by the delivery worker; for
        a scheduled broadcast, its confirmation, `only_if_unset` the worker posted none yet)."""
        condition = " AND progress_message_id IS NULL" if only_if_unset else ""
        async with self._lock:
            await self._db.execute(
                f"UPDATE broadcasts SET progress_message_id = ? WHERE id = ?{condition}",
                (message_id, broadcast_id),
            )

    async def enqueue(
        self,
        broadcast_id: int,
        audience: Audience,
        default_language: str,
        progress_chat_id: int | None = None,
        language: str | None = None,
    ) -> int | None:
        """Confirm a draft: one outbox row per recipient, all in one transaction; a draft with
        a due time becomes `scheduled` instead, its recipients resolved when it comes due.

        Returns the number of recipients (0 for a scheduled one), or None if the broadcast was
        not a draft (a second press of the confirm button, a cancelled draft). The progress
        message is posted in `progress_chat_id` by the delivery worker, once this is on disk.
        """
        audience = Audience(audience)
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"not a language: {language!r}")
        total: int | None = None
        async with self._lock, transaction(self._db):
            now = time.time()
            rows = await self._db.execute_fetchall(
                """UPDATE broadcasts SET
                    status = CASE WHEN due_at IS NULL THEN 'sending' ELSE 'scheduled' END,
                    started_at = CASE WHEN due_at IS NULL THEN ? END,
                    audience = ?, audience_language = ?, queued_at = ?,
                    progress_chat_id = ?, progress_message_id = NULL, confirming_at = NULL
                WHERE id = ? AND status = 'draft'
                RETURNING status""",
                (now, audience, language, int(now), progress_chat_id, broadcast_id),
            )
            status = next(iter(rows), None)
            if status is not None:
                total = 0
                if status[0] == BroadcastStatus.SENDING:
                    total = await self._fill_outbox(
                        broadcast_id, audience, language, default_language
                    )
        return total

    async def _fill_outbox(
        self, broadcast_id: int, audience: Audience, language: str | None, default_language: str
    ) -> int:
        """Inside a transaction: one outbox row per recipient of the audience as it is now."""
        condition = (
            "subscribed = 1 AND blocked = 0" if audience is Audience.SUBSCRIBERS else "blocked = 0"
        )
        if language is not None:
            condition += f" AND {LANGUAGE_SQL} = :language"
        # The condition is built from constants above, never input (values are bound).
        cursor = await self._db.execute(
            f"""INSERT INTO outbox (broadcast_id, user_id, lang)
            SELECT :broadcast, id, {LANGUAGE_SQL} FROM users WHERE {condition}""",
            {"broadcast": broadcast_id, "default": default_language, "language": language},
        )
        total = cursor.rowcount
        await self._db.execute(
            "UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id)
        )
        return total

    # ------------------------------------------------------------------ delivery

    async def due(self, now: float, limit: int, after: tuple[int, int] = (0, 0)) -> list[OutboxRow]:
        """Up to `limit` pending rows whose retry time has come, in key order after `after`."""
        rows = await self._db.execute_fetchall(
            """SELECT broadcast_id, user_id, lang, attempts FROM outbox
            WHERE state = 'pending' AND not_before <= ? AND (broadcast_id, user_id) > (?, ?)
            ORDER BY broadcast_id, user_id LIMIT ?""",
            (now, after[0], after[1], limit),
        )
        return [OutboxRow(int(b), int(u), str(lang), int(a)) for b, u, lang, a in rows]

    async def next_retry_at(self) -> float | None:
        """When the earliest delayed pending row becomes due, if any."""
        rows = await self._db.execute_fetchall(
            "SELECT min(not_before) FROM outbox WHERE state = 'pending'"
        )
        row = next(iter(rows), None)
        return float(row[0]) if row and row[0] is not None else None

    async def claim(self, rows: Sequence[OutboxRow]) -> set[tuple[int, int]]:
        """Mark rows as being sent, in one transaction; the (broadcast, user) keys claimed.

        A recipient who left the audience since the broadcast was confirmed (blocked the bot;
        unsubscribed, for a subscribers' broadcast) is not sent to: the row is `cancelled`.
        """
        if not rows:
            return set()
        keys = ", ".join("(?, ?)" for _ in rows)
        pairs: list[int] = []
        for row in rows:
            pairs += (row.broadcast_id, row.user_id)
        now = int(time.time())
        async with self._lock, transaction(self._db):
            await self._db.execute(
                f"""UPDATE outbox SET state = 'cancelled', updated_at = ?,
                    error = CASE WHEN (SELECT blocked FROM users WHERE id = outbox.user_id)
                            THEN 'blocked the bot since' ELSE 'unsubscribed since' END
                WHERE state = 'pending' AND (broadcast_id, user_id) IN (VALUES {keys})
                AND EXISTS (
                    SELECT 1 FROM users u, broadcasts b
                    WHERE u.id = outbox.user_id AND b.id = outbox.broadcast_id
                    AND (u.blocked = 1 OR (b.audience = 'subscribers' AND u.subscribed = 0))
                )""",
                [now, *pairs],
            )
            claimed = await self._db.execute_fetchall(
                f"""UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                    updated_at = ?
                WHERE state = 'pending' AND (broadcast_id, user_id) IN (VALUES {keys})
                RETURNING broadcast_id, user_id""",
                [now, *pairs],
            )
        return {(int(b), int(u)) for b, u in claimed}

    async def save(self, outcomes: Sequence[Outcome]) -> None:
        """Record what became of sent rows.

        One statement for the whole batch: the write lock is held for a single step, never
        across an await, so the bot's own writes (a new user) hardly ever wait for it.
        """
        for outcome in outcomes:
            if outcome.state not in OUTCOMES:
                raise ValueError(f"not an outcome: {outcome.state!r}")
        if not outcomes:
            return
        now = int(time.time())
        rows = ", ".join("(?, ?, ?, ?, ?, ?, ?)" for _ in outcomes)
        params: list[object] = []
        for o in outcomes:
            refund = 0 if o.count_attempt else 1
            params += (o.broadcast_id, o.user_id, o.state, _clip(o.error), o.retry_at, refund, now)
        update = f"""WITH o (broadcast_id, user_id, state, error, retry_at, refund, now)
                AS (VALUES {rows})
            UPDATE outbox SET
                state = o.state,
                error = o.error,
                updated_at = o.now,
                not_before = CASE o.state WHEN 'pending' THEN o.retry_at ELSE outbox.not_before END,
                attempts = outbox.attempts - CASE o.state WHEN 'pending' THEN o.refund ELSE 0 END
            FROM o
            WHERE outbox.broadcast_id = o.broadcast_id AND outbox.user_id = o.user_id
                AND (o.state != 'pending' OR outbox.state = 'sending')"""
        blocked = [
            (now, _clip(o.error) or "", o.user_id)
            for o in outcomes
            if o.state is OutboxState.BLOCKED
        ]
        async with self._lock:
            if not blocked:
                await self._db.execute(update, params)
                return
            # Rare: the user is marked unreachable in the same transaction as the row.
            async with transaction(self._db):
                await self._db.execute(update, params)
                await self._db.executemany(
                    """UPDATE users SET blocked = 1, blocked_at = ?, blocked_reason = ?
                    WHERE id = ? AND blocked = 0""",
                    blocked,
                )

    async def recover_sending(self) -> int:
        """After a crash: rows left 'sending' go back to the queue (handlers/transport/delivery.py
        says why)."""
        async with self._lock:
            cursor = await self._db.execute(
                """UPDATE outbox SET state = 'pending', error = 'resent after restart'
                WHERE state = 'sending'"""
            )
        return cursor.rowcount

    async def stop(self, broadcast_id: int) -> bool:
        """Stop a broadcast being sent: its pending rows are cancelled."""
        async with self._lock:
            cursor = await self._db.execute(
                # finished_at stays NULL until the worker has seen the last in-flight row.
                "UPDATE broadcasts SET status = 'stopped' WHERE id = ? AND status = 'sending'",
                (broadcast_id,),
            )
            if cursor.rowcount != 1:
                return False
            await self._db.execute(
                """UPDATE outbox SET state = 'cancelled', updated_at = ?
                WHERE broadcast_id = ? AND state = 'pending'""",
                (int(time.time()), broadcast_id),
            )
        return True

    async def finish(self, broadcast_id: int) -> bool:
        """Close a broadcast whose outbox is exhausted (sending → done; a stopped one gets its
        finished_at); False if it is not active or rows are still pending or in flight."""
        async with self._lock:
            cursor = await self._db.execute(
                """UPDATE broadcasts
                SET status = CASE status WHEN 'sending' THEN 'done' ELSE status END,
                    finished_at = ?
                WHERE id = ? AND finished_at IS NULL AND status IN ('sending', 'stopped')
                AND NOT EXISTS (
                    SELECT 1 FROM outbox WHERE broadcast_id = ? AND state IN ('pending', 'sending')
                )""",
                (int(time.time()), broadcast_id, broadcast_id),
            )
        return cursor.rowcount > 0

    async def active(self) -> list[Broadcast]:
        """Broadcasts the worker still reports on: being sent, or stopped but not yet closed."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE status = 'sending' OR (status = 'stopped' AND finished_at IS NULL)
            ORDER BY id"""
        )
        return [_broadcast(row) for row in rows]

    async def counts(self, broadcast_id: int) -> Counts:
        """Outbox rows of the broadcast by state."""
        rows = await self._db.execute_fetchall(
            "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        )
        found = {str(state): int(count) for state, count in rows}
        return Counts(**{state: found.get(state, 0) for state in OutboxState})

    # ------------------------------------------------------------------ news and stats

    async def news(self, limit: int) -> list[tuple[Broadcast, dict[str, str]]]:
        """The latest broadcasts that went out to someone, newest first, with their texts (one
        that reached nobody, e.g. a scheduled one whose audience was empty when it came due, is
        not news)."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE status IN ('sending', 'done') AND total > 0 ORDER BY id DESC LIMIT ?""",
            (limit,),
        )
        broadcasts = [_broadcast(row) for row in rows]
        return [(broadcast, await self.texts(broadcast.id)) for broadcast in broadcasts]

    async def recent(self, limit: int | None = None) -> list[tuple[Broadcast, Counts]]:
        """Confirmed broadcasts, newest first, with their delivery counts."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE status IN ('scheduled', 'sending', 'done', 'stopped') ORDER BY id DESC LIMIT ?""",
            (-1 if limit is None else limit,),
        )
        broadcasts = [_broadcast(row) for row in rows]
        return [(broadcast, await self.counts(broadcast.id)) for broadcast in broadcasts]

    # ------------------------------------------------------------------ scheduling

    async def start_due(self, now: float, default_language: str) -> list[Broadcast]:
        """Start every scheduled broadcast whose time has come (this one or a past one, if the
        process was down): each one's recipients are written in one transaction with its
        status, so a crash leaves it either still scheduled or fully queued, never both."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE status = 'scheduled' AND due_at <= ? ORDER BY due_at, id""",
            (now,),
        )
        started = []
        for broadcast in map(_broadcast, rows):
            async with self._lock, transaction(self._db):
                cursor = await self._db.execute(
                    """UPDATE broadcasts SET status = 'sending', started_at = ?
                    WHERE id = ? AND status = 'scheduled'""",
                    (now, broadcast.id),
                )
                began = cursor.rowcount == 1  # else cancelled in the meantime
                if began:
                    await self._fill_outbox(
                        broadcast.id,
                        broadcast.audience or Audience.SUBSCRIBERS,
                        broadcast.audience_language,
                        default_language,
                    )
            if began:
                started.append(broadcast)
        return started

    async def next_due_at(self) -> float | None:
        """When the earliest scheduled broadcast is due, if any."""
        rows = await self._db.execute_fetchall(
            "SELECT min(due_at) FROM broadcasts WHERE status = 'scheduled'"
        )
        row = next(iter(rows), None)
        return float(row[0]) if row and row[0] is not None else None

    async def scheduled(self) -> list[Broadcast]:
        """Broadcasts waiting for their time, soonest first."""
        rows = await self._db.execute_fetchall(
            f"""SELECT {_BROADCAST_COLUMNS} FROM broadcasts
            WHERE status = 'scheduled' ORDER BY due_at, id"""
        )
        return [_broadcast(row) for row in rows]
