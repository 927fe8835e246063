"""The emulator as a whole: wire format, the standalone process, a PTB application end to end."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.tgemu.support import ROOT, TOKEN, USER, Api
from tgemu import BotApiEmulator


async def test_get_me_through_ptb(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "conference_test_bot"
    assert me.supports_inline_queries is True
    assert me.can_read_all_group_messages is False
    assert emu.calls("getMe")[0].params == {}


async def test_wrong_token_is_unauthorized(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{emu.base_url}999:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    with pytest.raises(InvalidToken):
        async with telegram.Bot("999:WRONG", base_url=emu.base_url) as other:
            await other.get_me()


async def test_unknown_method_is_404(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{emu.base_url}{TOKEN}/sendTelepathy") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_method_names_are_case_insensitive(emu: BotApiEmulator, api: Api) -> None:
    code, body = await api("SENDMESSAGE", chat_id=USER, text="hi")
    assert code == 200 and body["result"]["text"] == "hi"
    assert emu.calls("sendMessage")[0].method == "sendMessage"


async def test_json_and_get_bodies_are_accepted(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    url = f"{emu.base_url}{TOKEN}/sendMessage"
    async with http.post(url, json={"chat_id": str(USER), "text": "42"}) as response:
        body = await response.json()
    assert body["result"]["text"] == "42"
    async with http.get(url, params={"chat_id": str(USER), "text": "7"}) as response:
        assert (await response.json())["result"]["text"] == "7"
    # Numeric-looking text must stay a string; chat_id becomes an int.
    assert emu.calls("sendMessage")[0].params == {"chat_id": USER, "text": "42"}


async def test_send_message_html_and_keyboard_round_trip(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Open", url="https://example.com")],
            [InlineKeyboardButton("Next ▶", callback_data="page:2")],
        ]
    )
    message = await bot.send_message(
        USER, "<b>Hello</b> &amp; <i>welcome</i>", parse_mode="HTML", reply_markup=markup
    )
    assert message.text == "Hello & welcome"
    assert [e.type for e in message.entities] == ["bold", "italic"]
    assert message.reply_markup == markup
    assert message.from_user is not None and message.from_user.is_bot
    assert message.chat.id == USER
    call = emu.calls("sendMessage", chat_id=USER)[0]
    assert call.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == "page:2"
    assert call.status == 200 and call.error is None and call.result["message_id"] == 1
    stored = emu.sent_messages(USER)
    assert [m["text"] for m in stored] == ["Hello & welcome"]
    assert stored[0]["edited"] is False


async def test_message_ids_are_per_chat_and_shared_with_user(emu: BotApiEmulator, api: Api) -> None:
    emu.push_message(2002, "hi")
    _, first = await api("sendMessage", chat_id=2002, text="a")
    _, other = await api("sendMessage", chat_id=USER, text="b")
    assert first["result"]["message_id"] == 2
    assert other["result"]["message_id"] == 1


async def test_without_parse_mode_text_is_literal(api: Api) -> None:
    code, body = await api("sendMessage", chat_id=USER, text="<b>not bold</b> & co")
    assert code == 200
    assert body["result"]["text"] == "<b>not bold</b> & co"
    assert "entities" not in body["result"]


@pytest.mark.slow
async def test_standalone_process_prints_ready() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tgemu",
        "--port",
        "0",
        "--token",
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        async with telegram.Bot(TOKEN, base_url=f"{url}/bot") as client:
            assert (await client.get_me()).username == "conference_test_bot"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_ptb_application_polling_end_to_end(emu: BotApiEmulator) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "<b>welcome</b>", parse_mode="HTML"
        )

    app = Application.builder().token(TOKEN).base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await app.start()
        await emu.wait_for_polling(timeout=2)
        emu.push_message(USER, "/start")
        call = await emu.wait_for_call("sendMessage", chat_id=USER, timeout=3)
        assert call.result["text"] == "welcome"
        await emu.wait_until_idle(quiet=0.1, timeout=3)
        await app.updater.stop()
        await app.stop()
    assert emu.pending_updates() == 0
