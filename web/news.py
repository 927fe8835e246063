"""News on the site: the broadcasts already sent, newest first, in the reader's language.

A broadcast's text is Telegram HTML written by an organizer. The site does not pass it on as
markup: it keeps the text and the http(s)/mailto links, as `Segment`s the template escapes.
Links are the organizer's <a href> and, as Telegram shows them, bare web addresses and e-mail
addresses in the text; any other scheme (javascript:, data:, …) stays text. An item shown in
another language than the page's (no version in the reader's language) says which.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from storage.store import Store
from wording.i18n import choose_text

NEWS_LIMIT = 20
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# What Telegram makes a link in a message's text: a web address or an e-mail address. A
# closing bracket or sentence punctuation right after the address is not part of it.
_BARE_LINK = re.compile(
    r"(?P<url>https?://[^\s<>\"']+?)(?=[.,;:!?)\]}»”]*(?:\s|$))"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class NewsItem:
    id: int
    published: dt.datetime
    segments: list[Segment]
    # The language the text is in: the reader's, or a fallback's.
    lang: str

    @property
    def text(self) -> str:
        """The item as plain text (the Atom feed's content)."""
        return "".join(s.text for s in self.segments)


async def news_items(
    store: Store, lang: str, default_language: str, limit: int = NEWS_LIMIT
) -> list[NewsItem]:
    """Sent broadcasts, newest first, each in `lang` (else the default language, else any)."""
    items = []
    for broadcast, texts in await store.broadcasts.news(limit):
        written_in = choose_text({code: code for code in texts}, lang, default_language)
        if written_in is None:
            continue
        published = dt.datetime.fromtimestamp(broadcast.queued_at or broadcast.created_at, dt.UTC)
        items.append(NewsItem(broadcast.id, published, segments(texts[written_in]), written_in))
    return items


class _Segments(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self._href = href if href.lower().startswith(_SAFE_SCHEMES) else ""
            self._link_text = []
        elif tag == "br":
            self.handle_data("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = "".join(self._link_text)
            self.segments.append(Segment(text or self._href, self._href or None))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._link_text.append(data)
        elif self.segments and self.segments[-1].href is None:
            self.segments[-1] = Segment(self.segments[-1].text + data)
        else:
            self.segments.append(Segment(data))

    def result(self) -> list[Segment]:
        self.close()
        if self._href is not None:  # an unclosed link keeps its text
            self.handle_endtag("a")
        return self.segments


def segments(text: str) -> list[Segment]:
    """Telegram HTML as text segments, links (http, https, mailto only) kept apart: the
    organizer's links, and the web and e-mail addresses in the text."""
    parser = _Segments()
    parser.feed(text)
    found: list[Segment] = []
    for segment in parser.result():
        found.extend([segment] if segment.href is not None else _linked(segment.text))
    return found


def _linked(text: str) -> list[Segment]:
    """Plain text split at its bare web and e-mail addresses, each a link to itself."""
    parts: list[Segment] = []
    at = 0
    for match in _BARE_LINK.finditer(text):
        if match.start() > at:
            parts.append(Segment(text[at : match.start()]))
        address = match.group(0)
        href = address if match.group("url") else f"mailto:{address}"
        parts.append(Segment(address, href))
        at = match.end()
    if at < len(text) or not parts:
        parts.append(Segment(text[at:]))
    return parts
