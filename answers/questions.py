"""Reading a question: what kind of answer it wants, and which words to search for.

Question phrases of every language ("how many" and its Russian and Chinese kin) are taken out and give the
wanted kinds; filler is dropped; each remaining word becomes a group of alternative terms — its
own stem(s) and those of its synonyms, and the words of its meaning in the other languages. A word the index does not know is looked up among the
known word forms (and their Latin transliterations), as a declined form of one (Азарова), then
matched fuzzily (rapidfuzz) so "Azorav", "Азоров", "jitry" and "Hu Idun" still find their facts;
a guess is taken only when it is likely: one edit, or vowels alone differing, never an
unrelated word ("парковка" is not «парткома»). Chinese characters the index does not know are
read through their pinyin (pypinyin), so 胡义东 meets "Hu Yidong".

The reader also notes what tells an honest "not in the article" apart (answers/verdict.py):
the words nothing in the index knows (`Question.unknown`), the vocabulary's cues of questions
such an article cannot answer (`Question.cues`) and whether the question refers back to the
last answer's subject with a pronoun (`Question.refers`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from answers.analysis import CJK_RUN, Analyzer, normalize, stem
from answers.vocabulary import AnswerKind, Vocabularies, meanings

# Longest question we read; the rest is ignored (a question, not an essay).
MAX_QUESTION = 300
MAX_GROUPS = 10
# Shortest typed word a guess is made for: a shorter one is too often another word (виза/вуз).
GUESS_MIN_LENGTH = 5
# A typed word is read as a known one when one edit away (a typo), or two when only vowels
# differ (a name heard, not read: Азоров, Azorav) or the word is long.
FUZZY_EDITS = 1
VOWEL_EDITS = 2
LONG_WORD = 8
FUZZY_MIN_LENGTH = 4
# A known form followed by at most this many letters is the same word declined (Азарова).
ENDING_LETTERS = 3
_VOWELS = frozenset("aeiouyаеёиоуыэюя")
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
    # Whether the index knows the word at all (as typed, declined, corrected or transliterated).
    known: bool = True

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
    # Words as typed that nothing in the index knows ("зарплата", "parking", 天气).
    unknown: tuple[str, ...] = ()
    # Those of them that are weaker evidence: verb forms by their ending ("оказывают").
    faint: tuple[str, ...] = ()
    # The vocabulary's cues of questions such an article cannot answer, as typed (folded).
    cues: tuple[str, ...] = ()
    # Whether it refers back with a pronoun ("where does he work?", 他在哪里工作).
    refers: bool = False


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
        # Words referring back, and cues of the unanswerable: single words by surface or term,
        # phrases ("this one", «номер телефона») and Chinese by their text.
        self.refer: set[str] = set()
        self.cue_terms: set[str] = set()
        refer_phrases: list[str] = []
        cue_phrases: list[str] = []
        for vocabulary in vocabularies.values():
            for word in vocabulary.followup.refer:
                folded = normalize(word)
                if " " in folded or CJK_RUN.search(folded):
                    refer_phrases.append(folded)
                else:
                    self.refer.add(folded)
            for word in vocabulary.unanswerable.cues:
                folded = normalize(word)
                if " " in folded or CJK_RUN.search(folded):
                    cue_phrases.append(folded)
                else:
                    self.cue_terms.update(w.terms[0] for w in analyzer.words(folded)[:1])
        self.verbal = tuple(
            normalize(ending) for v in vocabularies.values() for ending in v.grammar.verb_endings
        )
        self._refer_phrase = _phrase_pattern(refer_phrases)
        self._cue_phrase = _phrase_pattern(cue_phrases)

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
        all_words = self.analyzer.words(folded)
        refers = any(normalize(w.surface) in self.refer for w in all_words) or bool(
            self._refer_phrase.search(folded)
        )
        cues = [normalize(w.surface) for w in all_words if w.terms[0] in self.cue_terms]
        cues += [match.group() for match in self._cue_phrase.finditer(folded)]
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
        # Lone Chinese characters the facts never use as words, in a row: one unknown word
        # (门/票), or a name in characters the content gives in pinyin (胡/义/东).
        lone: list[str] = []
        unknown_runs: list[str] = []
        end = -1

        def settle() -> None:
            if len(lone) > 1:
                run = "".join(lone)
                group = self._pinyin_group(run)
                if group is not None:
                    groups.append(group)
                else:
                    unknown_runs.append(run)
            lone.clear()

        for word in self.analyzer.words(rest):
            surface = normalize(word.surface)
            if surface in self.filler or word.terms[0] in self.filler or surface in seen:
                continue
            if surface in self.refer:
                continue  # a pronoun names nothing itself: it refers back (`refers`)
            if CJK_RUN.fullmatch(surface) and len(surface) == 1 and surface not in self.known_terms:
                if word.start != end:
                    settle()
                lone.append(surface)
                end = word.end
                continue
            settle()
            seen.add(surface)
            group = self._group(surface, word.terms)
            if group.corrected:
                corrections.append((word.surface, group.corrected))
            groups.append(group)
        settle()
        kept = tuple(groups[:MAX_GROUPS])
        return Question(
            text,
            frozenset(kinds),
            kept,
            tuple(corrections),
            asking,
            unknown=(*(g.surface for g in kept if not g.known), *unknown_runs),
            faint=tuple(g.surface for g in kept if not g.known and g.surface.endswith(self.verbal)),
            cues=tuple(dict.fromkeys(cues)),
            refers=refers,
        )

    def _pinyin_group(self, run: str) -> Group | None:
        """`run` as the name the index spells in pinyin ("Hu Yidong"), if it has one."""
        syllables = _pinyin(run)
        splits = [["".join(syllables)]]
        splits += [["".join(syllables[:k]), "".join(syllables[k:])] for k in range(1, len(run))]
        for pieces in splits:
            terms = [stem(piece) for piece in pieces]
            if all(term in self.known_terms for term in terms):
                # The given name first: the surname alone is shared by many.
                return Group(run, tuple(reversed(terms)))
        return None

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
        known = True
        if not any(self.known(term) for term in terms):
            form = self.known_forms.get(surface)
            if form is None and not CJK_RUN.search(surface) and len(surface) >= FUZZY_MIN_LENGTH:
                form = self._declined(surface)
                if form is None and len(surface) >= GUESS_MIN_LENGTH:
                    guess = self._guess(surface)
                    if guess is not None:
                        form = self.known_forms[guess]
                        corrected = self.spelling[guess]
            if form is not None:
                terms = (form, *terms)
            else:
                known = False
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
        return Group(surface, own, alternatives, corrected, parts, translations, known)

    def _declined(self, surface: str) -> str | None:
        """The term of the known form `surface` declines (Азарова of Азаров), if any."""
        for cut in range(1, ENDING_LETTERS + 1):
            stem_form = surface[:-cut]
            if len(stem_form) < FUZZY_MIN_LENGTH:
                break
            term = self.known_forms.get(stem_form)
            if term is not None:
                return term
        return None

    def _guess(self, surface: str) -> str | None:
        """The known form `surface` is likely a misspelling of, if one is likely enough."""
        found = process.extract(
            surface, self._form_list, scorer=OSA.distance, score_cutoff=VOWEL_EDITS, limit=10
        )
        likely = [
            (int(distance), -JaroWinkler.normalized_similarity(surface, form), form)
            for form, distance, _ in found
            if _likely(surface, form, int(distance))
        ]
        return min(likely)[2] if likely else None

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

    def beginning(self, fragment: str) -> list[str]:
        """The index terms that begin with `fragment`, however short."""
        found = []
        index = bisect.bisect_left(self._prefixes, fragment)
        while index < len(self._prefixes) and self._prefixes[index].startswith(fragment):
            found.append(self._prefixes[index])
            index += 1
        return found

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


def _likely(typed: str, known: str, edits: int) -> bool:
    """Whether `typed` is `known` misspelled: same first letter, and one edit, or two in a long
    word or where only vowels differ (a name written as heard)."""
    if not typed or not known or typed[0] != known[0]:
        return False
    if edits <= FUZZY_EDITS:
        return True
    if edits > VOWEL_EDITS:
        return False
    return len(typed) >= LONG_WORD or _consonants(typed) == _consonants(known)


def _consonants(word: str) -> str:
    return "".join(char for char in word if char not in _VOWELS)


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word phrases; Chinese ones anywhere (no spaces to bound them)."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    latin = "|".join(re.escape(p) for p in ordered if not CJK_RUN.search(p))
    chinese = "|".join(re.escape(p) for p in ordered if CJK_RUN.search(p))
    parts = [f"(?<![^\\W_])(?:{latin})(?![^\\W_])"] if latin else []
    parts += [f"(?:{chinese})"] if chinese else []
    return re.compile("|".join(parts) or "(?!)")


@cache
def _pinyin_module() -> Any:
    """pypinyin, imported on first use (~0.5 s): only questions with unknown characters pay."""
    import pypinyin

    return pypinyin


def _pinyin(run: str) -> list[str]:
    return [str(syllable) for syllable in _pinyin_module().lazy_pinyin(run)]
