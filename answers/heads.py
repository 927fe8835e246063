"""The head of a label: the words naming what a figure counts, as opposed to what it mentions.

"high-tech startups working under JITRI's auspices" counts startups; "companies to which these
startups provide their services" counts companies and only mentions startups. Asked "how many
startups", the first answers, the second does not. Russian and English put the head first and
end it at punctuation or a function word (a preposition, a relative word: the vocabulary's
filler and question words); Chinese puts it last, after its modifiers (a label that ends in
the word for "companies" counts companies). The vocabulary's `[grammar]` says which way each
language goes, so this is data, not per-label rules.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from answers.analysis import Analyzer, normalize
from answers.vocabulary import Vocabulary

# Punctuation between two words that ends a phrase.
_BREAK = re.compile(r"[,;:()\[\]—–、，；：（）]|\s-\s")

# A head word: its terms, and whether it is (part of) a name of the label's subject.
Head = tuple[tuple[frozenset[str], bool], ...]


class HeadFinder:
    """Finds a label's head words in one language, by that language's grammar."""

    def __init__(self, analyzer: Analyzer, vocabulary: Vocabulary) -> None:
        self.analyzer = analyzer
        self.last = vocabulary.grammar.head == "last"
        self.joining = {normalize(word) for word in vocabulary.grammar.conjunctions}
        function_words = [*vocabulary.words.filler, *vocabulary.questions.other]
        self.breaking = {normalize(word) for word in function_words} - self.joining

    def head(self, label: str, subject: Collection[str]) -> Head:
        """The head words of `label`, each marked when it belongs to a name of its subject."""
        phrases: list[list[tuple[frozenset[str], bool]]] = [[]]
        position = 0
        for word in self.analyzer.words(label):
            surface = normalize(word.surface)
            gap = label[position : word.start]
            position = word.end
            if _BREAK.search(gap) or surface in self.breaking:
                phrases.append([])
            if surface in self.breaking or surface in self.joining:
                continue
            phrases[-1].append((frozenset(word.terms), word.terms[0] in subject))
        found = [phrase for phrase in phrases if phrase]
        if not found:
            return ()
        return tuple(found[-1] if self.last else found[0])


def head_share(heads: tuple[Head, ...], wanted: Collection[str]) -> float:
    """The largest share of a head's words that the question's terms match, in any language.

    A word of the subject's name counts only when asked for: in "research staff of JITRI" the
    head is about the staff whether or not the question names JITRI, and in "researchers working at JITRI" the name's "research" is still the head when asked.
    """
    best = 0.0
    for head in heads:
        matched = total = 0
        for terms, named in head:
            hit = not terms.isdisjoint(wanted)
            matched += hit
            total += hit or not named
        if total:
            best = max(best, matched / total)
    return best
