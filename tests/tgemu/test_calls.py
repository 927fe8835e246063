"""The test-side API: the call log and waiting for calls and idleness."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram

from tests.tgemu.support import USER, Api
from tgemu import BotApiEmulator, Call


async def test_calls_filters_and_indexes(emu: BotApiEmulator, api: Api) -> None:
    emu.add_chat(2)
    await api("sendMessage", chat_id=USER, text="a")
    await api("sendMessage", chat_id=2, text="b")
    await api("sendChatAction", chat_id=2, action="typing")
    assert [c.index for c in emu.calls()] == [0, 1, 2]
    assert [c.params["text"] for c in emu.calls("sendMessage")] == ["a", "b"]
    assert [c.method for c in emu.calls(chat_id=2)] == ["sendMessage", "sendChatAction"]
    assert [c.index for c in emu.calls("sendMessage", chat_id=2)] == [1]
    assert [c.index for c in emu.calls("sendMessage", since=1)] == [1]
    call = emu.calls()[0]
    assert isinstance(call, Call) and call.chat_id == USER and call.at <= time.monotonic()
    emu.reset_calls()
    assert emu.calls() == []
    await api("sendMessage", chat_id=USER, text="c")
    assert emu.calls()[0].index == 3


async def test_wait_for_call(emu: BotApiEmulator, api: Api) -> None:
    waiter = asyncio.create_task(
        emu.wait_for_call("sendMessage", chat_id=USER, predicate=lambda c: c.params["text"] == "b")
    )
    await asyncio.sleep(0.05)
    await api("sendMessage", chat_id=USER, text="a")
    await api("sendMessage", chat_id=USER, text="b")
    call = await asyncio.wait_for(waiter, 2)
    assert call.params["text"] == "b"
    # Already recorded calls are found immediately; since skips older ones.
    assert (await emu.wait_for_call("sendMessage")).params["text"] == "a"
    with pytest.raises(TimeoutError, match=r"(?i)recent calls: .*sendMessage"):
        await emu.wait_for_call("sendMessage", since=call.index + 1, timeout=0.1)


async def test_wait_for_polling_and_idle(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    with pytest.raises(TimeoutError):
        await emu.wait_for_polling(timeout=0.05)
    emu.push_message(USER, "x")
    with pytest.raises(TimeoutError, match=r"(?i)not idle"):
        await emu.wait_until_idle(quiet=0.05, timeout=0.1)
    await bot.get_updates()
    await emu.wait_for_polling(timeout=1)
    await api("sendMessage", chat_id=USER, text="reply")
    started = time.monotonic()
    await emu.wait_until_idle(quiet=0.1, timeout=2)
    assert time.monotonic() - started >= 0.05
