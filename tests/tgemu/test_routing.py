"""Tokens and URLs: only /bot<token>/<method> with the emulator's token is the Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import aiohttp
import pytest
import telegram
from telegram.error import InvalidToken

from tests.tgemu.support import ROOT, TOKEN
from tgemu import BotApiEmulator

NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.parametrize(
    "method",
    ["getMe", "getUpdates", "sendMessage", "sendPhoto", "setWebhook", "copyMessage", "noSuch"],
)
async def test_wrong_token_is_401_for_every_method(
    emu: BotApiEmulator, http: aiohttp.ClientSession, method: str
) -> None:
    for token in ("999:WRONG", TOKEN + "x", "123456:test-token"):
        async with http.post(f"{emu.base_url}{token}/{method}", data={"chat_id": "1"}) as resp:
            assert resp.status == 401
            assert await resp.json() == UNAUTHORIZED
    assert all(c.status == 401 for c in emu.calls())


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/foo",
        "/bot",
        f"/bot{TOKEN}",
        f"/bot{TOKEN}/",
        f"/bot{TOKEN}/getMe/extra",
        "/_emu/nope",
    ],
)
async def test_other_paths_are_telegram_404(
    emu: BotApiEmulator, http: aiohttp.ClientSession, path: str
) -> None:
    for verb in ("GET", "POST"):
        async with http.request(verb, f"{emu.url}{path}") as response:
            assert response.status == 404
            assert await response.json() == NOT_FOUND


async def test_the_token_is_chosen_by_the_constructor() -> None:
    emulator = BotApiEmulator(token="777:Other_token")
    await emulator.start()
    try:
        async with telegram.Bot("777:Other_token", base_url=emulator.base_url) as client:
            assert (await client.get_me()).id == 777
        with pytest.raises(InvalidToken):
            async with telegram.Bot(TOKEN, base_url=emulator.base_url) as other:
                await other.get_me()
    finally:
        await emulator.stop()


async def run_tgemu(*args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tgemu",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.slow
async def test_standalone_token_option() -> None:
    process = await run_tgemu("--port", "0", "--token", "4242:Custom-Token_1")
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        url = line.split()[1]
        async with telegram.Bot("4242:Custom-Token_1", base_url=f"{url}/bot") as client:
            assert (await client.get_me()).id == 4242
        with pytest.raises(InvalidToken):
            async with telegram.Bot(TOKEN, base_url=f"{url}/bot") as other:
                await other.get_me()
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0


@pytest.mark.slow
async def test_malformed_token_option_exits_2_without_echoing_it() -> None:
    process = await run_tgemu("--token", "not-a-token-s3cret")
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 2
    text = stderr.decode()
    assert "argument --token: expected <bot id>:<secret>" in text
    assert "s3cret" not in text
