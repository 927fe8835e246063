"""Per-language message catalogs (wording/locales/), plurals, dates and language choice.

Catalog strings are HTML templates. Parameters are escaped when substituted unless they are
`Html` (markup we built ourselves), so user text can never break a message.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import string
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any, TypeVar

from babel.plural import PluralRule

from storage.content import LANGUAGES

# CLDR plural rules for whole numbers depend on n mod 100 at most, so these cover every category
# an integer count can fall into.
_PLURAL_PROBE = range(200)
# The table of a catalog that holds its plural rule rather than messages.
PLURAL_TABLE = "plural"

Message = str | dict[str, str]
T = TypeVar("T")


class Html(str):
    """Markup that is already safe: substituted into templates as is."""

    __slots__ = ()


def escape(text: str) -> Html:
    """User or content text made safe for parse_mode=HTML."""
    return Html(html.escape(text, quote=False))


def plural_form(language: str, count: int) -> str:
    """CLDR plural category of `count` for the language."""
    category: str = plural_rule(language)(count)
    return category


@functools.cache
def plural_rule(language: str) -> PluralRule:
    """The language's CLDR plural rule as its catalog states it, evaluated by Babel.

    The rule is read from the catalog (as gettext catalogs carry Plural-Forms) rather than from
    `babel.Locale`, which loads the language's whole CLDR data set: 8 MiB for three languages,
    in a process whose only use for it is this rule. A test checks the catalogs' rules against
    Babel's CLDR data.
    """
    rules = _read_catalog(language).get(PLURAL_TABLE, {})
    return PluralRule(rules)


def plural_forms(language: str) -> frozenset[str]:
    """The plural categories a whole-number count can take in the language: a catalog's forms."""
    return frozenset(plural_form(language, n) for n in _PLURAL_PROBE)


def single_number_forms(language: str) -> frozenset[str]:
    """Categories that only one number falls into (English "one" is 1): they may omit {count}."""
    counts: dict[str, int] = {}
    for n in _PLURAL_PROBE:
        form = plural_form(language, n)
        counts[form] = counts.get(form, 0) + 1
    return frozenset(form for form, seen in counts.items() if seen == 1)


def language_from_telegram(language_code: str | None) -> str | None:
    """Our language for Telegram's `language_code` (by prefix: ru-RU → ru), if we speak it."""
    if not language_code:
        return None
    prefix = language_code.lower().replace("_", "-").split("-", 1)[0]
    return prefix if prefix in LANGUAGES else None


def choose_text(texts: Mapping[str, T], language: str, default_language: str) -> T | None:
    """The reader's version of a text, else the default language's, else any."""
    for candidate in (language, default_language, *LANGUAGES):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), None)


class Translator:
    """Looks up and fills catalog messages."""

    def __init__(self, catalogs: Mapping[str, Mapping[str, Message]]) -> None:
        self.catalogs = catalogs

    def __call__(self, language: str, key: str, /, **params: Any) -> Html:
        """The message `key` in `language`, with params escaped and substituted."""
        message = self.catalogs[language][key]
        if isinstance(message, dict):
            count = params["count"]
            message = message[plural_form(language, count)]
        return Html(message.format_map({name: _safe(value) for name, value in params.items()}))

    def date(self, language: str, day: dt.date) -> Html:
        """A full date in the language's own order and month names."""
        month = self(language, f"month.genitive.{day.month}")
        return self(language, "date.full", day=day.day, month=month, year=day.year)

    def number(self, language: str, value: str) -> Html:
        """A figure from the content ("8000", "800+") as the language writes it: 8 000 / 8,000
        / 8000, and "800+" as the catalog's "more than 800". Same value everywhere."""
        digits = value.rstrip("+")
        separator = str(self.catalogs[language]["number.group"])
        if digits.isdigit() and len(digits) >= 4:
            head = len(digits) % 3 or 3
            groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
            digits = separator.join(groups)
        if value.endswith("+"):
            return self(language, "number.more_than", number=digits)
        return escape(digits)

    def year_month(self, language: str, year_month: str) -> Html:
        """A month of a year, from "2013-12", as the language writes it."""
        year, month = (int(part) for part in year_month.split("-"))
        name = self(language, f"month.nominative.{month}")
        return self(language, "date.year_month", month=name, year=year)


def _safe(value: Any) -> Any:
    if isinstance(value, Html):
        return value
    if isinstance(value, str):
        return escape(value)
    return value


def placeholders(message: Message) -> set[str]:
    """Names of the {placeholders} a catalog message uses (all plural forms together)."""
    texts = message.values() if isinstance(message, dict) else [message]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def load_catalogs() -> dict[str, dict[str, Message]]:
    """Read every bundled catalog, flattening nested tables into dotted keys.

    A language's messages are its main file, `locales/<lang>.toml` (which also states the plural
    rule), and one file per topic, `locales/<topic>/<lang>.toml`: a feature keeps its words in
    its own file. A key defined twice is an error, never a silent override.
    """
    catalogs = {}
    for language in LANGUAGES:
        forms = plural_forms(language)
        table = {k: v for k, v in _read_catalog(language).items() if k != PLURAL_TABLE}
        merged = _flatten(table, forms)
        for topic, parsed in _topic_catalogs(language):
            for key, message in _flatten(parsed, forms).items():
                if key in merged:
                    raise ValueError(f"locales/{topic}/{language}.toml: {key} is defined twice")
                merged[key] = message
        catalogs[language] = merged
    return catalogs


@functools.cache
def _read_catalog(language: str) -> Mapping[str, Any]:
    """The parsed main catalog file, read once: its plural rule and its messages come from it."""
    text = (resources.files("wording") / "locales" / f"{language}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _topic_catalogs(language: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Each topic's file for the language, `locales/<topic>/<lang>.toml`, in topic order."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for topic in sorted(resources.files("wording").joinpath("locales").iterdir(), key=str):
        path = topic / f"{language}.toml"
        if topic.is_dir() and path.is_file():
            found.append((topic.name, tomllib.loads(path.read_text(encoding="utf-8"))))
    return found


def _flatten(
    table: Mapping[str, Any], forms: frozenset[str], prefix: str = ""
) -> dict[str, Message]:
    flat: dict[str, Message] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) == forms:
            flat[name] = {form: str(text) for form, text in value.items()}
        elif isinstance(value, dict):
            flat.update(_flatten(value, forms, f"{name}."))
        else:
            flat[name] = str(value)
    return flat
