"""A python-telegram-bot transport on aiohttp instead of httpx.

httpcore's connection pool rescans every pooled connection (one getpeername() syscall each) for
every request it queues, so with dozens of requests in flight the scan, not the network, is
what a busy bot spends its time on. aiohttp's connector hands out idle connections in O(1).

Two things PTB's own transport does not give us:
- **The timeout is what it says.** A request's whole life (waiting for a pooled connection,
  connecting, sending, reading the answer) is bounded by its read timeout (plus the write
  timeout when files are uploaded), not by read and write timeouts added up.
- **Whether the request may have reached Telegram.** A failure before the request was written
  (no connection, connect timeout, pool exhausted) raises `NotSent`: nothing reached the
  server, retrying is safe. A failure after it was written (connection dropped, read timeout)
  raises `TimedOut` or `ConnectionLost`: the server may have acted on it (a message may have
  been delivered), so resending risks a duplicate.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import aiohttp
import aiohttp.helpers
import orjson
import yarl
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.transport.wire import json_body

__all__ = ["AiohttpRequest", "ConnectTimedOut", "ConnectionLost", "NotSent"]

_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")
_JSON_HEADERS = {"Content-Type": "application/json"}


class NotSent(NetworkError):
    """The request was never written to the server (no connection): safe to send again."""


class ConnectTimedOut(TimedOut, NotSent):
    """No connection within the timeout; nothing was sent."""

    def __init__(self, message: str = "Timed out before the request was sent") -> None:
        super().__init__(message)


class ConnectionLost(NetworkError):
    """The connection failed after the request was written: it may have been acted on."""


class _Progress:
    """Per-request flag the trace hook sets once the request starts going out."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written = False


async def _on_headers_sent(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    progress = context.trace_request_ctx
    if isinstance(progress, _Progress):
        progress.written = True


def _trace_config() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_on_headers_sent)
    return trace


class AiohttpRequest(BaseRequest):
    """BaseRequest over one aiohttp.ClientSession with a bounded connection pool."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer parsed by orjson; what orjson refuses, PTB's own parse (same
        errors)."""
        try:
            data: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)
        return data

    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 128,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (getUpdates adds its long-poll timeout to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            # Not trust_env: it re-reads ~/.netrc and the environment on every request, which
            # cost a third of the broadcast throughput. Proxies are looked up once per host instead.
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trace_configs=[_trace_config()],
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; a JSON body, multipart when files are attached."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        files = request_data.multipart_data if request_data is not None else None
        # One budget for the whole request; uploading files may take the write timeout on top.
        total = None if read is None else read + (write or 0 if files else 0)
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=_within(pool, total),
            sock_connect=_within(connect, total),
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData(quote_fields=False)
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
            else:
                # JSON, as Telegram accepts for any method without files
                # (handlers/transport/wire.py says why).
                data = json_body(request_data.parameters)
                headers = _JSON_HEADERS
        progress = _Progress()
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=self._proxy_for(url),
                trace_request_ctx=progress,
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            if not progress.written:
                raise ConnectTimedOut from None
            raise TimedOut from None
        except (aiohttp.ClientError, ValueError) as error:
            # The URL holds the token: keep it out of messages, logs and tracebacks.
            message = _TOKEN_IN_URL.sub("/bot<token>", str(error))
            text = f"aiohttp.{error.__class__.__name__}: {message}"
            if not progress.written:
                raise NotSent(text) from None
            raise ConnectionLost(text) from None

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment names for this URL's host (HTTPS_PROXY, NO_PROXY, …)."""
        target = yarl.URL(url)
        key = (target.scheme, target.host or "")
        if key not in self._proxies:
            try:
                proxy, _ = aiohttp.helpers.get_env_proxy_for_url(target)
                self._proxies[key] = str(proxy)
            except LookupError:
                self._proxies[key] = None
        return self._proxies[key]


def _within(limit: float | None, total: float | None) -> float | None:
    """A partial timeout never longer than the whole request's."""
    if limit is None or total is None:
        return limit if total is None else total
    return min(limit, total)
