"""Plural forms: CLDR categories and the rendered catalog messages that depend on them."""

from __future__ import annotations

import pytest

from bot.i18n import Translator, load_catalogs, plural_form

t = Translator(load_catalogs())


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
        (1, "1 карточка"),
        (3, "3 карточки"),
        (5, "5 карточек"),
        (12, "12 карточек"),
        (31, "31 карточка"),
    ],
)
def test_russian_search_results(count: int, expected: str) -> None:
    assert expected in t("ru", "search.found", count=count, query="JITRI")


@pytest.mark.parametrize(
    ("count", "updates", "cards"),
    [
        (1, "1 update<", "1 card<"),
        (2, "2 updates", "2 cards"),
        (10, "10 updates", "10 cards"),
    ],
)
def test_english_counts(count: int, updates: str, cards: str) -> None:
    assert updates in t("en", "news.title", count=count)
    assert cards in t("en", "search.found", count=count, query="x")


@pytest.mark.parametrize("count", [1, 2, 5])
def test_chinese_counts(count: int) -> None:
    assert f"最新 {count} 条消息" in t("zh", "news.title", count=count)
    assert f"卡片共 {count} 张" in t("zh", "search.found", count=count, query="x")
