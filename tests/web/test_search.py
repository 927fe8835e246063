"""`/L/search`: the answer first, then other hits; hostile or empty queries get a helpful page."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.conftest import LANGUAGES, WebProcess
from tests.web.html_page import parse

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

NOTHING = {"ru": "ничего не нашлось", "zh": "没有找到", "en": "Nothing found"}
EMPTY_HELP = {"ru": "Введите слово", "zh": "请输入词语", "en": "Type a word"}
SHORTENED = {"ru": "Запрос обрезан", "zh": "查询过长", "en": "The query was cut"}


def search(site: WebProcess, lang: str, raw_query: str | None) -> str:
    path = f"/{lang}/search" + ("" if raw_query is None else f"?q={raw_query}")
    reply = site.get(path)
    assert reply.status == 200, (path[:200], reply.status, reply.text[:1000])
    assert len(reply.body) < 30 * 1024
    return reply.text


@pytest.mark.parametrize(
    ("lang", "query", "card", "excerpt"),
    [
        ("en", "JITRI", "/en/org/jitri", "Jiangsu Industrial Technology Research Institute"),
        ("ru", "Ху Идун", "/ru/person/hu-yidong", "Ху Идун"),
        ("zh", "江苏", None, None),
    ],
)
def test_the_answer_comes_first_then_other_hits(
    site: WebProcess, lang: str, query: str, card: str | None, excerpt: str | None
) -> None:
    html = search(site, lang, quote(query))
    page = parse(html)
    assert query in page.h1
    answer_at = html.index('class="answer"')
    if card is not None:
        assert html.index(f'href="{card}"') > answer_at
        assert excerpt is not None and excerpt in page.text
    others_at = html.find("<h2>", answer_at + 30)
    assert others_at == -1 or others_at > answer_at


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_match_says_so_and_offers_the_sections(site: WebProcess, lang: str) -> None:
    page = parse(search(site, lang, quote("яблоко apple 苹果 zzzz")))
    assert NOTHING[lang] in page.text
    assert f"/{lang}/about" in page.links and f"/{lang}/speakers" in page.links


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("raw", [None, "", "%20%20", "+"])
def test_empty_query_explains_and_gives_examples(
    site: WebProcess, lang: str, raw: str | None
) -> None:
    page = parse(search(site, lang, raw))
    assert EMPTY_HELP[lang] in page.text
    examples = [link for link in page.links if link.startswith(f"/{lang}/search?q=")]
    assert examples
    for link in examples:  # every example finds something
        assert NOTHING[lang] not in parse(search(site, lang, link.split("?q=", 1)[1])).text


HOSTILE = {
    "script": quote("<script>alert(1)</script>"),
    "attribute": quote('"><img src=x onerror=alert(1)>'),
    "sql": quote("' OR 1=1; DROP TABLE users; --"),
    "fts syntax": quote('NEAR(jitri "x") OR * AND ^'),
    "like wildcards": quote("%_%\\"),
    "ascii 5000": "a" * 5000,
    "cyrillic 5000": quote("я" * 5000),
    "chinese 5000": quote("南" * 5000),
    "invalid utf-8": "%FF%FE%C3%28",
    "truncated escape": "%E5%8D",
    "bad escape": "%ZZ%",
    "nul": "a%00b",
    "control": "%01%02%1B[31m",
    "many params": "x&q=y&q=z",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_queries_get_a_page_never_an_error(site: WebProcess, lang: str, name: str) -> None:
    html = search(site, lang, HOSTILE[name])
    assert "<script>" not in html and "<img" not in html
    page = parse(html)
    assert page.lang and page.h1
    if name.endswith("5000"):
        assert SHORTENED[lang] in page.text


def test_hostile_queries_are_shown_as_text(site: WebProcess) -> None:
    html = search(site, "en", quote("<script>alert(1)</script>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in parse(html).h1


def test_the_database_survives_the_hostile_queries(site: WebProcess) -> None:
    search(site, "en", quote("'; DROP TABLE search_index; --"))
    assert site.get("/healthz").status == 200
    assert "JITRI" in parse(search(site, "en", "JITRI")).text


@pytest.mark.parametrize(
    "path", ["/ru/org/%FF%FE", "/zh/person/%C3%28", "/en/%ZZ", "/en/org/" + "x" * 5000]
)
def test_hostile_paths_are_404_pages(site: WebProcess, path: str) -> None:
    reply = site.get(path)
    assert reply.status == 404
    assert parse(reply.text).h1


@pytest.mark.parametrize(
    ("lang", "query", "sentence"),
    [
        ("zh", "江苏产研院有多少科研人员", "8000"),
        ("ru", "Сколько сотрудников в JITRI?", "8\u00a0000"),
        ("en", "How many researchers does JITRI have?", "8,000"),
    ],
)
def test_the_answer_is_the_bots_sentence_without_chat_icons(
    site: WebProcess, lang: str, query: str, sentence: str
) -> None:
    """The site states the same fact as the bot's reply, minus the emoji a browser may lack."""
    html = search(site, lang, quote(query))
    answer = html[html.index('class="answer"') :]
    answer = answer[: answer.index("</section>")]
    assert sentence in answer, answer
    assert "📊" not in answer and "<b>" in answer, answer


@pytest.mark.parametrize(
    ("lang", "query", "honest", "related"),
    [
        (
            "ru",
            "какая зарплата у сотрудников JITRI?",
            "В статье ничего не сказано про «зарплата»",
            "/ru/org/jitri",
        ),
        ("zh", "江苏产研院的预算是多少", "文章中没有提到", "/zh/org/jitri"),
        (
            "en",
            "what is JITRI's annual budget",
            "The article does not say anything about “annual budget”",
            "/en/org/jitri",
        ),
    ],
)
def test_the_site_says_not_in_the_article_as_the_bot_does(
    site: WebProcess, lang: str, query: str, honest: str, related: str
) -> None:
    """The same verdict as the chat: no fact presented as the answer, what is nearby below."""
    html = search(site, lang, quote(query))
    page = parse(html)
    assert honest in page.text
    assert 'class="answer not-in-article"' in html
    assert "<h2>" in html and html.index("not-in-article") < html.index("<h2>")
    assert related in page.links


@pytest.mark.parametrize(
    ("lang", "query", "reply"), [("en", "hello!", "Hello!"), ("zh", "谢谢", "不客气")]
)
def test_the_site_answers_small_talk(site: WebProcess, lang: str, query: str, reply: str) -> None:
    page = parse(search(site, lang, quote(query)))
    assert reply in page.text
    assert NOTHING[lang] not in page.text
