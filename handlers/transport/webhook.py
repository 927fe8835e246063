"""Webhook mode: Telegram POSTs each update to `[webhook] url`; it is in the inbox before 200.

`python -m bot run` with a `[webhook]` section registers the webhook (setWebhook with the URL,
the secret token, allowed_updates and max_connections) and serves `POST <path of url>` on
`[webhook] listen`:`port` from the process's one web server (bot/web_server.py, with the site
and the health checks), behind a reverse proxy that terminates TLS (deploy/nginx-webhook.conf).

A request:
- without the right `X-Telegram-Bot-Api-Secret-Token` (compared in constant time) → 403,
  nothing read or stored;
- whose body is not a JSON update → 400;
- otherwise the update is written to the inbox (a duplicate update_id is recognised and not
  handled again) and only then answered 200. If it cannot be written (database locked, disk
  full) the answer is 503 and Telegram delivers it again later.
While the inbox is full (handlers/transport/inbox.py), a request waits for room before it is stored:
Telegram sends at most `max_connections` at once, so waiting requests are bounded too.

The secret token comes from the config (or BOT_WEBHOOK__SECRET_TOKEN); if absent one is
generated once and kept in the database, so a restart keeps the registered webhook valid. It
is never logged: it is registered with the process's redaction (redaction/) as soon as known.

Readiness: every `CHECK_INTERVAL` the webhook is checked with getWebhookInfo (re-registered if
someone removed or changed it); that, or a delivery, counts as contact with Telegram.
Switching back to polling (removing `[webhook]`) deletes the webhook
(handlers/transport/polling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken

from handlers.settings import WebhookSettings
from handlers.transport.inbox import Inbox, StopBot
from handlers.transport.polling import BACKOFF_MAX, BACKOFF_START
from redaction import register_secret
from storage.inbox import InboxRow

if TYPE_CHECKING:
    from handlers.kit.context import BotApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# runtime_state key of the generated secret token.
SECRET_STATE_KEY = "webhook_secret_token"
# How often the registration is checked with getWebhookInfo.
CHECK_INTERVAL = 60.0


class WebhookSource:
    """Receives updates over HTTP into the inbox; see the module docstring."""

    def __init__(
        self,
        application: BotApplication,
        inbox: Inbox,
        settings: WebhookSettings,
        allowed_updates: Sequence[str],
        secret: str,
    ) -> None:
        self.application = application
        self.bot = application.bot
        self.inbox = inbox
        self.settings = settings
        self.allowed_updates = list(allowed_updates)
        self._secret = secret.encode()
        self.last_contact = 0.0
        self._recovered = asyncio.Event()
        self._accepting = False
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def create(
        cls,
        application: BotApplication,
        inbox: Inbox,
        settings: WebhookSettings,
        allowed_updates: Sequence[str],
    ) -> WebhookSource:
        """The source with its secret token: the configured one, else the stored/generated one."""
        if settings.secret_token is not None:
            secret = settings.secret_token.get_secret_value()
        else:
            secret = await inbox.store.state_or_set(SECRET_STATE_KEY, secrets.token_urlsafe(32))
        register_secret(secret)
        return cls(application, inbox, settings, allowed_updates, secret)

    @property
    def healthy_within(self) -> float:
        """A delivery or a successful check at most this long ago (s) counts as ready."""
        return 2.5 * CHECK_INTERVAL

    @property
    def running(self) -> bool:
        """True while deliveries are taken and the registration loop runs."""
        return self._accepting and self._task is not None and not self._task.done()

    def routes(self) -> web.RouteTableDef:
        """`POST <path of [webhook] url>`."""
        routes = web.RouteTableDef()
        routes.post(self.settings.path)(self._receive)
        return routes

    async def start(self) -> asyncio.Task[None]:
        """Register the webhook and recover in the background (the runner started the server)."""
        self._accepting = True
        self._task = asyncio.create_task(self._run(), name="webhook")
        return self._task

    async def stop(self) -> None:
        """Stop taking deliveries (answered 503 from now on: Telegram keeps and repeats them)."""
        self._accepting = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopBot):
                await self._task
            self._task = None

    async def _run(self) -> None:
        await self._register()
        await self.inbox.recover()
        self._recovered.set()
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                info = await self.bot.get_webhook_info()
            except Exception as error:
                log.warning("getWebhookInfo failed (%s)", _one_line(error))
                continue
            self.last_contact = time.monotonic()
            if info.last_error_message:
                log.warning(
                    "Telegram reports a webhook error: %s (%d updates pending)",
                    info.last_error_message,
                    info.pending_update_count,
                )
            if info.url != self.settings.url:
                log.warning("The webhook was changed or removed elsewhere; registering it again")
                await self._register()

    async def _register(self) -> None:
        backoff = BACKOFF_START
        while True:
            try:
                await self.bot.set_webhook(
                    url=self.settings.url,
                    secret_token=self._secret.decode(),
                    allowed_updates=self.allowed_updates,
                    max_connections=self.settings.max_connections,
                )
            except Exception as error:
                if isinstance(error, InvalidToken):
                    log.error("Telegram rejected the bot token (401 Unauthorized); stopping")
                    raise StopBot("Telegram rejected the bot token (401 Unauthorized)") from None
                log.warning("setWebhook failed (%s); retrying in %.0f s", _one_line(error), backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            self.last_contact = time.monotonic()
            log.info("Webhook registered (max_connections %d)", self.settings.max_connections)
            return

    async def _receive(self, request: web.Request) -> web.Response:
        """One delivery from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403, text="forbidden\n")
        try:
            body = await request.text()
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON\n")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return web.Response(status=400, text="not an update\n")
        try:
            update = Update.de_json(data, self.bot)
        except Exception:
            return web.Response(status=400, text="not an update\n")
        if not self._accepting:
            return web.Response(status=503, text="not receiving\n")
        await self._recovered.wait()
        await self.inbox.wait_for_room(1)
        try:
            await self.inbox.accept([InboxRow(data["update_id"], body)], [update])
        except Exception as error:
            log.error(
                "Cannot store update %d in the inbox (%s); Telegram will deliver it again",
                data["update_id"],
                _one_line(error),
            )
            return web.Response(status=503, text="try again\n")
        self.last_contact = time.monotonic()
        return web.Response(text="ok\n")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
