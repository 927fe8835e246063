"""Pushed updates and getUpdates long polling."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram

from tests.tgemu.support import USER, Api, assert_error
from tgemu import BotApiEmulator


async def test_get_updates_offset_confirmation(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    first = emu.push_message(USER, "one")["update_id"]
    emu.push_message(USER, "two")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["one", "two"]
    assert emu.pending_updates() == 2
    again = await bot.get_updates(offset=first + 1)
    assert [u.message.text for u in again if u.message] == ["two"]
    assert emu.pending_updates() == 1
    assert await bot.get_updates(offset=first + 2) == ()
    assert emu.pending_updates() == 0


async def test_get_updates_limit_and_negative_offset(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    for i in range(5):
        emu.push_message(USER, f"m{i}")
    assert len(await bot.get_updates(limit=2)) == 2
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["m4"]
    assert emu.pending_updates() == 1


async def test_long_poll_returns_when_update_pushed(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    async def push_later() -> None:
        await asyncio.sleep(0.2)
        emu.push_message(USER, "late")

    started = time.monotonic()
    task = asyncio.create_task(push_later())
    updates = await bot.get_updates(timeout=5)
    await task
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.15 < time.monotonic() - started < 2


@pytest.mark.slow
async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_second_poller_conflicts_first(emu: BotApiEmulator, api: Api) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api("getUpdates", timeout=0))
    assert_error(await first, 409, "Conflict: terminated by other getUpdates request")
    assert (await second)[0] == 200


async def test_allowed_updates_filter(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.push_inline_query(USER, "q")
    emu.push_message(USER, "m")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["m"]
    assert len(updates) == 1


async def test_pushed_updates_parse_in_ptb(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    sent = await bot.send_message(USER, "menu")
    emu.push_message(
        USER, "/start@conference_test_bot payload", language_code="ru", username="ivan"
    )
    for kind in ("sticker", "photo", "voice", "document", "location"):
        emu.push_media(USER, kind)
    emu.push_edited_message(USER, 1, "edited")
    emu.push_callback(USER, "cb", message_id=sent.message_id)
    emu.push_callback(USER, "cb2")
    emu.push_inline_query(USER, "q", offset="10")
    emu.push_message(USER, "group hi", chat_id=-1001, chat_type="supergroup", title="Group")
    channel = {"id": -1002, "type": "channel", "title": "News"}
    emu.push_update({"channel_post": {"message_id": 1, "date": 0, "chat": channel, "text": "n"}})
    updates = await bot.get_updates()
    assert len(updates) == 12
    command = updates[0].message
    assert command is not None and command.from_user is not None
    assert command.from_user.language_code == "ru" and command.from_user.username == "ivan"
    assert command.entities[0].type == "bot_command"
    assert command.entities[0].length == len("/start@conference_test_bot")
    assert updates[1].message is not None and updates[1].message.sticker is not None
    assert updates[2].message is not None and updates[2].message.photo
    assert updates[3].message is not None and updates[3].message.voice is not None
    assert updates[4].message is not None and updates[4].message.document is not None
    assert updates[5].message is not None and updates[5].message.location is not None
    assert updates[6].edited_message is not None and updates[6].edited_message.text == "edited"
    callback = updates[7].callback_query
    assert callback is not None and callback.data == "cb"
    assert isinstance(callback.message, telegram.Message) and callback.message.text == "menu"
    assert updates[8].callback_query is not None
    assert updates[9].inline_query is not None and updates[9].inline_query.offset == "10"
    group = updates[10].message
    assert group is not None and group.chat.type == "supergroup" and group.chat.title == "Group"
    assert updates[11].channel_post is not None and updates[11].effective_user is None
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)


async def test_group_push_requires_chat_id(emu: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match=r"(?i)chat_id"):
        emu.push_message(USER, "x", chat_type="group")


async def test_an_offset_beyond_every_id_continues_the_sequence_after_it(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    """A bot whose database remembers ids from an earlier emulator confirms an offset this
    emulator never gave out: what is pushed (before or after) still reaches it, numbered
    after that offset, as Telegram's one sequence would number it."""
    early = emu.push_message(USER, "before the first poll")["update_id"]
    assert early == 1000
    updates = await bot.get_updates(offset=5000)
    assert [(u.update_id, u.message.text if u.message else None) for u in updates] == [
        (5000, "before the first poll")
    ]
    later = emu.push_message(USER, "after")["update_id"]
    assert later == 5001
    again = await bot.get_updates(offset=5001)
    assert [u.message.text for u in again if u.message] == ["after"]
