"""Which language a WeChat user is answered in (WeChat does not say)."""

from __future__ import annotations

import pytest

from wechat.language import asks_for_languages, reply_language, switch_to, written_in


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("English", "en"),
        ("english", "en"),
        (" ENGLISH! ", "en"),
        ("英文", "en"),
        ("Русский", "ru"),
        ("русский язык", "ru"),
        ("по-русски", "ru"),
        ("Russian", "ru"),
        ("中文", "zh"),
        ("简体中文", "zh"),
        ("Chinese", "zh"),
        ("汉语", "zh"),
    ],
)
def test_a_language_name_switches(text: str, language: str) -> None:
    assert switch_to(text) == language


@pytest.mark.parametrize("text", ["English speakers at the conference", "中文名称", "Russia", "1"])
def test_a_question_mentioning_a_language_is_not_a_switch(text: str) -> None:
    assert switch_to(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("JITRI 有多少科研人员？", "zh"),
        ("会议在哪里举行", "zh"),
        ("Сколько исследователей в JITRI?", "ru"),
        ("Где прошла конференция", "ru"),
        ("How many researchers does JITRI have?", "en"),
        ("When was the conference", "en"),
        ("JITRI", None),
        ("8000", None),
        ("Азаров", "ru"),
    ],
)
def test_a_question_clearly_in_a_language(text: str, language: str | None) -> None:
    assert written_in(text) == language


def test_the_answer_language_is_the_questions_then_the_choice_then_chinese() -> None:
    assert reply_language("JITRI", None) == "zh"
    assert reply_language("JITRI", "ru") == "ru"
    assert reply_language("How many researchers?", "ru") == "en"
    assert reply_language("会议在哪里举行", "en") == "zh"


def test_asking_for_languages() -> None:
    assert asks_for_languages("Language")
    assert asks_for_languages("语言")
    assert not asks_for_languages("language of the conference")
