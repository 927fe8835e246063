"""Fact cards: the bot's answers, rendered from the store in one language and cached.

A card is addressed by a key ("about", "org:jitri", "person:hu-yidong", …) that is also its
callback data (after "card:") and, with "-" for ":", its deep-link payload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.common import PUBLIC_COMMANDS
from handlers.kit.context import BotContext
from handlers.kit.keyboards import CARD, LANG, SUBSCRIPTION, button, keyboard, pairs
from storage.cards import CardKey, CardKind, org_card, person_card, split_card
from storage.content import LANGUAGES
from storage.facts import FactStore, Organization, Person
from wording.i18n import Html, Translator, escape
from wording.names import FEATURED_ORGANIZATION, event_names, listed_name, org_label
from wording.source import source_html


@dataclass(frozen=True, slots=True)
class Card:
    text: Html
    markup: InlineKeyboardMarkup | None


async def get_card(context: BotContext, key: str, language: str) -> Card | None:
    """The rendered card for `key` in `language`, or None if no such card exists."""
    data = context.bot_data
    cached = data.cards.get((key, language))
    if cached is None:
        cached = await _render(key, language, data.store.facts, data.translate, data.bot_username)
        if cached is None:
            return None
        data.cards[(key, language)] = cached
    card: Card = cached
    return card


async def _render(
    key: str, lang: str, facts: FactStore, t: Translator, bot_username: str
) -> Card | None:
    parts = split_card(key)
    if parts is None:
        return None
    kind, ident = parts
    if kind is CardKind.ORG:
        return await _org(ident, lang, facts, t)
    if kind is CardKind.PERSON:
        return await _person(ident, lang, facts, t)
    if kind in _NAMING_THE_BOT:
        return await _NAMING_THE_BOT[kind](lang, facts, t, f"@{bot_username}")
    return await _SIMPLE[kind](lang, facts, t)


async def deep_link_cards(facts: FactStore) -> list[str]:
    """Every card a deep link can open: the plain ones, each organization, each person."""
    orgs = await facts.organizations(LANGUAGES[0])
    people = await facts.people(LANGUAGES[0])
    return [
        *(key.value for key in CardKey),
        *(org_card(org.id) for org in orgs),
        *(person_card(person.id) for person in people),
    ]


def _card_button(text: str, card: str) -> InlineKeyboardButton:
    return button(text, f"{CARD}:{card}")


def _menu_row(lang: str, t: Translator) -> list[InlineKeyboardButton]:
    return [_card_button(t(lang, "button.menu"), CardKey.WELCOME)]


def _bullets(items: list[str]) -> str:
    return "\n".join(f"• {escape(item)}" for item in items)


async def _welcome(lang: str, facts: FactStore, t: Translator) -> Card:
    event = await facts.event(lang)
    names = await event_names(facts, lang)
    text = t(
        lang,
        "welcome",
        title=event.title,
        date=t.date(lang, event.date),
        city=event.city,
        featured=names["featured"],
    )
    return Card(text, _main_menu(lang, t, names["featured"]))


def _main_menu(lang: str, t: Translator, featured: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            _card_button(t(lang, "button.about"), CardKey.ABOUT),
            _card_button(t(lang, "button.speakers"), CardKey.SPEAKERS),
        ],
        [
            _card_button(t(lang, "button.organizers"), CardKey.ORGANIZERS),
            _card_button(
                t(lang, "button.featured", featured=featured), org_card(FEATURED_ORGANIZATION)
            ),
        ],
        [
            _card_button(t(lang, "button.search_tips"), CardKey.SEARCH_TIPS),
            _card_button(t(lang, "button.language"), CardKey.LANGUAGE),
        ],
        [button(t(lang, "button.subscribe"), f"{SUBSCRIPTION}:on")],
    )


async def _about(lang: str, facts: FactStore, t: Translator) -> Card:
    event = await facts.event(lang)
    organizers = await facts.organizations(lang, role="organizer")
    participants = await facts.organizations(lang, role="participant")
    sections = [
        f"<b>{escape(event.title)}</b>",
        t(
            lang,
            "about.when_where",
            date=t.date(lang, event.date),
            city=event.city,
            province=event.province,
        ),
        f"<b>{t(lang, 'about.context')}</b>\n{_bullets(event.context)}",
        f"<b>{t(lang, 'about.format')}</b>\n{_bullets(event.format)}",
        f"<b>{t(lang, 'about.presented')}</b>\n{_bullets(event.presented)}",
        f"<b>{t(lang, 'about.organizers')}</b>\n"
        + _bullets([listed_name(o.name, lang) for o in organizers]),
        f"<b>{t(lang, 'about.participants')}</b>\n"
        + _bullets(
            [listed_name(o.name, lang) for o in participants]
            + [listed_name(other, lang) for other in event.other_participants]
        ),
    ]
    markup = keyboard(
        [
            _card_button(t(lang, "button.speakers"), CardKey.SPEAKERS),
            _card_button(t(lang, "button.organizers"), CardKey.ORGANIZERS),
        ],
        [
            _card_button(t(lang, "button.interview"), CardKey.INTERVIEW),
            _card_button(t(lang, "button.all_orgs"), CardKey.ORGS),
        ],
        [_card_button(t(lang, "button.source"), CardKey.SOURCE), *_menu_row(lang, t)],
    )
    return Card(Html("\n\n".join(sections)), markup)


def _person_line(person: Person, t: Translator, lang: str, *, listed: bool = False) -> str:
    """A person's name, role, title and part; `listed` (a line of a list, not their own card):
    names without the Russian original after the translation."""
    role = t(lang, f"role.{person.role}")
    name, title = person.name, person.title
    if listed:
        name, title = listed_name(name, lang), listed_name(title, lang)
    return f"<b>{escape(name)}</b> — {role}\n{escape(title)}\n<i>{escape(person.role_text)}</i>"


async def _speakers(lang: str, facts: FactStore, t: Translator) -> Card:
    people = await facts.people(lang)
    lines = [
        f"<b>{t(lang, 'speakers.title')}</b>",
        *(_person_line(p, t, lang, listed=True) for p in people),
    ]
    buttons = [_card_button(listed_name(p.name, lang), person_card(p.id)) for p in people]
    return Card(Html("\n\n".join(lines)), keyboard(*pairs(buttons), _menu_row(lang, t)))


async def _organizers(lang: str, facts: FactStore, t: Translator) -> Card:
    organizers = await facts.organizations(lang, role="organizer")
    lines = [f"<b>{t(lang, 'organizers.title')}</b>"]
    for summary in organizers:
        org = await facts.organization(summary.id, lang)
        if org:
            name = listed_name(summary.name, lang)
            lines.append(f"<b>{escape(name)}</b>\n{escape(org.role_text)}")
    buttons = [_card_button(listed_name(org_label(o), lang), org_card(o.id)) for o in organizers]
    return Card(
        Html("\n\n".join(lines)),
        keyboard(
            *pairs(buttons),
            [_card_button(t(lang, "button.all_orgs"), CardKey.ORGS), *_menu_row(lang, t)],
        ),
    )


async def _orgs(lang: str, facts: FactStore, t: Translator) -> Card:
    orgs = await facts.organizations(lang)
    # No count: the source names organizations but never says how many took part.
    text = t(lang, "orgs.title")
    buttons = [_card_button(listed_name(org_label(o), lang), org_card(o.id)) for o in orgs]
    return Card(text, keyboard(*[[b] for b in buttons], _menu_row(lang, t)))


async def _org(org_id: str, lang: str, facts: FactStore, t: Translator) -> Card | None:
    org = await facts.organization(org_id, lang)
    return _org_card(org, lang, t) if org else None


def _org_card(org: Organization, lang: str, t: Translator) -> Card:
    summary = org.summary
    title: str = f"<b>{escape(summary.name)}</b>"
    if summary.short_name and summary.short_name != summary.name:
        title = t(lang, "org.title_with_short", name=summary.name, short_name=summary.short_name)
    roles = t(lang, "list_separator").join(t(lang, f"org_role.{role}") for role in summary.roles)
    sections = [f"{title}\n<i>{roles}</i>", escape(org.role_text)]
    if org.founded:
        sections.append(t(lang, "org.founded", date=t.year_month(lang, org.founded)))
    sections.extend(escape(paragraph) for paragraph in org.paragraphs)
    if org.figures:
        figures = "\n".join(
            f"▪️ <b>{t.number(lang, f.value)}</b> — {escape(f.label)}" for f in org.figures
        )
        sections.append(f"<b>{t(lang, 'org.figures')}</b>\n{figures}")
    if org.people:
        people = "\n".join(
            f"• {escape(listed_name(p.name, lang))} — {escape(listed_name(p.title, lang))}"
            for p in org.people
        )
        sections.append(f"<b>{t(lang, 'org.people')}</b>\n{people}")
    if org.contacts:
        contacts = "\n".join(
            t(lang, "org.contact", label=c.label, value=c.value) for c in org.contacts
        )
        sections.append(f"<b>{t(lang, 'org.contacts')}</b>\n{contacts}")
    buttons = [_card_button(listed_name(p.name, lang), person_card(p.id)) for p in org.people]
    markup = keyboard(
        *pairs(buttons),
        [_card_button(t(lang, "button.all_orgs"), CardKey.ORGS), *_menu_row(lang, t)],
    )
    return Card(Html("\n\n".join(sections)), markup)


async def _person(person_id: str, lang: str, facts: FactStore, t: Translator) -> Card | None:
    person = await facts.person(person_id, lang)
    if person is None:
        return None
    sections = [_person_line(person, t, lang)]
    statements = [s for s in await facts.statements(lang) if s.person.id == person.id]
    organization = listed_name(org_label(person.organization), lang)
    rows = [[_card_button(organization, org_card(person.organization.id))]]
    if statements:
        # The role text already says the interview was given; the button opens it.
        rows.append([_card_button(t(lang, "button.interview"), CardKey.INTERVIEW)])
    rows.append([_card_button(t(lang, "button.speakers"), CardKey.SPEAKERS), *_menu_row(lang, t)])
    return Card(Html("\n\n".join(sections)), keyboard(*rows))


async def _interview(lang: str, facts: FactStore, t: Translator) -> Card:
    statements = await facts.statements(lang)
    if not statements:
        return Card(t(lang, "interview.none"), keyboard(_menu_row(lang, t)))
    first = statements[0]
    header = t(
        lang,
        "interview.title",
        person=first.person.name,
        title=first.person.title,
        outlet=first.published_in.name,
    )
    # Reported speech in the source's own words: never inside quotation marks.
    reported = "\n\n".join(f"• {escape(s.text)}" for s in statements)
    markup = keyboard(
        [_card_button(listed_name(first.person.name, lang), person_card(first.person.id))],
        [_card_button(t(lang, "button.source"), CardKey.SOURCE), *_menu_row(lang, t)],
    )
    return Card(Html(f"{header}\n\n{reported}"), markup)


async def _contacts(lang: str, facts: FactStore, t: Translator) -> Card:
    contacts = await facts.contacts(lang)
    lines = [f"<b>{t(lang, 'contacts.title')}</b>"]
    lines += [
        t(
            lang,
            "contacts.item",
            label=c.label,
            organization=listed_name(org_label(c.organization), lang),
            value=c.value,
        )
        for c in contacts
    ]
    return Card(Html("\n\n".join(lines)), keyboard(_menu_row(lang, t)))


async def _source(lang: str, facts: FactStore, t: Translator) -> Card:
    text = await source_html(lang, facts, t)
    # Issue 22: which answers are the organizers' own (the FAQ), and which the article's.
    text = Html(f"{text}\n\n{t(lang, 'faq.source_note')}")
    return Card(
        text, keyboard([_card_button(t(lang, "button.about"), CardKey.ABOUT), *_menu_row(lang, t)])
    )


async def _search_tips(lang: str, facts: FactStore, t: Translator, bot: str) -> Card:
    names = await event_names(facts, lang)
    text = t(lang, "search.tips", featured=names["featured"], city=names["city"], bot=bot)
    return Card(text, keyboard(_menu_row(lang, t)))


async def _help(lang: str, facts: FactStore, t: Translator, bot: str) -> Card:
    names = await event_names(facts, lang)
    commands = "\n".join(
        f"/{name} — {t(lang, f'command.{name}', **names)}" for name in PUBLIC_COMMANDS
    )
    return Card(
        Html(f"{t(lang, 'help.title')}\n\n{commands}\n\n{t(lang, 'help.footer', bot=bot)}"),
        keyboard(_menu_row(lang, t)),
    )


async def _language(lang: str, facts: FactStore, t: Translator) -> Card:
    return Card(t(lang, "language.choose"), language_keyboard(t))


def language_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Language buttons, each labelled in its own language."""
    return keyboard([button(t(code, "language.name"), f"{LANG}:{code}") for code in LANGUAGES])


_SIMPLE: dict[CardKey, Callable[[str, FactStore, Translator], Awaitable[Card]]] = {
    CardKey.WELCOME: _welcome,
    CardKey.ABOUT: _about,
    CardKey.SPEAKERS: _speakers,
    CardKey.ORGANIZERS: _organizers,
    CardKey.ORGS: _orgs,
    CardKey.INTERVIEW: _interview,
    CardKey.CONTACTS: _contacts,
    CardKey.SOURCE: _source,
    CardKey.LANGUAGE: _language,
}
# Cards that tell the user how to mention the bot (@username for inline mode).
_NAMING_THE_BOT: dict[CardKey, Callable[[str, FactStore, Translator, str], Awaitable[Card]]] = {
    CardKey.SEARCH_TIPS: _search_tips,
    CardKey.HELP: _help,
}
assert set(_SIMPLE) | set(_NAMING_THE_BOT) == set(CardKey), "every card key has a renderer"
