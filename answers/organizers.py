"""The organizers' FAQ as answerable units of the engine (issue 22).

An entry (storage/faq.py) has phrasings of its question per language and an answer per
language. Each phrasing is read by the engine's own `QuestionReader`, exactly as a user's
question is, so both meet on the same stems, synonyms, translations and segmentation. A
question matches a phrasing when the phrasing covers nearly all of the question's words
(`QUESTION_COVERAGE`) and the question covers most of the phrasing's (`PHRASING_COVERAGE`),
and they do not ask for different kinds of thing (a "where" is not answered by a "when").

The engine returns the match beside the article's facts (`Answer.organizers`), never as one
of them: faces show it as "From the organizers".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from answers.questions import PREFIX_MIN_LENGTH, Group, Question, QuestionReader
from storage.content import LANGUAGES
from storage.faq import FaqEntry

# A question is answered by a phrasing covering at least this share of its words...
QUESTION_COVERAGE = 0.75
# ...whose own words the question covers at least this much ("parking?" meets "Where can I
# park my car?" only if the phrasing is not mostly about something else).
PHRASING_COVERAGE = 0.5
# A word met only through a synonym or a translation counts this much.
SYNONYM_SHARE = 0.8
# A lone Chinese character counts this much in the shares (often part of a longer word).
WEAK_SHARE = 0.5
# Of the two coverages, the question's matters most.
PHRASING_WEIGHT = 0.5


class FaqSource(Protocol):
    """Where the engine reads the FAQ entries from (storage.faq.FaqStore)."""

    async def entries(self) -> list[FaqEntry]: ...


@dataclass(frozen=True, slots=True)
class OrganizersAnswer:
    """A FAQ entry answering the question, in the language to show it in."""

    entry_id: int
    # The phrasing that matched, and the answer (Telegram HTML) in `lang`.
    question: str
    answer: str
    lang: str
    score: float


@dataclass(frozen=True, slots=True)
class _Phrasing:
    entry: FaqEntry
    text: str
    question: Question


def phrasing_texts(entries: Iterable[FaqEntry]) -> list[str]:
    """Every phrasing of every entry (their words join the reader's known words)."""
    return [text for entry in entries for texts in entry.questions.values() for text in texts]


class FaqMatcher:
    """Matches questions against the FAQ entries' phrasings."""

    def __init__(self, entries: Sequence[FaqEntry], reader: QuestionReader) -> None:
        self._reader = reader
        self._phrasings = [
            _Phrasing(entry, text, reader.read(text))
            for entry in entries
            if entry.answers
            for texts in entry.questions.values()
            for text in texts
        ]

    def match(self, text: str, lang: str, default_lang: str) -> OrganizersAnswer | None:
        """The entry answering the question `text` best, with its answer in `lang` (else the
        default language, else any), or None."""
        question = self._reader.read(text)
        if not question.groups:
            return None
        best: tuple[float, _Phrasing] | None = None
        for phrasing in self._phrasings:
            theirs = phrasing.question
            if question.kinds and theirs.kinds and not question.kinds & theirs.kinds:
                continue
            asked = _coverage(question.groups, theirs.groups)
            if asked < QUESTION_COVERAGE:
                continue
            covered = _coverage(theirs.groups, question.groups)
            if covered < PHRASING_COVERAGE:
                continue
            score = asked + PHRASING_WEIGHT * covered
            if best is None or score > best[0]:
                best = (score, phrasing)
        if best is None:
            return None
        score, phrasing = best
        entry = phrasing.entry
        shown = next((c for c in (lang, default_lang, *LANGUAGES) if entry.answers.get(c)), None)
        if shown is None:
            return None
        return OrganizersAnswer(entry.id, phrasing.text, entry.answers[shown], shown, score)


def _coverage(groups: Sequence[Group], others: Sequence[Group]) -> float:
    """The share of `groups` (weak ones counting less) that `others` meet."""
    if not groups:
        return 0.0
    total = met = 0.0
    for group in groups:
        weight = WEAK_SHARE if group.weak else 1.0
        total += weight
        met += weight * max((_share(group, other) for other in others), default=0.0)
    return met / total if total else 0.0


def _share(one: Group, other: Group) -> float:
    own, theirs = set(one.alternatives), set(other.alternatives)
    if own & theirs or any(_prefix(a, b) for a in own for b in theirs):
        return 1.0
    near = own | set(one.synonyms) | set(one.translations)
    their_near = theirs | set(other.synonyms) | set(other.translations)
    return SYNONYM_SHARE if near & their_near else 0.0


def _prefix(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= PREFIX_MIN_LENGTH and longer.startswith(shorter)
