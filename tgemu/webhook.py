"""Webhook delivery: pending updates POSTed as JSON to the bot's webhook URL, like Telegram.

Telegram sends each update in an HTTPS POST (with the X-Telegram-Bot-Api-Secret-Token header
when a secret was set), counts any answer other than 2xx or a failed connection as an error,
and repeats the request with a growing delay until it succeeds. Updates of one chat go one at
a time and in order; different chats go in parallel, at most max_connections requests at once.
An update leaves the queue only when the webhook answered it with 2xx, so pending_update_count
and last_error_* in getWebhookInfo tell what is happening.

Differences from Telegram, on purpose: http:// URLs are accepted on loopback hosts (tests run
a local receiver without TLS; https on loopback is not verified), the retry delays are short
and configurable (Telegram waits seconds to minutes), and an update is retried forever instead
of being dropped after about a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tgemu.errors import JsonDict
from tgemu.state import EmulatorState
from tgemu.updates import is_allowed, update_type

__all__ = ["SECRET_HEADER", "WebhookDelivery", "is_loopback"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def is_loopback(host: str) -> bool:
    """Whether a URL host is this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def queue_key(update: JsonDict) -> Any:
    """Updates with the same key are delivered one at a time, in order (Telegram: per chat)."""
    payload = update.get(update_type(update))
    if isinstance(payload, dict):
        chat = payload.get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("chat", sender["id"])
    return ("update", id(update))


class WebhookDelivery(EmulatorState):
    """The delivery side of a webhook; the methods that configure it are in methods/webhook.py."""

    def _init_webhook_delivery(self, retry_delay: float, retry_max_delay: float) -> None:
        """Delivery state; called once from the server's constructor."""
        self.webhook_retry_delay = retry_delay
        self.webhook_retry_max_delay = retry_max_delay
        self.webhook_timeout = 10.0
        self._webhook_log: list[JsonDict] = []
        self._webhook_progress = asyncio.Event()  # set whenever delivery state changes
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_loop: asyncio.Task[None] | None = None
        self._webhook_tasks: dict[int, asyncio.Task[None]] = {}
        self._webhook_session: aiohttp.ClientSession | None = None
        self._webhook_slots: asyncio.Semaphore | None = None

    # ------------------------------------------------------------------ reading back

    def webhook_deliveries(self, since: int = 0) -> list[JsonDict]:
        """Every delivery attempt: {index, update_id, attempt, url, status, error, at}."""
        return self._webhook_log[since:]

    def webhook_pending(self) -> int:
        """Updates waiting for a 2xx from the webhook (0 when no webhook is set)."""
        return len(self._updates) if self._webhook is not None else 0

    async def wait_webhook_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a webhook is set, every pending update got a 2xx and nothing is in flight."""
        async with asyncio.timeout(timeout):
            while True:
                self._webhook_progress.clear()
                if self._webhook is not None and not self._updates and not self._webhook_tasks:
                    return
                await self._webhook_progress.wait()

    # ------------------------------------------------------------------ running

    async def _start_webhook_delivery(self) -> None:
        """(Re)start delivering to the current webhook, cancelling deliveries to an old one."""
        await self._stop_webhook_delivery()
        webhook = self._webhook
        if webhook is None:
            return
        self._webhook_slots = asyncio.Semaphore(int(webhook["max_connections"]))
        self._webhook_session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)
        )
        self._webhook_loop = asyncio.create_task(self._dispatch_webhook(webhook))
        self._webhook_progress.set()

    async def _stop_webhook_delivery(self) -> None:
        """Cancel the dispatcher and requests in flight; their updates stay pending."""
        tasks = [*self._webhook_tasks.values()]
        if self._webhook_loop is not None:
            tasks.append(self._webhook_loop)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._webhook_loop = None
        self._webhook_tasks.clear()
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None

    async def _dispatch_webhook(self, webhook: JsonDict) -> None:
        """Start a delivery for the oldest pending update of every chat not already in flight."""
        while True:
            self._webhook_wakeup.clear()
            busy: set[Any] = set()
            for update in list(self._updates):
                if not is_allowed(update_type(update), self._allowed_updates):
                    # Telegram would not have stored it; it counts as delivered.
                    self._forget_update(update)
                    continue
                key = queue_key(update)
                if key in busy:
                    continue
                busy.add(key)
                if id(update) not in self._webhook_tasks:
                    self._webhook_tasks[id(update)] = asyncio.create_task(
                        self._deliver(update, webhook)
                    )
            await self._webhook_wakeup.wait()

    async def _deliver(self, update: JsonDict, webhook: JsonDict) -> None:
        """POST one update until the webhook answers 2xx, waiting longer after each failure."""
        assert self._webhook_slots is not None and self._webhook_session is not None
        headers = {}
        if webhook.get("secret_token"):
            headers[SECRET_HEADER] = str(webhook["secret_token"])
        delay = self.webhook_retry_delay
        attempt = 0
        try:
            while True:
                attempt += 1
                async with self._webhook_slots:
                    status, error = await self._post_update(
                        self._webhook_session, webhook["url"], update, headers
                    )
                self._log_delivery(update, attempt, webhook["url"], status, error)
                if error is None:
                    self._forget_update(update)
                    return
                self._webhook_error = (int(time.time()), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.webhook_retry_max_delay)
        finally:
            self._webhook_tasks.pop(id(update), None)
            self._webhook_wakeup.set()
            self._webhook_progress.set()

    @staticmethod
    async def _post_update(
        session: aiohttp.ClientSession, url: str, update: JsonDict, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """One POST: (status, None) on 2xx, else (status or None, Telegram's error text)."""
        host = urlsplit(url).hostname or ""
        try:
            async with session.post(
                url, json=update, headers=headers, ssl=not is_loopback(host)
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                reason = response.reason or ""
                return response.status, (
                    f"Wrong response from the webhook: {response.status} {reason}".rstrip()
                )
        except TimeoutError:
            return None, "Timeout expired"
        except aiohttp.ClientError:
            return None, "Can't connect to the webhook"

    def _log_delivery(
        self, update: JsonDict, attempt: int, url: str, status: int | None, error: str | None
    ) -> None:
        """Append one attempt to the delivery log."""
        self._webhook_log.append(
            {
                "index": len(self._webhook_log),
                "update_id": update.get("update_id"),
                "attempt": attempt,
                "url": url,
                "status": status,
                "error": error,
                "at": time.monotonic(),
            }
        )
        self._last_activity = time.monotonic()

    def _forget_update(self, update: JsonDict) -> None:
        """Remove this very update (not an equal duplicate) from the queue: it was delivered."""
        for index, queued in enumerate(self._updates):
            if queued is update:
                del self._updates[index]
                break
        self._max_delivered_id = max(self._max_delivered_id, int(update.get("update_id", 0)))
        self._webhook_progress.set()
