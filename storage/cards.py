"""Card keys: the one definition of every answer card's address.

A card is addressed by a key: a plain name ("about") or a kind and a content id
("org:jitri", "person:hu-yidong"). The same key is the search index's `card` column (written by
storage/loader.py), the callback data after "card:" and, with "-" for ":", the /start deep-link
payload (handlers/cards.py renders the card it names).
"""

from __future__ import annotations

from enum import StrEnum


class CardKey(StrEnum):
    """Cards reachable by a plain name."""

    WELCOME = "welcome"
    ABOUT = "about"
    SPEAKERS = "speakers"
    ORGANIZERS = "organizers"
    ORGS = "orgs"
    INTERVIEW = "interview"
    CONTACTS = "contacts"
    SOURCE = "source"
    SEARCH_TIPS = "search_tips"
    HELP = "help"
    LANGUAGE = "language"


class CardKind(StrEnum):
    """Cards that take a content id after the kind: "org:<id>", "person:<id>"."""

    ORG = "org"
    PERSON = "person"


def org_card(org_id: str) -> str:
    """The key of an organization's card."""
    return f"{CardKind.ORG}:{org_id}"


def person_card(person_id: str) -> str:
    """The key of a person's card."""
    return f"{CardKind.PERSON}:{person_id}"


def split_card(key: str) -> tuple[CardKey | CardKind, str] | None:
    """(plain name, "") or (kind, id) for a well-formed key; None for anything else."""
    kind, _, ident = key.partition(":")
    if not ident and kind in CardKey.__members__.values():
        return CardKey(kind), ""
    if ident and kind in CardKind.__members__.values():
        return CardKind(kind), ident
    return None


def card_from_payload(payload: str) -> str | None:
    """The card key a /start deep-link payload names, if it is well-formed."""
    if payload in CardKey.__members__.values():
        return payload
    kind, _, ident = payload.partition("-")
    return f"{kind}:{ident}" if kind in CardKind.__members__.values() and ident else None


def payload_for(card: str) -> str:
    """The deep-link payload that opens `card` (allowed characters: A-Z a-z 0-9 _ -)."""
    return card.replace(":", "-", 1)


def deep_link(bot_username: str, card: str | None) -> str:
    """`https://t.me/<bot>?start=<payload>` for `card` (the bot's start page for None/welcome)."""
    base = f"https://t.me/{bot_username.lstrip('@')}"
    return base if card in (None, CardKey.WELCOME) else f"{base}?start={payload_for(card)}"
