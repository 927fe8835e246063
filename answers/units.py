"""Answerable units: every statement the content file makes, each knowing its card and kind.

Derived from the content model alone, so a new conference's file gets the same answers with no
code change. A unit has a form (how the face phrases it), per-language fields (the facts'
own words), the kinds of question it answers, the roles it plays (whose vocabulary words are
indexed with it) and the names of what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from answers.vocabulary import AnswerKind, Concept
from storage.cards import CardKey, org_card, person_card
from storage.content import LANGUAGES, Content, Localized, Organization

K = AnswerKind
Fields = dict[str, dict[str, str]]  # language -> field name -> text

# Fields whose words are shown to the user and so may be highlighted; the rest are values.
TEXT_FIELDS = (
    "text",
    "label",
    "name",
    "position",
    "role_text",
    "title",
    "subtitle",
    "city",
    "province",
    "organization",
    "person",
)
_YEAR = re.compile(r"(?<!\d)(1[89]|20)\d\d(?!\d)")


@dataclass(frozen=True, slots=True)
class Unit:
    card: str
    form: str
    kinds: frozenset[AnswerKind]
    concepts: tuple[Concept, ...]
    fields: Fields
    # Names of what the unit is about (all languages, aliases), searched with more weight.
    subject: tuple[str, ...] = ()
    keywords: tuple[str, ...] = field(default=())


def _each(text: Localized, field_name: str = "text", **more: Localized | str) -> Fields:
    return {
        lang: {
            field_name: text.get(lang),
            **{k: (v if isinstance(v, str) else v.get(lang)) for k, v in more.items()},
        }
        for lang in LANGUAGES
    }


def _names(*texts: Localized | None, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    names = [text.get(lang) for text in texts if text for lang in LANGUAGES]
    return tuple(dict.fromkeys([*names, *extra]))


def org_names(org: Organization) -> tuple[str, ...]:
    """Every name of an organization, in every language, with its aliases."""
    return _names(org.name, org.short_name, extra=tuple(org.aliases))


def org_label(org: Organization) -> Localized:
    """The organization's short name if it has one, else its name."""
    return org.short_name or org.name


def derive_units(content: Content) -> Iterator[Unit]:
    """Every answerable unit of the content file, in content order."""
    yield from _event_units(content)
    for org in content.organizations:
        yield from _organization_units(org)
    if content.people:
        # The chair and speakers as one list: "speakers" asks for all of them (their card).
        yield Unit(
            CardKey.SPEAKERS,
            "speakers",
            frozenset({K.PERSON}),
            (Concept.SPEAKER, Concept.CHAIR),
            {
                lang: {
                    "names": ("、" if lang == "zh" else ", ").join(
                        p.name.get(lang) for p in content.people
                    )
                }
                for lang in LANGUAGES
            },
        )
    for person in content.people:
        org = content.organization(person.organization)
        concept = Concept.CHAIR if person.role == "chair" else Concept.SPEAKER
        yield Unit(
            person_card(person.id),
            "person",
            frozenset({K.PERSON}),
            (Concept.PERSON, concept),
            {
                lang: {
                    "name": person.name.get(lang),
                    "position": person.position.get(lang),
                    "role_text": person.role_text.get(lang),
                }
                for lang in LANGUAGES
            },
            _names(person.name),
            (*person.keywords, *org_names(org)),
        )
    for statement in content.statements:
        person = content.person(statement.person)
        yield Unit(
            CardKey.INTERVIEW,
            "statement",
            frozenset({K.STATEMENT}),
            (Concept.INTERVIEW,),
            _each(statement.text, person=person.name),
            _names(person.name),
            tuple(statement.keywords),
        )
    for contact in content.contacts:
        org = content.organization(contact.organization)
        yield Unit(
            CardKey.CONTACTS,
            "contact",
            frozenset({K.CONTACT}),
            (Concept.CONTACT,),
            _each(contact.label, "label", value=contact.value, organization=org_label(org)),
            org_names(org),
            tuple(contact.keywords),
        )
    source = content.source
    yield Unit(
        CardKey.SOURCE,
        "source",
        # What the source is, and when it was published.
        frozenset({K.DEFINITION, K.DATE}),
        (Concept.SOURCE,),
        _each(source.title, "title", subtitle=source.subtitle, date=source.date.isoformat()),
    )


def _event_units(content: Content) -> Iterator[Unit]:
    event = content.event
    subject = _names(event.title)
    places = [
        normalize_place(t.get(lang)) for t in (event.city, event.province) for lang in LANGUAGES
    ]
    yield Unit(
        CardKey.ABOUT,
        "date",
        frozenset({K.DATE}),
        (Concept.EVENT, Concept.DATE),
        _each(event.title, "label", date=event.date.isoformat()),
        subject,
        tuple(event.keywords),
    )
    yield Unit(
        CardKey.ABOUT,
        "place",
        frozenset({K.PLACE}),
        (Concept.EVENT, Concept.PLACE),
        _each(event.title, "label", city=event.city, province=event.province),
        subject,
        tuple(event.keywords),
    )
    sections: tuple[tuple[str, Concept, frozenset[AnswerKind]], ...] = (
        ("context", Concept.CONTEXT, frozenset({K.STATEMENT})),
        ("format", Concept.FORMAT, frozenset({K.STATEMENT})),
        ("presented", Concept.PRESENTED, frozenset({K.STATEMENT, K.DEFINITION})),
        ("other_participants", Concept.OTHER_PARTICIPANTS, frozenset({K.PERSON})),
    )
    for section, concept, kinds in sections:
        for text in getattr(event, section):
            found = set(kinds)
            if any(_YEAR.search(text.get(lang)) for lang in LANGUAGES):
                found.add(K.DATE)
            if any(
                place and place in normalize_place(text.get(lang))
                for lang in LANGUAGES
                for place in places
            ):
                found.add(K.PLACE)
            yield Unit(
                CardKey.ABOUT,
                "text",
                frozenset(found),
                (Concept.EVENT, concept),
                _each(text),
                subject,
            )


def normalize_place(text: str) -> str:
    """A place name reduced for "is it mentioned" checks: case-folded, without its last letter.

    So an inflected Russian city name still holds the nominative's stem, and a Chinese city
    name is found without its "city" suffix.
    """
    folded = text.casefold()
    return folded[:-1] if len(folded) > 2 else folded


def org_roles(org: Organization) -> tuple[Concept, ...]:
    """The roles an organization plays, as concepts."""
    return tuple(Concept(role) for role in dict.fromkeys(org.roles))


def _organization_units(org: Organization) -> Iterator[Unit]:
    card = org_card(org.id)
    names = org_names(org)
    keywords = tuple(org.keywords)
    name = org.name
    # What an organization is: its description when the file has one; else its name and role.
    defines = frozenset() if org.description else frozenset({K.DEFINITION})
    yield Unit(
        card,
        "organization",
        frozenset({K.ORGANIZATION}) | defines,
        org_roles(org),
        _each(org.role_text, "role_text", name=name),
        names,
        keywords,
    )
    if org.founded:
        yield Unit(
            card,
            "year_month",
            frozenset({K.DATE}),
            (Concept.FOUNDED, Concept.DATE),
            _each(org_label(org), "label", date=org.founded),
            names,
            keywords,
        )
    for paragraph in org.description:
        yield Unit(card, "text", frozenset({K.DEFINITION}), (), _each(paragraph), names, keywords)
    for figure in org.figures:
        yield Unit(
            card,
            "figure",
            frozenset({K.NUMBER}),
            (Concept.FIGURE,),
            _each(figure.label, "label", value=figure.value),
            names,
            (*keywords, *figure.keywords),
        )
