"""bm25 over the units' documents, in memory: the candidates of a question, no SQL.

The same ranking FTS5 gives `answer_index` (bm25 with k1 = 1.2, b = 0.75, the subject column
weighing `SUBJECT_WEIGHT` times the body), computed from the rows storage hands the engine once
per content version, so answering a question never waits for the database.
A query is a set of terms, each matching itself or, when long enough, every term it begins
(as FTS5's `"term"*`); documents matching any term are ranked (an OR query).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable

K1 = 1.2
B = 0.75
SUBJECT_WEIGHT = 2.0
BODY_WEIGHT = 1.0
# FTS5 floors a term's idf so that a term in most documents still counts a little.
MIN_IDF = 1e-6


class Bm25:
    """Postings of every term: document id -> (count in subject, count in body)."""

    def __init__(self, documents: Iterable[tuple[int, str, str]], prefix_min: int) -> None:
        self.prefix_min = prefix_min
        self.postings: dict[str, dict[int, tuple[int, int]]] = {}
        self.lengths: dict[int, int] = {}
        for doc, subject, body in documents:
            subject_terms, body_terms = subject.split(), body.split()
            self.lengths[doc] = len(subject_terms) + len(body_terms)
            in_subject, in_body = Counter(subject_terms), Counter(body_terms)
            for term in in_subject.keys() | in_body.keys():
                self.postings.setdefault(term, {})[doc] = (in_subject[term], in_body[term])
        self.count = len(self.lengths)
        self.average = (sum(self.lengths.values()) / self.count) if self.count else 1.0
        self._sorted = sorted(self.postings)

    def _matching(self, term: str) -> list[str]:
        """The index terms a query term matches: itself, and as a prefix when long enough."""
        if len(term) < self.prefix_min:
            return [term] if term in self.postings else []
        found = []
        index = bisect.bisect_left(self._sorted, term)
        while index < len(self._sorted) and self._sorted[index].startswith(term):
            found.append(self._sorted[index])
            index += 1
        return found

    def search(self, terms: Iterable[str], limit: int) -> dict[int, float]:
        """Documents having any of `terms`, best `limit`, with their bm25 (higher is better)."""
        scores: dict[int, float] = {}
        for term in dict.fromkeys(terms):
            counts: dict[int, list[int]] = {}
            for matched in self._matching(term):
                for doc, (subject, body) in self.postings[matched].items():
                    pair = counts.setdefault(doc, [0, 0])
                    pair[0] += subject
                    pair[1] += body
            if not counts:
                continue
            n = len(counts)
            idf = max(math.log((self.count - n + 0.5) / (n + 0.5)), MIN_IDF)
            for doc, (subject, body) in counts.items():
                weighted = SUBJECT_WEIGHT * subject + BODY_WEIGHT * body
                norm = K1 * (1 - B + B * self.lengths[doc] / self.average)
                scores[doc] = scores.get(doc, 0.0) + idf * weighted * (K1 + 1) / (weighted + norm)
        best = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
        return dict(best)
