"""Bot API methods for webhooks: setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState


class WebhookMethods(EmulatorState):
    """The webhook settings."""

    def _webhook_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "deleteWebhook": self._m_delete_webhook,
            "setWebhook": self._m_set_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
        }

    def _m_delete_webhook(self, params: JsonDict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self._webhook = None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
            self._max_delivered_id = self._last_pushed_id
        return True

    def _m_set_webhook(self, params: JsonDict) -> bool:
        """setWebhook; an empty url removes it."""
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {k: v for k, v in params.items() if k != "certificate"} if url else None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, params: JsonDict) -> JsonDict:
        """getWebhookInfo."""
        url = self._webhook["url"] if self._webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @property
    def webhook(self) -> JsonDict | None:
        """The setWebhook parameters, or None."""
        return self._webhook
