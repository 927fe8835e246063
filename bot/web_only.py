"""`python -m bot web`: the site (and its health check) with no Telegram token, and the WeChat
endpoint when `[wechat]` is set (a WeChat-only deployment); the routes of the process's one web
server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from pathlib import Path

from answers.engine import AnswerEngine
from bot.config import Settings, load_settings
from bot.services import answer_engine, open_store
from storage.programme_file import ProgrammeError
from storage.store import Store
from web.health import health_routes
from web.server import WebServer
from web.site import Site, SiteSettings
from wording.i18n import Translator, load_catalogs

log = logging.getLogger(__name__)


def build_server(
    settings: Settings,
    store: Store,
    engine: AnswerEngine,
    translate: Translator,
    bot_username: str | None = None,
) -> WebServer:
    """A web server with the health check, the site and, with `[wechat]`, the WeChat face;
    `run` adds readiness and the webhook endpoint to it (bot/web_server.py)."""
    site = Site(
        store,
        engine,
        translate,
        SiteSettings(
            default_language=settings.bot.default_language,
            base_url=settings.web.base_url.rstrip("/") if settings.web.base_url else None,
            bot_username=bot_username or settings.telegram.username,
            programme=settings.programme.source is not None,
        ),
    )
    server = WebServer(middlewares=[site.middleware])
    server.add_routes(health_routes(store))
    server.add_routes(site.routes())
    if settings.wechat is not None:  # issue 23: the WeChat face, on the same server
        from bot.wechat_face import wechat_routes

        server.add_routes(wechat_routes(settings, store, engine, translate))
    return server


async def serve_site(settings: Settings | None, host: str | None, port: int | None) -> int:
    """`python -m bot web`: serve the site until SIGINT/SIGTERM; no token needed.

    Without settings (no config file) a temporary database with the bundled content is used,
    as `chat` does; `host`/`port` override the config's `[web]`.
    """
    with tempfile.TemporaryDirectory(prefix="bot-web-") as workdir:
        if settings is None:
            settings = load_settings(None)
            settings.storage.path = Path(workdir) / "web.sqlite3"
        host = settings.web.host if host is None else host
        port = settings.web.port if port is None else port
        store = await open_store(settings.storage.path, settings.storage.content)
        try:
            await _load_programme(store, settings)
            server = build_server(
                settings, store, answer_engine(store), Translator(load_catalogs())
            )
            try:
                await server.start(host, port)
                await _until_signal()
            finally:
                await server.stop()
        finally:
            await store.close()
    return 0


async def _load_programme(store: Store, settings: Settings) -> None:
    """The site on its own imports `[programme] source` too; a bad file is one warning line
    and the programme the database has stays (the bot's `/programme reload` does the same)."""
    source = settings.programme.source
    if source is None:
        return
    try:
        await store.reload_programme(source)
    except ProgrammeError as error:
        log.warning("Programme not loaded, the previous one stays: %s", error)


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
