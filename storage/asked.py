"""Questions to the organizers, their answers' delivery, and what people could not find.

Guarantees:
- Write first, then tell: a question is on disk before the asker is told it was sent, an
  answer (and its "to deliver" mark) before the admin is told it was taken.
- One answer per question: answering and dismissing are one conditional UPDATE
  (`WHERE state = 'open'`), so of two admins racing exactly one wins; the other is told.
- At most once per press: delivery goes `pending` → `sending` (written before the request) →
  `sent`/`failed`/`blocked`. A crash leaves a row `sending` only while its request may be in
  flight; on start it becomes `uncertain` and its admin is asked whether to send again, so an
  answer is never sent twice on its own and never silently lost.
- Privacy: only what the asker typed is kept (the text, their chat to answer in, the message to
  reply to, their language); no name. Closed questions older than the retention are deleted.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import transaction
from storage.subscribers import LANGUAGE_SQL

# Length of the unguessable tokens buttons carry (bytes before base64url: 22 characters).
TOKEN_BYTES = 16


def new_token() -> str:
    """An unguessable id for callback data (22 characters of base64url)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class Origin(StrEnum):
    """How a question reached the organizers."""

    ASK = "ask"  # /ask <question>
    NOTHING = "nothing"  # the Ask button under "not in the article"
    UNHELPFUL = "unhelpful"  # the Ask button after "Not helpful"


class State(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DISMISSED = "dismissed"


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Asked:
    """One question to the organizers."""

    id: int
    token: str
    user_id: int
    chat_id: int
    message_id: int | None
    lang: str
    text: str
    origin: Origin
    state: State
    created_at: float
    closed_at: float | None
    closed_by: int | None
    closed_by_name: str | None
    answer_html: str | None
    # "photo:<file_id>" when the answer is a photo (its caption is answer_html).
    answer_media: str | None
    delivery: Delivery | None
    delivery_error: str | None
    faq_id: int | None


_COLUMNS = (
    "id, token, user_id, chat_id, message_id, lang, text, origin, state, created_at, closed_at,"
    " closed_by, closed_by_name, answer_html, answer_media, delivery, delivery_error, faq_id"
)


def _asked(row: aiosqlite.Row) -> Asked:
    return Asked(
        int(row[0]),
        str(row[1]),
        int(row[2]),
        int(row[3]),
        None if row[4] is None else int(row[4]),
        str(row[5]),
        str(row[6]),
        Origin(row[7]),
        State(row[8]),
        float(row[9]),
        None if row[10] is None else float(row[10]),
        None if row[11] is None else int(row[11]),
        row[12],
        row[13],
        row[14],
        None if row[15] is None else Delivery(row[15]),
        row[16],
        None if row[17] is None else int(row[17]),
    )


# Open questions of users who blocked the bot are dropped from the queue: no answer can reach them.
_REACHABLE = "user_id NOT IN (SELECT id FROM users WHERE blocked = 1)"


class GroupCommit:
    """Writes of concurrent callers go to disk together, one transaction for all that queued.

    A caller's write starts at once if none is running; writes arriving meanwhile wait for it
    and then go in one transaction. A flood of questions (each must be on disk before its asker
    is told) thus takes the database's write lock a few times, not once per question: while
    a broadcast commits its outcomes, every take of the lock is a wait, and the connection
    (shared with the inbox) waits with it. Each caller gets its own write's result, or the
    error that failed the transaction (nothing of it was written). As with every transaction
    on a connection shared by coroutines (the broadcasts' confirmations, the FAQ's edits), a
    single statement another coroutine runs on it meanwhile (a done mark of the inbox, whose
    own writes have their own connection) joins the transaction and is committed with it.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._queue: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = []
        self._running: asyncio.Task[None] | None = None

    async def run(self, write: Callable[[], Awaitable[Any]]) -> Any:
        """Run `write` (statements on the connection) in the next transaction; its result."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            results: list[Any] = []
            try:
                async with transaction(self._db):
                    for write, _ in batch:
                        results.append(await write())
            except BaseException as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class AskedStore:
    """The `asked_questions`, `asked_notices` and `answering` tables."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._writes = GroupCommit(connection)

    async def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        message_id: int | None,
        lang: str,
        text: str,
        origin: Origin,
        max_open: int,
    ) -> Asked | None:
        """Store a question; None if the user already has `max_open` open ones (one statement,
        so two questions sent at once cannot both slip under the limit)."""
        token = new_token()

        async def insert() -> Any:
            return await self._db.execute_fetchall(
                f"""INSERT INTO asked_questions
                   (token, user_id, chat_id, message_id, lang, text, origin, created_at)
               SELECT ?, ?, ?, ?, ?, ?, ?, ?
               WHERE (SELECT count(*) FROM asked_questions
                      WHERE user_id = ? AND state = 'open') < ?
               RETURNING {_COLUMNS}""",
                (
                    token,
                    user_id,
                    chat_id,
                    message_id,
                    lang,
                    text,
                    origin,
                    time.time(),
                    user_id,
                    max_open,
                ),
            )

        rows = await self._writes.run(insert)
        return next((_asked(row) for row in rows), None)

    async def get(self, question_id: int) -> Asked | None:
        rows = await self._db.execute_fetchall(
            f"SELECT {_COLUMNS} FROM asked_questions WHERE id = ?", (question_id,)
        )
        return next((_asked(row) for row in rows), None)

    async def by_token(self, token: str) -> Asked | None:
        rows = await self._db.execute_fetchall(
            f"SELECT {_COLUMNS} FROM asked_questions WHERE token = ?", (token,)
        )
        return next((_asked(row) for row in rows), None)

    async def open_count(self) -> int:
        rows = await self._db.execute_fetchall(
            f"SELECT count(*) FROM asked_questions WHERE state = 'open' AND {_REACHABLE}"
        )
        return int(next(iter(rows))[0])

    async def open_page(self, offset: int, limit: int) -> list[Asked]:
        """Open questions of reachable askers, oldest first."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_COLUMNS} FROM asked_questions WHERE state = 'open' AND {_REACHABLE}"
            " ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_asked(row) for row in rows]

    # ------------------------------------------------------------------ notices

    async def add_notice(self, question_id: int, chat_id: int, message_id: int) -> None:
        """Remember an admin message showing the question, to mark it answered later."""
        await self._writes.run(
            lambda: self._db.execute(
                "INSERT OR IGNORE INTO asked_notices (question_id, chat_id, message_id)"
                " VALUES (?, ?, ?)",
                (question_id, chat_id, message_id),
            )
        )

    async def notices(self, question_id: int) -> list[tuple[int, int]]:
        rows = await self._db.execute_fetchall(
            "SELECT chat_id, message_id FROM asked_notices WHERE question_id = ?", (question_id,)
        )
        return [(int(row[0]), int(row[1])) for row in rows]

    # ------------------------------------------------------------------ answering

    async def start_answering(self, admin_id: int, question_id: int) -> None:
        """The admin's next message is the answer to `question_id` (replaces an earlier one)."""
        await self._db.execute(
            "INSERT INTO answering (admin_id, question_id, started_at) VALUES (?, ?, ?)"
            " ON CONFLICT (admin_id) DO UPDATE SET question_id = excluded.question_id,"
            " started_at = excluded.started_at",
            (admin_id, question_id, time.time()),
        )

    async def answering(self, admin_id: int) -> Asked | None:
        """The question the admin is writing an answer to, if any."""
        rows = await self._db.execute_fetchall(
            f"SELECT {', '.join('q.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM answering a JOIN asked_questions q ON q.id = a.question_id"
            " WHERE a.admin_id = ?",
            (admin_id,),
        )
        return next((_asked(row) for row in rows), None)

    async def stop_answering(self, admin_id: int) -> bool:
        cursor = await self._db.execute("DELETE FROM answering WHERE admin_id = ?", (admin_id,))
        return cursor.rowcount > 0

    async def answer(
        self,
        question_id: int,
        admin_id: int,
        answer_html: str,
        media: str | None,
        admin_name: str | None = None,
    ) -> bool:
        """Record the answer and mark it to deliver, if the question is still open (one
        statement: of two admins answering at once exactly one gets True)."""
        cursor = await self._db.execute(
            """UPDATE asked_questions SET state = 'answered', closed_at = ?, closed_by = ?,
                   closed_by_name = ?, answer_html = ?, answer_media = ?, delivery = 'pending'
               WHERE id = ? AND state = 'open'""",
            (time.time(), admin_id, admin_name, answer_html, media, question_id),
        )
        # Only this admin's "writing an answer" ends: another admin writing one to the same
        # question is told, when their answer comes, that it was taken.
        await self._db.execute(
            "DELETE FROM answering WHERE admin_id = ? AND question_id = ?", (admin_id, question_id)
        )
        return cursor.rowcount == 1

    async def dismiss(self, question_id: int, admin_id: int, admin_name: str | None = None) -> bool:
        """Close an open question without an answer; False if it was no longer open."""
        cursor = await self._db.execute(
            """UPDATE asked_questions SET state = 'dismissed', closed_at = ?, closed_by = ?,
                   closed_by_name = ?
               WHERE id = ? AND state = 'open'""",
            (time.time(), admin_id, admin_name, question_id),
        )
        await self._db.execute(
            "DELETE FROM answering WHERE admin_id = ? AND question_id = ?", (admin_id, question_id)
        )
        return cursor.rowcount == 1

    # ------------------------------------------------------------------ delivery

    async def claim_delivery(self, question_id: int) -> bool:
        """`pending` → `sending`, written before the request; False if it was not pending."""
        cursor = await self._db.execute(
            "UPDATE asked_questions SET delivery = 'sending' WHERE id = ? AND delivery = 'pending'",
            (question_id,),
        )
        return cursor.rowcount == 1

    async def delivered(
        self, question_id: int, outcome: Delivery, error: str | None = None
    ) -> None:
        await self._db.execute(
            "UPDATE asked_questions SET delivery = ?, delivery_error = ? WHERE id = ?",
            (outcome, error, question_id),
        )

    async def send_again(self, question_id: int) -> bool:
        """A failed or uncertain answer back to `pending` (an admin pressed Send again)."""
        cursor = await self._db.execute(
            "UPDATE asked_questions SET delivery = 'pending', delivery_error = NULL"
            " WHERE id = ? AND delivery IN ('failed', 'uncertain')",
            (question_id,),
        )
        return cursor.rowcount == 1

    async def pending_deliveries(self) -> list[Asked]:
        rows = await self._db.execute_fetchall(
            f"SELECT {_COLUMNS} FROM asked_questions WHERE delivery = 'pending' ORDER BY id"
        )
        return [_asked(row) for row in rows]

    async def interrupted_deliveries(self) -> list[Asked]:
        """On start: answers a crash caught in flight become `uncertain`; returned to tell their
        admins (the request may or may not have reached Telegram)."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_COLUMNS} FROM asked_questions WHERE delivery = 'sending' ORDER BY id"
        )
        await self._db.execute(
            "UPDATE asked_questions SET delivery = 'uncertain',"
            " delivery_error = 'interrupted by a restart' WHERE delivery = 'sending'"
        )
        return [_asked(row) for row in rows]

    async def reader_language(self, user_id: int, default: str) -> str:
        """The language the bot answers `user_id` in (an admin's, for their notices)."""
        rows = await self._db.execute_fetchall(
            f"SELECT {LANGUAGE_SQL} FROM users WHERE id = :id", {"id": user_id, "default": default}
        )
        return next((str(row[0]) for row in rows), default)

    async def set_faq(self, question_id: int, faq_id: int) -> None:
        await self._db.execute(
            "UPDATE asked_questions SET faq_id = ? WHERE id = ?", (faq_id, question_id)
        )

    async def sweep(self, retention_days: float) -> int:
        """Delete answered and dismissed questions (and report rows) older than the retention;
        an answer still to deliver is kept until it is delivered or given up."""
        cutoff = time.time() - retention_days * 86400
        cursor = await self._db.execute(
            "DELETE FROM asked_questions WHERE state != 'open' AND closed_at < ?"
            " AND (delivery IS NULL OR delivery NOT IN ('pending', 'sending'))",
            (cutoff,),
        )
        removed = cursor.rowcount
        await self._db.execute("DELETE FROM unanswered WHERE at < ?", (cutoff,))
        return removed
