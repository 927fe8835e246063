"""Whether the best fact answers what was asked, or only shares words with it.

Evidence that a question is about something the article does not say, each with a named
weight; the question is declined ("not in the article") when the evidence reaches
`DECLINE_AT`:

- a content word nothing in the index knows (`FAINT_WEIGHT` for a verb form or Chinese
  characters that make no known word), after stems, synonyms, translations, declension,
  typo tolerance, transliteration and pinyin ("зарплата", "parking", 天气): `UNKNOWN_WEIGHT`;
- a cue of what an article reporting a past event does not give (the next event, prices,
  tickets, ages, phone numbers: the vocabulary's `[unanswerable]`) that the fact does not
  itself contain: `CUE_WEIGHT`;
- a word the index knows but the best fact does not cover: `UNCOVERED_WEIGHT`, or
  `STRICT_UNCOVERED_WEIGHT` when a number or a date is asked (a figure that leaves a word of
  "how many people attended" uncovered counts something else);
- a person or organization the question names that the fact is not about
  (`OTHER_SUBJECT_WEIGHT`: JITRI's e-mail does not answer "Guo Liping's e-mail");
- a number or date asked, and the best fact is not one (`KIND_WEIGHT`), or is a figure whose
  label's head is not what the question counts (`HEAD_WEIGHT`).

The evidence must also reach `SUPPORT_RATIO` of what the best fact covers of the question, so
one unknown verb beside three covered words does not decline it; a cue always does, and so
does any uncovered word when the fact shares nothing with the question but its names.
A question naming only a subject ("Азаров") or asking only a kind ("когда?") has no evidence
against it and is answered. No phrase of any question is special-cased here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from answers.questions import Group, Question
from answers.vocabulary import AnswerKind

UNKNOWN_WEIGHT = 1.0
# An unknown verb form, or Chinese characters making no known word: weaker evidence.
FAINT_WEIGHT = 0.5
CUE_WEIGHT = 1.0
UNCOVERED_WEIGHT = 0.5
STRICT_UNCOVERED_WEIGHT = 1.0
KIND_WEIGHT = 1.0
OTHER_SUBJECT_WEIGHT = 1.0
HEAD_WEIGHT = 1.0
DECLINE_AT = 1.0
# ...and when it is at least this share of the support: how much of the question the best fact
# covers. One unknown verb in a question the fact otherwise covers ("Скольким компаниям
# стартапы оказывают услуги?") does not decline it; an unknown subject does.
SUPPORT_RATIO = 1.0
# Kinds whose candidate must be of that kind and cover every word: a number counts one thing.
STRICT_KINDS = frozenset({AnswerKind.NUMBER, AnswerKind.DATE})


@dataclass(frozen=True, slots=True)
class Judgement:
    """The evidence against answering, and the words it names (as typed) for the reply."""

    evidence: float
    asked: tuple[str, ...]
    # How much of what the question asks the fact covers (its shares of the words that do not
    # name a subject: "бюджет" of «какой бюджет у JITRI», not "JITRI").
    support: float = 0.0
    # Cues of the unanswerable the fact does not contain: they alone decline.
    cued: bool = False
    # Whether a word asking for something (not a name) is left uncovered.
    missed: bool = False

    @property
    def declined(self) -> bool:
        if self.cued:
            return True
        # A fact sharing only the names of the question ("Guo Liping" of "Guo Liping's
        # e-mail") does not answer the rest of it, however little evidence that is.
        enough = self.evidence >= DECLINE_AT or (self.missed and not self.support)
        return enough and self.evidence >= SUPPORT_RATIO * self.support


def judge(
    question: Question,
    shares: Sequence[float],
    kinds: Collection[str],
    head: float | None,
    cue_covered: Collection[str],
    subjects: Sequence[bool],
) -> Judgement:
    """Judge the best candidate: `shares` is how much it covers each of the question's groups
    (in order), `kinds` its kinds, `head` how much its label's head is what a number question
    counts (answers/heads.py; None when that does not apply: not a figure, or the question
    names nothing but whose figure it is), `cue_covered` the question's cues it contains,
    `subjects` which groups name a subject (a person, an organization): they say whose
    attribute is asked, not which, so they do not count as support."""
    strict = bool(question.kinds & STRICT_KINDS)
    evidence = 0.0
    asked: list[str] = []
    cues = [cue for cue in question.cues if cue not in cue_covered]
    if cues:
        evidence += CUE_WEIGHT * len(cues)
        asked += cues
    for group, share, named in zip(question.groups, shares, subjects, strict=True):
        if share or _is_cue(group, cues):
            continue
        if not group.known:
            evidence += FAINT_WEIGHT if group.surface in question.faint else UNKNOWN_WEIGHT
        elif named:
            # The fact is about someone else: JITRI's e-mail is not Guo Liping's.
            evidence += OTHER_SUBJECT_WEIGHT
        else:
            evidence += STRICT_UNCOVERED_WEIGHT if strict else UNCOVERED_WEIGHT
        asked.append(group.surface)
    grouped = {group.surface for group in question.groups}
    for word in question.unknown:
        if word not in grouped:
            evidence += UNKNOWN_WEIGHT
            asked.append(word)
    wanted = question.kinds & STRICT_KINDS
    if wanted and not wanted & set(kinds):
        evidence += KIND_WEIGHT
    elif head == 0.0:
        # A figure counting something else is never the answer to "how many".
        cues.append("")
        evidence += HEAD_WEIGHT
    support = sum(
        share
        for group, share, named in zip(question.groups, shares, subjects, strict=True)
        if not named and not group.weak
    )
    missed = any(
        not share and not named and not group.weak
        for group, share, named in zip(question.groups, shares, subjects, strict=True)
    )
    return Judgement(evidence, tuple(dict.fromkeys(asked)), support, bool(cues), missed)


def _is_cue(group: Group, cues: Sequence[str]) -> bool:
    return group.surface in cues
