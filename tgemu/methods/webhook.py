"""Bot API methods for webhooks: setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.validation import int_param
from tgemu.webhook import WebhookDelivery, is_loopback
from tgemu.wire import UploadedFile

WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
DEFAULT_MAX_CONNECTIONS = 40
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]*$")


class WebhookMethods(WebhookDelivery):
    """The webhook settings; setting one starts delivery (tgemu/webhook.py)."""

    def _webhook_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "deleteWebhook": self._m_delete_webhook,
            "setWebhook": self._m_set_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
        }

    async def _m_delete_webhook(self, params: JsonDict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self._webhook = None
        await self._stop_webhook_delivery()
        if params.get("drop_pending_updates") is True:
            self._drop_pending()
        return True

    async def _m_set_webhook(self, params: JsonDict) -> bool:
        """setWebhook; an empty url removes it. Checked like Telegram, except on loopback."""
        url = str(params.get("url") or "")
        if not url:
            return await self._m_delete_webhook(params)
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise bad_request("invalid webhook URL specified") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid webhook URL specified")
        # Telegram wants HTTPS on ports 80, 88, 443 or 8443; a local test receiver is exempt.
        if not is_loopback(parts.hostname):
            if parts.scheme.lower() != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if port is not None and port not in WEBHOOK_PORTS:
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        secret = str(params.get("secret_token") or "")
        if len(secret) > 256:
            raise bad_request("secret token is too long")
        if not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        # Like Telegram, out-of-range values are clamped rather than refused.
        max_connections = min(
            max(int_param(params.get("max_connections"), DEFAULT_MAX_CONNECTIONS), 1), 100
        )
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if allowed is not None and not isinstance(allowed, list):
                raise bad_request("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) if allowed else None
        if params.get("drop_pending_updates") is True:
            self._drop_pending()
        self._webhook = {
            "url": url,
            "secret_token": secret or None,
            "max_connections": max_connections,
            "ip_address": params.get("ip_address"),
            "has_custom_certificate": isinstance(params.get("certificate"), UploadedFile),
        }
        self._webhook_error = None
        await self._start_webhook_delivery()
        return True

    def _m_get_webhook_info(self, params: JsonDict) -> JsonDict:
        """getWebhookInfo: the settings plus delivery state."""
        webhook = self._webhook
        if webhook is None:
            return {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        info: JsonDict = {
            "url": webhook["url"],
            "has_custom_certificate": webhook["has_custom_certificate"],
            "pending_update_count": len(self._updates),
            "max_connections": webhook["max_connections"],
        }
        if webhook["ip_address"]:
            info["ip_address"] = webhook["ip_address"]
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _drop_pending(self) -> None:
        """drop_pending_updates: forget the queue; it counts as delivered."""
        self._updates.clear()
        self._max_delivered_id = self._last_pushed_id

    @property
    def webhook(self) -> JsonDict | None:
        """The current webhook settings ({url, secret_token, max_connections, ...}), or None."""
        return self._webhook
