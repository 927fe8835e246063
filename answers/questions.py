"""Reading a question: what kind of answer it wants, and which words to search for.

Question phrases of every language ("how many" and its Russian and Chinese kin) are taken out and give the
wanted kinds; filler is dropped; each remaining word becomes a group of alternative terms — its
own stem(s) and those of its synonyms, and the words of its meaning in the other languages. A word the index does not know is looked up among the
known word forms (and their Latin transliterations), then matched fuzzily (rapidfuzz,
Jaro-Winkler) so "Azorav", "jitry" and "Hu Idun" still find their facts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from answers.analysis import CJK_RUN, Analyzer, normalize
from answers.vocabulary import AnswerKind, Vocabularies, meanings

# Longest question we read; the rest is ignored (a question, not an essay).
MAX_QUESTION = 300
MAX_GROUPS = 10
# How close a typed word must be to a known one to be read as it (Jaro-Winkler similarity).
FUZZY_CUTOFF = 0.88
FUZZY_MIN_LENGTH = 4
# A prefix shorter than this would match too many words ("ра*").
PREFIX_MIN_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Group:
    """One word of the question: the terms any of which counts as a match for it."""

    surface: str
    alternatives: tuple[str, ...]
    # Terms of synonyms only: a fact that matches just these covers the word less.
    synonyms: tuple[str, ...] = ()
    # The known word the typed word was read as, when it was a guess, as the content spells it.
    corrected: str | None = None
    # Which of `synonyms` are parts of the word ("企业" of 初创企业, "mail" of e-mail), not
    # words meaning the same: they come close to a fact, but do not name what it counts.
    parts: tuple[str, ...] = ()
    # Terms of the words meaning the same in the vocabularies' `meanings` (other languages'
    # words too): they cover the word like synonyms, but do not add to bm25, or a fact whose
    # three translations all use the word would outrank one that says it only in one.
    translations: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        """A lone Chinese character: often only part of a word the question meant."""
        return len(self.surface) == 1 and CJK_RUN.fullmatch(self.surface) is not None


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    kinds: frozenset[AnswerKind]
    groups: tuple[Group, ...]
    corrections: tuple[tuple[str, str], ...] = field(default=())
    # Whether it has a question word at all ("what fields…", not just "startups").
    asking: bool = False


class QuestionReader:
    """Turns question text into a `Question`, using the vocabularies and the index's words."""

    def __init__(
        self,
        vocabularies: Vocabularies,
        analyzer: Analyzer,
        known_words: dict[str, tuple[str, str]],
        known_terms: set[str],
    ) -> None:
        self.analyzer = analyzer
        # Case-folded word form (or its transliteration) -> its term.
        self.known_forms = {form: term for form, (term, _) in known_words.items()}
        # ... -> the word as the content writes it, to show in "Did you mean …?".
        self.spelling = {form: spelling for form, (_, spelling) in known_words.items()}
        self.known_terms = known_terms
        self._form_list = [form for form in self.known_forms if len(form) >= FUZZY_MIN_LENGTH - 1]
        self._prefixes = sorted(known_terms)
        phrases: dict[str, AnswerKind | None] = {}
        self.filler: set[str] = set()
        self.synonyms: dict[str, set[str]] = {}
        # Multi-word members of synonym groups ("set up", «за рубежом»): read as one word.
        self.phrase_synonyms: dict[str, set[str]] = {}
        for vocabulary in vocabularies.values():
            for phrase, kind in vocabulary.questions.phrases():
                key = normalize(phrase)
                if phrases.get(key) is None:
                    phrases[key] = kind
            for word in vocabulary.words.filler:
                self.filler.add(normalize(word))
                self.filler.update(term for w in analyzer.words(word) for term in w.terms[:1])
            for group in vocabulary.words.synonyms:
                self._add_synonyms(group)
            # A meaning's words are synonyms in their language...
            for group in vocabulary.meanings.values():
                self._add_synonyms(group)
        # ...and translations across languages (one-word members only).
        self.translations: dict[str, set[str]] = {}
        for group in meanings(vocabularies).values():
            analyzed = [self.analyzer.words(member) for member in group]
            terms = {w[0].terms[0] for w in analyzed if len(w) == 1}
            for term in terms:
                self.translations.setdefault(term, set()).update(terms)
        self.kind_of = phrases
        ordered = sorted(phrases, key=len, reverse=True)
        words = [re.escape(p) for p in ordered if not CJK_RUN.search(p)]
        self._phrase = re.compile(f"(?<![^\\W_])(?:{'|'.join(words) or '(?!)'})(?![^\\W_])")
        # Chinese has no spaces: its phrases are matched on the segmenter's word boundaries
        # (`_chinese_phrases`), or 在哪 would be read inside 研究所/在/哪些.
        self._chinese: dict[str, list[str]] = {}
        for phrase in ordered:
            if CJK_RUN.fullmatch(phrase):
                self._chinese.setdefault(phrase[0], []).append(phrase)
        joined = sorted(self.phrase_synonyms, key=len, reverse=True)
        self._joined = re.compile(
            f"(?<![^\\W_])(?:{'|'.join(re.escape(p) for p in joined) or '(?!)'})(?![^\\W_])"
        )

    def _add_synonyms(self, group: Iterable[str]) -> None:
        terms: set[str] = set()
        phrases = []
        for member in group:
            words = self.analyzer.words(member)
            # Only one-word members expand: a phrase's separate words mean something else.
            if len(words) == 1:
                terms.update(words[0].terms[:1])
            elif words and not CJK_RUN.search(member):
                phrases.append(normalize(member))
        for term in terms:
            self.synonyms.setdefault(term, set()).update(terms)
        for phrase in phrases:
            self.phrase_synonyms.setdefault(phrase, set()).update(terms)

    def read(self, text: str) -> Question:
        """What `text` asks."""
        folded = normalize(text[:MAX_QUESTION])
        kinds: set[AnswerKind] = set()
        spans = [match.span() for match in self._phrase.finditer(folded)]
        spans += self._chinese_phrases(folded)
        for start, end in spans:
            kind = self.kind_of.get(folded[start:end])
            if kind is not None:
                kinds.add(kind)
        asking = bool(spans)
        rest = folded
        for start, end in sorted(spans, reverse=True):
            rest = f"{rest[:start]} {rest[end:]}"
        groups: list[Group] = []
        for match in self._joined.finditer(rest):
            phrase = match.group()
            own = tuple(
                dict.fromkeys(
                    w.terms[0]
                    for w in self.analyzer.words(phrase)
                    if normalize(w.surface) not in self.filler and w.terms[0] not in self.filler
                )
            )
            if own:
                synonyms = sorted(self.phrase_synonyms[phrase] - set(own))
                groups.append(Group(phrase, own, tuple(synonyms)))
        rest = self._joined.sub(" ", rest)
        corrections: list[tuple[str, str]] = []
        seen: set[str] = set()
        for word in self.analyzer.words(rest):
            surface = normalize(word.surface)
            if surface in self.filler or word.terms[0] in self.filler or surface in seen:
                continue
            if CJK_RUN.fullmatch(surface) and len(surface) == 1 and surface not in self.known_terms:
                continue  # a lone Chinese character the facts never use as a word
            seen.add(surface)
            group = self._group(surface, word.terms)
            if group.corrected:
                corrections.append((word.surface, group.corrected))
            groups.append(group)
        return Question(
            text, frozenset(kinds), tuple(groups[:MAX_GROUPS]), tuple(corrections), asking
        )

    def _chinese_phrases(self, folded: str) -> list[tuple[int, int]]:
        """Where `folded` has Chinese question phrases: each starts and ends where a word does."""
        # A phrase may span words (地址/在哪); inside a longer word it counts only as one of
        # the segmenter's own sub-words of it (时间 of 成立时间), never across a boundary.
        if not self._chinese:
            return []
        words = [w for w in self.analyzer.words(folded) if CJK_RUN.fullmatch(w.surface)]
        ends = {w.end for w in words}
        spans: list[tuple[int, int]] = []
        reached = 0
        for word in words:
            if word.start < reached:
                continue
            found = next(
                (
                    phrase
                    for phrase in self._chinese.get(folded[word.start], ())
                    if word.start + len(phrase) in ends and folded.startswith(phrase, word.start)
                ),
                None,
            )
            if found is not None:
                reached = word.start + len(found)
                spans.append((word.start, reached))
                continue
            for part in word.terms[1:]:
                if part in self.kind_of and CJK_RUN.fullmatch(part):
                    start = word.start + word.surface.find(part)
                    spans.append((start, start + len(part)))
                    break
        return spans

    def _group(self, surface: str, terms: tuple[str, ...]) -> Group:
        corrected = None
        form = None
        if not any(self.known(term) for term in terms):
            form = self.known_forms.get(surface)
            if form is None and not CJK_RUN.search(surface) and len(surface) >= FUZZY_MIN_LENGTH:
                best = process.extractOne(
                    surface,
                    self._form_list,
                    scorer=JaroWinkler.normalized_similarity,
                    score_cutoff=FUZZY_CUTOFF,
                )
                if best is not None:
                    form = self.known_forms[best[0]]
                    corrected = self.spelling[best[0]]
            if form is not None:
                terms = (form, *terms)
        # A joined word ("e-mail", "lily@jitri.org") is itself; its parts only come close.
        own = terms[:2] if form is not None else terms[:1]
        synonyms = [
            synonym
            for term in own
            for synonym in sorted(self.synonyms.get(term, ()))
            if synonym not in own
        ]
        parts = tuple(term for term in terms[len(own) :] if term not in synonyms)
        alternatives = tuple(dict.fromkeys([*parts, *synonyms]))
        translations = tuple(
            dict.fromkeys(
                translation
                for term in own
                for translation in sorted(self.translations.get(term, ()))
                if translation not in own and translation not in alternatives
            )
        )
        return Group(surface, own, alternatives, corrected, parts, translations)

    def expand(self, terms: Iterable[str]) -> frozenset[str]:
        """The index terms `terms` match: themselves, and (long enough) words they begin."""
        found: set[str] = set()
        for term in terms:
            if term in self.known_terms:
                found.add(term)
            if len(term) < PREFIX_MIN_LENGTH:
                continue
            index = bisect.bisect_left(self._prefixes, term)
            while index < len(self._prefixes) and self._prefixes[index].startswith(term):
                found.add(self._prefixes[index])
                index += 1
        return frozenset(found)

    def exact(self, terms: Iterable[str]) -> frozenset[str]:
        """The index terms among `terms` (a synonym is a whole word: its stem matches as is,
        never as the start of another word: a noun is not the adjective it begins)."""
        return frozenset(term for term in terms if term in self.known_terms)

    def known(self, term: str) -> bool:
        """Whether the index has `term`, or (long enough) a word starting with it."""
        if term in self.known_terms:
            return True
        if len(term) < PREFIX_MIN_LENGTH:
            return False

        index = bisect.bisect_left(self._prefixes, term)
        return index < len(self._prefixes) and self._prefixes[index].startswith(term)
