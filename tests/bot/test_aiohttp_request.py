"""The aiohttp transport: proxies come from the environment, looked up once per host."""

from __future__ import annotations

import pytest

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
