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
        (1, "1 организация"),
        (2, "2 организации"),
        (4, "4 организации"),
        (5, "5 организаций"),
        (10, "10 организаций"),
        (11, "11 организаций"),
        (21, "21 организация"),
        (22, "22 организации"),
    ],
)
def test_russian_organizations(count: int, expected: str) -> None:
    text = t("ru", "orgs.title", count=count)
    assert expected in text
    assert ("участвовала" in text) == (expected.endswith("организация"))


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
    ("count", "organizations", "updates"),
    [
        (1, "1 organization<", "1 update<"),
        (2, "2 organizations", "2 updates"),
        (10, "10 organizations", "10 updates"),
    ],
)
def test_english_counts(count: int, organizations: str, updates: str) -> None:
    assert organizations in t("en", "orgs.title", count=count)
    assert updates in t("en", "news.title", count=count)


@pytest.mark.parametrize("count", [1, 2, 5])
def test_chinese_counts(count: int) -> None:
    assert f"{count} 家机构" in t("zh", "orgs.title", count=count)
    assert f"最新 {count} 条消息" in t("zh", "news.title", count=count)
