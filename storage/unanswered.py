"""What people asked and could not find: the rows behind /unanswered.

A row is written when a typed question gets "not in the article" or its answer is marked
"Not helpful": the text exactly as typed, its language, and its normal form by the answer
engine (`wording_key`), by which the report groups similar wordings. No user id is kept; the
token lets the Ask button under that reply send the same text to the organizers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage.asked import GroupCommit, new_token


class Reason(StrEnum):
    NOTHING = "nothing"  # "not in the article"
    UNHELPFUL = "unhelpful"  # "Not helpful"


@dataclass(frozen=True, slots=True)
class Unanswered:
    id: int
    token: str
    text: str
    lang: str
    reason: Reason
    message_id: int | None
    asked: bool


@dataclass(frozen=True, slots=True)
class WordingGroup:
    """Similar wordings of one language: how often, when last, and what was typed."""

    lang: str
    wording_key: str
    count: int
    nothing: int
    unhelpful: int
    last_at: float
    # The latest wording first, then the others, each once.
    texts: tuple[str, ...]


class UnansweredStore:
    """The `unanswered` table."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # Notes of many unanswered questions at once go to disk together (storage/asked.py).
        self._writes = GroupCommit(connection)

    async def note(
        self, text: str, lang: str, wording_key: str, reason: Reason, message_id: int | None
    ) -> str:
        """Record a question nothing answered (or an unhelpful answer); its token."""
        token = new_token()
        await self._writes.run(
            lambda: self._db.execute(
                "INSERT INTO unanswered (token, text, lang, wording_key, reason, message_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token, text, lang, wording_key, reason, message_id, time.time()),
            )
        )
        return token

    async def by_token(self, token: str) -> Unanswered | None:
        rows = await self._db.execute_fetchall(
            "SELECT id, token, text, lang, reason, message_id, asked FROM unanswered"
            " WHERE token = ?",
            (token,),
        )
        return next(
            (
                Unanswered(
                    int(r[0]),
                    str(r[1]),
                    str(r[2]),
                    str(r[3]),
                    Reason(r[4]),
                    None if r[5] is None else int(r[5]),
                    bool(r[6]),
                )
                for r in rows
            ),
            None,
        )

    async def mark_asked(self, row_id: int) -> bool:
        """The Ask button was pressed for this row; False if it already was (idempotent)."""
        cursor = await self._db.execute(
            "UPDATE unanswered SET asked = 1 WHERE id = ? AND asked = 0", (row_id,)
        )
        return cursor.rowcount == 1

    async def forget(self, token: str) -> None:
        """A "Not helpful" taken back (changed to Helpful): the row no longer counts."""
        await self._db.execute(
            "DELETE FROM unanswered WHERE token = ? AND reason = 'unhelpful'", (token,)
        )

    async def report(self, lang: str | None = None, limit: int | None = None) -> list[WordingGroup]:
        """Groups of similar wordings, most frequent first (then the most recent)."""
        where = "WHERE lang = ?" if lang else ""
        params: tuple[object, ...] = (lang,) if lang else ()
        rows = await self._db.execute_fetchall(
            f"""SELECT lang, wording_key, count(*), sum(reason = 'nothing'),
                       sum(reason = 'unhelpful'), max(at)
                FROM unanswered {where}
                GROUP BY lang, wording_key
                ORDER BY count(*) DESC, max(at) DESC
                LIMIT ?""",
            (*params, -1 if limit is None else limit),
        )
        groups = []
        for row in rows:
            texts = await self._db.execute_fetchall(
                "SELECT text FROM unanswered WHERE lang = ? AND wording_key = ?"
                " ORDER BY at DESC LIMIT 50",
                (row[0], row[1]),
            )
            groups.append(
                WordingGroup(
                    str(row[0]),
                    str(row[1]),
                    int(row[2]),
                    int(row[3]),
                    int(row[4]),
                    float(row[5]),
                    tuple(dict.fromkeys(str(t[0]) for t in texts)),
                )
            )
        return groups
