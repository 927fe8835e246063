"""The process's one web server for `run`: the site, the webhook endpoint and the health checks.

A peer of the Telegram Application in the process (bot/runner.py starts it once the application
and its services are up, before the update source registers a webhook, and stops it before the
application stops), as in python-telegram-bot's custom-webhook example; it is not part of the
Application's own lifecycle. One aiohttp application (web/server.py) carries every route; it
listens on `[web] host`:`port` for the site and on `[webhook] listen`:`port` for Telegram's
reverse proxy (one socket if they are the same). Routes on it: the site (when enabled),
`GET /healthz` (web/health.py), `GET /readyz` (bot/health.py), `POST <path of [webhook] url>`
(handlers/transport/webhook.py) and, with `[metrics] enabled`, `GET /metrics` (bot/metrics.py).
"""

from __future__ import annotations

from bot.config import Settings
from bot.health import Readiness, readiness_routes
from handlers.kit.context import BotApplication
from handlers.transport.webhook import WebhookSource
from web.health import health_routes
from web.server import WebServer


def wanted(settings: Settings) -> bool:
    """Whether `run` serves HTTP at all: the site, the webhook, or /metrics."""
    return settings.web.enabled or settings.webhook is not None or settings.metrics.enabled


class ProcessWebServer:
    """The web server of `run` and what only it owns (the readiness probe's connection)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server: WebServer | None = None
        self.readiness: Readiness | None = None

    async def start(self, application: BotApplication) -> None:
        """Build the server from the started services and listen (ListenError: exit code 2)."""
        settings = self.settings
        data = application.bot_data
        if settings.web.enabled:
            from bot.web_only import build_server  # only a process that serves the site loads it

            server = build_server(
                settings, data.store, data.answers, data.translate, data.bot_username
            )
        else:
            server = WebServer()
            server.add_routes(health_routes(data.store))
        self.server = server
        readiness = Readiness(application)
        self.readiness = readiness
        await readiness.open(settings.storage.path)
        server.add_routes(readiness_routes(readiness))
        if isinstance(data.source, WebhookSource):
            server.add_routes(data.source.routes())
        # [metrics] (bot/metrics.py): /metrics and the request counter, on this server only.
        if settings.metrics.enabled:
            from bot.metrics import metrics_routes, request_counter

            webhook_path = settings.webhook.path if settings.webhook is not None else None
            server.app.middlewares.append(request_counter(webhook_path))
            server.add_routes(metrics_routes(application))
        addresses = []
        # Metrics without the site or a webhook: served alone on the [web] address.
        if settings.web.enabled or (settings.metrics.enabled and settings.webhook is None):
            addresses.append((settings.web.host, settings.web.port))
        if settings.webhook is not None:
            webhook = (settings.webhook.listen, settings.webhook.port)
            if webhook not in addresses:
                addresses.append(webhook)
        for host, port in addresses:
            await server.start(host, port)

    async def stop(self) -> None:
        """Stop listening, then close the probe's connection: whichever was started."""
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.readiness is not None:
            await self.readiness.close()
            self.readiness = None
