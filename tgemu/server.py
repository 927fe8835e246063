"""A local Telegram Bot API emulator: an aiohttp server plus a Python API for tests.

It speaks the real wire format (PTB talks to it over HTTP), validates requests as strictly
as Telegram does, records every call and can inject faults (blocks, 429s, 5xx, latency,
dropped connections). An HTTP control API under /_emu/ serves other processes.

The parts live beside this module: wire decoding (wire.py), validation (validation.py),
the shared world (state.py), the call log (calls.py), fault injection (faults.py), the update
queue and getUpdates (updates.py), the control API (control.py) and the Bot API methods by
area (methods/). This module puts them together and serves HTTP.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from aiohttp import web

from tgemu.calls import Call
from tgemu.control import ControlApi
from tgemu.errors import ApiError, Handler, JsonDict
from tgemu.faults import Dropped, FaultState
from tgemu.methods.chats import ChatMethods
from tgemu.methods.commands import CommandMethods
from tgemu.methods.files import FileMethods
from tgemu.methods.messages import MessageMethods
from tgemu.methods.queries import QueryMethods
from tgemu.methods.webhook import WebhookMethods
from tgemu.wire import UploadedFile, read_params

__all__ = ["ApiError", "BotApiEmulator", "Call", "UploadedFile"]


class BotApiEmulator(
    ControlApi,
    ChatMethods,
    WebhookMethods,
    FileMethods,
    MessageMethods,
    QueryMethods,
    CommandMethods,
):
    """In-process Bot API server with strict validation, fault injection and call recording."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "conference_test_bot",
        *,
        strict_chats: bool = True,
        bot_first_name: str = "Conference Test Bot",
        webhook_retry_delay: float = 0.5,
        webhook_retry_max_delay: float = 8.0,
    ) -> None:
        super().__init__(
            token, bot_username, strict_chats=strict_chats, bot_first_name=bot_first_name
        )
        self._faults = FaultState()
        self._init_webhook_delivery(webhook_retry_delay, webhook_retry_max_delay)
        self._handlers = self._build_handlers()
        self._canonical = {name.lower(): name for name in self._handlers}
        self._canonical["getupdates"] = "getUpdates"
        self._known_methods = frozenset(self._canonical.values())

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving HTTP on host:port (port 0 picks a free one)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._add_control_routes(app)
        # Anything else is Telegram's JSON 404, not aiohttp's text page.
        app.router.add_route("*", "/{path:.*}", self._not_found)
        # handler_cancellation off (default) keeps long polls alive; access log off for speed.
        # A short shutdown_timeout: pending long polls must not delay stop().
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host = host
        self._port = int(self._runner.addresses[0][1])
        self._stopping = False

    async def stop(self) -> None:
        """Release long polls and shut the server down."""
        self._stopping = True
        self._updates_event.set()
        await self._stop_webhook_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return self._port

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What PTB's base_url wants: http://127.0.0.1:PORT/bot."""
        return f"{self.url}/bot"

    # ------------------------------------------------------------------ HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        """Entry point for /bot<token>/<method>."""
        raw_method = request.match_info["method"]
        method = self._canonical.get(raw_method.lower(), raw_method)
        self._inflight += method != "getUpdates"
        params: JsonDict = {}
        status, result, error, parameters = 200, None, None, None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method not in self._known_methods:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            await self._apply_faults(method, request)
            result = await self._dispatch(method, params, request)
        except ApiError as exc:
            status, error, parameters = exc.status, exc.description, exc.parameters
        except Dropped:
            self._record(method, params, 0, None, "connection dropped")
            # The transport is already closed; aiohttp discards whatever we return.
            return web.Response(status=204)
        finally:
            self._inflight -= method != "getUpdates"
        self._record(method, params, status, result, error)
        if status == 200:
            body: JsonDict = {"ok": True, "result": result}
        else:
            body = {"ok": False, "error_code": status, "description": error}
            if parameters:
                body["parameters"] = parameters
        return _json_response(body, status)

    async def _dispatch(self, method: str, params: JsonDict, request: web.Request) -> Any:
        """Run the method handler."""
        if method == "getUpdates":
            return await self._get_updates(params, request)
        result = self._handlers[method](params)
        # Webhook methods are coroutines: they start and stop delivery.
        return await result if inspect.isawaitable(result) else result

    async def _not_found(self, request: web.Request) -> web.Response:
        """A path that is not /bot<token>/<method> or /_emu/...: 404 like Telegram."""
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    # ------------------------------------------------------------------ method table

    def _build_handlers(self) -> dict[str, Handler]:
        """Canonical method name -> handler, from every method group."""
        return {
            **self._chat_methods(),
            **self._webhook_methods(),
            **self._message_methods(),
            **self._query_methods(),
            **self._command_methods(),
            **self._file_methods(),
        }


def _json_response(body: JsonDict, status: int) -> web.Response:
    """A Bot API answer: compact UTF-8 JSON."""
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )
