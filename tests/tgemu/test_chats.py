"""Known, unknown, blocked and deactivated chats; chat actions."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import Forbidden

from tests.tgemu.support import TOKEN, USER, Api, assert_error
from tgemu import BotApiEmulator


async def test_unknown_chat_is_not_found(emu: BotApiEmulator, api: Api) -> None:
    assert_error(
        await api("sendMessage", chat_id=5555, text="x"), 400, "Bad Request: chat not found"
    )
    assert_error(
        await api("sendChatAction", chat_id=5555, action="typing"),
        400,
        "Bad Request: chat not found",
    )
    emu.push_message(5555, "hello")
    assert (await api("sendMessage", chat_id=5555, text="x"))[0] == 200
    emu.add_chat(-100, "supergroup", "Conference")
    code, body = await api("sendMessage", chat_id=-100, text="x")
    assert code == 200 and body["result"]["chat"] == {
        "id": -100,
        "type": "supergroup",
        "title": "Conference",
    }


async def test_non_strict_chats_accept_anything() -> None:
    emulator = BotApiEmulator(token=TOKEN, strict_chats=False)
    await emulator.start()
    try:
        async with telegram.Bot(TOKEN, base_url=emulator.base_url) as client:
            assert (await client.send_message(777, "x")).chat.id == 777
    finally:
        await emulator.stop()


async def test_blocked_deactivated_and_forgotten_chats(
    emu: BotApiEmulator, bot: telegram.Bot, api: Api
) -> None:
    emu.block_chat(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "x")
    assert_error(
        await api("sendMessage", chat_id=USER, text="x"),
        403,
        "Forbidden: bot was blocked by the user",
    )
    emu.unblock_chat(USER)
    assert (await bot.send_message(USER, "x")).text == "x"
    emu.deactivate_chat(USER)
    assert_error(
        await api("sendChatAction", chat_id=USER, action="typing"),
        403,
        "Forbidden: user is deactivated",
    )
    emu.forget_chat(USER)
    assert_error(
        await api("sendMessage", chat_id=USER, text="x"), 400, "Bad Request: chat not found"
    )


async def test_my_chat_member_kicked_blocks(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.push_my_chat_member(USER, "kicked")
    emu.push_my_chat_member(USER, "member")
    updates = await bot.get_updates()
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == [
        "kicked",
        "member",
    ]
    assert (await bot.send_message(USER, "back")).text == "back"
    emu.push_my_chat_member(USER, "kicked")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "x")


async def test_chat_action_validation(api: Api) -> None:
    assert (await api("sendChatAction", chat_id=USER, action="typing"))[0] == 200
    reply = await api("sendChatAction", chat_id=USER, action="dancing")
    assert_error(reply, 400, "Bad Request: wrong parameter action")
