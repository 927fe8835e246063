"""The site's one door to the answer engine: `ask(engine, store, translate, query, lang)`.

The same engine as the bot's replies (answers/engine.py) and the same sentences
(wording/answer_view.py), so a reader on the web and one in Telegram get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from answers.engine import AnswerEngine, Verdict
from storage.store import Store
from wording.answer_view import fact_html, honest_html
from wording.i18n import Translator
from wording.names import card_title
from wording.text import plain_text, web_text

# Longest query the engine is given (and the page repeats); the rest is cut off.
MAX_QUERY = 200
# The answering fact and at most this many close ones, as in the bot's reply.
FACTS = 3
# Cards offered when nothing answers.
SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Hit:
    """A card to open: its key ("org:jitri"), its title and, for a fact, its sentence."""

    card: str
    title: str
    # The bot's Telegram-safe HTML for the fact (every content field escaped, matched words in
    # <b>), which is valid HTML too; empty for a suggested card.
    sentence: Markup = field(default_factory=Markup)


@dataclass(frozen=True, slots=True)
class Answer:
    """The answering fact first, then other close facts; or, when nothing answers, the honest
    line (the engine's verdict, as the bot says it), related facts and suggested cards."""

    best: Hit | None = None
    others: list[Hit] = field(default_factory=list)
    suggestions: list[Hit] = field(default_factory=list)
    # "The article does not say anything about …" or the small-talk reply; empty if answered.
    honest: Markup = field(default_factory=Markup)
    related: list[Hit] = field(default_factory=list)
    # Issue 22: the organizers' FAQ answer (plain text), shown apart as "From the organizers".
    organizers: str | None = None


async def ask(
    engine: AnswerEngine, store: Store, translate: Translator, query: str, lang: str
) -> Answer:
    """Answer `query` in `lang` with `engine`; the cards' titles come from `store`."""
    found = await engine.ask(query, lang, limit=FACTS)
    facts = store.facts

    async def hit(card: str, sentence: str = "") -> Hit:
        # The bot's sentence without its chat icons, as every catalog message on the site.
        return Hit(
            card,
            (await card_title(card, lang, facts, translate, short=True) or card),
            Markup(web_text(sentence)),
        )

    organizers = plain_text(found.organizers.answer) if found.organizers is not None else None
    if found.best is None:
        cards = list(dict.fromkeys(found.suggestions))[:SUGGESTIONS]
        honest = Markup()
        if found.verdict is Verdict.SMALL_TALK or found.related:
            about = (
                await card_title(found.about, lang, facts, translate, short=True)
                if found.about
                else None
            )
            honest = Markup(web_text(honest_html(found, lang, translate, about)))
        related = [
            await hit(f.card, fact_html(f, lang, translate, highlight=False)) for f in found.related
        ]
        if organizers is not None:  # the organizers answered what the article does not say
            return Answer(organizers=organizers)
        return Answer(
            suggestions=[await hit(card) for card in cards], honest=honest, related=related
        )
    best = await hit(found.best.card, fact_html(found.best, lang, translate))
    others = [await hit(f.card, fact_html(f, lang, translate)) for f in found.others]
    return Answer(best=best, others=others, organizers=organizers)
