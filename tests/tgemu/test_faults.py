"""Injected faults: 429, 5xx, dropped connections, latency."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import telegram
from telegram.error import NetworkError, RetryAfter

from tests.tgemu.support import TOKEN, USER, Api, assert_error
from tgemu import BotApiEmulator


@pytest.mark.slow
async def test_rate_limit_then_success(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    emu.rate_limit(1)
    code, body = await api("sendMessage", chat_id=USER, text="x")
    assert code == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "x")
    # getUpdates is exempt unless named.
    assert await bot.get_updates() == ()
    await asyncio.sleep(1.05)
    assert (await bot.send_message(USER, "after")).text == "after"
    statuses = [c.status for c in emu.calls("sendMessage")]
    assert statuses == [429, 429, 200]


async def test_rate_limit_only_named_methods(emu: BotApiEmulator, api: Api) -> None:
    emu.rate_limit(30, {"sendchataction", "getUpdates"})
    assert (await api("sendMessage", chat_id=USER, text="x"))[0] == 200
    reply = await api("sendChatAction", chat_id=USER, action="typing")
    assert_error(reply, 429, "Too Many Requests: retry after 30")
    assert reply[1]["parameters"] == {"retry_after": 30}
    assert (await api("getUpdates"))[0] == 429


async def test_fail_next_5xx(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    emu.fail_next("sendMessage")
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(USER, "x")
    emu.fail_next("sendMessage", status=502, times=2, description="Bad Gateway")
    assert_error(await api("sendMessage", chat_id=USER, text="x"), 502, "Bad Gateway")
    assert_error(await api("sendMessage", chat_id=USER, text="x"), 502, "Bad Gateway")
    assert (await bot.send_message(USER, "ok")).text == "ok"
    assert [c.status for c in emu.calls("sendMessage")] == [500, 502, 502, 200]


async def test_drop_next_closes_connection(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    assert (await bot.send_message(USER, "ok")).text == "ok"
    dropped = emu.calls("sendMessage")[0]
    assert dropped.status == 0 and dropped.error == "connection dropped"


async def test_drop_seen_as_connection_error_by_aiohttp(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    emu.drop_next("getMe")
    with pytest.raises(aiohttp.ClientError):
        async with http.post(f"{emu.base_url}{TOKEN}/getMe") as response:
            await response.read()


async def test_latency(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.set_latency(0.3, "sendMessage")
    started = time.monotonic()
    await bot.send_message(USER, "slow")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started < 0.25
    emu.set_latency(0, "sendMessage")
    emu.set_latency(0.2)
    started = time.monotonic()
    await bot.get_updates()  # never delayed by a global latency
    assert time.monotonic() - started < 0.15
    await bot.get_me()
    assert time.monotonic() - started >= 0.2


async def test_fault_method_names_are_checked(emu: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match=r"(?i)unknown Bot API method"):
        emu.fail_next("sendMesage")
