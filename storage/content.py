"""The conference content file: pydantic models, validation and loading from TOML.

The content file is the only place facts live. Everything human-readable is a `Localized`
text with a Russian, Chinese and English version; ids tie the entries together and are
checked on load so a typo is an error naming the entry, never a silently missing card.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

LANGUAGES: tuple[str, ...] = ("ru", "zh", "en")

# Ids travel in callback data and deep-link payloads, so they stay short and URL-safe.
EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,23}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Year and month, for facts the source dates only to the month ("founded in December 2013").
YearMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

OrganizationRole = Literal["organizer", "participant", "media"]
PersonRole = Literal["chair", "speaker"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """One human-readable text in every language the bot speaks."""

    ru: NonEmpty
    zh: NonEmpty
    en: NonEmpty

    def get(self, language: str) -> str:
        """The text in `language` (one of LANGUAGES)."""
        value: str = getattr(self, language)
        return value


class Figure(_Model):
    """A number from the source with its meaning; the value is shared by all languages."""

    value: Annotated[str, StringConstraints(pattern=r"^\d[\d+]*$")]
    label: Localized
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)


class Source(_Model):
    title: Localized
    subtitle: Localized
    date: dt.date


class Event(_Model):
    title: Localized
    date: dt.date
    city: Localized
    province: Localized
    # Where the conference sits: Russia Week, CIEP-2020 and the Years of cooperation.
    context: list[Localized] = Field(min_length=1)
    # How it was held: the main venue, video-linked sessions, the live stream.
    format: list[Localized] = Field(min_length=1)
    # What the participants presented.
    presented: list[Localized] = Field(min_length=1)
    # Who else took part without being an organization of their own (the public, …).
    other_participants: list[Localized] = Field(default_factory=list)
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)


class Organization(_Model):
    id: EntryId
    name: Localized
    short_name: Localized | None = None
    # Extra spellings people type: "jitri", "江苏产研院", …; matched case-insensitively.
    aliases: list[NonEmpty] = Field(default_factory=list)
    roles: list[OrganizationRole] = Field(min_length=1)
    # What this organization did at the conference, in a sentence.
    role_text: Localized
    founded: YearMonth | None = None
    description: list[Localized] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)


class Person(_Model):
    id: EntryId
    name: Localized
    position: Localized
    organization: EntryId
    role: PersonRole
    # What this person did at the conference, in a sentence.
    role_text: Localized
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)


# Quotation marks of the three languages (and ASCII): a statement may not sit inside them.
QUOTATION_MARKS = "«»“”„‟「」『』\"'"


class Statement(_Model):
    """What the source reports a person said: reported speech, never a verbatim quote.

    The source gives statements as reported speech ("he said that …"), so the text is the
    source's own wording and is shown as such, never inside quotation marks.
    """

    id: EntryId
    person: EntryId
    # The organization (a media outlet) that published the statement.
    published_in: EntryId
    text: Localized
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_quoted(self) -> Statement:
        for language in LANGUAGES:
            text = self.text.get(language).rstrip(".。")
            if text and (text[0] in QUOTATION_MARKS or text[-1] in QUOTATION_MARKS):
                raise ValueError(
                    f"{language}: a statement is reported speech, not a quote in quotation marks"
                )
        return self


class Contact(_Model):
    id: EntryId
    kind: Literal["email"]
    value: Annotated[str, StringConstraints(pattern=r"^[^@\s<>&\"]+@[^@\s<>&\"]+\.[a-z]{2,}$")]
    organization: EntryId
    label: Localized
    # Other words people use for this fact, in any language (synonyms go to the vocabulary).
    keywords: list[NonEmpty] = Field(default_factory=list)


class Content(_Model):
    """The whole content file."""

    source: Source
    event: Event
    organizations: list[Organization] = Field(min_length=1)
    people: list[Person] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Content:
        entries: list[Organization | Person | Statement | Contact] = [
            *self.organizations,
            *self.people,
            *self.statements,
            *self.contacts,
        ]
        ids = Counter(entry.id for entry in entries)
        duplicates = sorted(entry_id for entry_id, count in ids.items() if count > 1)
        if duplicates:
            raise ValueError(f"duplicate id: {', '.join(duplicates)}")
        organizations = {org.id for org in self.organizations}
        people = {person.id for person in self.people}
        for person in self.people:
            _require(person.organization, organizations, f"person {person.id!r}: organization")
        for statement in self.statements:
            _require(statement.person, people, f"statement {statement.id!r}: person")
            _require(
                statement.published_in, organizations, f"statement {statement.id!r}: published_in"
            )
        for contact in self.contacts:
            _require(contact.organization, organizations, f"contact {contact.id!r}: organization")
        return self

    def organization(self, org_id: str) -> Organization:
        """The organization with this id (ids are validated, so a miss is a programming error)."""
        return next(org for org in self.organizations if org.id == org_id)

    def person(self, person_id: str) -> Person:
        """The person with this id."""
        return next(person for person in self.people if person.id == person_id)

    def localized_texts(self) -> Iterator[tuple[str, Localized]]:
        """Every localized text with a readable path, for checks that span the whole file."""
        yield from _walk(self, "content")


class ContentError(Exception):
    """The content file is missing, is not TOML, or does not match the model."""


def _require(ref: str, known: set[str], where: str) -> None:
    if ref not in known:
        raise ValueError(f"{where} refers to unknown id {ref!r}")


def _walk(value: object, path: str) -> Iterator[tuple[str, Localized]]:
    if isinstance(value, Localized):
        yield path, value
    elif isinstance(value, BaseModel):
        label = getattr(value, "id", None)
        for name in type(value).model_fields:
            yield from _walk(
                getattr(value, name), f"{path}[{label}].{name}" if label else f"{path}.{name}"
            )
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


BUNDLED_CONTENT = "ciep2020-new-materials.toml"


def bundled_content_path() -> Path:
    """Path of the conference content shipped with the package."""
    return Path(str(resources.files("storage") / "content" / BUNDLED_CONTENT))


LoadedContent = tuple[Content, str]


def load_content(path: Path | None = None) -> LoadedContent:
    """Parse and validate a content file; return it with a digest of its bytes."""
    path = path or bundled_content_path()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContentError(f"content file {path}: {error.strerror or error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ContentError(f"content file {path}: not valid TOML: {error}") from None
    try:
        content = Content.model_validate(data)
    except ValidationError as error:
        raise ContentError(f"content file {path}: {_describe(error, data)}") from None
    return content, hashlib.sha256(raw).hexdigest()


def _describe(error: ValidationError, data: object) -> str:
    """One line per problem, naming the entry by its id where it has one."""
    lines = []
    for problem in error.errors():
        location = []
        node: object = data
        for part in problem["loc"]:
            if isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
                entry_id = node.get("id") if isinstance(node, dict) else None
                location.append(f"[{entry_id}]" if entry_id else f"[{part}]")
            else:
                node = node.get(str(part)) if isinstance(node, dict) else None
                location.append(f".{part}")
        where = "".join(location).lstrip(".") or "content"
        lines.append(f"{where}: {problem['msg']}")
    return "; ".join(lines)
