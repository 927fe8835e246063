"""News on the site: the broadcasts already sent, newest first, in the reader's language.

A broadcast's text is Telegram HTML written by an organizer. The site does not pass it on as
markup: it keeps the text and the http(s)/mailto links, as `Segment`s the template escapes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser

from storage.store import Store
from wording.i18n import choose_text

NEWS_LIMIT = 20
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class NewsItem:
    id: int
    published: dt.datetime
    segments: list[Segment]

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
        text = choose_text(texts, lang, default_language)
        if text is None:
            continue
        published = dt.datetime.fromtimestamp(broadcast.queued_at or broadcast.created_at, dt.UTC)
        items.append(NewsItem(broadcast.id, published, segments(text)))
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
    """Telegram HTML as text segments, links (http, https, mailto only) kept apart."""
    parser = _Segments()
    parser.feed(text)
    return parser.result()
