"""What the WeChat face says, as plain text: answers, the cards the menu opens, the welcome.

Everything is said with the same catalog messages and the same answer sentences as the
Telegram face (wording/answer_view.py), made plain (wording/text.py): WeChat shows no bold and
no HTML but links. Facts come only from the store.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from urllib.parse import quote

from answers.engine import Answer, AnswerEngine, Fact, Verdict
from storage.cards import CardKey, CardKind, org_card, split_card
from storage.facts import FactStore
from storage.store import Store
from wording.answer_view import fact_html, honest_html, related_html
from wording.i18n import Translator, choose_text
from wording.names import FEATURED_ORGANIZATION, card_title, event_names, org_label
from wording.source import source_html
from wording.text import plain_text, web_text

# The menu's CLICK keys: card keys, plus the news, which is no Telegram card.
NEWS = "news"
MENU_CARDS = (
    CardKey.ABOUT.value,
    CardKey.SPEAKERS.value,
    CardKey.ORGANIZERS.value,
    org_card(FEATURED_ORGANIZATION),
    CardKey.CONTACTS.value,
    CardKey.SOURCE.value,
    NEWS,
)
# The site's pages that mirror a plain card (web/pages.py CARD_PAGES): /<lang>/<card>.
_SITE_PAGES = frozenset(
    {"about", "speakers", "organizers", "orgs", "interview", "contacts", "source"}
)
# Facts shown per answer: the best and at most two close ones, as in Telegram.
FACTS_SHOWN = 3
NEWS_SHOWN = 3
TOPICS_SHOWN = 3
_LINK = re.compile(r"""<a\s+href=(["'])(.*?)\1\s*>(.*?)</a>""", re.DOTALL)
_SCHEMES = ("http://", "https://")


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply's body, its footer (the site link, kept on every part), whether it answered and
    whether it was a question at all (small talk is not)."""

    body: str
    footer: str = ""
    answered: bool = True
    question: bool = True


class Replies:
    """Renders the face's replies in one language from the engine, the store and the catalogs."""

    def __init__(
        self, store: Store, engine: AnswerEngine, translate: Translator, base_url: str | None
    ) -> None:
        self.store = store
        self.engine = engine
        self.t = translate
        self.base_url = base_url.rstrip("/") if base_url else None

    def say(self, lang: str, key: str, /, **params: object) -> str:
        """A catalog message as plain text."""
        return plain_text(self.t(lang, key, **params))

    # ------------------------------------------------------------------ answers

    async def answer(self, query: str, lang: str, conversation: Hashable | None = None) -> Reply:
        """The engine's verdict on `query`, as Telegram shows it: the answering sentence first,
        then close facts; or the honest "the article does not say"; or a small-talk reply.

        `conversation` is the user's conversation for follow-up questions ("where does he
        work?" after "who is Azarov?").
        """
        answer = await self.engine.ask(query, lang, limit=FACTS_SHOWN, conversation=conversation)
        if answer.verdict is Verdict.SMALL_TALK:
            return Reply(plain_text(honest_html(answer, lang, self.t)), question=False)
        if answer.best is None and answer.organizers is None:
            return await self._unanswered(answer, query, lang)
        parts: list[str] = []
        if answer.organizers is not None:  # the organizers' FAQ answers first, marked as theirs
            parts.append(f"{self.say(lang, 'faq.from')}\n{_with_links(answer.organizers.answer)}")
        if answer.best is None:
            return Reply("\n\n".join(parts))
        # The answering sentence first; a guessed spelling is said after it.
        parts.append(self._sentence(answer.best, lang))
        if answer.corrections:
            words = ", ".join(meant for _, meant in answer.corrections)
            parts.append(self.say(lang, "answer.did_you_mean", words=words))
        if answer.others:
            others = "\n".join(f"• {self._sentence(f, lang)}" for f in answer.others)
            parts.append(f"{self.say(lang, 'answer.others')}\n{others}")
        return Reply("\n\n".join(parts), self._site_link(lang, answer.best.card, "more_on_site"))

    def _sentence(self, fact: Fact, lang: str) -> str:
        return plain_text(fact_html(fact, lang, self.t, highlight=False))

    async def _unanswered(self, answer: Answer, query: str, lang: str) -> Reply:
        """What the article does not say: said so first, then what it says nearby, the topics
        the menu opens, and the site's search for the question."""
        facts = self.store.facts
        about = await card_title(answer.about, lang, facts, self.t) if answer.about else None
        parts = [plain_text(honest_html(answer, lang, self.t, about))]
        related = related_html(answer, lang, self.t)
        if related:
            parts.append(plain_text(related))
        keys = [*answer.suggestions, CardKey.ABOUT, CardKey.SPEAKERS]
        keys.append(org_card(FEATURED_ORGANIZATION))
        titles: list[str] = []
        for key in dict.fromkeys(keys):
            title = await card_title(key, lang, facts, self.t, short=True)
            if title and web_text(title) not in titles:
                titles.append(web_text(title))
            if len(titles) == TOPICS_SHOWN:
                break
        separator = self.say(lang, "list_separator") if lang == "zh" else ", "
        parts.append(self.say(lang, "wechat.topics", topics=separator.join(titles)))
        footer = ""
        if self.base_url:
            url = f"{self.base_url}/{lang}/search?q={quote(query[:200])}"
            footer = _link(url, self.say(lang, "wechat.search_on_site"))
        return Reply("\n\n".join(parts), footer, answered=False)

    # ------------------------------------------------------------------ cards

    async def card(self, key: str, lang: str) -> Reply | None:
        """The card a menu key names, or None for an unknown key."""
        if key == NEWS:
            return Reply(await self._news(lang), self._site_path_link(lang, "news"))
        parts = split_card(key)
        if parts is None:
            return None
        kind, ident = parts
        facts = self.store.facts
        body: str | None
        if kind is CardKind.ORG:
            body = await _org(ident, lang, facts, self.t)
        elif kind in _CARDS:
            body = await _CARDS[kind](lang, facts, self.t)
        else:
            return None
        if body is None:
            return None
        return Reply(body, self._site_link(lang, key, "more_on_site"))

    async def welcome(self, lang: str) -> str:
        """What a new follower reads: who we are and what to ask."""
        event = await self.store.facts.event(lang)
        names = await event_names(self.store.facts, lang)
        return self.say(
            lang,
            "wechat.welcome",
            title=event.title,
            date=self.t.date(lang, event.date),
            city=event.city,
            featured=names["featured"],
        )

    async def help(self, lang: str) -> str:
        """How to ask, and how to switch the language."""
        names = await event_names(self.store.facts, lang)
        return self.say(lang, "wechat.help", featured=names["featured"])

    async def _news(self, lang: str) -> str:
        items = await self.store.broadcasts.news(NEWS_SHOWN)
        lines = [self.say(lang, "wechat.news_title")]
        for broadcast, texts in items:
            text = choose_text(texts, lang, lang)
            if text is None:
                continue
            moment = dt.datetime.fromtimestamp(broadcast.queued_at or broadcast.created_at, dt.UTC)
            lines.append(f"{plain_text(self.t.date(lang, moment.date()))}\n{_with_links(text)}")
        if len(lines) == 1:
            return self.say(lang, "wechat.news_empty")
        return "\n\n".join(lines)

    # ------------------------------------------------------------------ links

    def _site_link(self, lang: str, card: str, label: str) -> str:
        parts = split_card(card)
        if parts is None:
            return ""
        kind, ident = parts
        if ident:
            return self._site_path_link(lang, f"{kind}/{ident}", label)
        return self._site_path_link(lang, card if card in _SITE_PAGES else "", label)

    def _site_path_link(self, lang: str, path: str, label: str = "more_on_site") -> str:
        if not self.base_url:
            return ""
        return _link(f"{self.base_url}/{lang}/{path}", self.say(lang, f"wechat.{label}"))


def _link(url: str, text: str) -> str:
    """A link as WeChat shows it in a text message (its only markup)."""
    return f'<a href="{url}">{text}</a>'


def _with_links(telegram_html: str) -> str:
    """An organizer's Telegram HTML as WeChat text: http(s) links kept, other tags dropped."""
    out: list[str] = []
    position = 0
    for match in _LINK.finditer(telegram_html):
        out.append(plain_text(telegram_html[position : match.start()]))
        href, text = html.unescape(match.group(2)), plain_text(match.group(3))
        out.append(_link(href, text) if href.lower().startswith(_SCHEMES) else text)
        position = match.end()
    out.append(plain_text(telegram_html[position:]))
    return "".join(out)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


async def _about(lang: str, facts: FactStore, t: Translator) -> str:
    event = await facts.event(lang)
    organizers = await facts.organizations(lang, role="organizer")
    participants = await facts.organizations(lang, role="participant")
    sections = [
        event.title,
        plain_text(
            t(
                lang,
                "about.when_where",
                date=t.date(lang, event.date),
                city=event.city,
                province=event.province,
            )
        ),
        f"{plain_text(t(lang, 'about.context'))}\n{_bullets(event.context)}",
        f"{plain_text(t(lang, 'about.format'))}\n{_bullets(event.format)}",
        f"{plain_text(t(lang, 'about.presented'))}\n{_bullets(event.presented)}",
        f"{plain_text(t(lang, 'about.organizers'))}\n{_bullets([o.name for o in organizers])}",
        f"{plain_text(t(lang, 'about.participants'))}\n"
        + _bullets([o.name for o in participants] + event.other_participants),
    ]
    return "\n\n".join(sections)


async def _speakers(lang: str, facts: FactStore, t: Translator) -> str:
    lines = [plain_text(t(lang, "speakers.title"))]
    for person in await facts.people(lang):
        role = plain_text(t(lang, f"role.{person.role}"))
        lines.append(f"{person.name} — {role}\n{person.title}\n{person.role_text}")
    return "\n\n".join(lines)


async def _organizers(lang: str, facts: FactStore, t: Translator) -> str:
    lines = [plain_text(t(lang, "organizers.title"))]
    for summary in await facts.organizations(lang, role="organizer"):
        org = await facts.organization(summary.id, lang)
        if org:
            lines.append(f"{summary.name}\n{org.role_text}")
    return "\n\n".join(lines)


async def _org(org_id: str, lang: str, facts: FactStore, t: Translator) -> str | None:
    org = await facts.organization(org_id, lang)
    if org is None:
        return None
    summary = org.summary
    title = summary.name
    if summary.short_name and summary.short_name != summary.name:
        title = plain_text(
            t(lang, "org.title_with_short", name=summary.name, short_name=summary.short_name)
        )
    sections = [title, org.role_text]
    if org.founded:
        sections.append(plain_text(t(lang, "org.founded", date=t.year_month(lang, org.founded))))
    sections.extend(org.paragraphs)
    if org.figures:
        figures = "\n".join(
            f"▪️ {plain_text(t.number(lang, f.value))} — {f.label}" for f in org.figures
        )
        sections.append(f"{plain_text(t(lang, 'org.figures'))}\n{figures}")
    if org.people:
        people = "\n".join(f"• {p.name} — {p.title}" for p in org.people)
        sections.append(f"{plain_text(t(lang, 'org.people'))}\n{people}")
    if org.contacts:
        contacts = "\n".join(
            plain_text(t(lang, "org.contact", label=c.label, value=c.value)) for c in org.contacts
        )
        sections.append(f"{plain_text(t(lang, 'org.contacts'))}\n{contacts}")
    return "\n\n".join(sections)


async def _contacts(lang: str, facts: FactStore, t: Translator) -> str:
    lines = [plain_text(t(lang, "contacts.title"))]
    lines += [
        plain_text(
            t(
                lang,
                "contacts.item",
                label=c.label,
                organization=org_label(c.organization),
                value=c.value,
            )
        )
        for c in await facts.contacts(lang)
    ]
    return "\n\n".join(lines)


async def _source(lang: str, facts: FactStore, t: Translator) -> str:
    return plain_text(await source_html(lang, facts, t))


_CARDS: dict[object, Callable[[str, FactStore, Translator], Awaitable[str]]] = {
    CardKey.ABOUT: _about,
    CardKey.SPEAKERS: _speakers,
    CardKey.ORGANIZERS: _organizers,
    CardKey.CONTACTS: _contacts,
    CardKey.SOURCE: _source,
}
