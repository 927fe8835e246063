"""A 5xx with an HTML body (a proxy or load balancer in front of the Bot API, not Telegram's
JSON) is one log line per failed reply, never a traceback (fault 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import BotProcess, assert_token_not_logged, write_config
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow

BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


class HtmlErrorProxy:
    """Forwards to the emulator; while `failing`, sendMessage gets a 502 with an HTML page."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")  # …/bot
        self.failing = False
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{rest:.*}", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/bot"
        self.session = aiohttp.ClientSession()

    async def forward(self, request: web.Request) -> web.Response:
        rest = request.match_info["rest"]
        if self.failing and rest.lower().endswith("/sendmessage"):
            return web.Response(status=502, text=BAD_GATEWAY, content_type="text/html")
        assert self.session is not None
        try:
            async with self.session.request(
                request.method,
                f"{self.target}{rest}",
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
            ) as upstream:
                return web.Response(
                    status=upstream.status,
                    body=await upstream.read(),
                    content_type="application/json",
                )
        except aiohttp.ClientError:  # the emulator stopping under a long poll
            return web.Response(status=502, text=BAD_GATEWAY, content_type="text/html")

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def proxy(emulator: BotApiEmulator) -> AsyncIterator[HtmlErrorProxy]:
    running = HtmlErrorProxy(emulator.base_url)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_html_5xx_replies_are_one_line_each(
    emulator: BotApiEmulator, proxy: HtmlErrorProxy, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", proxy.url, tmp_path / "bot.sqlite3")
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        proxy.failing = True
        users = [996_000 + i for i in range(3)]
        for user in users:
            emulator.push_message(user, "/about", language_code="en")
        await emulator.wait_until_idle(quiet=1.5)
        proxy.failing = False
        since = len(emulator.calls())
        emulator.push_message(users[0], "/about", language_code="en")
        answer = await emulator.wait_for_call("sendMessage", chat_id=users[0], since=since)
        assert answer.ok  # serving again once the proxy is
    finally:
        assert await bot.stop() == 0, bot.log()
    log = bot.log()
    assert "Traceback" not in log, log
    failures = [line for line in log.splitlines() if "Bad Gateway" in line or "502" in line]
    assert 1 <= len(failures) <= 2 * len(users), log
    assert_token_not_logged(bot)
