"""What the faces call things: card titles, the event's names for catalog templates.

One home for naming, so the bot's buttons and captions, the site and any later face name a card
the same way. A card is addressed by its key ("about", "org:jitri", "person:hu-yidong").
"""

from __future__ import annotations

import re

from storage.cards import CardKind, split_card
from storage.facts import FactStore, OrganizationSummary
from wording.i18n import Translator
from wording.text import plain_text

# The organization with a command of its own (/jitri): the conference's host institute.
FEATURED_ORGANIZATION = "jitri"
# Cards whose button is named by a catalog label other than `button.<kind>`.
_BUTTONS = {"orgs": "all_orgs"}


# A bracketed part of a name ("Experts (Китайский …)", "中心（Китайский …）") and the letters
# that say it is the Russian original: Cyrillic, and none of another script.
_BRACKETED = re.compile(r"\s*[(（]([^()（）]+)[)）]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_OTHER_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def listed_name(name: str, lang: str) -> str:
    """A name as a button or a list line shows it: in zh and en without the Russian original
    the content gives in brackets after the translation (the card itself keeps it). A name that
    is Russian itself ("МСП ИТТ", “Дыхание Китая”) is left whole."""
    if lang == "ru":
        return name

    def drop(match: re.Match[str]) -> str:
        inside = match.group(1)
        is_original = _CYRILLIC.search(inside) and not _OTHER_LETTERS.search(inside)
        return "" if is_original else match.group(0)

    shortened = _BRACKETED.sub(drop, name).strip()
    return shortened or name


def org_label(org: OrganizationSummary) -> str:
    """An organization's short name where it has one: for buttons and running text."""
    return org.short_name or org.name


async def event_names(facts: FactStore, lang: str) -> dict[str, str]:
    """Names catalog templates take from the content: the event, its city, the featured org."""
    event = await facts.event(lang)
    featured = await facts.organization(FEATURED_ORGANIZATION, lang)
    return {
        "title": event.title,
        "city": event.city,
        "year": str(event.date.year),
        "featured": org_label(featured.summary) if featured else FEATURED_ORGANIZATION.upper(),
    }


async def card_title(
    key: str, lang: str, facts: FactStore, t: Translator, *, short: bool = False
) -> str | None:
    """A card's name in plain text; None if there is no such card.

    The full title (for captions, link lists and page titles) brackets an organization's short
    name with the catalog's punctuation (full-width in Chinese); `short` is the label a button
    or list line can hold: the short name alone, or the catalog's button label.
    """
    parts = split_card(key)
    if parts is None:
        return None
    kind, ident = parts
    if kind is CardKind.ORG:
        org = await facts.organization(ident, lang)
        if org is None:
            return None
        summary = org.summary
        name, abbreviation = summary.name, summary.short_name
        if short or not abbreviation or abbreviation == name:
            return listed_name(org_label(summary), lang) if short else name
        return plain_text(t(lang, "org.title_with_short", name=name, short_name=abbreviation))
    if kind is CardKind.PERSON:
        person = await facts.person(ident, lang)
        if person is None:
            return None
        return listed_name(person.name, lang) if short else person.name
    if short:
        label = f"button.{_BUTTONS.get(kind, kind)}"
        return plain_text(t(lang, label)) if label in t.catalogs[lang] else None
    return plain_text(t(lang, f"card_title.{kind}"))
