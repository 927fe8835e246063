"""/readyz when a worker stops: the real application in this process (to reach its workers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.app import build_application
from bot.config import load_settings
from bot.runner import serve
from tests.bot.test_webhook import free_port, webhook_config
from tests.conftest import TOKEN
from tgemu import BotApiEmulator


async def test_readyz_is_503_when_the_delivery_worker_stops(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    settings = load_settings(webhook_config(tmp_path, emulator, port))
    application = build_application(settings, TOKEN)
    finish = asyncio.Event()
    running = asyncio.create_task(serve(application, until=finish.wait(), handle_signals=False))
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
