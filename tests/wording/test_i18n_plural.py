"""Plural forms: CLDR categories and the rendered catalog messages that depend on them."""

from __future__ import annotations

import pytest
from babel import Locale

from storage.content import LANGUAGES
from wording.i18n import PLURAL_TABLE, Translator, load_catalogs, plural_form

t = Translator(load_catalogs())


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogs_plural_rule_is_cldrs(language: str) -> None:
    """The rule a catalog states gives Babel's CLDR category for every count up to 10,000."""
    cldr = Locale.parse(language).plural_form
    differing = [n for n in range(10_001) if plural_form(language, n) != cldr(n)]
    assert differing == [], f"{language}: first differing counts {differing[:5]}"


def test_the_plural_rule_is_not_a_message() -> None:
    for language, catalog in load_catalogs().items():
        assert not any(key.split(".")[0] == PLURAL_TABLE for key in catalog), language


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (0, "many"),
        (1, "one"),
        (2, "few"),
        (3, "few"),
        (4, "few"),
        (5, "many"),
        (10, "many"),
        (11, "many"),
        (12, "many"),
        (14, "many"),
        (21, "one"),
        (22, "few"),
        (25, "many"),
        (101, "one"),
        (111, "many"),
        (112, "many"),
        (122, "few"),
        (1001, "one"),
    ],
)
def test_russian_plural_categories(count: int, form: str) -> None:
    assert plural_form("ru", count) == form


@pytest.mark.parametrize(("count", "form"), [(0, "other"), (1, "one"), (2, "other"), (21, "other")])
def test_english_plural_categories(count: int, form: str) -> None:
    assert plural_form("en", count) == form


@pytest.mark.parametrize("count", [0, 1, 2, 5, 21])
def test_chinese_has_one_form(count: int) -> None:
    assert plural_form("zh", count) == "other"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 последняя новость"),
        (2, "2 последние новости"),
        (4, "4 последние новости"),
        (5, "5 последних новостей"),
        (10, "10 последних новостей"),
        (11, "11 последних новостей"),
        (21, "21 последняя новость"),
        (22, "22 последние новости"),
    ],
)
def test_russian_news(count: int, expected: str) -> None:
    assert expected in t("ru", "news.title", count=count)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 последняя новость"),
        (3, "3 последние новости"),
        (5, "5 последних новостей"),
        (12, "12 последних новостей"),
        (31, "31 последняя новость"),
    ],
)
def test_russian_news_counts(count: int, expected: str) -> None:
    # (Search replies no longer count cards: they answer; the news title has the same forms.)
    assert expected in t("ru", "news.title", count=count)


@pytest.mark.parametrize(
    ("count", "updates"),
    [
        (1, "The latest update<"),
        (2, "2 updates"),
        (10, "10 updates"),
    ],
)
def test_english_counts(count: int, updates: str) -> None:
    assert updates in t("en", "news.title", count=count)


@pytest.mark.parametrize("count", [1, 2, 5])
def test_chinese_counts(count: int) -> None:
    assert f"最新 {count} 条消息" in t("zh", "news.title", count=count)


# Every pluralised catalog key, with what a reader must see for each count, written out by hand.
COUNTS = (1, 2, 5, 11, 21, 101)
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "button.broadcast_send": {
        "ru": (
            "Отправить 1 подписчику",
            "Отправить 2 подписчикам",
            "Отправить 5 подписчикам",
            "Отправить 11 подписчикам",
            "Отправить 21 подписчику",
            "Отправить 101 подписчику",
        ),
        "en": ("Send to 1 subscriber", *(f"Send to {n} subscribers" for n in COUNTS[1:])),
    },
    "news.title": {
        "ru": (
            "1 последняя новость",
            "2 последние новости",
            "5 последних новостей",
            "11 последних новостей",
            "21 последняя новость",
            "101 последняя новость",
        ),
        "en": ("<b>The latest update</b>", *(f"The latest {n} updates" for n in COUNTS[1:])),
    },
    "broadcast.preview": {
        "ru": (
            "получит 1 подписчик.",
            "получат 2 подписчика.",
            "получат 5 подписчиков.",
            "получат 11 подписчиков.",
            "получит 21 подписчик.",
            "получит 101 подписчик.",
        ),
        "en": ("to 1 subscriber now", *(f"to {n} subscribers now" for n in COUNTS[1:])),
    },
    "broadcast.report": {
        "ru": (
            "1 получатель\n",
            "2 получателя\n",
            "5 получателей\n",
            "11 получателей\n",
            "21 получатель\n",
            "101 получатель\n",
        ),
        "en": ("1 recipient\n", *(f"{n} recipients\n" for n in COUNTS[1:])),
    },
    "broadcast.stopped": {
        "ru": (
            "1 получатель\n",
            "2 получателя\n",
            "5 получателей\n",
            "11 получателей\n",
            "21 получатель\n",
            "101 получатель\n",
        ),
        "en": ("1 recipient\n", *(f"{n} recipients\n" for n in COUNTS[1:])),
    },
    "broadcast.too_long": {
        "ru": (
            "1 символ при",
            "2 символа при",
            "5 символов при",
            "11 символов при",
            "21 символ при",
            "101 символ при",
        ),
        "en": ("1 character,", *(f"{n} characters," for n in COUNTS[1:])),
    },
}
PARAMS = {
    "query": "JITRI",
    "id": 7,
    "languages": "ru",
    "limit": 4000,
    "sent": 0,
    "failed": 0,
    "uncertain": 0,
    "blocked": 0,
    "cancelled": 0,
}


def test_every_pluralised_key_is_checked() -> None:
    pluralised = {
        key for key, message in load_catalogs()["en"].items() if isinstance(message, dict)
    }
    assert pluralised == set(EXPECTED)


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_pluralised_messages_read_right(key: str, language: str) -> None:
    for count, expected in zip(COUNTS, EXPECTED[key][language], strict=True):
        assert expected in t(language, key, count=count, **PARAMS), (key, language, count)


def test_the_issue_examples() -> None:
    assert "4001 символ при" in t("ru", "broadcast.too_long", count=4001, limit=4000)
    assert "The latest 1 update" not in t("en", "news.title", count=1)


def test_statistics_never_say_1_users() -> None:
    line = t("en", "stats.language", language="English", users=1, subscribers=1)
    assert "1 users" not in line and "1 subscribers" not in line
    assert "users: 1" in line and "subscribers: 1" in line
