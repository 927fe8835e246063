"""The organizers' FAQ: questions (several phrasings per language) and their answers.

Kept in the database, apart from the content tables, so `/reload` of the content file never
touches it; the answer engine reads it as extra answerable units (answers/organizers.py), shown
as "From the organizers", never mixed with the article's facts. Each change is written before
the admin is told, and calls `on_change` so the engine reads the entries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiosqlite

from storage.asked import new_token
from storage.db import transaction


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: int
    token: str
    # language -> the phrasings of the question in it (at least one where the language has any).
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # language -> the answer in it (Telegram HTML).
    answers: dict[str, str] = field(default_factory=dict)
    updated_at: float = 0.0


def phrasings(text: str) -> tuple[str, ...]:
    """One phrasing per non-empty line, each once."""
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class FaqStore:
    """The `faq_entries`, `faq_texts` and `faq_composing` tables."""

    def __init__(
        self, connection: aiosqlite.Connection, on_change: Callable[[], None] | None = None
    ) -> None:
        self._db = connection
        # Called after every change (the answer engine forgets what it read).
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    async def create(self, author_id: int, lang: str, question: str, answer: str) -> FaqEntry:
        """A new entry with one language's question and answer, in one transaction."""
        now = time.time()
        token = new_token()
        async with transaction(self._db):
            cursor = await self._db.execute(
                "INSERT INTO faq_entries (token, created_at, updated_at, author_id)"
                " VALUES (?, ?, ?, ?)",
                (token, now, now, author_id),
            )
            entry_id = int(cursor.lastrowid or 0)
            await self._db.execute(
                "INSERT INTO faq_texts (entry_id, lang, questions, answer) VALUES (?, ?, ?, ?)",
                (entry_id, lang, "\n".join(phrasings(question)), answer),
            )
        self._changed()
        entry = await self.get(entry_id)
        assert entry is not None
        return entry

    async def set_questions(self, entry_id: int, lang: str, text: str) -> None:
        await self._set(entry_id, lang, "questions", "\n".join(phrasings(text)))

    async def set_answer(self, entry_id: int, lang: str, answer: str) -> None:
        await self._set(entry_id, lang, "answer", answer)

    async def _set(self, entry_id: int, lang: str, column: str, value: str) -> None:
        # `column` is one of two literals chosen above, never user input.
        async with transaction(self._db):
            await self._db.execute(
                f"INSERT INTO faq_texts (entry_id, lang, {column}) VALUES (?, ?, ?)"
                f" ON CONFLICT (entry_id, lang) DO UPDATE SET {column} = excluded.{column}",
                (entry_id, lang, value),
            )
            await self._db.execute(
                "UPDATE faq_entries SET updated_at = ? WHERE id = ?", (time.time(), entry_id)
            )
        self._changed()

    async def remove(self, entry_id: int) -> bool:
        cursor = await self._db.execute("DELETE FROM faq_entries WHERE id = ?", (entry_id,))
        self._changed()
        return cursor.rowcount == 1

    async def stamp(self) -> str:
        """Changes whenever an entry is added, edited or removed (for caches of answers)."""
        rows = await self._db.execute_fetchall(
            "SELECT count(*), max(updated_at), max(id) FROM faq_entries"
        )
        row = next(iter(rows))
        return f"faq:{row[0]}:{row[1]}:{row[2]}"

    async def get(self, entry_id: int) -> FaqEntry | None:
        return next(iter(await self._entries("WHERE e.id = ?", (entry_id,))), None)

    async def by_token(self, token: str) -> FaqEntry | None:
        return next(iter(await self._entries("WHERE e.token = ?", (token,))), None)

    async def entries(self) -> list[FaqEntry]:
        """Every entry, oldest first."""
        return await self._entries("", ())

    async def _entries(self, where: str, params: tuple[object, ...]) -> list[FaqEntry]:
        rows = await self._db.execute_fetchall(
            "SELECT e.id, e.token, e.updated_at, t.lang, t.questions, t.answer"
            f" FROM faq_entries e LEFT JOIN faq_texts t ON t.entry_id = e.id {where}"
            " ORDER BY e.id, t.lang",
            params,
        )
        entries: dict[int, FaqEntry] = {}
        for row in rows:
            entry_id = int(row[0])
            entry = entries.setdefault(entry_id, FaqEntry(entry_id, str(row[1]), {}, {}, row[2]))
            if row[3] is None:
                continue
            if row[4]:
                entry.questions[str(row[3])] = phrasings(str(row[4]))
            if row[5]:
                entry.answers[str(row[3])] = str(row[5])
        return list(entries.values())

    # ------------------------------------------------------------------ composing

    async def start_composing(self, admin_id: int, entry_id: int, step: str) -> None:
        await self._db.execute(
            "INSERT INTO faq_composing (admin_id, entry_id, step, started_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (admin_id) DO UPDATE SET entry_id = excluded.entry_id,"
            " step = excluded.step, started_at = excluded.started_at",
            (admin_id, entry_id, step, time.time()),
        )

    async def composing(self, admin_id: int) -> tuple[int, str] | None:
        """(entry id, step) the admin is writing, if any."""
        rows = await self._db.execute_fetchall(
            "SELECT entry_id, step FROM faq_composing WHERE admin_id = ?", (admin_id,)
        )
        return next(((int(r[0]), str(r[1])) for r in rows), None)

    async def stop_composing(self, admin_id: int) -> bool:
        cursor = await self._db.execute("DELETE FROM faq_composing WHERE admin_id = ?", (admin_id,))
        return cursor.rowcount > 0
