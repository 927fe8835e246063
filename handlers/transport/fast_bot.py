"""The bot's `ExtBot`: replies that skip rebuilding Telegram's echo.

A seam of plain subclassing of PTB's public `ExtBot`:

- `send_text` sends a message whose echoed `Message` nobody reads (most replies). Telegram's
  answer goes through PTB's request machinery as for `send_message` (same defaults, same rate
  limiter, same errors raised: BadRequest, Forbidden, RetryAfter, …), but the result is not
  turned into a `Message` object, which was the largest single cost of a reply. A keyboard's
  JSON is kept per keyboard object, so a cached card's buttons are serialized once.

What a crash may cost for first contacts is the inbox's business (handlers/transport/inbox.py
writes the users it was told about before it marks their updates done).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from contextvars import ContextVar
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import BaseRateLimiter, Defaults, ExtBot
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from handlers.transport.aiohttp_request import AiohttpRequest
from handlers.transport.wire import RawJson

__all__ = ["FastBot", "ReplyRequest"]

log = logging.getLogger(__name__)

# Set while send_text waits for its answer: the echoed Message is not wanted.
_ANSWER_UNREAD: ContextVar[bool] = ContextVar("answer_unread", default=False)
# Telegram answers compactly; the emulator (and any pretty printer) puts a space after the colon.
_OK_PREFIXES = (b'{"ok":true', b'{"ok": true')

# Keyboards whose JSON is kept: every cached card's, with room for one-off ones to pass through.
KEYBOARD_CACHE = 512


class FastBot(ExtBot[None]):
    """ExtBot with an echo-free `send_text`."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        request: BaseRequest,
        get_updates_request: BaseRequest,
        defaults: Defaults | None = None,
        rate_limiter: BaseRateLimiter[None] | None = None,
    ) -> None:
        super().__init__(
            token,
            base_url=base_url,
            request=request,
            get_updates_request=get_updates_request,
            defaults=defaults,
            rate_limiter=rate_limiter,
        )
        # Attributes starting with "_" may be set on PTB's frozen objects.
        # send_text's share of the application's Defaults, resolved (and serialized) once.
        self._send_defaults: dict[str, object] = {}
        if defaults is not None:
            preview = defaults.link_preview_options
            for name, value in (
                ("parse_mode", defaults.parse_mode),
                ("disable_notification", defaults.disable_notification),
                ("protect_content", defaults.protect_content),
                (
                    "link_preview_options",
                    None if preview is None else RawJson.dump(preview.to_dict()),
                ),
            ):
                if value is not None:
                    self._send_defaults[name] = value
        # id(markup) -> (markup, its JSON); holding the markup keeps its id from being reused.
        self._keyboards: OrderedDict[int, tuple[InlineKeyboardMarkup, RawJson]] = OrderedDict()

    async def send_text(
        self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """sendMessage when the sent Message is not needed: raises what `send_message` raises."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, **self._send_defaults}
        if reply_markup is not None:
            data["reply_markup"] = self.keyboard_json(reply_markup)
        token = _ANSWER_UNREAD.set(True)
        try:
            if self.rate_limiter is None:
                await self._post_encoded("sendMessage", data)
            else:
                # What ExtBot._do_post does: every request goes through the limiter.
                await self.rate_limiter.process_request(
                    callback=self._post_encoded,
                    args=("sendMessage", data),
                    kwargs={},
                    endpoint="sendMessage",
                    data=data,
                    rate_limit_args=None,
                )
        finally:
            _ANSWER_UNREAD.reset(token)

    async def _post_encoded(self, endpoint: str, data: dict[str, Any]) -> Any:
        """POST `data`, whose values are already what goes on the wire (str, int, RawJson).

        Bot._do_post would run RequestParameter.from_input on each value to find files and
        objects to convert; there are none here. BaseRequest.post raises Telegram's errors.
        """
        request_data = RequestData(
            [RequestParameter(key, value, []) for key, value in data.items()]
        )
        return await self.request.post(f"{self.base_url}/{endpoint}", request_data)

    def keyboard_json(self, markup: InlineKeyboardMarkup) -> RawJson:
        """The keyboard's JSON, computed once per keyboard object (PTB's objects are immutable)."""
        key = id(markup)
        kept = self._keyboards.get(key)
        if kept is not None and kept[0] is markup:
            self._keyboards.move_to_end(key)
            return kept[1]
        encoded = RawJson.dump(markup.to_dict())
        self._keyboards[key] = (markup, encoded)
        if len(self._keyboards) > KEYBOARD_CACHE:
            self._keyboards.popitem(last=False)
        return encoded


class ReplyRequest(AiohttpRequest):
    """The bot's transport: a successful answer to `send_text` is not parsed, only checked.

    PTB parses every answer with `parse_json_payload` (documented as the method to override).
    Telegram's success answer is `{"ok":true,"result":…}` and `send_text` does not read the
    result, so during `send_text` an answer with that prefix skips `json.loads` of the echoed
    message. Error answers (and every other call) are parsed and raised exactly as before.
    """

    __slots__ = ()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer as JSON, or just "ok" when send_text does not read it."""
        if _ANSWER_UNREAD.get() and payload.startswith(_OK_PREFIXES):
            return {"ok": True, "result": True}
        return AiohttpRequest.parse_json_payload(payload)
