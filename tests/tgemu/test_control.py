"""The HTTP control API and its client."""

from __future__ import annotations

import time

import aiohttp
import pytest
import telegram
from telegram.error import Forbidden, NetworkError, RetryAfter

from tests.tgemu.support import USER, Api
from tgemu import BotApiEmulator, EmulatorClient


async def test_control_api_client(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.strict_chats = True
    async with EmulatorClient(emu.url) as client:
        pushed = await client.push_messages(
            [{"user_id": 10 + i, "text": f"m{i}", "language_code": "zh"} for i in range(3)]
        )
        assert pushed["pushed"] == 3
        assert emu.pending_updates() == 3
        updates = await bot.get_updates()
        assert updates[0].message is not None and updates[0].message.from_user is not None
        assert updates[0].message.from_user.language_code == "zh"
        await client.add_chats([501, 502])
        await bot.send_message(501, "hello")
        await client.block_chat(502)
        with pytest.raises(Forbidden):
            await bot.send_message(502, "x")
        await client.unblock_chat(502)
        await bot.send_message(502, "x")
        calls = await client.calls("sendMessage")
        assert [c["chat_id"] for c in calls] == [501, 502, 502]
        assert [c["status"] for c in calls] == [200, 403, 200]
        assert "params" not in calls[0]
        detailed = await client.calls("sendMessage", chat_id=501, params=True)
        assert detailed[0]["params"]["text"] == "hello"
        stats = await client.stats()
        assert stats["calls"]["sendMessage"] == {"200": 2, "403": 1}
        assert stats["pending_updates"] == 3 and stats["get_updates"] == 1
        await client.fail_next("sendMessage", status=502)
        with pytest.raises(NetworkError):
            await bot.send_message(501, "x")
        await client.rate_limit(5, ["sendMessage"])
        with pytest.raises(RetryAfter):
            await bot.send_message(501, "x")
        await client.clear_faults()
        await client.set_latency(0.1, "sendMessage")
        started = time.monotonic()
        await bot.send_message(501, "x")
        assert time.monotonic() - started >= 0.1
        await client.drop_next("getMe")
        with pytest.raises(NetworkError):
            await bot.get_me()
        await client.reset_calls()
        assert await client.calls() == []
        with pytest.raises(RuntimeError):
            await client.fail_next("noSuchMethod")


async def test_control_api_other_update_kinds(
    emu: BotApiEmulator, http: aiohttp.ClientSession, api: Api
) -> None:
    specs = [
        {"kind": "callback", "user_id": USER, "data": "x"},
        {"kind": "inline_query", "user_id": USER, "query": "q"},
        {"kind": "media", "user_id": USER, "media": "sticker"},
        {"kind": "my_chat_member", "user_id": USER, "new_status": "kicked"},
        {
            "kind": "raw",
            "update": {
                "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -5, "type": "channel"}}
            },
        },
    ]
    async with http.post(f"{emu.url}/_emu/updates", json={"updates": specs}) as response:
        assert response.status == 200
    assert emu.pending_updates() == 5
    group = [{"kind": "message", "user_id": USER, "text": "hi", "chat_id": -77}]
    async with http.post(f"{emu.url}/_emu/updates", json={"updates": group}) as response:
        assert (await response.json())["pushed"] == 1
    assert (await api("sendMessage", chat_id=-77, text="x"))[1]["result"]["chat"]["type"] == (
        "supergroup"
    )
    async with http.post(
        f"{emu.url}/_emu/updates", json={"updates": [{"kind": "bogus"}]}
    ) as response:
        assert response.status == 400
