"""The answer engine: a question in, a face-neutral verdict and the facts behind it out.

    engine = answer_engine(store)   # bot/services.py, once per process
    answer = await engine.ask("How many researchers does JITRI have?", "en", limit=3,
                              conversation=chat_id)
    answer.verdict          # Verdict.ANSWERED | NOT_IN_ARTICLE | SMALL_TALK | EMPTY
    answer.best.fields      # ANSWERED: {"value": "8000", "label": "researchers working at JITRI"}
    answer.best.marks       # the shown texts split into (segment, matched) pairs for bold
    answer.others, answer.cards, answer.corrections
    answer.asked            # NOT_IN_ARTICLE: the words asked about that the article lacks
    answer.about            # the card of the subject asked about ("org:jitri"), if any
    answer.related          # NOT_IN_ARTICLE: what the article says nearby (never the answer)
    answer.suggestions      # cards to offer when the question is not answered
    answer.talk             # SMALL_TALK: TalkKind.GREETING, THANKS, GOODBYE, IDENTITY, HELP…
    answer.followed         # True when the question was read as referring back to `about`
    engine.note(chat_id, "person:oleg-azarov")   # a pressed card names the subject

Every face (plain messages, /search, inline mode, the web site's search, WeChat) asks the same
`ask` and must show the same verdict: an answer only when ANSWERED; for NOT_IN_ARTICLE a
"the article does not say" line (naming `asked`, and `about`'s title if set) with `related`
below it, never as the first line; for SMALL_TALK a short conversational reply.
`conversation` is any hashable key of a private conversation (a chat id): the engine keeps,
in memory for minutes, only the card the last answer was about (answers/followup.py), so
"а где он работает?" after «кто такой Азаров» is answered about Azarov. Faces that have no
conversation (the site, inline mode) pass None.

Candidates come from bm25 over stemmed/segmented terms in all languages at once (answers/bm25.py,
in memory: the engine runs no SQL and holds no connection; storage hands it the rows of its
tables once per content version, storage/answer_tables.py); they are then ordered by how many of the question's words they cover, whether they are of the kind
the question asks for, whether a figure counts the thing asked about (its label's head,
answers/heads.py), and bm25. The index is read into memory once per content version.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from answers.analysis import Analyzer, normalize
from answers.bm25 import Bm25
from answers.followup import Conversations
from answers.heads import Head, HeadFinder, head_share
from answers.index import known_words
from answers.organizers import FaqMatcher, FaqSource, OrganizersAnswer, phrasing_texts
from answers.questions import PREFIX_MIN_LENGTH, Group, Question, QuestionReader
from answers.talk import SmallTalk
from answers.units import TEXT_FIELDS
from answers.verdict import judge
from answers.vocabulary import AnswerKind, TalkKind, Vocabularies, load_vocabularies
from storage.answer_tables import AnswerTables
from storage.cards import CardKey
from storage.content import LANGUAGES

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
# A fragment this long (too short for a word's prefix) still offers the cards whose words it
# begins, at most this many, when nothing answers.
FRAGMENT_MIN_LENGTH = 3
FRAGMENT_CARDS = 3
# A declined question's candidates are offered as what the article says nearby only when
# they cover at least this share of its words (unknown words included).
RELATED_SHARE = 0.5
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


class Verdict(StrEnum):
    """What the engine made of a message; every face shows the same."""

    # `best` answers the question (with `others` close to it).
    ANSWERED = "answered"
    # The article does not say it: `asked` names what, `related` what it says nearby.
    NOT_IN_ARTICLE = "not_in_article"
    # A greeting, thanks, goodbye, "who are you", "help", a lone emoji: `talk` says which.
    SMALL_TALK = "small_talk"
    # Nothing to read (an empty or blank message).
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    kinds: frozenset[AnswerKind]
    # The answering fact: set exactly when `verdict` is ANSWERED.
    best: Fact | None
    others: list[Fact] = field(default_factory=list)
    # Card keys of the facts shown (best and others, or related), best first, without repeats.
    cards: list[str] = field(default_factory=list)
    # (typed, read as) for words that were guesses: "Did you mean …?"; the word read as is
    # spelled as the content writes it ("JITRI", "Azarov"). Only in an answered question.
    corrections: list[tuple[str, str]] = field(default_factory=list)
    # Cards to offer as buttons when the question is not answered (the related facts' cards).
    suggestions: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.ANSWERED
    # NOT_IN_ARTICLE: the question's words (as typed, case-folded) the article has nothing on.
    asked: tuple[str, ...] = ()
    # The card of the subject the question named or referred back to ("org:jitri"), if any.
    about: str | None = None
    # NOT_IN_ARTICLE: what the article says nearby, best first; to show below the honest line.
    related: list[Fact] = field(default_factory=list)
    # SMALL_TALK: which kind of small talk.
    talk: TalkKind | None = None
    # Whether the question was read as referring back to the conversation's last subject.
    followed: bool = False
    # Issue 22: the organizers' FAQ entry answering the question, if one does (shown apart
    # from the article's facts, as "From the organizers"; answers/organizers.py).
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


@dataclass(frozen=True, slots=True)
class _Scored:
    """A candidate with its score and what the verdict needs of it."""

    unit: _Unit
    score: float
    # How much it covers each of the question's groups, in order.
    shares: tuple[float, ...]
    # How much its label's head is what a number question counts (None: does not apply).
    head: float | None


class _Index:
    """The answer tables of one content version, in memory."""

    def __init__(
        self,
        units: dict[int, _Unit],
        analyzer: Analyzer,
        reader: QuestionReader,
        bm25: Bm25,
        names: dict[str, list[list[frozenset[str]]]],
    ) -> None:
        self.units = units
        self.analyzer = analyzer
        self.reader = reader
        # Issue 22: the organizers' FAQ entries, if any (answers/organizers.py).
        self.faq: FaqMatcher | None = None
        self.bm25 = bm25
        # Organization card -> each of its names as the terms of each word (/org <name>).
        self.names = names
        # What a question can name: a person, an organization, the event. Each such card's
        # names (as terms), and the card of each subject, for follow-ups.
        self.subjects: dict[str, frozenset[str]] = {}
        self.card_of: dict[frozenset[str], str] = {}
        for unit in units.values():
            identity = unit.form in IDENTITY_FORMS or unit.card == CardKey.ABOUT
            if identity and unit.subject and unit.subject not in self.card_of:
                self.card_of[unit.subject] = unit.card
                self.subjects.setdefault(unit.card, unit.subject)


class AnswerEngine:
    """Answers questions from the store's answer index (answers/index.py)."""

    def __init__(
        self,
        tables: AnswerTables,
        extra: FaqSource | None = None,
        default_language: str = LANGUAGES[0],
    ) -> None:
        # Storage's door to the answer tables: read once per content version, never per question.
        self._tables = tables
        # Issue 22: storage's door to the organizers' FAQ, answered beside the article's facts.
        self._extra = extra
        self.default_language = default_language
        self._index: _Index | None = None
        self._vocabularies: Vocabularies | None = None
        self._talk: SmallTalk | None = None
        # What each private conversation was last about (answers/followup.py).
        self.conversations = Conversations()

    def reset(self) -> None:
        """Forget the in-memory index (after the content was reloaded)."""
        self._index = None

    def note(self, conversation: Hashable, card: str) -> None:
        """A card the user opened (a button) names the subject of the next follow-up."""
        index = self._index
        if index is None or card in index.subjects:
            self.conversations.note(conversation, card)

    async def ask(
        self, query: str, lang: str, limit: int = 3, conversation: Hashable | None = None
    ) -> Answer:
        """The article's verdict (`_ask_article`) and, issue 22, the organizers' FAQ entry
        answering the question if one does (not for small talk or an empty message)."""
        answer = await self._ask_article(query, lang, limit, conversation)
        faq = self._index.faq if self._index is not None else None
        if faq is None or answer.verdict not in (Verdict.ANSWERED, Verdict.NOT_IN_ARTICLE):
            return answer
        found = faq.match(query, lang, self.default_language)
        return replace(answer, organizers=found) if found is not None else answer

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

    async def _ask_article(
        self, query: str, lang: str, limit: int = 3, conversation: Hashable | None = None
    ) -> Answer:
        """The verdict on `query` and the facts behind it, phrased in `lang`: the best and up
        to `limit` - 1 more when answered, up to `limit` related facts when not."""
        index = await self._load()
        limit = max(1, min(limit, MAX_LIMIT))
        if not query.strip():
            return Answer(query, frozenset(), None, verdict=Verdict.EMPTY)
        assert self._talk is not None
        talk = self._talk.kind(query)
        if talk is not None:
            return Answer(query, frozenset(), None, verdict=Verdict.SMALL_TALK, talk=talk)
        question = index.reader.read(query)
        named = _named(index, question)
        followed = False
        previous = self.conversations.subject(conversation) if conversation is not None else None
        if (
            previous is not None
            and previous in index.subjects
            and named is None
            and (question.refers or (question.kinds and not question.groups))
        ):
            # "а где он работает?": the question is about the last answer's subject.
            subject = Group(previous, tuple(sorted(index.subjects[previous])))
            question = replace(question, groups=(*question.groups, subject))
            named, followed = previous, True
        # Which words name a person or an organization (the event's title words are common
        # words: "conference", "cooperation").
        subjects = [
            any(
                not terms.isdisjoint(index.reader.expand(g.alternatives))
                for card, terms in index.subjects.items()
                if card != CardKey.ABOUT
            )
            for g in question.groups
        ]
        if AnswerKind.DEFINITION in question.kinds and any(
            g.known and not g.weak and not named_word
            for g, named_word in zip(question.groups, subjects, strict=True)
        ):
            # "what is their email" asks for the e-mail, not what they are: a definition is
            # asked only of a subject named alone ("what is JITRI").
            question = replace(question, kinds=question.kinds - {AnswerKind.DEFINITION})
        ranked = await self._rank(index, question)
        if not ranked:
            return Answer(
                query,
                question.kinds,
                None,
                suggestions=_beginning(index, question),
                verdict=Verdict.NOT_IN_ARTICLE,
                asked=question.unknown or tuple(g.surface for g in question.groups),
                about=named,
                followed=followed,
            )
        top = ranked[0]
        cue_covered = [
            cue
            for cue in question.cues
            if any(term in top.unit.terms for term in index.analyzer.terms(cue)[:1])
        ]
        judgement = judge(question, top.shares, top.unit.kinds, top.head, cue_covered, subjects)
        if judgement.declined:
            # Offered only when it shares enough of the question: a football question has no
            # "nearby" in a materials conference, whatever word it shares...
            grouped = {g.surface for g in question.groups}
            words = len(question.groups) + sum(w not in grouped for w in question.unknown)
            near = [
                c
                for c in ranked
                if not question.groups
                or sum(c.shares) >= RELATED_SHARE * words
                # ...or it is about the person or organization the question names.
                or any(share and naming for share, naming in zip(c.shares, subjects, strict=True))
            ]
            related = [self._fact(index, c.unit, c.score, question, lang) for c in near[:limit]]
            cards = list(dict.fromkeys(fact.card for fact in related))
            if conversation is not None and named is not None:
                # "…and when was it founded?" after a declined question about JITRI.
                self.conversations.note(conversation, named)
            return Answer(
                query,
                question.kinds,
                None,
                cards=cards,
                suggestions=cards,
                verdict=Verdict.NOT_IN_ARTICLE,
                asked=judgement.asked,
                about=named,
                related=related,
                followed=followed,
            )
        best_score = top.score
        close = [c for c in ranked[1:] if c.score >= CLOSE_SHARE * best_score]
        if AnswerKind.DEFINITION in question.kinds:
            # A definition is shown with the name it defines: the defined thing's own line
            # comes right after the sentence defining it.
            owner = top.unit.owner
            close.sort(key=lambda c: c.unit.id != owner)
        chosen = [top, *close[: limit - 1]]
        facts = [self._fact(index, c.unit, c.score, question, lang) for c in chosen]
        about = named or index.card_of.get(top.unit.subject)
        if conversation is not None and about is not None:
            self.conversations.note(conversation, about)
        # "Did you mean" only for a guess the answer bears out: the fact has the word.
        corrected = {
            g.surface for g, share in zip(question.groups, top.shares, strict=False) if share
        }
        return Answer(
            query,
            question.kinds,
            facts[0],
            facts[1:],
            list(dict.fromkeys(fact.card for fact in facts)),
            [pair for pair in question.corrections if normalize(pair[0]) in corrected],
            about=about,
            followed=followed,
        )

    async def organizations(self, name: str) -> list[str]:
        """Ids of the organizations `name` names (any language, alias, declension, typo or
        transliteration, as a question reads them), the one the name covers most first.

        Every word of the name must be among an organization's names: "Цзянсу" lists each
        organization of the province, "nonexistent org" none. One matcher for "what did the
        user mean": /org <name> reads names as questions do.
        """
        index = await self._load()
        question = index.reader.read(name)
        groups = [g for g in question.groups if not g.weak]
        if not groups or question.unknown:
            return []
        # A word's own terms and synonyms; not its parts (研究院 of a Chinese full name).
        words = [
            index.reader.expand(g.alternatives) | index.reader.exact(set(g.synonyms) - set(g.parts))
            for g in groups
        ]
        found: list[tuple[float, str]] = []
        for unit in index.units.values():
            if unit.form != "organization" or not all(
                not unit.subject.isdisjoint(terms) for terms in words
            ):
                continue
            # The name the words cover most: "江苏" is all of 江苏产研院, a third of 江苏省科学技术厅.
            wanted = frozenset().union(*words)
            share = max(
                (
                    sum(not terms.isdisjoint(wanted) for terms in name) / len(name)
                    for name in index.names.get(unit.card, [])
                ),
                default=0.0,
            )
            found.append((share, unit.card))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return [card.partition(":")[2] for _, card in found]

    async def _rank(self, index: _Index, question: Question) -> list[_Scored]:
        """The candidates (answers/engine.py `_candidates`), scored and ordered best first."""
        scores = await self._candidates(index, question)
        if not scores:
            return []
        top = max(scores.values(), default=0.0) or 1.0
        scorer = _Scorer(index, question)
        ranked = [
            scored
            for unit_id, bm25 in scores.items()
            if (scored := scorer.score(index.units[unit_id], max(bm25, 0.0) / top)) is not None
        ]
        ranked.sort(key=lambda c: (c.score, -c.unit.id), reverse=True)
        return ranked

    async def _candidates(self, index: _Index, question: Question) -> dict[int, float]:
        """Unit id -> bm25 of every unit that may answer: sharing a word, or of the asked kind."""
        groups = question.groups
        if groups:
            # bm25 over the words and their synonyms; facts having only a translation of a
            # word (another language's word of its meaning) are candidates without it.
            scores = dict.fromkeys(
                index.bm25.search((t for g in groups for t in g.translations), CANDIDATES), 0.0
            )
            scores.update(
                index.bm25.search(
                    (t for g in groups for t in (*g.alternatives, *g.synonyms)), CANDIDATES
                )
            )
            # Facts of the asked kind are candidates even when only their owner has the words.
            for unit in index.units.values():
                if unit.owner is not None and unit.kinds & question.kinds:
                    scores.setdefault(unit.id, 0.0)
            return scores
        if question.kinds:
            return {unit.id: 0.0 for unit in index.units.values() if unit.kinds & question.kinds}
        return {}

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
            self._talk = SmallTalk(self._vocabularies)
        tables = await self._tables.read()
        rows = tables.units
        lexicon = {str(r[0]): int(r[1]) for r in tables.lexicon}
        words = known_words(((str(r[0]), str(r[1])) for r in tables.words), self._vocabularies)
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
        documents = ((int(r[0]), str(r[1]), str(r[2])) for r in tables.documents)
        names: dict[str, list[list[frozenset[str]]]] = {}
        for name, org_id in tables.names:
            spelled = [frozenset(word.terms) for word in analyzer.words(str(name))]
            if spelled:
                names.setdefault(f"org:{org_id}", []).append(spelled)
        bm25 = Bm25(documents, PREFIX_MIN_LENGTH)
        index = _Index(units, analyzer, reader, bm25, names)
        # Issue 22: the organizers' FAQ, read by a reader of its own that also knows the FAQ's
        # words (never "corrected" into the article's); the article's reader is untouched.
        entries = await self._extra.entries() if self._extra is not None else []
        if entries:
            faq_terms = terms | {
                t for text in phrasing_texts(entries) for t in analyzer.terms(text)
            }
            faq_reader = QuestionReader(self._vocabularies, analyzer, words, faq_terms)
            index.faq = FaqMatcher(entries, faq_reader)
        self._index = index
        return self._index


class _Scorer:
    """The score of a candidate for one question: named weights, summed.

    Covering the question's words matters most (COVERAGE_WEIGHT), then being of the asked kind
    (KIND_WEIGHT), counting what a number question counts (HEAD_WEIGHT), bm25 (BM25_WEIGHT)
    and being the named subject's own line (IDENTITY_WEIGHT).
    """

    def __init__(self, index: _Index, question: Question) -> None:
        self.index = index
        self.question = question
        groups = question.groups
        # Each word's matching index terms, found once: a unit then covers it by set overlap.
        self.matching = [
            (
                index.reader.expand(g.alternatives),
                index.reader.exact((*g.synonyms, *g.translations)),
            )
            for g in groups
        ]
        # What the question names (not the parts of its words), for the figures' heads.
        self.wanted: frozenset[str] = frozenset().union(
            *(
                own - set(g.parts) | synonyms - set(g.parts)
                for g, (own, synonyms) in zip(groups, self.matching, strict=True)
            )
        )
        # A label's head matters when a number is asked for, or nothing is ("startups"), not
        # when the question asks for something else ("what fields do the research units cover").
        self.counting = AnswerKind.NUMBER in question.kinds or not question.asking

    def score(self, unit: _Unit, bm25: float) -> _Scored | None:
        """`unit` scored (bm25 scaled to 0..1 among the candidates); None if it covers nothing."""
        question, groups, index = self.question, self.question.groups, self.index
        owner = (
            index.units[unit.owner].terms
            if unit.owner is not None and unit.kinds & question.kinds
            else frozenset()
        )
        shares = tuple(
            max(
                _coverage(unit.terms, own, synonyms),
                OWNER_SHARE * _coverage(owner, own, synonyms),
            )
            for own, synonyms in self.matching
        )
        if unit.heads and head_share(unit.heads, self.wanted) == 1.0:
            # A figure whose head is wholly what is asked, named by a synonym, counts it as much
            # as one naming it by the word itself: 研究人员 asks for the 科研人员 (researchers),
            # not for the 杰出研究人员 (distinguished researchers) whose label has the word.
            head_terms = frozenset().union(*(terms for head in unit.heads for terms, _ in head))
            shares = tuple(
                1.0 if share == SYNONYM_SHARE and not synonyms.isdisjoint(head_terms) else share
                for share, (_, synonyms) in zip(shares, self.matching, strict=True)
            )
        covered = sum(shares)
        if groups and not covered:
            return None
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
            for g, (own, _) in zip(groups, self.matching, strict=True)
            if not g.weak or not unit.subject.isdisjoint(own)
        ]
        # A question naming only this subject ("Азаров", "где находится JITRI"), whatever
        # it asks, is best met by the subject's own line when nothing of its kind is known.
        identity = (unit.form in IDENTITY_FORMS and bool(names) and all(names)) or (
            AnswerKind.DEFINITION in question.kinds & unit.kinds and any(names)
        )
        head_fit = head_share(unit.heads, self.wanted) if unit.heads else 0.0
        score = (
            COVERAGE_WEIGHT * coverage
            + KIND_WEIGHT * kind
            + HEAD_WEIGHT * coverage * self.counting * head_fit
            + BM25_WEIGHT * bm25
            + IDENTITY_WEIGHT * identity
        )
        # The head decides a verdict only for a number question naming what it counts, not
        # just whose figures ("JITRI в цифрах").
        counts_named = any(
            unit.subject.isdisjoint(own)
            for g, (own, _) in zip(groups, self.matching, strict=True)
            if not g.weak
        )
        head = (
            head_fit
            if unit.form == "figure" and AnswerKind.NUMBER in question.kinds and counts_named
            else None
        )
        return _Scored(unit, score, shares, head)


def _beginning(index: _Index, question: Question) -> list[str]:
    """Cards having a word that a fragment of the question begins ("lil" of lily@jitri.org),
    for a question too short to read: the closest cards to offer, fewest first."""
    terms = {
        term
        for g in question.groups
        if len(g.surface) >= FRAGMENT_MIN_LENGTH and not g.weak
        for term in index.reader.beginning(normalize(g.surface))
    }
    if not terms:
        return []
    cards = [unit.card for unit in index.units.values() if not unit.terms.isdisjoint(terms)]
    return list(dict.fromkeys(cards))[:FRAGMENT_CARDS]


def _named(index: _Index, question: Question) -> str | None:
    """The card of the subject the question names: a person or an organization, else the event."""
    words = [index.reader.expand(g.alternatives) for g in question.groups if not g.weak]
    found = [
        card
        for card, subject in index.subjects.items()
        if any(not subject.isdisjoint(terms) for terms in words)
    ]
    found.sort(key=lambda card: card == CardKey.ABOUT)
    return found[0] if found else None


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
