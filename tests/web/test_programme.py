"""The programme's pages on a real `python -m bot web`: the day's grid, a session, the .ics
(read by icalendar and by vobject), the HTML checks every page passes, and a phone in a real
browser; and, without a programme, pages that say there is none."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
import vobject

from tests.programme_files import Talk, soon, write_programme
from tests.web.conftest import BASE_URL, LANGUAGES, WebProcess, running, write_site_config
from tests.web.html_page import parse

HTML_LANG = {"ru": "ru", "zh": "zh-Hans", "en": "en"}

# Real bot or site processes: seconds each.
pytestmark = pytest.mark.slow


def _talks() -> list[Talk]:
    now = soon(0)
    return [
        Talk(
            501,
            "Graphene membranes (fictional)",
            now - dt.timedelta(minutes=5),
            60,
            "Hall A",
            ["Ada Testova", "Bo Probe"],
            abstract="An invented abstract for the tests.",
        ),
        Talk(502, "Composite panels (fictional) " + "long " * 30, now, 60, "Hall B"),
        Talk(503, "Ceramic coatings (fictional)", now + dt.timedelta(days=1), 30, "Hall A"),
    ]


@pytest.fixture(scope="module")
def programme_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    directory = tmp_path_factory.mktemp("programme-site")
    source = write_programme(
        directory / "programme",
        _talks(),
        sidecar='[sessions.501]\ntitle.zh = "石墨烯膜（虚构）"\n',
    )
    config = write_site_config(directory, programme={"source": str(source)})
    with running(WebProcess(["--config", str(config)], directory / "web.log")) as process:
        yield process


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", ["programme", "session/501", "session/502"])
def test_programme_pages_pass_the_page_checks(
    programme_site: WebProcess, lang: str, page: str
) -> None:
    reply = programme_site.get(f"/{lang}/{page}")
    assert reply.status == 200, reply.text[:2000]
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    parsed = parse(reply.text)
    assert parsed.lang == HTML_LANG[lang]
    assert parsed.title and parsed.description and parsed.h1
    assert parsed.hreflang["en"] == f"{BASE_URL}/en/{page}"
    assert parsed.switcher == {HTML_LANG[code]: f"/{code}/{page}" for code in LANGUAGES}
    assert "script" not in parsed.tags
    assert parsed.resources == []


def test_the_day_grid_and_a_session(programme_site: WebProcess) -> None:
    talks = _talks()
    # Each day by its link (the test may run near midnight in Berlin).
    grid = parse(programme_site.get(f"/en/programme?day={talks[0].start.date()}").text)
    assert "Graphene membranes (fictional)" in grid.text
    assert "Europe/Berlin" in grid.text and "On now" in grid.text
    assert "/en/session/501" in grid.links
    assert "Ceramic" not in grid.text  # the next day's
    assert (
        "Hall B"
        in parse(programme_site.get(f"/en/programme?day={talks[1].start.date()}").text).text
    )
    tomorrow = talks[2].start.date().isoformat()
    assert f"/en/programme?day={tomorrow}" in grid.links
    assert "Ceramic" in parse(programme_site.get(f"/en/programme?day={tomorrow}").text).text
    # Without a day: today's (or the next day with sessions).
    assert parse(programme_site.get("/en/programme").text).h1
    session = parse(programme_site.get("/en/session/501").text)
    assert session.h1 == "Graphene membranes (fictional)"
    assert "Ada Testova, Bo Probe" in session.text
    assert "An invented abstract for the tests." in session.text
    # Chinese: the sidecar's title; the untranslated abstract is marked with its language.
    zh = parse(programme_site.get("/zh/session/501").text)
    assert zh.h1 == "石墨烯膜（虚构）"
    assert "[EN]" in zh.text
    assert programme_site.get("/en/session/999").status == 404
    assert programme_site.get("/en/session/%3Cscript%3E").status == 404


def test_the_calendar_reads_in_two_parsers(programme_site: WebProcess) -> None:
    reply = programme_site.get("/en/programme.ics")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(reply.body)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    graphene = events["Graphene membranes (fictional)"]
    assert graphene["location"] == "Hall A"
    assert graphene.decoded("dtstart").tzinfo.key == "Europe/Berlin"  # type: ignore[union-attr]
    assert str(graphene["uid"]).endswith("@programme.conference-bot")
    assert int(graphene["sequence"]) == 0
    assert str(graphene["url"]) == f"{BASE_URL}/en/session/501"
    assert calendar.walk("VTIMEZONE")
    second = vobject.readOne(reply.text)
    summaries = sorted(str(e.summary.value) for e in second.vevent_list)
    assert summaries[0] == "Ceramic coatings (fictional)"
    assert len(summaries) == 3
    # Stable: the same UIDs every time.
    again = icalendar.Calendar.from_ical(programme_site.get("/en/programme.ics").body)
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(
        str(e["uid"]) for e in calendar.walk("VEVENT")
    )


NONE = {"ru": "программы нет", "zh": "没有提供日程", "en": "gives no programme"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_a_programme_the_page_says_there_is_none(site: WebProcess, lang: str) -> None:
    reply = site.get(f"/{lang}/programme")
    assert reply.status == 200
    assert NONE[lang] in parse(reply.text).text
    assert site.get(f"/{lang}/session/1").status == 404
    assert site.get(f"/{lang}/programme.ics").status == 404


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_programme_pages_fit_a_phone(programme_site: WebProcess, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import ARGS, PHONE

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=PHONE)  # type: ignore[arg-type]
            for path in ("programme", "session/501", "session/502"):
                page.goto(f"{programme_site.url}/{lang}/{path}")
                assert page.locator("h1").is_visible()
                width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert width[0] <= width[1], (path, width)
            # Without JavaScript a day is a plain link: follow one and land on the session.
            page.goto(f"{programme_site.url}/{lang}/programme")
            page.locator("a[href$='/session/501']").first.click()
            assert page.url.endswith(f"/{lang}/session/501")
        finally:
            browser.close()


def test_the_search_page_answers_programme_questions(programme_site: WebProcess) -> None:
    found = parse(programme_site.get("/en/search?q=when+is+the+graphene+talk").text)
    assert "From the organizers' programme" in found.text
    assert "/en/session/501" in found.links
    ru = parse(programme_site.get("/ru/search?q=%D0%B4%D0%BE%D0%BA%D0%BB%D0%B0%D0%B4+Hall+B").text)
    assert "Из программы организаторов" in ru.text and "/ru/session/502" in ru.links
    fact = parse(programme_site.get("/en/search?q=JITRI").text)
    assert "organizers' programme" not in fact.text
