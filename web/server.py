"""The process's one HTTP server: an aiohttp application that faces add route tables to.

The site, the health checks and the Telegram webhook are route tables on one
`aiohttp.web.Application` (bot/web_server.py adds them for `run`, bot/web_only.py for `web`);
`start` binds it to one or more addresses and `stop` closes it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Middleware

log = logging.getLogger(__name__)

# Longest request line and header we read. aiohttp's 8 KiB default answers a long search
# query in Chinese or Russian (every character is 6-9 bytes once percent-encoded) with a bare
# 400 before any handler runs; 64 KiB lets such a query reach the site's polite answer.
MAX_LINE_SIZE = 64 * 1024
# Seconds a clean stop waits for requests in flight.
SHUTDOWN_TIMEOUT = 5.0


class ListenError(Exception):
    """The server cannot listen where it was told to (port in use, unknown host, …)."""


class WebServer:
    """One aiohttp application, its route tables and the sockets it listens on."""

    def __init__(self, middlewares: Iterable[Middleware] = ()) -> None:
        self.app = web.Application(middlewares=list(middlewares))
        self._runner: web.AppRunner | None = None
        self.urls: list[str] = []

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Add a face's route table (before `start`: the router freezes then)."""
        self.app.add_routes(routes)

    async def start(self, host: str, port: int) -> str:
        """Listen on host:port (port 0: any free port); return the URL it serves and log it."""
        if self._runner is None:
            self._runner = web.AppRunner(
                self.app,
                access_log=None,
                handle_signals=False,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
                max_line_size=MAX_LINE_SIZE,
                max_field_size=MAX_LINE_SIZE,
            )
            await self._runner.setup()
        before = set(map(tuple, self._runner.addresses))
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
        bound = [a for a in map(tuple, self._runner.addresses) if a not in before]
        url = _url(host, int(bound[0][1]) if bound else port)
        self.urls.append(url)
        log.info("Web site at %s", url)
        return url

    async def stop(self) -> None:
        """Stop listening and close the application (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
