"""The site's one door to the answer engine: `ask(store, query, lang)`.

Until the answer engine (issue #16, `store.answers.ask`) lands, the answer is the best
full-text hit of `FactStore.search`; switching is a change to this module only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.store import Store

# Longest query the engine is given (and the page repeats); the rest is cut off.
MAX_QUERY = 200
RESULTS = 10


@dataclass(frozen=True, slots=True)
class Hit:
    """A card that matches: its key ("org:jitri"), its title and a line of its text."""

    card: str
    title: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The answering sentence and its card first, then the other hits and suggestions."""

    sentence: str | None = None
    card: Hit | None = None
    others: list[Hit] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


async def ask(store: Store, query: str, lang: str, limit: int = RESULTS) -> Answer:
    """Answer `query` in `lang` from the store."""
    hits = [Hit(h.card, h.title, h.excerpt) for h in await store.facts.search(query, lang, limit)]
    if not hits:
        return Answer()
    best, *others = hits
    return Answer(sentence=best.excerpt, card=best, others=others)
