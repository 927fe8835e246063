"""The answer engine: a question in, the facts that answer it out, best first.

    answer = await store.answers.ask("How many researchers does JITRI have?", "en", limit=3)
    answer.best.fields      # {"value": "8000", "label": "researchers working at JITRI"}
    answer.best.marks       # the shown texts split into (segment, matched) pairs for bold
    answer.others, answer.cards, answer.corrections, answer.suggestions

Candidates come from FTS5 (bm25 over stemmed/segmented terms in all languages at once); they
are then ordered by how many of the question's words they cover, whether they are of the kind
the question asks for, whether a figure counts the thing asked about (its label's head,
answers/heads.py), and bm25. The index is read into memory once per content version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import aiosqlite

from answers.analysis import Analyzer
from answers.heads import Head, HeadFinder, head_share
from answers.index import known_words
from answers.organizers import FaqMatcher, FaqSource, OrganizersAnswer, phrasing_texts
from answers.questions import PREFIX_MIN_LENGTH, Group, Question, QuestionReader
from answers.units import TEXT_FIELDS
from answers.vocabulary import AnswerKind, Vocabularies, load_vocabularies
from storage.content import LANGUAGES
from storage.facts import FactStore, SearchHit

CANDIDATES = 60
MAX_LIMIT = 50
# Weights of the ranking: covering the question's words matters most, then its kind, then bm25.
COVERAGE_WEIGHT = 4.0
KIND_WEIGHT = 2.5
BM25_WEIGHT = 1.0
# Kinds that partly answer a question asking for another, and how much. "Who" is answered by
# organizations nearly as well as by people ("who organized the conference").
RELATED_KINDS = {
    AnswerKind.PERSON: {AnswerKind.ORGANIZATION: 0.8},
    AnswerKind.DEFINITION: {AnswerKind.ORGANIZATION: 0.5, AnswerKind.STATEMENT: 0.5},
}
# A figure whose label's head is the asked word counts that thing ("how many startups": the
# startups, not the companies they serve); scaled by coverage, as a figure that leaves
# words of the question unmatched answers something narrower than asked.
HEAD_WEIGHT = 2.0
# A fact that matches a word only through a synonym covers it this much.
SYNONYM_SHARE = 0.8
# How much a lone Chinese character of the question counts when a fact lacks it.
WEAK_SHARE = 0.5
# A fact of the asked kind that belongs to an organization (its figures, founding date, e-mail)
# covers a word its organization's own line covers this much: «как связаться с организаторами»
# asks for the contact of whoever the organizers are.
OWNER_SHARE = 0.8
# A value stated as such (a figure, a date, a place…) answers its kind better than a sentence
# that merely mentions one. Definitions and statements are sentences by nature.
SENTENCE_KIND_SHARE = 0.6
SENTENCE_KINDS = frozenset({AnswerKind.DEFINITION, AnswerKind.STATEMENT})
# Asked for a name alone, the card's own identity fact comes first; asked what something is,
# the facts defining it (its description, or its role line when it has none).
IDENTITY_WEIGHT = 1.0
IDENTITY_FORMS = frozenset({"organization", "person"})
# Another fact is shown beside the best one only if it scores at least this share of it.
CLOSE_SHARE = 0.6

Marks = list[tuple[str, bool]]


@dataclass(frozen=True, slots=True)
class Fact:
    """One answering unit, in the asked language."""

    card: str
    form: str
    kinds: frozenset[str]
    fields: dict[str, str]
    # Shown text fields split into (segment, is a matched word) pairs, for highlighting.
    marks: dict[str, Marks]
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    kinds: frozenset[AnswerKind]
    best: Fact | None
    others: list[Fact] = field(default_factory=list)
    # Card keys of the facts, best first, without repeats.
    cards: list[str] = field(default_factory=list)
    # (typed, read as) for words that were guesses: "Did you mean …?"; the word read as is
    # spelled as the content writes it ("JITRI", "Azarov").
    corrections: list[tuple[str, str]] = field(default_factory=list)
    # When nothing answers: the closest cards by substring match, for buttons.
    suggestions: list[SearchHit] = field(default_factory=list)
    # Issue 22: the organizers' FAQ entry answering the question, if one does (shown apart
    # from the article's facts, as "From the organizers").
    organizers: OrganizersAnswer | None = None


@dataclass(frozen=True, slots=True)
class _Unit:
    id: int
    card: str
    form: str
    kinds: frozenset[str]
    fields: dict[str, dict[str, str]]
    subject: frozenset[str]
    terms: frozenset[str]
    # A figure's label heads, one per language (answers/heads.py).
    heads: tuple[Head, ...] = ()
    # The organization line of the organization this fact belongs to (same subject), if any.
    owner: int | None = None


class _Index:
    """The answer tables of one content version, in memory."""

    def __init__(
        self,
        units: dict[int, _Unit],
        analyzer: Analyzer,
        reader: QuestionReader,
        faq: FaqMatcher | None = None,
    ) -> None:
        self.units = units
        self.analyzer = analyzer
        self.reader = reader
        self.faq = faq


class AnswerEngine:
    """Answers questions from the store's answer index (answers/index.py)."""

    def __init__(
        self,
        connection: aiosqlite.Connection,
        facts: FactStore,
        extra: FaqSource | None = None,
        default_language: str = LANGUAGES[0],
    ) -> None:
        self._db = connection
        self._facts = facts
        # Issue 22: the organizers' FAQ entries, answered beside the article's facts.
        self._extra = extra
        self.default_language = default_language
        self._index: _Index | None = None
        self._vocabularies: Vocabularies | None = None

    def reset(self) -> None:
        """Forget the in-memory index (after the content was reloaded)."""
        self._index = None

    async def ask(self, query: str, lang: str, limit: int = 3) -> Answer:
        """The facts answering `query`, phrased in `lang`: the best and up to `limit` - 1 more."""
        index = await self._load()
        question = index.reader.read(query)
        limit = max(1, min(limit, MAX_LIMIT))
        ranked = await self._rank(index, question)
        # Issue 22: the organizers' FAQ is answered beside the facts (answers/organizers.py).
        organizers = index.faq.match(query, lang, self.default_language) if index.faq else None
        if not ranked:
            hits = await self._facts.search(query, lang, limit=3) if query.strip() else []
            return Answer(query, question.kinds, None, suggestions=hits, organizers=organizers)
        best_score = ranked[0][1]
        close = [pair for pair in ranked[1:] if pair[1] >= CLOSE_SHARE * best_score]
        if AnswerKind.DEFINITION in question.kinds:
            # A definition is shown with the name it defines: the defined thing's own line
            # comes right after the sentence defining it.
            owner = ranked[0][0].owner
            close.sort(key=lambda pair: pair[0].id != owner)
        chosen = [ranked[0], *close[: limit - 1]]
        facts = [self._fact(index, unit, score, question, lang) for unit, score in chosen]
        return Answer(
            query,
            question.kinds,
            facts[0],
            facts[1:],
            list(dict.fromkeys(fact.card for fact in facts)),
            list(question.corrections),
            organizers=organizers,
        )

    async def normal_form(self, text: str) -> str:
        """How the engine reads `text`, as one key: its words' own terms (stems, segmented
        Chinese), question words and filler left out, sorted. Similar wordings of a question
        share it ("Where is the hotel?", "hotel where"): the unanswered report groups by it."""
        index = await self._load()
        groups = index.reader.read(text).groups
        terms = {g.alternatives[0] for g in groups if g.alternatives}
        if not terms:
            terms = set(index.analyzer.terms(text))
        return " ".join(sorted(terms))

    async def _rank(self, index: _Index, question: Question) -> list[tuple[_Unit, float]]:
        groups = question.groups
        if groups:
            # bm25 over the words and their synonyms; facts having only a translation of a
            # word (another language's word of its meaning) are candidates without it.
            scores = dict.fromkeys(
                await self._search(t for g in groups for t in g.translations), 0.0
            )
            scores.update(
                await self._search(t for g in groups for t in (*g.alternatives, *g.synonyms))
            )
            # Facts of the asked kind are candidates even when only their owner has the words.
            for unit in index.units.values():
                if unit.owner is not None and unit.kinds & question.kinds:
                    scores.setdefault(unit.id, 0.0)
        elif question.kinds:
            scores = {unit.id: 0.0 for unit in index.units.values() if unit.kinds & question.kinds}
        else:
            return []
        top = max(scores.values(), default=0.0) or 1.0
        # Each word's matching index terms, found once: a unit then covers it by set overlap.
        matching = [
            (
                index.reader.expand(g.alternatives),
                index.reader.exact((*g.synonyms, *g.translations)),
            )
            for g in groups
        ]
        # What the question names (not the parts of its words), for the figures' heads.
        wanted = frozenset().union(
            *(
                own - set(g.parts) | synonyms - set(g.parts)
                for g, (own, synonyms) in zip(groups, matching, strict=True)
            )
        )
        # A label's head matters when a number is asked for, or nothing is ("startups"), not when
        # the question asks for something else ("what fields do the research units cover").
        counting = AnswerKind.NUMBER in question.kinds or not question.asking
        ranked = []
        for unit_id, bm25 in scores.items():
            unit = index.units[unit_id]
            owner = (
                index.units[unit.owner].terms
                if unit.owner is not None and unit.kinds & question.kinds
                else frozenset()
            )
            shares = [
                max(
                    _coverage(unit.terms, own, synonyms),
                    OWNER_SHARE * _coverage(owner, own, synonyms),
                )
                for own, synonyms in matching
            ]
            covered = sum(shares)
            if groups and not covered:
                continue
            # A lone Chinese character (新 of 新材料) is often only part of a word the index
            # holds whole (长江三角洲地区新材料研究院): missing it costs half a word.
            counted = sum(
                WEAK_SHARE if g.weak and not share else 1.0
                for g, share in zip(groups, shares, strict=True)
            )
            coverage = covered / counted if counted else 0.0
            kind = _kind_match(unit.kinds, question.kinds)
            if unit.form == "text" and not unit.kinds & question.kinds & SENTENCE_KINDS:
                kind *= SENTENCE_KIND_SHARE
            names = [
                not unit.subject.isdisjoint(own)
                for g, (own, _) in zip(groups, matching, strict=True)
                if not g.weak or not unit.subject.isdisjoint(own)
            ]
            # A question naming only this subject ("Азаров", "где находится JITRI"), whatever
            # it asks, is best met by the subject's own line when nothing of its kind is known.
            identity = (unit.form in IDENTITY_FORMS and bool(names) and all(names)) or (
                AnswerKind.DEFINITION in question.kinds & unit.kinds and any(names)
            )
            score = (
                COVERAGE_WEIGHT * coverage
                + KIND_WEIGHT * kind
                + HEAD_WEIGHT * coverage * counting * head_share(unit.heads, wanted)
                + BM25_WEIGHT * max(bm25, 0.0) / top
                + IDENTITY_WEIGHT * identity
            )
            ranked.append((unit, score, -unit.id))
        ranked.sort(key=lambda item: (item[1], item[2]), reverse=True)
        return [(unit, score) for unit, score, _ in ranked]

    async def _search(self, terms: Iterable[str]) -> dict[int, float]:
        """Units having any of `terms` (as prefixes when long enough), with their bm25."""
        expression = " OR ".join(dict.fromkeys(_fts_term(term) for term in terms))
        if not expression:
            return {}
        rows = await self._db.execute_fetchall(
            "SELECT rowid, bm25(answer_index, 2.0, 1.0) FROM answer_index"
            " WHERE answer_index MATCH ? ORDER BY rank LIMIT ?",
            (expression, CANDIDATES),
        )
        return {int(row[0]): -float(row[1]) for row in rows}

    def _fact(
        self, index: _Index, unit: _Unit, score: float, question: Question, lang: str
    ) -> Fact:
        fields = unit.fields[lang]
        marks = {
            name: _marks(index.analyzer, text, question.groups)
            for name, text in fields.items()
            if name in TEXT_FIELDS
        }
        return Fact(unit.card, unit.form, unit.kinds, fields, marks, score)

    async def _load(self) -> _Index:
        if self._index is not None:
            return self._index
        if self._vocabularies is None:
            self._vocabularies = load_vocabularies()[0]
        rows = await self._db.execute_fetchall(
            "SELECT id, card, form, kinds, fields, subject_terms, terms FROM answer_units"
        )
        lexicon = {
            str(r[0]): int(r[1])
            for r in await self._db.execute_fetchall("SELECT word, freq FROM answer_lexicon")
        }
        spelled = await self._db.execute_fetchall("SELECT form, term FROM answer_words")
        words = known_words(((str(r[0]), str(r[1])) for r in spelled), self._vocabularies)
        analyzer = Analyzer(lexicon)
        finders = {lang: HeadFinder(analyzer, self._vocabularies[lang]) for lang in LANGUAGES}
        units = {}
        for r in rows:
            fields, subject = json.loads(r[4]), frozenset(r[5].split())
            heads = (
                tuple(finders[lang].head(fields[lang]["label"], subject) for lang in LANGUAGES)
                if r[2] == "figure"
                else ()
            )
            units[int(r[0])] = _Unit(
                int(r[0]),
                r[1],
                r[2],
                frozenset(r[3].split(",")),
                fields,
                subject,
                frozenset(r[6].split()),
                heads,
            )
        # A fact belongs to the organization whose names are its subject.
        owners = {u.subject: u.id for u in units.values() if u.form == "organization"}
        for unit_id, unit in list(units.items()):
            owner = owners.get(unit.subject)
            if owner is not None and owner != unit_id:
                units[unit_id] = replace(unit, owner=owner)
        terms = {term for unit in units.values() for term in unit.terms}
        reader = QuestionReader(self._vocabularies, analyzer, words, terms)
        # Issue 22: the organizers' FAQ, read by a reader of its own that also knows the FAQ's
        # words (never "corrected" into the article's); the article's reader is untouched.
        entries = await self._extra.entries() if self._extra is not None else []
        faq = None
        if entries:
            faq_terms = terms | {
                t for text in phrasing_texts(entries) for t in analyzer.terms(text)
            }
            faq_reader = QuestionReader(self._vocabularies, analyzer, words, faq_terms)
            faq = FaqMatcher(entries, faq_reader)
        self._index = _Index(units, analyzer, reader, faq)
        return self._index


def _fts_term(term: str) -> str:
    quoted = '"' + term.replace('"', '""') + '"'
    return f"{quoted}*" if len(term) >= PREFIX_MIN_LENGTH else quoted


def _coverage(terms: frozenset[str], own: frozenset[str], synonyms: frozenset[str]) -> float:
    """1 if the unit has one of the word's own terms, less through a synonym only, else 0."""
    if not terms.isdisjoint(own):
        return 1.0
    return SYNONYM_SHARE if not terms.isdisjoint(synonyms) else 0.0


def _kind_match(kinds: frozenset[str], wanted: frozenset[AnswerKind]) -> float:
    if not wanted:
        return 0.0
    if kinds & wanted:
        return 1.0
    return max(
        (
            share
            for want in wanted
            for kind, share in RELATED_KINDS.get(want, {}).items()
            if kind in kinds
        ),
        default=0.0,
    )


def _marks(analyzer: Analyzer, text: str, groups: tuple[Group, ...]) -> Marks:
    """`text` split into segments, the words matching a question word marked."""
    wanted = {term for g in groups for term in (*g.alternatives, *g.synonyms, *g.translations)}
    if not wanted:
        return [(text, False)]
    marks: Marks = []
    position = 0
    for word in analyzer.words(text):
        if not any(_matches(term, wanted) for term in word.terms[:1]):
            continue
        if word.start > position:
            marks.append((text[position : word.start], False))
        marks.append((text[word.start : word.end], True))
        position = word.end
    if position < len(text):
        marks.append((text[position:], False))
    return marks


def _matches(term: str, wanted: set[str]) -> bool:
    return term in wanted or any(len(w) >= PREFIX_MIN_LENGTH and term.startswith(w) for w in wanted)
