"""Loading a validated content file into the fact store, idempotently.

The file's digest is kept in `content_meta`; an unchanged file costs one SELECT. A changed one
replaces every content table and the answer engine's index in one transaction, leaving users alone.
A reload runs it on a connection of its own (storage/store.py), so the switch is atomic for
every reader and no user's write ever shares the reload's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiosqlite

from storage.answer_tables import ANSWER_TABLES
from storage.content import LANGUAGES, Content, Localized
from storage.db import transaction

log = logging.getLogger(__name__)

# Children first, so the deletes never trip a foreign key.
CONTENT_TABLES = (
    "contact_i18n",
    "contacts",
    "statement_i18n",
    "statements",
    "person_i18n",
    "people",
    "figure_i18n",
    "figures",
    "organization_paragraphs",
    "organization_names",
    "organization_roles",
    "organization_i18n",
    "organizations",
    "event_items",
    "event_i18n",
    "event",
    "source_i18n",
    "source",
    *ANSWER_TABLES,
)

# The event's IANA time zone, kept beside the digest (read by FactStore.time_zone).
TIME_ZONE_KEY = "time_zone"

EVENT_SECTIONS = ("context", "format", "presented", "other_participants")

Rows = list[tuple[Any, ...]]


class AnswerIndexer(Protocol):
    """Builds the answer engine's rows for a content file (answers/index.py `Indexer`).

    Storage keeps the rows without knowing what they mean: the indexer lives with the engine,
    which storage must not import, and is handed in by whoever opens the store.
    """

    def digest(self, content_digest: str) -> str:
        """What the stored rows depend on: the content's digest, the vocabulary, the code."""
        ...

    def rows(self, content: Content) -> Iterable[tuple[str, Rows]]:
        """(INSERT statement, rows) pairs for the answer tables (storage/answer_tables.py)."""
        ...


async def content_digest(connection: aiosqlite.Connection) -> str | None:
    """Digest of the content file currently loaded, if any."""
    rows = await connection.execute_fetchall("SELECT value FROM content_meta WHERE key = 'digest'")
    row = next(iter(rows), None)
    return str(row[0]) if row else None


async def event_time_zone(connection: aiosqlite.Connection) -> ZoneInfo:
    """The loaded event's time zone (UTC for a store loaded before zones were recorded)."""
    rows = await connection.execute_fetchall(
        "SELECT value FROM content_meta WHERE key = ?", (TIME_ZONE_KEY,)
    )
    row = next(iter(rows), None)
    return ZoneInfo(str(row[0])) if row else ZoneInfo("UTC")


async def sync_content(
    connection: aiosqlite.Connection, content: Content, digest: str, indexer: AnswerIndexer
) -> bool:
    """Make the store hold `content`; return True if anything had to be written.

    The stored digest also covers what `indexer` builds from (the answer engine's vocabulary
    and index version), so a changed vocabulary rebuilds the index too.
    """
    digest = indexer.digest(digest)
    if await content_digest(connection) == digest:
        return False
    # Readers on other connections see the old content until the COMMIT, then the new.
    async with transaction(connection):
        for table in CONTENT_TABLES:
            # Table names come from the constant above, never from input.
            await connection.execute(f"DELETE FROM {table}")
        for sql, rows in (*_rows(content), *indexer.rows(content)):
            await connection.executemany(sql, rows)
        await connection.executemany(
            "INSERT INTO content_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [("digest", digest), (TIME_ZONE_KEY, content.event.time_zone)],
        )
    log.info(
        "Content loaded: %d organizations, %d people",
        len(content.organizations),
        len(content.people),
    )
    return True


def _rows(content: Content) -> Iterator[tuple[str, Rows]]:
    """(INSERT statement, rows) pairs for the whole content, parents before children."""
    source, event = content.source, content.event
    yield "INSERT INTO source (id, date) VALUES (1, ?)", [(source.date.isoformat(),)]
    yield (
        "INSERT INTO source_i18n (lang, title, subtitle) VALUES (?, ?, ?)",
        [(lang, source.title.get(lang), source.subtitle.get(lang)) for lang in LANGUAGES],
    )
    yield "INSERT INTO event (id, date) VALUES (1, ?)", [(event.date.isoformat(),)]
    yield (
        "INSERT INTO event_i18n (lang, title, city, province) VALUES (?, ?, ?, ?)",
        [
            (lang, event.title.get(lang), event.city.get(lang), event.province.get(lang))
            for lang in LANGUAGES
        ],
    )
    yield (
        "INSERT INTO event_items (section, position, lang, body) VALUES (?, ?, ?, ?)",
        [
            (section, position, lang, text.get(lang))
            for section in EVENT_SECTIONS
            for position, text in enumerate(getattr(event, section))
            for lang in LANGUAGES
        ],
    )

    orgs = content.organizations
    yield (
        "INSERT INTO organizations (id, position, founded) VALUES (?, ?, ?)",
        [(org.id, position, org.founded) for position, org in enumerate(orgs)],
    )
    yield (
        "INSERT INTO organization_i18n (organization_id, lang, name, short_name, role_text)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (
                org.id,
                lang,
                org.name.get(lang),
                org.short_name.get(lang) if org.short_name else None,
                org.role_text.get(lang),
            )
            for org in orgs
            for lang in LANGUAGES
        ],
    )
    yield (
        "INSERT INTO organization_roles (organization_id, role) VALUES (?, ?)",
        [(org.id, role) for org in orgs for role in dict.fromkeys(org.roles)],
    )
    yield (
        "INSERT OR IGNORE INTO organization_names (name, organization_id) VALUES (?, ?)",
        [(name, org.id) for org in orgs for name in organization_names(org.id, content)],
    )
    yield (
        "INSERT INTO organization_paragraphs (organization_id, position, lang, body)"
        " VALUES (?, ?, ?, ?)",
        _localized_list((org.id, org.description) for org in orgs),
    )
    yield (
        "INSERT INTO figures (organization_id, position, value) VALUES (?, ?, ?)",
        [(org.id, position, fig.value) for org in orgs for position, fig in enumerate(org.figures)],
    )
    yield (
        "INSERT INTO figure_i18n (organization_id, position, lang, label) VALUES (?, ?, ?, ?)",
        _localized_list((org.id, [fig.label for fig in org.figures]) for org in orgs),
    )

    yield (
        "INSERT INTO people (id, position, organization_id, role) VALUES (?, ?, ?, ?)",
        [(p.id, position, p.organization, p.role) for position, p in enumerate(content.people)],
    )
    yield (
        "INSERT INTO person_i18n (person_id, lang, name, title, role_text) VALUES (?, ?, ?, ?, ?)",
        [
            (p.id, lang, p.name.get(lang), p.position.get(lang), p.role_text.get(lang))
            for p in content.people
            for lang in LANGUAGES
        ],
    )
    yield (
        "INSERT INTO statements (id, position, person_id, published_in) VALUES (?, ?, ?, ?)",
        [
            (s.id, position, s.person, s.published_in)
            for position, s in enumerate(content.statements)
        ],
    )
    yield (
        "INSERT INTO statement_i18n (statement_id, lang, body) VALUES (?, ?, ?)",
        [(s.id, lang, s.text.get(lang)) for s in content.statements for lang in LANGUAGES],
    )
    yield (
        "INSERT INTO contacts (id, position, kind, value, organization_id) VALUES (?, ?, ?, ?, ?)",
        [(c.id, i, c.kind, c.value, c.organization) for i, c in enumerate(content.contacts)],
    )
    yield (
        "INSERT INTO contact_i18n (contact_id, lang, label) VALUES (?, ?, ?)",
        [(c.id, lang, c.label.get(lang)) for c in content.contacts for lang in LANGUAGES],
    )


def _localized_list(owners: Iterable[tuple[str, list[Localized]]]) -> Rows:
    return [
        (owner, position, lang, text.get(lang))
        for owner, texts in owners
        for position, text in enumerate(texts)
        for lang in LANGUAGES
    ]


def organization_names(org_id: str, content: Content) -> list[str]:
    """Every lowercased name an organization can be asked for by."""
    org = content.organization(org_id)
    names = [org.id, *org.aliases]
    for lang in LANGUAGES:
        names.append(org.name.get(lang))
        if org.short_name:
            names.append(org.short_name.get(lang))
    return list(dict.fromkeys(name.casefold() for name in names))
