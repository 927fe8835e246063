"""Fixtures for the emulator tests: a running emulator, a PTB Bot on it, raw HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram

from tests.tgemu.support import TOKEN, USER, Api
from tgemu import BotApiEmulator


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="conference_test_bot")
    await emulator.start()
    emulator.add_chat(USER)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(TOKEN, base_url=emu.base_url)
    await client.initialize()
    yield client
    await client.shutdown()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(emu: BotApiEmulator, http: aiohttp.ClientSession) -> Api:
    return Api(emu, http)
