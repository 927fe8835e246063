"""Reading a served page the way a checker would: its head, its links and its visible text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Parsed:
    lang: str = ""
    title: str = ""
    description: str = ""
    canonical: str = ""
    hreflang: dict[str, str] = field(default_factory=dict)
    switcher: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    text_parts: list[str] = field(default_factory=list)
    h1: str = ""

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Parsed()
        self._stack: list[str] = []
        self._in_langs = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.page.tags.add(tag)
        if tag not in ("meta", "link", "br", "input", "img", "path", "g"):
            self._stack.append(tag)
        if tag == "html":
            self.page.lang = values.get("lang", "")
        elif tag == "meta" and values.get("name") == "description":
            self.page.description = values.get("content", "")
        elif tag == "link":
            rel = values.get("rel", "")
            if rel == "canonical":
                self.page.canonical = values["href"]
            elif rel == "alternate" and "hreflang" in values:
                self.page.hreflang[values["hreflang"]] = values["href"]
            elif rel not in ("alternate",):
                self.page.resources.append(values.get("href", ""))
        elif tag == "ul" and "langs" in values.get("class", ""):
            self._in_langs = True
        elif tag == "a":
            self.page.links.append(values.get("href", ""))
            if self._in_langs:
                self.page.switcher[values.get("hreflang", "")] = values.get("href", "")
        for name in ("src", "srcset", "data"):
            if name in values:
                self.page.resources.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self._in_langs = False
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "style" in self._stack or "svg" in self._stack:
            return
        if "title" in self._stack and "head" in self._stack:
            self.page.title += data
            return
        if "h1" in self._stack:
            self.page.h1 += data
        if "body" in self._stack:
            self.page.text_parts.append(data)


def parse(html: str) -> Parsed:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    page = parser.page
    page.title = " ".join(page.title.split())
    page.h1 = " ".join(page.h1.split())
    return page
