"""Which language a WeChat user is answered in.

WeChat does not tell the user's language. Chinese is the default; a message that is only a
language's name ("English", "Русский", "中文", and the usual variants) switches to it and is
remembered per openid; and a question clearly written in another language is answered in that
language, without changing the remembered choice.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from importlib import resources
from typing import Any

from storage.wechat_users import DEFAULT_LANGUAGE

__all__ = ["DEFAULT_LANGUAGE", "reply_language", "switch_to", "words", "written_in"]


_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


@functools.cache
def _words() -> dict[str, Any]:
    """wechat/words.toml, read once."""
    text = (resources.files("wechat") / "words.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def words(name: str) -> frozenset[str]:
    """A list of wechat/words.toml's [words], folded as messages are compared."""
    return frozenset(folded(word) for word in _words()["words"][name])


# A question is "clearly" in a language when it has this many letters of its script and no
# letter of another of our scripts outweighs them.
_MIN_LETTERS = 3


def folded(text: str) -> str:
    """A message as the word lists are compared: case-folded, no spaces or punctuation."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


@functools.cache
def _switches() -> dict[str, str]:
    """Each folded language name, to its language."""
    return {folded(name): str(lang) for lang, names in _words()["switch"].items() for name in names}


def switch_to(text: str) -> str | None:
    """The language a message names, if the message is only a language's name."""
    return _switches().get(folded(text))


def asks_for_languages(text: str) -> bool:
    """The message asks which languages there are ("language", "语言", "язык")."""
    return folded(text) in words("language")


def written_in(text: str) -> str | None:
    """The language a question is clearly written in, or None (a name, a number, a mix).

    Chinese: any Han character outweighs Latin letters (names like JITRI appear inside Chinese
    questions). Russian: Cyrillic letters and more of them than Latin. English: Latin letters
    in at least two words and no Cyrillic or Han.
    """
    han = cyrillic = latin = 0
    for char in text:
        if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
            han += 1
        elif "\u0400" <= char <= "\u04ff":
            cyrillic += 1
        elif char.isascii() and char.isalpha():
            latin += 1
    if han >= 2 and han * 2 >= cyrillic:
        return "zh"
    if cyrillic >= _MIN_LETTERS and cyrillic > latin and han == 0:
        return "ru"
    words = re.findall(r"[A-Za-z]{2,}", text)
    if latin >= _MIN_LETTERS and len(words) >= 2 and cyrillic == 0 and han == 0:
        return "en"
    return None


def reply_language(text: str, chosen: str | None) -> str:
    """The language to answer `text` in: its own if clear, else the chosen, else Chinese."""
    return written_in(text) or chosen or DEFAULT_LANGUAGE
