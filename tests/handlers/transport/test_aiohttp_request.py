"""The aiohttp transport: proxies from the environment, timeouts, and whether a failed request
may have reached the server."""

from __future__ import annotations

import time

import pytest
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest

from handlers.transport.aiohttp_request import (
    AiohttpRequest,
    ConnectionLost,
    ConnectTimedOut,
    NotSent,
)
from tests.conftest import TOKEN
from tests.netfaults import full_backlog_socket
from tgemu import BotApiEmulator


def test_proxy_from_environment_with_no_proxy_bypass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "local.test")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    request = AiohttpRequest()
    assert request._proxy_for("https://api.telegram.org/bot1:x/getMe") == "http://proxy.test:3128"
    assert request._proxy_for("https://local.test/bot1:x/getMe") is None
    assert request._proxy_for("http://api.telegram.org/bot1:x/getMe") is None  # no HTTP_PROXY


def test_no_proxy_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    assert AiohttpRequest()._proxy_for("https://api.telegram.org/bot1:x/getMe") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/bot123456:SECRET-PART/getMe",  # connection refused
        "http://[::1/bot123456:SECRET-PART/getMe",  # malformed URL, echoed by aiohttp
    ],
)
async def test_network_errors_never_carry_the_token(url: str) -> None:
    request = AiohttpRequest(connect_timeout=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(url, "POST")
    finally:
        await request.shutdown()
    assert "SECRET-PART" not in str(caught.value)
    assert caught.value.__cause__ is None  # the original exception (with the URL) is dropped


# ------------------------------------------------------------ sent or not: what a failure means


async def _post(emulator_or_url: BotApiEmulator | str, method: str, seconds: float) -> float:
    """POST a Bot API call with `seconds` as read and write timeout; how long it took."""
    base = emulator_or_url if isinstance(emulator_or_url, str) else emulator_or_url.base_url
    request = AiohttpRequest(read_timeout=seconds, write_timeout=seconds, connect_timeout=seconds)
    await request.initialize()
    started = time.monotonic()
    try:
        await request.do_request(f"{base}{TOKEN}/{method}", "POST")
    finally:
        elapsed = time.monotonic() - started
        await request.shutdown()
    return elapsed


async def test_connection_refused_is_not_sent() -> None:
    with pytest.raises(NotSent) as caught:
        await _post("http://127.0.0.1:1/bot", "getMe", 2)
    assert not isinstance(caught.value, TimedOut)


@pytest.mark.slow
async def test_connect_timeout_is_not_sent_and_takes_the_timeout() -> None:
    hole, fillers = full_backlog_socket()
    try:
        port = hole.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ConnectTimedOut) as caught:
            await _post(f"http://127.0.0.1:{port}/bot", "getMe", 1)
        elapsed = time.monotonic() - started
    finally:
        for sock in (hole, *fillers):
            sock.close()
    assert isinstance(caught.value, NotSent) and isinstance(caught.value, TimedOut)
    assert 0.9 <= elapsed < 1.5, elapsed


async def test_a_connection_dropped_after_the_request_is_maybe_delivered(
    emulator: BotApiEmulator,
) -> None:
    emulator.drop_next("getMe")
    with pytest.raises(ConnectionLost) as caught:
        await _post(emulator, "getMe", 2)
    assert not isinstance(caught.value, NotSent)
    assert [c.status for c in emulator.calls("getMe")] == [0]  # it did reach the server


@pytest.mark.slow
async def test_the_timeout_is_the_setting_not_read_plus_write(emulator: BotApiEmulator) -> None:
    """No answer within `read_timeout` (write_timeout as well): TimedOut after 1 s, not 2 s."""
    emulator.set_latency(3, "getMe")
    started = time.monotonic()
    with pytest.raises(TimedOut) as caught:
        await _post(emulator, "getMe", 1)
    elapsed = time.monotonic() - started
    assert not isinstance(caught.value, NotSent)  # the request was written: maybe acted on
    assert 0.9 <= elapsed < 1.5, elapsed


@pytest.mark.parametrize(
    "payload",
    [
        b'{"ok":true,"result":[{"update_id":1,"message":{"text":"\\u043f\xd1\x80"}}]}',
        b'{"ok":false,"error_code":400,"description":"Bad Request: x"}',
        # Invalid UTF-8: PTB's own parse replaces it, and so must ours.
        b'{"ok":true,"result":"a\xffb"}',
    ],
)
def test_answers_parse_as_ptbs_own_parser_parses_them(payload: bytes) -> None:
    assert AiohttpRequest.parse_json_payload(payload) == BaseRequest.parse_json_payload(payload)


def test_an_answer_that_is_not_json_raises_ptbs_error() -> None:
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest.parse_json_payload(b"<html>502 Bad Gateway</html>")
