"""Catalogs: the same keys and placeholders in every language, and valid Telegram HTML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tgemu.telegram_html import parse_html
from wording.i18n import (
    Html,
    Translator,
    language_from_telegram,
    load_catalogs,
    placeholders,
    plural_forms,
    single_number_forms,
)

CATALOGS = load_catalogs()
ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_have_the_same_keys() -> None:
    reference = set(CATALOGS["en"])
    for language, catalog in CATALOGS.items():
        missing, extra = sorted(reference - set(catalog)), sorted(set(catalog) - reference)
        assert set(catalog) == reference, f"{language}: missing {missing}, extra {extra}"


@pytest.mark.parametrize("key", sorted(CATALOGS["en"]))
def test_placeholders_match_across_languages(key: str) -> None:
    expected = placeholders(CATALOGS["en"][key])
    for language, catalog in CATALOGS.items():
        assert placeholders(catalog[key]) == expected, f"{language}:{key}"


def test_plural_messages_have_every_form_of_their_language() -> None:
    for language, catalog in CATALOGS.items():
        for key, message in catalog.items():
            if isinstance(message, dict):
                assert set(message) == plural_forms(language), f"{language}:{key}"
                # A form may leave the number out only if one number alone takes it ("the
                # latest update" is 1); Russian "one" is also 21, 101, … so it must say which.
                for form, text in message.items():
                    if form not in single_number_forms(language):
                        assert "{count}" in text, f"{language}:{key}:{form}"


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


# Counts the bot computes from its own data; the article gives no count of organizations.
COUNTED_BY_THE_BOT = {
    "audience.button",
    "broadcast.preview",
    "broadcast.report",
    "broadcast.stopped",
    "broadcast.too_long",  # the length of the organizer's text
    "button.broadcast_all",
    "button.broadcast_send",
    "links.title",
    "news.title",
    "schedule.title",
    "schedule.send",  # a scheduled draft's audience buttons: how many it has now
    "schedule.all",
    "schedule.language",
}


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_catalogs_state_no_count_the_content_lacks(language: str) -> None:
    catalog = CATALOGS[language]
    counted = {key for key, message in catalog.items() if "count" in placeholders(message)}
    assert counted == COUNTED_BY_THE_BOT
    for key, message in catalog.items():
        if key.startswith(("month.", "date.")):
            continue
        for text in message.values() if isinstance(message, dict) else [message]:
            literal = re.sub(r"\{[^{}]*\}", "", text)
            assert not re.search(r"\d", literal), f"{language}:{key}: a figure in {text!r}"


# Things the bot does not have: no programme or agenda in the article, no registration.
NOT_IN_THE_BOT = {
    "ru": ["программ", "расписан", "повестк", "регистрац"],
    "zh": ["日程", "议程", "会议内容", "报名"],
    "en": ["program", "agenda", "schedule", "registration"],
}


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_bot_description_promises_nothing_the_bot_lacks(language: str) -> None:
    for key in ("bot.description", "bot.short_description"):
        text = str(CATALOGS[language][key]).lower()
        found = [word for word in NOT_IN_THE_BOT[language] if word in text]
        assert not found, f"{language}:{key} promises {found}"


# (word that calls the interview's statements quotes, word that says they are reported).
QUOTE_WORDS = {"ru": ("цитат", "пересказ"), "zh": ("引文", "转述"), "en": ("quot", "reports")}


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_interview_statements_are_called_reported_not_quotes(language: str) -> None:
    quote, reported = QUOTE_WORDS[language]
    for key in ("interview.title", "source.interview"):
        text = str(CATALOGS[language][key]).lower()
        assert quote not in text, f"{language}:{key}: {text!r}"
        assert reported in text, f"{language}:{key}: {text!r}"
    assert "quote" not in CATALOGS[language]


def _texts(language: str) -> list[tuple[str, str]]:
    return [
        (key, text)
        for key, message in CATALOGS[language].items()
        for text in (message.values() if isinstance(message, dict) else [message])
    ]


def test_chinese_catalog_typography() -> None:
    cjk = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
    half_width = re.compile(rf"{cjk} *[()\[\],;:!?]|[()\[\],;:!?] *{cjk}")
    for key, text in _texts("zh"):
        plain = re.sub(r"<[^>]+>", "", text)
        match = half_width.search(plain)
        assert not match, f"zh:{key}: {match.group()!r} in {text!r}"
        assert "俄中" not in text, f"zh:{key}: China comes first in Chinese"


def test_english_catalog_house_style() -> None:
    for key, text in _texts("en"):
        assert not re.search(r"\bcent(er|re)s?\b", text, re.IGNORECASE), f"en:{key}: {text!r}"
        assert not re.search(r"\bthe Russia Week", text, re.IGNORECASE), f"en:{key}: {text!r}"
        assert "mailbox" not in text.lower(), f"en:{key}: {text!r}"


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


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_no_catalog_puts_a_statement_in_quotation_marks(language: str) -> None:
    """The article reports what was said; no message may present it as a verbatim quote."""
    for key, text in _texts(language):
        assert not re.search(r"[«“„「『\"']\{text\}", text), f"{language}:{key}: {text!r}"
