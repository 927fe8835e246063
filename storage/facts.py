"""Reading the fact store: typed records in one language.

Finding what a user meant (a question, a name typed for /org, a fragment) is the answer
engine's job (answers/engine.py): storage keeps one search index, the engine's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import aiosqlite


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    subtitle: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Event:
    title: str
    date: dt.date
    city: str
    province: str
    context: list[str]
    format: list[str]
    presented: list[str]
    other_participants: list[str]


@dataclass(frozen=True, slots=True)
class OrganizationSummary:
    id: str
    name: str
    short_name: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    title: str
    role: str
    role_text: str
    organization: OrganizationSummary


@dataclass(frozen=True, slots=True)
class Contact:
    kind: str
    value: str
    label: str
    organization: OrganizationSummary


@dataclass(frozen=True, slots=True)
class Organization:
    summary: OrganizationSummary
    role_text: str
    founded: str | None
    paragraphs: list[str]
    figures: list[Figure]
    people: list[Person] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Statement:
    person: Person
    published_in: OrganizationSummary
    text: str


class FactStore:
    """Read-only queries over the conference content, always in one language."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    async def _all(self, sql: str, *params: Any) -> list[aiosqlite.Row]:
        rows = await self._db.execute_fetchall(sql, params)
        return list(rows)

    async def source(self, lang: str) -> Source:
        """The article the facts come from."""
        (row,) = await self._all(
            "SELECT s.date, i.title, i.subtitle FROM source s JOIN source_i18n i ON i.lang = ?",
            lang,
        )
        return Source(row["title"], row["subtitle"], dt.date.fromisoformat(row["date"]))

    async def event(self, lang: str) -> Event:
        """The conference itself."""
        (row,) = await self._all(
            "SELECT e.date, i.title, i.city, i.province"
            " FROM event e JOIN event_i18n i ON i.lang = ?",
            lang,
        )
        sections: dict[str, list[str]] = {
            "context": [],
            "format": [],
            "presented": [],
            "other_participants": [],
        }
        for item in await self._all(
            "SELECT section, body FROM event_items WHERE lang = ? ORDER BY section, position", lang
        ):
            sections[item["section"]].append(item["body"])
        return Event(
            title=row["title"],
            date=dt.date.fromisoformat(row["date"]),
            city=row["city"],
            province=row["province"],
            **sections,
        )

    async def organizations(self, lang: str, role: str | None = None) -> list[OrganizationSummary]:
        """Organizations in content order, optionally only those with `role`."""
        rows = await self._all(
            f"""{_ORG_SUMMARY}
            WHERE ? IS NULL OR EXISTS (
                SELECT 1 FROM organization_roles r2 WHERE r2.organization_id = o.id AND r2.role = ?)
            ORDER BY o.position""",
            lang,
            role,
            role,
        )
        return [_summary(row) for row in rows]

    async def organization(self, org_id: str, lang: str) -> Organization | None:
        """One organization's full card, or None for an unknown id."""
        rows = await self._all(f"{_ORG_SUMMARY} WHERE o.id = ?", lang, org_id)
        if not rows:
            return None
        row = rows[0]
        paragraphs = await self._all(
            "SELECT body FROM organization_paragraphs WHERE organization_id = ? AND lang = ?"
            " ORDER BY position",
            org_id,
            lang,
        )
        figures = await self._all(
            "SELECT f.value, i.label FROM figures f JOIN figure_i18n i"
            " ON i.organization_id = f.organization_id AND i.position = f.position AND i.lang = ?"
            " WHERE f.organization_id = ? ORDER BY f.position",
            lang,
            org_id,
        )
        return Organization(
            summary=_summary(row),
            role_text=row["role_text"],
            founded=row["founded"],
            paragraphs=[p["body"] for p in paragraphs],
            figures=[Figure(f["value"], f["label"]) for f in figures],
            people=[p for p in await self.people(lang) if p.organization.id == org_id],
            contacts=[c for c in await self.contacts(lang) if c.organization.id == org_id],
        )

    async def people(self, lang: str) -> list[Person]:
        """The chair first, then the speakers, in content order."""
        rows = await self._all(
            f"""SELECT p.id, p.role, i.name, i.title, i.role_text, o.id AS org_id,
                   oi.name AS org_name, oi.short_name AS org_short, ({_ROLES_OF_O}) AS roles
            FROM people p
            JOIN person_i18n i ON i.person_id = p.id AND i.lang = ?
            JOIN organizations o ON o.id = p.organization_id
            JOIN organization_i18n oi ON oi.organization_id = o.id AND oi.lang = i.lang
            ORDER BY p.role != 'chair', p.position""",
            lang,
        )
        return [_person(row) for row in rows]

    async def person(self, person_id: str, lang: str) -> Person | None:
        """One person, or None for an unknown id."""
        return next((p for p in await self.people(lang) if p.id == person_id), None)

    async def statements(self, lang: str) -> list[Statement]:
        """What was said in the published interview(s), in content order."""
        people = {p.id: p for p in await self.people(lang)}
        outlets = {o.id: o for o in await self.organizations(lang)}
        rows = await self._all(
            "SELECT s.person_id, s.published_in, i.body FROM statements s"
            " JOIN statement_i18n i ON i.statement_id = s.id AND i.lang = ? ORDER BY s.position",
            lang,
        )
        return [
            Statement(people[r["person_id"]], outlets[r["published_in"]], r["body"]) for r in rows
        ]

    async def contacts(self, lang: str) -> list[Contact]:
        """Contact addresses, in content order."""
        outlets = {o.id: o for o in await self.organizations(lang)}
        rows = await self._all(
            "SELECT c.kind, c.value, c.organization_id, i.label FROM contacts c"
            " JOIN contact_i18n i ON i.contact_id = c.id AND i.lang = ? ORDER BY c.position",
            lang,
        )
        return [
            Contact(r["kind"], r["value"], r["label"], outlets[r["organization_id"]]) for r in rows
        ]


_ROLES_OF_O = (
    "SELECT group_concat(role, ',') FROM (SELECT role FROM organization_roles"
    " WHERE organization_id = o.id ORDER BY role)"
)
_ORG_SUMMARY = f"""SELECT o.id, o.founded, i.name, i.short_name, i.role_text,
    ({_ROLES_OF_O}) AS roles
    FROM organizations o JOIN organization_i18n i ON i.organization_id = o.id AND i.lang = ?"""


def _summary(row: aiosqlite.Row) -> OrganizationSummary:
    roles = tuple(row["roles"].split(",")) if row["roles"] else ()
    return OrganizationSummary(row["id"], row["name"], row["short_name"], roles)


def _person(row: aiosqlite.Row) -> Person:
    roles = tuple(row["roles"].split(",")) if row["roles"] else ()
    org = OrganizationSummary(row["org_id"], row["org_name"], row["org_short"], roles)
    return Person(row["id"], row["name"], row["title"], row["role"], row["role_text"], org)
