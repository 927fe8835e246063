"""Every page of the site in every language, over HTTP, from a real `python -m bot web`."""

from __future__ import annotations

import re

import pytest

from storage.content import Content, load_content
from tests.web.conftest import LANGUAGES, WebProcess
from tests.web.html_page import Parsed, parse

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

CONTENT: Content = load_content()[0]
PAGES = (
    "",
    "about",
    "speakers",
    "organizers",
    "orgs",
    "interview",
    "contacts",
    "source",
    "news",
    "search",
    "search?q=JITRI",
    *(f"org/{org.id}" for org in CONTENT.organizations),
    *(f"person/{person.id}" for person in CONTENT.people),
)
HTML_LANG = {"ru": "ru", "zh": "zh-Hans", "en": "en"}
NOT_FOUND = {"ru": "Страница не найдена", "zh": "页面不存在", "en": "Page not found"}
PAGE_BUDGET = 30 * 1024
RUSSIAN_ORIGINAL = re.compile(r"\s*[(（][^()（）a-zA-Z]*[\u0400-\u04ff][^()（）a-zA-Z]*[)）]")


def fetch(site: WebProcess, path: str, status: int = 200) -> Parsed:
    reply = site.get(path)
    assert reply.status == status, (path, reply.status, reply.text[:2000])
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    return parse(reply.text)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_every_language(site: WebProcess, lang: str, page: str) -> None:
    reply = site.get(f"/{lang}/{page}")
    assert reply.status == 200, reply.text[:2000]
    assert len(reply.body) < PAGE_BUDGET, f"{len(reply.body)} bytes"
    parsed = parse(reply.text)
    assert parsed.lang == HTML_LANG[lang]
    assert parsed.title and parsed.description and parsed.h1
    # hreflang alternates and the switcher both keep the reader on this very page.
    path = page.split("?", 1)[0]
    assert parsed.hreflang == {
        "ru": f"/ru/{path}",
        "zh-Hans": f"/zh/{path}",
        "en": f"/en/{path}",
        "x-default": "/",
    }
    assert parsed.switcher == {HTML_LANG[code]: f"/{code}/{page}" for code in LANGUAGES}
    # Nothing from elsewhere: no scripts, no stylesheets, fonts or images to fetch.
    assert "script" not in parsed.tags
    assert parsed.resources == []
    assert not [link for link in parsed.links if link.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_state_the_content_facts(site: WebProcess, lang: str) -> None:
    event = CONTENT.event
    home = fetch(site, f"/{lang}/")
    assert event.title.get(lang) in home.h1
    about = fetch(site, f"/{lang}/about").text
    for line in [*event.context, *event.format, *event.presented]:
        assert line.get(lang) in about
    for line in event.other_participants:
        # A list line: in zh and en without the Russian original in brackets (issue 25).
        shown = line.get(lang) if lang == "ru" else RUSSIAN_ORIGINAL.sub("", line.get(lang))
        assert shown in about
    jitri = CONTENT.organization("jitri")
    org = fetch(site, f"/{lang}/org/jitri").text
    # Figures as the language writes them (8 000, 8,000, "more than 800"): the digits.
    ungrouped = org.replace(" ", "").replace(",", "")  # .text made the no-break space a space
    for figure in jitri.figures:
        assert figure.value.rstrip("+") in ungrouped and figure.label.get(lang) in org
    for paragraph in jitri.description:
        assert paragraph.get(lang) in org
    speakers = fetch(site, f"/{lang}/speakers").text
    for person in CONTENT.people:
        assert person.name.get(lang) in speakers and person.position.get(lang) in speakers
        page = fetch(site, f"/{lang}/person/{person.id}")
        assert page.h1 == person.name.get(lang)
        assert person.role_text.get(lang) in page.text
    orgs = fetch(site, f"/{lang}/orgs").text
    for organization in CONTENT.organizations:
        name = organization.name.get(lang)
        assert (name if lang == "ru" else RUSSIAN_ORIGINAL.sub("", name)) in orgs
    interview = fetch(site, f"/{lang}/interview").text
    for statement in CONTENT.statements:
        assert statement.text.get(lang) in interview
    contacts = fetch(site, f"/{lang}/contacts")
    for contact in CONTENT.contacts:
        assert contact.value in contacts.text and f"mailto:{contact.value}" in contacts.links
    source = fetch(site, f"/{lang}/source").text
    assert CONTENT.source.title.get(lang) in source and CONTENT.source.subtitle.get(lang) in source


# Half-width punctuation touching a Chinese character: a comma, colon, semicolon, full stop,
# question or exclamation mark, or a bracket, right before or after a Han character.
_MIXED = re.compile(r"[\u4e00-\u9fff][,.:;!?()]|[,:;!?()][\u4e00-\u9fff]")


@pytest.mark.parametrize("page", [*PAGES, "nope"])
def test_chinese_text_uses_full_width_punctuation(site: WebProcess, page: str) -> None:
    reply = site.get(f"/zh/{page}")
    parsed = parse(reply.text)
    assert not _MIXED.findall(parsed.text), _MIXED.findall(parsed.text)
    assert not _MIXED.findall(parsed.title + parsed.description)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["org/nope", "person/nope", "org/JITRI", "nope", "about/"])
def test_unknown_pages_are_404_in_that_language(site: WebProcess, lang: str, path: str) -> None:
    parsed = fetch(site, f"/{lang}/{path}", status=404)
    assert parsed.lang == HTML_LANG[lang]
    assert parsed.h1 == NOT_FOUND[lang]
    assert f"/{lang}/about" in parsed.links  # a way on, not a dead end


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("zh-CN,zh;q=0.9,en;q=0.5", "zh"), ("de, en;q=0.5", "en"), ("", "ru"), ("*", "ru")],
)
def test_unknown_paths_outside_a_language_are_404_by_accept_language(
    site: WebProcess, accept: str, lang: str
) -> None:
    reply = site.get("/wp-login.php", {"Accept-Language": accept} if accept else {})
    assert reply.status == 404
    assert parse(reply.text).h1 == NOT_FOUND[lang]


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "/zh/"),
        ("en-US,en;q=0.9", "/en/"),
        ("ru-RU", "/ru/"),
        ("de-DE, fr;q=0.8, en;q=0.3", "/en/"),
        ("en;q=0.2, zh-TW;q=0.7", "/zh/"),
        ("fr", "/ru/"),  # nothing we speak: the configured default (ru)
        ("zh;q=0, en;q=garbage", "/ru/"),
        (None, "/ru/"),
    ],
)
def test_root_redirects_by_accept_language(
    site: WebProcess, accept: str | None, target: str
) -> None:
    reply = site.get("/", {"Accept-Language": accept} if accept is not None else {})
    assert reply.status == 302
    assert reply.headers["location"] == target
    assert "Accept-Language" in reply.headers.get("vary", "")


def test_language_root_without_slash_redirects(site: WebProcess) -> None:
    reply = site.get("/zh")
    assert reply.status == 301 and reply.headers["location"] == "/zh/"


def test_healthz(site: WebProcess) -> None:
    reply = site.get("/healthz")
    assert (reply.status, reply.text) == (200, "ok")


def test_card_pages_revalidate_with_an_etag(site: WebProcess) -> None:
    first = site.get("/en/about")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = site.get("/en/about", {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert site.get("/ru/about", {"If-None-Match": etag}).status == 200


def test_pages_forbid_scripts_and_framing(site: WebProcess) -> None:
    headers = site.get("/en/").headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script may run at all
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-language"] == "en"
