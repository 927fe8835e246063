"""Text into search terms, the same way for the facts and for the questions.

Russian and English words become Snowball stems (PyStemmer), so "startapov" meets "startapy"
and "founded" meets "founding". Chinese is segmented by jieba with a dictionary holding only
the words that occur in the content and the vocabulary (`build_lexicon`): the full dictionary
costs ~0.6 s and ~60 MB to load, this one a few milliseconds, and jieba itself is imported
only when Chinese text first needs segmenting.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import Stemmer

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
# A CJK run, or letters/digits joined by inner hyphens, apostrophes, dots or @ ("e-mail",
# "CIEP-2020", "lily@jitri.org"), which also yield their parts.
_TOKEN = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+(?:[-'’.@][^\\W_{_CJK}]+)*")
_PART = re.compile(f"[^\\W_{_CJK}]+")
_CYRILLIC = re.compile("[\u0430-\u044f\u0451]")
_LATIN = re.compile("[a-z]")
# Longest word the segmenter's dictionary is searched for inside the content's Chinese text.
_LONGEST_WORD = 8
# Frequency given to vocabulary words and names jieba's dictionary does not know.
_OWN_WORD_FREQUENCY = 3000


def normalize(text: str) -> str:
    """Case-folded, with yo read as ye, as both the index and the questions see text."""
    return text.casefold().replace("\u0451", "\u0435")


def is_cjk(text: str) -> bool:
    """Whether `text` contains Chinese characters."""
    return CJK_RUN.search(text) is not None


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: where it is, and the terms it is indexed and searched by."""

    start: int
    end: int
    surface: str
    # The word's own term first, then the terms of its parts (hyphen parts, Chinese sub-words).
    terms: tuple[str, ...]


@cache
def _stemmer(language: str) -> Any:
    return Stemmer.Stemmer(language)


def stem(word: str) -> str:
    """The Snowball stem of one normalized Russian or English word (others unchanged)."""
    if _CYRILLIC.search(word):
        return str(_stemmer("russian").stemWord(word))
    if _LATIN.search(word):
        return str(_stemmer("english").stemWord(word))
    return word


class Analyzer:
    """Splits texts into `Word`s; Chinese through jieba with the store's lexicon."""

    def __init__(self, lexicon: Mapping[str, int]) -> None:
        self.lexicon = dict(lexicon)
        self._jieba: Any = None

    def words(self, text: str) -> list[Word]:
        """The words of `text` in order, with their terms."""
        folded = normalize(text)
        # Positions index the folded text; the rare letter whose folding changes length
        # ("ß" → "ss") makes the folded text the one shown.
        shown = text if len(folded) == len(text) else folded
        words: list[Word] = []
        for match in _TOKEN.finditer(folded):
            token, start = match.group(), match.start()
            if CJK_RUN.fullmatch(token):
                words.extend(self._chinese(token, start))
                continue
            parts = _PART.findall(token)
            terms = [stem("".join(parts))] if len(parts) > 1 else []
            terms += [stem(part) for part in parts]
            words.append(Word(start, match.end(), shown[start : match.end()], _unique(terms)))
        return words

    def terms(self, text: str) -> list[str]:
        """Every term of `text`, for the index."""
        return [term for word in self.words(text) for term in word.terms]

    def _chinese(self, run: str, offset: int) -> list[Word]:
        tokenizer = self._tokenizer()
        words = []
        for word, start, end in tokenizer.tokenize(run, HMM=False):
            subwords = (
                [w for w, _, _ in tokenizer.tokenize(word, mode="search", HMM=False) if w != word]
                if len(word) > 2
                else []
            )
            words.append(Word(offset + start, offset + end, word, _unique([word, *subwords])))
        return words

    def _tokenizer(self) -> Any:
        if self._jieba is None:
            self._jieba = _jieba_tokenizer(self.lexicon)
        return self._jieba


def _unique(terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(term for term in terms if term))


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources (its fallback reads the package files directly).

    pkg_resources alone costs ~65 ms and ~10 MB at import; it is hidden only for this import.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    missing = object()
    saved = sys.modules.get("pkg_resources", missing)
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if saved is missing:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = saved  # type: ignore[assignment]
    jieba.setLogLevel(40)
    return jieba


def _jieba_tokenizer(lexicon: Mapping[str, int]) -> Any:
    """A jieba Tokenizer whose prefix dictionary is `lexicon`, built in memory."""
    jieba = _import_jieba()
    tokenizer = jieba.Tokenizer()
    frequencies: dict[str, int] = {}
    for word, frequency in lexicon.items():
        frequencies[word] = frequency
        for end in range(1, len(word)):
            frequencies.setdefault(word[:end], 0)
    tokenizer.FREQ = frequencies
    tokenizer.total = sum(lexicon.values()) or 1
    tokenizer.initialized = True
    return tokenizer


def build_lexicon(texts: Iterable[str], own_words: Iterable[str]) -> dict[str, int]:
    """The segmenter's dictionary for these texts: jieba's words that occur in them, and ours.

    `own_words` (vocabulary, names, aliases, keywords) are words even if jieba does not know them.
    """
    runs = {run for text in texts for run in CJK_RUN.findall(normalize(text))}
    wanted = {
        run[start : start + length]
        for run in runs
        for start in range(len(run))
        for length in range(1, _LONGEST_WORD + 1)
        if start + length <= len(run)
    }
    lexicon: dict[str, int] = {}
    with _jieba_dictionary().open(encoding="utf-8") as dictionary:
        for line in dictionary:
            word, _, rest = line.partition(" ")
            if word in wanted:
                lexicon[word] = int(rest.split(" ", 1)[0])
    for word in own_words:
        for run in CJK_RUN.findall(normalize(word)):
            lexicon[run] = max(lexicon.get(run, 0), _OWN_WORD_FREQUENCY)
    return lexicon


def _jieba_dictionary() -> Path:
    jieba = _import_jieba()
    return Path(str(jieba.__file__)).parent / str(jieba.DEFAULT_DICT_NAME)
