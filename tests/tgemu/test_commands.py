"""Commands and descriptions."""

from __future__ import annotations

import pytest
import telegram

from tests.tgemu.support import Api, assert_error
from tgemu import BotApiEmulator


async def test_set_and_get_commands(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    commands = [telegram.BotCommand("start", "Start"), telegram.BotCommand("program", "Программа")]
    assert await bot.set_my_commands(commands, language_code="ru")
    scope = telegram.BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(commands[:1], scope=scope)
    assert [c["command"] for c in emu.commands(language_code="ru")] == ["start", "program"]
    assert emu.commands({"type": "all_private_chats"}) == [
        {"command": "start", "description": "Start"}
    ]
    assert emu.commands() == []
    fetched = await bot.get_my_commands(language_code="ru")
    assert [c.description for c in fetched] == ["Start", "Программа"]
    assert await bot.delete_my_commands(language_code="ru")
    assert emu.commands(language_code="ru") == []


@pytest.mark.parametrize(
    ("commands", "prefix"),
    [
        ([{"command": "Start", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "/start", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "a" * 33, "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "ok", "description": ""}], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        (
            [{"command": "ok", "description": "d" * 257}],
            "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
        ),
        (
            [{"command": f"c{i}", "description": "d"} for i in range(101)],
            "Bad Request: BOT_COMMANDS_TOO_MUCH",
        ),
    ],
)
async def test_command_rejections(api: Api, commands: list[dict[str, str]], prefix: str) -> None:
    assert_error(await api("setMyCommands", commands=commands), 400, prefix)


async def test_language_code_must_be_two_letters(api: Api) -> None:
    reply = await api("setMyCommands", commands=[], language_code="eng")
    assert_error(reply, 400, "Bad Request: LANGUAGE_CODE_INVALID")


async def test_descriptions(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    assert await bot.set_my_description("Conference bot", language_code="en")
    assert await bot.set_my_short_description("Short", language_code="zh")
    assert (await bot.get_my_description(language_code="en")).description == "Conference bot"
    assert (await bot.get_my_short_description(language_code="zh")).short_description == "Short"
    assert emu.descriptions == {
        "description": {"en": "Conference bot"},
        "short_description": {"zh": "Short"},
    }
    assert (await api("setMyDescription", description="d" * 512))[0] == 200
    assert_error(await api("setMyDescription", description="d" * 513), 400, "Bad Request: ")
    assert (await api("setMyShortDescription", short_description="d" * 120))[0] == 200
    assert_error(
        await api("setMyShortDescription", short_description="d" * 121), 400, "Bad Request: "
    )
    assert_error(
        await api("setMyDescription", description="x", language_code="EN"), 400, "Bad Request: "
    )
