"""The trilingual read-only site: routes, page cache, language choice and error pages.

Card pages, the facts every page shows (names, source) and answered searches are kept per
content version: the content digest is re-read from the store at most every `DIGEST_TTL`
seconds, and a new digest (a `/reload`, from this process or another) drops them all. News
and the feed are read from the store on every request, so a new broadcast shows at once.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from markupsafe import Markup

from answers.engine import AnswerEngine
from storage.cards import CardKey, CardKind
from storage.content import LANGUAGES
from storage.facts import Source
from storage.loader import content_digest
from storage.programme import ProgrammeStore
from storage.store import Store
from web import answers, pages, programme
from web.news import news_items
from web.pages import Page, card_path
from web.telegram import deep_link, qr_svg
from wording.i18n import Translator, choose_text, language_from_telegram
from wording.names import FEATURED_ORGANIZATION, event_names, listed_name
from wording.text import catalog, plain, plain_text

log = logging.getLogger(__name__)

# Seconds a content digest is trusted before it is read again.
DIGEST_TTL = 1.0
# Answered searches kept (least recently used dropped first).
SEARCH_CACHE = 512
# `lang` attribute per language: zh is Simplified Chinese, which picks the right CJK glyphs.
HTML_LANG = {"ru": "ru", "zh": "zh-Hans", "en": "en"}
LANG_PATTERN = "|".join(LANGUAGES)
HTML = "text/html"
ATOM = "application/atom+xml"
CALENDAR = "text/calendar"


@dataclass(frozen=True, slots=True)
class SiteSettings:
    default_language: str
    # Public root URL without a trailing slash ("https://example.org"), if known.
    base_url: str | None = None
    # The bot's username, if known: pages then link to the same card in Telegram.
    bot_username: str | None = None
    # Whether `[programme] source` is set: without it the programme pages say there is none.
    programme: bool = False


@dataclass(frozen=True, slots=True)
class _Cached:
    body: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class _Chrome:
    """What every page of one language shows around its content."""

    names: dict[str, str]
    source: Source


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["card_path"] = card_path
    env.globals["html_langs"] = HTML_LANG
    env.filters["xml_text"] = xml_text
    return env


class Site:
    """The site's handlers over one store; `routes()` and `middleware` go on the WebServer."""

    def __init__(
        self,
        store: Store,
        engine: AnswerEngine,
        translate: Translator,
        settings: SiteSettings,
    ) -> None:
        self.store = store
        # The answer engine (bot/services.py): the search page asks it.
        self.engine = engine
        self.translate = translate
        self.settings = settings
        self.env = _environment()
        css = self.env.get_template("site.css").render()
        self.css = css
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        self.csp = (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        self._pages: dict[tuple[str, str], _Cached] = {}
        self._chrome: dict[str, _Chrome] = {}
        self._searches: OrderedDict[tuple[str, str, bool, str | None], bytes] = OrderedDict()
        self._programme_search = programme.ProgrammeSearch()
        self._digest: str | None = None
        self._checked = float("-inf")
        self._digest_lock = asyncio.Lock()

    # ------------------------------------------------------------------ routes

    def routes(self) -> web.RouteTableDef:
        """The site's route table."""
        routes = web.RouteTableDef()
        lang = f"{{lang:{LANG_PATTERN}}}"
        simple = "|".join(pages.CARD_PAGES)
        routes.get("/")(self.root)
        routes.get(f"/{lang}")(self.language_root)
        routes.get(f"/{lang}/")(self.home)
        routes.get(f"/{lang}/{{page:{simple}}}")(self.card_page)
        kinds = "|".join(pages.BY_ID)
        routes.get(f"/{lang}/{{kind:{kinds}}}/{{ident}}")(self.card_page)
        routes.get(f"/{lang}/search")(self.search)
        routes.get(f"/{lang}/news")(self.news)
        routes.get(f"/{lang}/faq")(self.faq)
        routes.get(f"/{lang}/feed.atom")(self.feed)
        routes.get(f"/{lang}/programme")(self.programme)
        routes.get(f"/{lang}/programme.ics")(self.programme_ics)
        routes.get(f"/{lang}/session/{{ident}}")(self.session)
        return routes

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Unknown paths and ids get the 404 page in the reader's language; failures a 500 page."""
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except web.HTTPNotFound:
            return await self._error_page(request, 404, "web.not_found")
        except web.HTTPException:
            raise
        except Exception:
            log.exception("Web page %s failed", request.path)
            try:
                return await self._error_page(request, 500, "web.failure")
            except Exception:
                log.exception("The error page failed too")
                return web.Response(status=500, text="500 Internal Server Error")

    # ------------------------------------------------------------------ handlers

    async def root(self, request: web.Request) -> web.Response:
        """`/` → the reader's language by Accept-Language, else the configured default."""
        raise web.HTTPFound(f"/{self._preferred(request)}/", headers={"Vary": "Accept-Language"})

    async def language_root(self, request: web.Request) -> web.Response:
        """`/ru` → `/ru/`."""
        raise web.HTTPMovedPermanently(f"/{request.match_info['lang']}/")

    async def home(self, request: web.Request) -> web.Response:
        """The home page."""
        return await self._cached(
            request, lambda lang: pages.home(self.store.facts, lang, self.translate)
        )

    async def card_page(self, request: web.Request) -> web.Response:
        """One of the card pages: /L/about …, /L/org/<id>, /L/person/<id>."""
        info = request.match_info
        facts, t = self.store.facts, self.translate
        if "page" in info:
            simple = pages.SIMPLE[CardKey(info["page"])]
            return await self._cached(request, lambda lang: simple(facts, lang, t))
        by_id = pages.BY_ID[CardKind(info["kind"])]
        ident = info["ident"]
        return await self._cached(request, lambda lang: by_id(ident, facts, lang, t))

    async def search(self, request: web.Request) -> web.Response:
        """The answer engine: the answering sentence first, then the other hits."""
        lang = request.match_info["lang"]
        raw = " ".join(request.query.get("q", "").split())
        query = raw[: answers.MAX_QUERY]
        version = await self._programme_search.digest(self._programme_store())
        key = (lang, query, len(raw) > len(query), version)
        await self._fresh()
        cached = self._searches.get(key)
        if cached is not None:
            self._searches.move_to_end(key)
            return self._response(lang, cached, cache="no-cache")
        answer = (
            await answers.ask(self.engine, self.store, self.translate, query, lang)
            if query
            else None
        )
        sessions = (
            await self._programme_search.hits(
                self._programme_store(), query, lang, answer is not None and bool(answer.best)
            )
            if query
            else []
        )
        if query:
            title = plain(self.translate(lang, "web.search_page.results", query=query))
        else:
            title = plain(self.translate(lang, "web.search_page.title"))
        names = await self._names(lang)
        page = Page(
            "search.html",
            title,
            plain(self.translate(lang, "web.search_page.description")),
            None,
            {
                "query": query,
                "shortened": len(raw) > len(query),
                "limit": answers.MAX_QUERY,
                "answer": answer,
                "programme_hits": sessions,
                "examples": [names["featured"], names["city"]],
            },
        )
        body = (await self._render(request, lang, page, robots="noindex")).encode()
        self._searches[key] = body
        if len(self._searches) > SEARCH_CACHE:
            self._searches.popitem(last=False)
        return self._response(lang, body, cache="no-cache")

    async def news(self, request: web.Request) -> web.Response:
        """The broadcasts already sent, newest first, in this language."""
        lang = request.match_info["lang"]
        items = await news_items(self.store, lang, self.settings.default_language)
        page = Page(
            "news.html",
            plain(self.translate(lang, "web.news_page.title")),
            plain(self.translate(lang, "web.news_page.description")),
            None,
            {"items": items},
        )
        body = await self._render(request, lang, page)
        return self._response(lang, body, cache="no-cache")

    async def faq(self, request: web.Request) -> web.Response:
        """Issue 22: the organizers' FAQ in this language (else the default, else any), marked
        as the organizers' answers, not the article's; read fresh, like the news."""
        lang = request.match_info["lang"]
        default = self.settings.default_language
        items = []
        for entry in await self.store.faq.entries():
            phrasings = choose_text(entry.questions, lang, default)
            answer = choose_text(entry.answers, lang, default)
            if phrasings and answer:
                items.append(
                    {"id": entry.id, "question": phrasings[0], "answer": plain_text(answer)}
                )
        page = Page(
            "faq.html",
            plain(self.translate(lang, "web.faq_page.title")),
            plain(self.translate(lang, "web.faq_page.description")),
            None,
            {"items": items},
        )
        body = await self._render(request, lang, page)
        return self._response(lang, body, cache="no-cache")

    async def feed(self, request: web.Request) -> web.Response:
        """The news as an Atom feed (RFC 4287)."""
        lang = request.match_info["lang"]
        items = await news_items(self.store, lang, self.settings.default_language)
        chrome = await self._page_chrome(lang)
        names, source = chrome.names, chrome.source
        root = self.settings.base_url or f"{request.scheme}://{request.host}"
        # Ids must not change with the Host a reader used: without a base URL, a fixed name.
        id_root = self.settings.base_url or "conference-bot"
        if items:
            updated = max(item.published for item in items)
        else:
            updated = dt.datetime.combine(source.date, dt.time(), dt.UTC)
        body = self.env.get_template("feed.xml").render(
            lang=lang,
            html_lang=HTML_LANG[lang],
            title=plain(self.translate(lang, "web.news_page.title")) + " · " + names["title"],
            subtitle=plain(self.translate(lang, "web.news_page.description")),
            author=names["title"],
            feed_id=_urn(id_root, f"/{lang}/feed.atom"),
            self_url=f"{root}/{lang}/feed.atom",
            news_url=f"{root}/{lang}/news",
            updated=_rfc3339(updated),
            entries=[
                {
                    "id": _urn(id_root, f"/news/{item.id}/{lang}"),
                    "title": _entry_title(item.text),
                    "updated": _rfc3339(item.published),
                    "link": f"{root}/{lang}/news#news-{item.id}",
                    "content": item.text,
                    "lang": item.lang,
                }
                for item in items
            ],
        )
        return self._response(lang, body.encode(), content_type=ATOM, cache="no-cache")

    def _programme_store(self) -> ProgrammeStore | None:
        return self.store.programme if self.settings.programme else None

    async def programme(self, request: web.Request) -> web.Response:
        """A day of the programme (`?day=YYYY-MM-DD`), or the page saying there is none."""
        lang = request.match_info["lang"]
        page = await programme.programme_page(
            self._programme_store(), lang, self.translate, request.query.get("day")
        )
        body = await self._render(request, lang, page)
        return self._response(lang, body, cache="no-cache")

    async def session(self, request: web.Request) -> web.Response:
        """One session of the programme; 404 for an unknown id."""
        lang = request.match_info["lang"]
        page = await programme.session_page(
            self._programme_store(), request.match_info["ident"], lang, self.translate
        )
        if page is None:
            raise web.HTTPNotFound()
        body = await self._render(request, lang, page)
        return self._response(lang, body, cache="no-cache")

    async def programme_ics(self, request: web.Request) -> web.Response:
        """The programme as iCalendar, for a calendar app's subscription (RFC 5545)."""
        lang = request.match_info["lang"]
        found = await programme.programme_calendar(
            self._programme_store(), lang, self.settings.base_url
        )
        if found is None:
            raise web.HTTPNotFound()
        _, payload = found
        response = self._response(lang, payload, content_type=CALENDAR, cache="no-cache")
        response.headers["Content-Disposition"] = 'inline; filename="programme.ics"'
        return response

    # ------------------------------------------------------------------ rendering

    async def _cached(self, request: web.Request, build: Any) -> web.Response:
        """A card page from the cache, rendered on a miss; 404 for an unknown id."""
        lang = request.match_info["lang"]
        await self._fresh()
        key = (lang, request.path)
        cached = self._pages.get(key)
        if cached is None:
            page: Page | None = await build(lang)
            if page is None:
                raise web.HTTPNotFound()
            body = (await self._render(request, lang, page)).encode()
            cached = _Cached(body, f'"{hashlib.sha1(body, usedforsecurity=False).hexdigest()}"')
            self._pages[key] = cached
        if request.headers.get("If-None-Match") == cached.etag:
            return web.Response(status=304, headers={"ETag": cached.etag})
        response = self._response(lang, cached.body, cache="no-cache")
        response.headers["ETag"] = cached.etag
        return response

    async def _fresh(self) -> None:
        """Drop the rendered pages when the content changed (checked every DIGEST_TTL s)."""
        if time.monotonic() - self._checked < DIGEST_TTL:
            return
        async with self._digest_lock:
            if time.monotonic() - self._checked < DIGEST_TTL:
                return
            # The organizers' FAQ answers searches too (issue 22): its changes count.
            content = await content_digest(self.store.connection)
            digest = f"{content}|{await self.store.faq.stamp()}"
            if digest != self._digest:
                self._pages.clear()
                self._chrome.clear()
                self._searches.clear()
                # Another process (the bot's /reload) may have changed the content under us.
                self.engine.reset()
                self._digest = digest
            self._checked = time.monotonic()

    async def _page_chrome(self, lang: str) -> _Chrome:
        await self._fresh()
        chrome = self._chrome.get(lang)
        if chrome is None:
            facts = self.store.facts
            chrome = _Chrome(await event_names(facts, lang), await facts.source(lang))
            self._chrome[lang] = chrome
        return chrome

    async def _names(self, lang: str) -> dict[str, str]:
        return (await self._page_chrome(lang)).names

    async def _render(
        self, request: web.Request, lang: str, page: Page, *, robots: str | None = None
    ) -> str:
        t = self.translate
        chrome = await self._page_chrome(lang)
        names, source = chrome.names, chrome.source
        raw_path = request.rel_url.raw_path
        suffix = raw_path.split("/", 2)[2] if raw_path.count("/") >= 2 else ""
        # The switcher keeps a search: the same (cleaned) query in the other language.
        searched = page.data.get("query") if page.template == "search.html" else None
        query = f"?{urlencode({'q': searched})}" if searched else ""
        alternates = [
            {
                "code": code,
                "html_lang": HTML_LANG[code],
                "name": t(code, "language.name"),
                "href": f"/{code}/{suffix}{query}",
                "absolute": self._absolute(f"/{code}/{suffix}"),
            }
            for code in LANGUAGES
        ]
        username = self.settings.bot_username
        link = deep_link(username, page.card) if username and page.card else None
        qr = qr_svg(link, plain(t(lang, "web.telegram.qr"))) if link else None
        return self.env.get_template(page.template).render(
            _=catalog(t, lang),
            lang=lang,
            html_lang=HTML_LANG[lang],
            page=page,
            names=names,
            featured_id=FEATURED_ORGANIZATION,
            source=source,
            source_date=t.date(lang, source.date),
            brand=plain(t(lang, "web.brand", city=names["city"], year=names["year"])),
            alternates=alternates,
            canonical=self._absolute(raw_path),
            x_default=self._absolute("/"),
            css=self.css,
            telegram_link=link,
            telegram_qr=qr,
            robots=robots,
            has_programme=self.settings.programme,
            date=lambda day: t.date(lang, day),
            year_month=lambda value: t.year_month(lang, value),
            # A figure as the language writes it: the same formatter as the bot's cards.
            number=lambda value: Markup(t.number(lang, value)),
            # A name in a list or on a link: without the Russian original (the card keeps it).
            listed=lambda name: listed_name(name, lang),
            **page.data,
        )

    async def _error_page(self, request: web.Request, status: int, key: str) -> web.Response:
        parts = request.path.split("/")
        lang = parts[1] if len(parts) > 1 and parts[1] in LANGUAGES else self._preferred(request)
        page = Page(
            "error.html",
            plain(self.translate(lang, f"{key}.title")),
            plain(self.translate(lang, f"{key}.text")),
            None,
            {"message_key": f"{key}.text", "status": status},
        )
        body = await self._render(request, lang, page, robots="noindex")
        response = self._response(lang, body, cache="no-store")
        response.set_status(status)
        return response

    def _response(
        self, lang: str, body: bytes | str, *, content_type: str = HTML, cache: str
    ) -> web.Response:
        payload = body.encode() if isinstance(body, str) else body
        return web.Response(
            body=payload,
            content_type=content_type,
            charset="utf-8",
            headers={
                "Content-Language": HTML_LANG[lang],
                "Cache-Control": cache,
                "Content-Security-Policy": self.csp,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "strict-origin-when-cross-origin",
            },
        )

    def _absolute(self, path: str) -> str:
        """An absolute URL when the public base URL is known, else the path."""
        return f"{self.settings.base_url}{path}" if self.settings.base_url else path

    def _preferred(self, request: web.Request) -> str:
        return preferred_language(
            request.headers.get("Accept-Language", ""), self.settings.default_language
        )


def preferred_language(accept_language: str, default: str) -> str:
    """The first language we speak in an Accept-Language header, by q-value; else `default`."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = language_from_telegram(tag.strip())
        if language and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else default


# Characters XML 1.0 does not allow at all (an organizer's text may hold any of them).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text without the characters XML cannot carry (escaping is the template's job)."""
    return _NOT_XML.sub("", text)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _urn(root: str, path: str) -> str:
    """A permanent, unique Atom id: a name-based UUID of the public address."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{root}{path}").urn


def _entry_title(text: str, limit: int = 80) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
