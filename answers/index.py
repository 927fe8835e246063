"""Building the answer engine's index from the content file and the vocabulary, at load time.

Each unit becomes one row of `answer_units` (its card, form, kinds and per-language fields)
and one document of the FTS5 table `answer_index` with the same rowid: the names of what it is
about (`subject`) and every term of its text in all three languages, its keywords and the
vocabulary words of its roles (`body`). `answer_lexicon` is the Chinese segmenter's dictionary;
`answer_words` holds every word the index knows, spelled as the content writes it ("JITRI",
"Azarov"), with its term; `known_words` reads it into case-folded forms (and their Latin
transliterations) for typos and names typed in another script, keeping the spelling to show.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from answers.analysis import CJK_RUN, Analyzer, build_lexicon, normalize
from answers.units import TEXT_FIELDS, derive_units
from answers.vocabulary import Vocabularies, Vocabulary, load_vocabularies
from storage.content import LANGUAGES, Content

# Bump when the way units or terms are derived changes: the index is then rebuilt on start.
INDEX_VERSION = "4"
# Shortest word form kept for typo matching: shorter ones match too much by accident.
FUZZY_MIN_LENGTH = 3

Rows = list[tuple[Any, ...]]


def index_digest(content_digest: str, vocabulary_digest: str) -> str:
    """What the stored index was built from: the content, the vocabulary and this code's version."""
    joined = f"{content_digest}:{vocabulary_digest}:{INDEX_VERSION}"
    return hashlib.sha256(joined.encode()).hexdigest()


class Indexer:
    """The engine's rows for storage to keep (storage/loader.py `AnswerIndexer`)."""

    def __init__(self) -> None:
        self.vocabularies, self._vocabulary_digest = load_vocabularies()

    def digest(self, content_digest: str) -> str:
        """The content's digest joined with the vocabulary's and this code's version."""
        return index_digest(content_digest, self._vocabulary_digest)

    def rows(self, content: Content) -> Iterator[tuple[str, Rows]]:
        """(INSERT statement, rows) pairs for the answer tables."""
        return index_rows(content, self.vocabularies)


def vocabulary_words(vocabularies: Vocabularies) -> Iterator[str]:
    """Every word and phrase of the vocabularies."""
    for vocabulary in vocabularies.values():
        yield from (phrase for phrase, _ in vocabulary.questions.phrases())
        yield from vocabulary.words.filler
        yield from (word for group in vocabulary.words.synonyms for word in group)
        yield from (word for words in vocabulary.meanings.values() for word in words)
        yield from (word for words in vocabulary.concepts.values() for word in words)
        yield from (phrase for phrase, _ in vocabulary.talk.phrases())
        yield from vocabulary.talk.address
        yield from vocabulary.followup.refer
        yield from vocabulary.unanswerable.cues


def latinize(word: str, table: dict[str, str]) -> str:
    """`word` with every letter the table knows replaced by its Latin spelling."""
    return "".join(table.get(char, char) for char in word)


def transliteration(vocabularies: Vocabularies) -> dict[str, str]:
    """All languages' transliteration tables in one."""
    table: dict[str, str] = {}
    for vocabulary in vocabularies.values():
        table.update(vocabulary.transliteration)
    return table


def index_rows(content: Content, vocabularies: Vocabularies) -> Iterator[tuple[str, Rows]]:
    """(INSERT statement, rows) pairs for the answer tables."""
    units = list(derive_units(content))
    own_words = [
        *vocabulary_words(vocabularies),
        *(name for unit in units for name in unit.subject),
        *(word for unit in units for word in unit.keywords),
    ]
    texts = [value for unit in units for value in unit.fields["zh"].values()]
    lexicon = build_lexicon([*texts, *own_words], own_words)
    analyzer = Analyzer(lexicon)
    concept_words = _concept_words(vocabularies)
    unit_rows: Rows = []
    documents: Rows = []
    forms: dict[str, str] = {}
    # How often the content and vocabulary spell each case-folded form which way.
    spellings: dict[str, Counter[str]] = {}
    for rowid, unit in enumerate(units, start=1):
        subject_words = [w for name in unit.subject for w in analyzer.words(name)]
        body_texts = [
            value
            for lang in LANGUAGES
            for name, value in unit.fields[lang].items()
            if name in TEXT_FIELDS or unit.form in ("figure", "contact")
        ]
        body_texts += [*unit.keywords, *(w for c in unit.concepts for w in concept_words[c])]
        body_words = [w for text in body_texts for w in analyzer.words(text)]
        subject = [t for w in subject_words for t in w.terms]
        body = [t for w in body_words for t in w.terms]
        for word in (*subject_words, *body_words):
            if not CJK_RUN.search(word.surface) and len(word.surface) >= FUZZY_MIN_LENGTH:
                form = normalize(word.surface)
                forms.setdefault(form, word.terms[0])
                spellings.setdefault(form, Counter())[word.surface] += 1
        unit_rows.append(
            (
                rowid,
                unit.card,
                unit.form,
                ",".join(sorted(unit.kinds)),
                json.dumps(unit.fields, ensure_ascii=False),
                " ".join(dict.fromkeys(subject)),
                " ".join(dict.fromkeys([*subject, *body])),
            )
        )
        documents.append((rowid, " ".join(subject), " ".join(body)))
    # The most frequent spelling (the first seen of equals) is how the content writes the word.
    written = [(spellings[form].most_common(1)[0][0], term) for form, term in forms.items()]
    yield (
        "INSERT INTO answer_units (id, card, form, kinds, fields, subject_terms, terms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        unit_rows,
    )
    yield "INSERT INTO answer_index (rowid, subject, body) VALUES (?, ?, ?)", documents
    yield "INSERT INTO answer_lexicon (word, freq) VALUES (?, ?)", sorted(lexicon.items())
    yield "INSERT INTO answer_words (form, term) VALUES (?, ?)", sorted(written)


def known_words(
    rows: Iterable[tuple[str, str]], vocabularies: Vocabularies
) -> dict[str, tuple[str, str]]:
    """Case-folded form -> (term, spelling to show), from `answer_words` rows (spelling, term).

    Each word is known case-folded and, if it has letters another script writes in Latin, by
    its transliteration too (a Cyrillic name typed in Latin letters); a form the content itself uses comes first.
    """
    known = {normalize(spelling): (term, spelling) for spelling, term in rows}
    table = transliteration(vocabularies)
    for form, pair in list(known.items()):
        known.setdefault(latinize(form, table), pair)
    return known


def _concept_words(vocabularies: Vocabularies) -> dict[Any, list[str]]:
    words: dict[Any, list[str]] = {}
    vocabulary: Vocabulary
    for vocabulary in vocabularies.values():
        for concept, phrases in vocabulary.concepts.items():
            words.setdefault(concept, []).extend(phrases)
    return words
