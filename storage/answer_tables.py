"""The answer engine's tables: storage writes and reads them, the engine (answers/) reads rows.

The engine holds no connection and runs no SQL: at start and after a content reload it asks
`AnswerTables.read()` for every row once and answers from memory. What the rows are is the
engine's business (answers/index.py builds them from the content file); storage only keeps
them, in the tables of the `answers` migration, replaced in the content's own transaction; and
the organizations' names from the content tables, for reading /org <name>.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiosqlite

# The tables the engine's rows live in, emptied before a new content version is written.
ANSWER_TABLES = ("answer_index", "answer_units", "answer_lexicon", "answer_words")

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class AnswerRows:
    """Every row of the answer tables, as stored."""

    # (id, card, form, kinds, fields JSON, subject terms, terms)
    units: Rows
    # (rowid, subject terms, body terms): the documents bm25 ranks.
    documents: Rows
    # (word, frequency): the Chinese segmenter's dictionary.
    lexicon: Rows
    # (spelling, term): every word the index knows, as the content writes it.
    words: Rows
    # (name, organization id): every name of every organization, case-folded (/org <name>).
    names: Rows


class AnswerTables:
    """Reads the answer tables on the store's connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    async def read(self) -> AnswerRows:
        """All rows of the current content version (one consistent read per table)."""
        db = self._db
        units = await db.execute_fetchall(
            "SELECT id, card, form, kinds, fields, subject_terms, terms FROM answer_units"
        )
        documents = await db.execute_fetchall("SELECT rowid, subject, body FROM answer_index")
        lexicon = await db.execute_fetchall("SELECT word, freq FROM answer_lexicon")
        words = await db.execute_fetchall("SELECT form, term FROM answer_words")
        names = await db.execute_fetchall("SELECT name, organization_id FROM organization_names")
        return AnswerRows(
            [tuple(r) for r in units],
            [tuple(r) for r in documents],
            [tuple(r) for r in lexicon],
            [tuple(r) for r in words],
            [tuple(r) for r in names],
        )
