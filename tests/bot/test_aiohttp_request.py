"""The aiohttp transport: proxies come from the environment, looked up once per host."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError

from bot.aiohttp_request import AiohttpRequest


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
