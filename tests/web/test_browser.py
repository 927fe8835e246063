"""The site in a real headless Chromium at phone size: what a person sees, and screenshots.

Debian's `chromium` driven by Playwright's Python package; screenshots go to test-output/web/
(git-ignored) so a person can look at them. Without chromium these tests are skipped, loudly.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import BOT_USERNAME, ROOT, WebProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "BROWSER TESTS NOT RUN: Debian's chromium is not installed "
        "(apt-get install -y chromium fonts-noto-cjk; .ci/run does this)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

SHOTS = ROOT / "test-output" / "web"
PHONE = {"width": 360, "height": 740}
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=2)
    # The site needs nothing from elsewhere: any request off the site is a failure.
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort()
        ),
    )
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def no_horizontal_overflow(page: Page) -> None:
    width: Any = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: {width[0]} px wide in a {width[1]} px window"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_reader_on_a_phone_switches_language_searches_and_opens_a_card(
    configured_site: WebProcess, phone: Page
) -> None:
    external: list[str] = []
    phone.on("requestfailed", lambda request: external.append(request.url))

    phone.goto(configured_site.url + "/")
    assert phone.url.endswith("/en/")  # Accept-Language from the browser's locale
    assert "Russian–Chinese Conference" in phone.locator("h1").inner_text()
    assert phone.get_by_role("link", name="About the conference").first.is_visible()
    no_horizontal_overflow(phone)
    shot(phone, "1-home-en")

    phone.get_by_role("link", name="中文").click()
    phone.wait_for_url("**/zh/")
    assert phone.locator("h1").inner_text() == "中俄新材料领域科技与创新合作会议"
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    no_horizontal_overflow(phone)
    shot(phone, "2-home-zh")

    phone.get_by_role("searchbox").fill("江苏产研院 科研人员")
    phone.get_by_role("button", name="搜索").click()
    phone.wait_for_url("**/zh/search?q=*")
    answer = phone.locator(".answer")
    assert answer.is_visible() and "答案" in answer.inner_text()
    no_horizontal_overflow(phone)
    shot(phone, "3-search-zh")

    answer.locator("a").first.click()
    phone.wait_for_url("**/zh/org/**")
    assert phone.locator("h1").is_visible()
    no_horizontal_overflow(phone)
    shot(phone, "4-card-zh")
    # The QR code on the card opens the same card in the bot.
    link = phone.locator(".telegram a").first.get_attribute("href")
    assert link is not None and link.startswith(f"https://t.me/{BOT_USERNAME}?start=org-")
    assert decode_qr(phone.locator(".telegram svg").screenshot()) == link

    phone.get_by_role("link", name="Русский").click()
    phone.wait_for_url("**/ru/org/**")  # the switcher keeps the reader on the same card
    assert phone.locator("html").get_attribute("lang") == "ru"
    no_horizontal_overflow(phone)
    shot(phone, "5-card-ru")
    assert external == []


def decode_qr(png: bytes) -> str:
    from PIL import Image
    from pyzbar.pyzbar import decode

    found = decode(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    text: str = found[0].data.decode()
    return text


@pytest.mark.parametrize("lang", ["ru", "zh", "en"])
def test_no_page_scrolls_sideways_at_360_px(
    configured_site: WebProcess, phone: Page, lang: str
) -> None:
    paths = [
        "",
        "about",
        "speakers",
        "organizers",
        "orgs",
        "org/jitri",
        "org/msp-itt",
        "person/oleg-azarov",
        "interview",
        "contacts",
        "source",
        "news",
        "search?q=" + "Нанкин" * 40,
        "no-such-page",
    ]
    for path in paths:
        phone.goto(f"{configured_site.url}/{lang}/{path}")
        assert phone.locator("h1").is_visible()
        no_horizontal_overflow(phone)
    shot(phone, f"6-not-found-{lang}")
    phone.goto(f"{configured_site.url}/{lang}/about")
    shot(phone, f"7-about-{lang}")


# Every word of the figures grid, with how many line boxes it takes: a word on two lines was
# broken in the middle (issue 25: «исследовательск|ие» at 390 px).
_BROKEN_WORDS = """
() => {
  const broken = [];
  for (const item of document.querySelectorAll('.figures li')) {
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Parts between spaces and hyphens: a line may end after a hyphen, never inside a part.
      for (const match of node.data.matchAll(/[^\\s\\-\u2010]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [320, 360, 390, 430])
def test_no_word_of_the_figures_breaks_mid_word_on_a_phone(
    site: WebProcess, browser: Browser, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="ru-RU")
    try:
        page = context.new_page()
        for lang in ("ru", "en", "zh"):
            page.goto(f"{site.url}/{lang}/org/jitri")
            assert page.locator(".figures li").count() >= 10
            if lang == "zh":
                continue  # Chinese breaks between any two characters by design
            broken = page.evaluate(_BROKEN_WORDS)
            assert broken == [], f"{lang} at {width} px: {broken}"
        no_horizontal_overflow(page)
        if width == 390:
            page.goto(f"{site.url}/ru/org/jitri")
            shot(page, "8-figures-ru-390")
    finally:
        context.close()
