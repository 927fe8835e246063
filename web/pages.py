"""The site's card pages, built from the same FactStore models and catalog keys as the bot's cards.

Each builder returns a `Page`: the template, the title and description, the bot card it mirrors
(for the t.me deep link) and the models the template shows. Unknown ids give None (a 404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from storage.cards import CardKey, CardKind, org_card, person_card, split_card
from storage.facts import FactStore
from wording.i18n import Translator
from wording.text import plain

# The pages that mirror one of the bot's simple cards, by URL name (= card key).
CARD_PAGES = (
    CardKey.ABOUT,
    CardKey.SPEAKERS,
    CardKey.ORGANIZERS,
    CardKey.ORGS,
    CardKey.INTERVIEW,
    CardKey.CONTACTS,
    CardKey.SOURCE,
)


@dataclass(frozen=True, slots=True)
class Page:
    template: str
    title: str
    description: str
    # The bot card with the same facts ("about", "org:jitri", …): the deep link opens it.
    card: str | None
    data: dict[str, Any] = field(default_factory=dict)


def card_path(lang: str, card: str) -> str:
    """The site path of a bot card key ("org:jitri" → /en/org/jitri)."""
    parts = split_card(card)
    if parts is None:
        return f"/{lang}/"
    kind, ident = parts
    if ident:
        return f"/{lang}/{kind}/{ident}"
    return f"/{lang}/{card}" if kind in CARD_PAGES else f"/{lang}/"


async def home(facts: FactStore, lang: str, t: Translator) -> Page:
    """What the conference was, in two lines, and the sections."""
    event = await facts.event(lang)
    description = t(
        lang, "web.description", title=event.title, date=t.date(lang, event.date), city=event.city
    )
    return Page(
        "home.html",
        event.title,
        plain(description),
        "welcome",
        {"event": event},
    )


async def about(facts: FactStore, lang: str, t: Translator) -> Page:
    """The conference: when, where, context, format, what was presented, who took part."""
    event = await facts.event(lang)
    organizers = await facts.organizations(lang, role="organizer")
    participants = await facts.organizations(lang, role="participant")
    when_where = t(
        lang,
        "about.when_where",
        date=t.date(lang, event.date),
        city=event.city,
        province=event.province,
    )
    return Page(
        "about.html",
        plain(t(lang, "command.about")),
        plain(when_where),
        CardKey.ABOUT,
        {"event": event, "organizers": organizers, "participants": participants},
    )


async def speakers(facts: FactStore, lang: str, t: Translator) -> Page:
    """The chair and the speakers."""
    people = await facts.people(lang)
    separator = str(t(lang, "web.separator"))
    return Page(
        "speakers.html",
        plain(t(lang, "speakers.title")),
        separator.join(p.name for p in people),
        CardKey.SPEAKERS,
        {"people": people},
    )


async def organizers(facts: FactStore, lang: str, t: Translator) -> Page:
    """The organizers, each with what it did."""
    summaries = await facts.organizations(lang, role="organizer")
    orgs = [org for s in summaries if (org := await facts.organization(s.id, lang))]
    separator = str(t(lang, "web.separator"))
    return Page(
        "organizers.html",
        plain(t(lang, "organizers.title")),
        separator.join(o.summary.name for o in orgs),
        CardKey.ORGANIZERS,
        {"orgs": orgs},
    )


async def orgs(facts: FactStore, lang: str, t: Translator) -> Page:
    """Every organization that took part."""
    summaries = await facts.organizations(lang)
    count = t(lang, "orgs.title", count=len(summaries))
    return Page(
        "orgs.html", plain(t(lang, "web.all_orgs")), plain(count), CardKey.ORGS, {"orgs": summaries}
    )


async def org(org_id: str, facts: FactStore, lang: str, t: Translator) -> Page | None:
    """One organization's card."""
    found = await facts.organization(org_id, lang)
    if found is None:
        return None
    return Page("org.html", found.summary.name, found.role_text, org_card(org_id), {"org": found})


async def person(person_id: str, facts: FactStore, lang: str, t: Translator) -> Page | None:
    """One person's card, with what they said in the interview."""
    found = await facts.person(person_id, lang)
    if found is None:
        return None
    statements = [s for s in await facts.statements(lang) if s.person.id == person_id]
    return Page(
        "person.html",
        found.name,
        found.role_text,
        person_card(person_id),
        {"person": found, "statements": statements},
    )


async def interview(facts: FactStore, lang: str, t: Translator) -> Page:
    """The published interview's statements."""
    statements = await facts.statements(lang)
    description = ""
    if statements:
        first = statements[0]
        description = plain(
            t(
                lang,
                "interview.title",
                person=first.person.name,
                title=first.person.title,
                outlet=first.published_in.name,
            )
        )
    return Page(
        "interview.html",
        plain(t(lang, "command.interview")),
        description,
        CardKey.INTERVIEW,
        {"statements": statements},
    )


async def contacts(facts: FactStore, lang: str, t: Translator) -> Page:
    """The contact addresses."""
    found = await facts.contacts(lang)
    separator = str(t(lang, "web.separator"))
    return Page(
        "contacts.html",
        plain(t(lang, "contacts.title")),
        separator.join(c.label for c in found),
        CardKey.CONTACTS,
        {"contacts": found},
    )


async def source(facts: FactStore, lang: str, t: Translator) -> Page:
    """The article every fact comes from."""
    article = await facts.source(lang)
    statements = await facts.statements(lang)
    return Page(
        "source.html",
        plain(t(lang, "command.source")),
        article.subtitle,
        CardKey.SOURCE,
        {"article": article, "statement": statements[0] if statements else None},
    )


SimpleBuilder = Callable[[FactStore, str, Translator], Awaitable[Page]]
IdBuilder = Callable[[str, FactStore, str, Translator], Awaitable[Page | None]]

SIMPLE: dict[CardKey, SimpleBuilder] = {
    CardKey.ABOUT: about,
    CardKey.SPEAKERS: speakers,
    CardKey.ORGANIZERS: organizers,
    CardKey.ORGS: orgs,
    CardKey.INTERVIEW: interview,
    CardKey.CONTACTS: contacts,
    CardKey.SOURCE: source,
}
BY_ID: dict[CardKind, IdBuilder] = {CardKind.ORG: org, CardKind.PERSON: person}
assert set(SIMPLE) == set(CARD_PAGES)
