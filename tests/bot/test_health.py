"""/readyz when a worker stops: the real application in this process (to reach its workers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_application
from bot.config import load_settings
from bot.runner import serve
from bot.web_server import ProcessWebServer
from tests.conftest import TOKEN, BotProcess, write_config
from tests.handlers.transport.test_webhook import free_port, webhook_config
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def test_readyz_is_503_when_the_delivery_worker_stops(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    settings = load_settings(webhook_config(tmp_path, emulator, port))
    application = build_application(settings, TOKEN)
    finish = asyncio.Event()
    running = asyncio.create_task(
        serve(
            application,
            until=finish.wait(),
            handle_signals=False,
            web=ProcessWebServer(settings),
        )
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(20):
                while emulator.webhook is None:  # noqa: ASYNC110 - set by the bot's setWebhook
                    await asyncio.sleep(0.05)

            async def ready() -> tuple[int, list[str]]:
                async with http.get(f"{url}/readyz") as response:
                    return response.status, (await response.json())["reasons"]

            assert await ready() == (200, [])
            await application.bot_data.delivery.stop()
            status, reasons = await ready()
            assert status == 503 and reasons == ["delivery worker: not running"]
            source = application.bot_data.source
            assert source is not None
            assert source.running
            # Alive all the same.
            async with http.get(f"{url}/healthz") as response:
                assert response.status == 200
    finally:
        finish.set()
        await asyncio.wait_for(running, 20)


async def test_polling_with_the_site_serves_readyz_on_the_same_server(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        web={"enabled": True, "host": "127.0.0.1", "port": port},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                assert response.status == 200
                assert await response.json() == {"ready": True, "reasons": []}
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/en/", allow_redirects=False) as page:
                assert page.status == 200  # the site, from the same server
            # Polling mode: no webhook route on it.
            async with http.post(f"http://127.0.0.1:{port}/telegram/hook", json={}) as response:
                assert response.status in (404, 405)
        emulator.push_message(30_100_001, "/about", language_code="en")
        assert (await emulator.wait_for_call("sendMessage", chat_id=30_100_001)).ok
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.log()
