"""The process's one web server for `run`: the site, the webhook endpoint and the health checks.

Started in post_init when `[web] enabled` or `[webhook]` is set. One aiohttp application
(web/server.py) carries every route; it listens on `[web] host`:`port` for the site and on
`[webhook] listen`:`port` for Telegram's reverse proxy (one socket if they are the same).
Routes on it: the site (when enabled), `GET /healthz` (web/health.py), `GET /readyz`
(bot/health.py) and `POST <path of [webhook] url>` (handlers/transport/webhook.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.health import Readiness, readiness_routes
from handlers.transport.webhook import WebhookSource

if TYPE_CHECKING:
    from bot.app import BotApplication
    from web.server import WebServer


async def start_web_server(application: BotApplication) -> WebServer:
    """Build the server from the started services and listen (ListenError: exit code 2)."""
    from web.health import health_routes
    from web.server import WebServer

    data = application.bot_data
    settings = data.settings
    if settings.web.enabled:
        from bot.web_only import build_server  # only a process that serves the site loads it

        server = build_server(settings, data.store, data.translate, data.bot_username)
    else:
        server = WebServer()
        server.add_routes(health_routes(data.store))
    readiness = Readiness(application)
    await readiness.open(settings.storage.path)
    data.readiness = readiness
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
    try:
        for host, port in addresses:
            await server.start(host, port)
    except BaseException:
        await server.stop()
        raise
    return server
