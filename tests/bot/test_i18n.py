"""Catalogs: the same keys and placeholders in every language, and valid Telegram HTML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.emulator.telegram_html import parse_html
from bot.i18n import (
    PLURAL_FORMS,
    Html,
    Translator,
    language_from_telegram,
    load_catalogs,
    placeholders,
)

CATALOGS = load_catalogs()
ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_have_the_same_keys() -> None:
    reference = set(CATALOGS["en"])
    for language, catalog in CATALOGS.items():
        assert set(catalog) == reference, (
            f"{language}: missing {sorted(reference - set(catalog))}, extra {sorted(set(catalog) - reference)}"
        )


@pytest.mark.parametrize("key", sorted(CATALOGS["en"]))
def test_placeholders_match_across_languages(key: str) -> None:
    expected = placeholders(CATALOGS["en"][key])
    for language, catalog in CATALOGS.items():
        assert placeholders(catalog[key]) == expected, f"{language}:{key}"


def test_plural_messages_have_every_form_of_their_language() -> None:
    for language, catalog in CATALOGS.items():
        for key, message in catalog.items():
            if isinstance(message, dict):
                assert set(message) == set(PLURAL_FORMS[language]), f"{language}:{key}"
                assert all("{count}" in form for form in message.values()), f"{language}:{key}"


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_message_is_valid_telegram_html(language: str) -> None:
    """Filled with hostile text, every message still parses the way Telegram parses it."""
    t = Translator(CATALOGS)
    for key, message in CATALOGS[language].items():
        params: dict[str, object] = dict.fromkeys(placeholders(message), "<b>&x</b>")
        if isinstance(message, dict):
            params["count"] = 2
        parse_html(t(language, key, **params))


def test_parameters_are_escaped_but_html_is_trusted() -> None:
    t = Translator(CATALOGS)
    assert "&lt;script&gt;" in t("en", "unknown_command", command="<script>")
    assert "<i>x</i>" in t("en", "unknown_command", command=Html("<i>x</i>"))


def test_dates_per_language() -> None:
    t = Translator(CATALOGS)
    day = dt.date(2020, 9, 9)
    assert t.date("ru", day) == "9 сентября 2020 г."
    assert t.date("zh", day) == "2020年9月9日"
    assert t.date("en", day) == "9 September 2020"
    assert t.year_month("ru", "2013-12") == "декабрь 2013 г."
    assert t.year_month("zh", "2013-12") == "2013年12月"
    assert t.year_month("en", "2013-12") == "December 2013"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("zh-hans", "zh"),
        ("zh-TW", "zh"),
        ("en-US", "en"),
        ("EN", "en"),
        ("de", None),
        ("", None),
        (None, None),
        ("uk", None),
    ],
)
def test_language_from_telegram(code: str | None, expected: str | None) -> None:
    assert language_from_telegram(code) == expected


def test_no_russian_or_chinese_literals_in_code() -> None:
    """Words live in the catalogs and facts in the content file, never in Python code."""
    pattern = re.compile(r"[\u0400-\u04ff\u4e00-\u9fff]")
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            code = [
                line
                for line in path.read_text(encoding="utf-8").splitlines()
                if not line.lstrip().startswith("#")
            ]
            offenders = [line for line in code if pattern.search(line)]
            assert not offenders, f"{path.relative_to(ROOT)}: {offenders[:3]}"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("ru", "8000", "8\u00a0000"),
        ("en", "8000", "8,000"),
        ("zh", "8000", "8000"),
        ("ru", "800+", "более 800"),
        ("en", "15000+", "more than 15,000"),
        ("zh", "15000+", "15000多"),
        ("en", "134", "134"),
        ("en", "1234567", "1,234,567"),
    ],
)
def test_numbers_as_each_language_writes_them(language: str, value: str, expected: str) -> None:
    assert Translator(load_catalogs()).number(language, value) == expected
