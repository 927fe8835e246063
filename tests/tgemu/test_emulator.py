"""Tests for the local Bot API emulator: wire format, strict validation and fault injection."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tgemu import BotApiEmulator, Call, EmulatorClient, UploadedFile

TOKEN = "123456:TEST-TOKEN"
USER = 1001
ROOT = Path(__file__).resolve().parents[2]

Reply = tuple[int, dict[str, Any]]


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


class Api:
    """Raw form-encoded calls, JSON-encoding non-strings like PTB does."""

    def __init__(self, emu: BotApiEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    async def __call__(self, method: str, **params: Any) -> Reply:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        url = f"{self.emu.base_url}{TOKEN}/{method}"
        async with self.session.post(url, data=form) as response:
            return response.status, await response.json()


@pytest.fixture
def api(emu: BotApiEmulator, http: aiohttp.ClientSession) -> Api:
    return Api(emu, http)


def assert_error(reply: Reply, status: int, prefix: str) -> None:
    code, body = reply
    assert code == status, body
    assert body["ok"] is False
    assert body["error_code"] == status
    assert body["description"].startswith(prefix), body["description"]


def button(**fields: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "b", **fields}]]}


# ---------------------------------------------------------------- wire format


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


# ---------------------------------------------------------------- text validation


async def test_bad_html_is_rejected(bot: telegram.Bot, api: Api) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "<foo>x</foo>", parse_mode="HTML")
    assert_error(
        await api("sendMessage", chat_id=USER, text="abc<foo>", parse_mode="html"),
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 3',
    )
    for text in ("<b>x", "<b><i>x</b></i>", "a < b", "fish & chips", "<span>x</span>"):
        reply = await api("sendMessage", chat_id=USER, text=text, parse_mode="HTML")
        assert_error(reply, 400, "Bad Request: can't parse entities: ")


@pytest.mark.parametrize("text", ["", "   \n", "<b> </b>"])
async def test_empty_text_is_rejected(api: Api, text: str) -> None:
    reply = await api("sendMessage", chat_id=USER, text=text, parse_mode="HTML")
    assert_error(reply, 400, "Bad Request: message text is empty")


async def test_missing_text_is_rejected(api: Api) -> None:
    assert_error(await api("sendMessage", chat_id=USER), 400, "Bad Request: message text is empty")


async def test_text_length_is_counted_in_utf16_after_parsing(api: Api) -> None:
    assert (await api("sendMessage", chat_id=USER, text="x" * 4096))[0] == 200
    tagged = "<b>" + "x" * 4096 + "</b>"
    assert (await api("sendMessage", chat_id=USER, text=tagged, parse_mode="HTML"))[0] == 200
    too_long = "Bad Request: message is too long"
    assert_error(await api("sendMessage", chat_id=USER, text="x" * 4097), 400, too_long)
    assert_error(await api("sendMessage", chat_id=USER, text="😀" * 2049), 400, too_long)


async def test_unsupported_parse_mode(api: Api) -> None:
    reply = await api("sendMessage", chat_id=USER, text="x", parse_mode="BBCode")
    assert_error(reply, 400, "Bad Request: unsupported parse_mode")


async def test_send_document_and_photo_multipart(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    document = await bot.send_document(
        USER, b"%PDF-1.4", filename="program.pdf", caption="<b>Program</b>", parse_mode="HTML"
    )
    assert document.document is not None and document.document.file_name == "program.pdf"
    assert document.caption == "Program"
    assert document.caption_entities[0].type == "bold"
    stored = emu.file(document.document.file_id)
    assert stored is not None and stored["data"] == b"%PDF-1.4"
    photo = await bot.send_photo(USER, b"\x89PNG fake", caption="map")
    assert photo.photo and photo.caption == "map"
    again = await bot.send_document(USER, document.document.file_id)
    assert again.document is not None and again.document.file_id == document.document.file_id
    call = emu.calls("sendDocument")[0]
    assert call.params["caption"] == "<b>Program</b>"
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile) and upload.filename == "program.pdf"


async def test_caption_too_long_and_bad_caption_html(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_document(USER, b"x", filename="a.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_photo(USER, b"x", caption="<x>", parse_mode="HTML")


async def test_document_missing_or_unknown_file_id(api: Api) -> None:
    reply = await api("sendDocument", chat_id=USER)
    assert_error(reply, 400, "Bad Request: there is no document in the request")
    reply = await api("sendDocument", chat_id=USER, document="nope")
    assert_error(reply, 400, "Bad Request: wrong file identifier/HTTP URL specified")


# ---------------------------------------------------------------- keyboards


async def test_inline_button_without_action(api: Api) -> None:
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup=button())
    assert_error(
        reply,
        400,
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    )


async def test_inline_button_with_two_actions(api: Api) -> None:
    markup = button(url="https://x.org", callback_data="a")
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup=markup)
    assert_error(reply, 400, "Bad Request: can't parse inline keyboard button")


async def test_inline_button_without_text(api: Api) -> None:
    markup = {"inline_keyboard": [[{"callback_data": "a"}]]}
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup=markup)
    assert_error(reply, 400, "Bad Request: can't parse inline keyboard button")


@pytest.mark.parametrize("data", ["", "x" * 65, "中" * 22])
async def test_callback_data_must_be_1_to_64_bytes(api: Api, data: str) -> None:
    reply = await api(
        "sendMessage", chat_id=USER, text="x", reply_markup=button(callback_data=data)
    )
    assert_error(reply, 400, "Bad Request: BUTTON_DATA_INVALID")


async def test_callback_data_of_64_bytes_is_fine(api: Api) -> None:
    reply = await api(
        "sendMessage", chat_id=USER, text="x", reply_markup=button(callback_data="中" * 21)
    )
    assert reply[0] == 200


@pytest.mark.parametrize("url", ["ftp://x.org", "example.com", "javascript:alert(1)"])
async def test_button_url_must_be_http_or_tg(api: Api, url: str) -> None:
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup=button(url=url))
    assert_error(reply, 400, "Bad Request: BUTTON_URL_INVALID")


async def test_tg_url_and_reply_keyboards(api: Api) -> None:
    ok = await api("sendMessage", chat_id=USER, text="x", reply_markup=button(url="tg://resolve"))
    assert ok[0] == 200
    keyboard = {"keyboard": [["One", {"text": "Two"}]], "resize_keyboard": True}
    code, body = await api("sendMessage", chat_id=USER, text="x", reply_markup=keyboard)
    assert code == 200 and "reply_markup" not in body["result"]
    bad = {"keyboard": [[{"text": ""}]]}
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup=bad)
    assert_error(reply, 400, "Bad Request: can't parse keyboard button")
    reply = await api("sendMessage", chat_id=USER, text="x", reply_markup={"nonsense": 1})
    assert_error(reply, 400, "Bad Request: can't parse reply keyboard markup")
    remove = await api(
        "sendMessage", chat_id=USER, text="x", reply_markup={"remove_keyboard": True}
    )
    assert remove[0] == 200


# ---------------------------------------------------------------- inline queries


def article(result_id: str = "1", text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "T",
        "input_message_content": {"message_text": text, **extra},
    }


async def test_answer_inline_query_happy_path(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    query_id = emu.push_inline_query(USER, "prog")["inline_query"]["id"]
    results = [
        telegram.InlineQueryResultArticle(
            "r1", "Program", telegram.InputTextMessageContent("<b>Day 1</b>", parse_mode="HTML")
        )
    ]
    assert await bot.answer_inline_query(query_id, results, cache_time=0) is True
    answer = emu.inline_answer(query_id)
    assert answer is not None and answer["results"][0]["id"] == "r1"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(query_id, results)


async def test_inline_query_rejections(emu: BotApiEmulator, api: Api) -> None:
    def qid() -> str:
        return str(emu.push_inline_query(USER, "q")["inline_query"]["id"])

    too_many = [article(str(i)) for i in range(51)]
    cases: list[tuple[list[dict[str, Any]], str]] = [
        (too_many, "Bad Request: RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "Bad Request: RESULT_ID_INVALID"),
        ([article("")], "Bad Request: RESULT_ID_INVALID"),
        ([{**article(), "title": ""}], "Bad Request: RESULT_TITLE_EMPTY"),
        ([{"type": "article", "id": "1", "title": "T"}], "Bad Request: can't parse Input"),
        ([article(text="<b>x", parse_mode="HTML")], "Bad Request: can't parse entities"),
        ([article(text="x" * 4097)], "Bad Request: message is too long"),
        ([article(text=" ")], "Bad Request: message text is empty"),
        ([{**article(), "reply_markup": button()}], "Bad Request: can't parse inline keyboard"),
    ]
    for results, prefix in cases:
        assert_error(
            await api("answerInlineQuery", inline_query_id=qid(), results=results), 400, prefix
        )
    assert (await api("answerInlineQuery", inline_query_id=qid(), results=too_many[:50]))[0] == 200


async def test_unknown_or_expired_inline_query(emu: BotApiEmulator, api: Api) -> None:
    prefix = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert_error(await api("answerInlineQuery", inline_query_id="999", results=[]), 400, prefix)
    query_id = emu.push_inline_query(USER, "q")["inline_query"]["id"]
    emu.expire_query(query_id)
    assert_error(await api("answerInlineQuery", inline_query_id=query_id, results=[]), 400, prefix)


# ---------------------------------------------------------------- callback queries


async def test_answer_callback_query(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    sent = await bot.send_message(
        USER,
        "pick",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]]),
    )
    update = emu.push_callback(USER, "a", message_id=sent.message_id)
    assert update["callback_query"]["message"]["text"] == "pick"
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="ok") is True
    prefix = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert_error(await api("answerCallbackQuery", callback_query_id=query_id), 400, prefix)
    assert_error(await api("answerCallbackQuery", callback_query_id="nope"), 400, prefix)


async def test_callback_answer_text_limit(emu: BotApiEmulator, api: Api) -> None:
    query_id = emu.push_callback(USER, "x")["callback_query"]["id"]
    reply = await api("answerCallbackQuery", callback_query_id=query_id, text="x" * 201)
    assert_error(reply, 400, "Bad Request: MESSAGE_TOO_LONG")
    reply = await api("answerCallbackQuery", callback_query_id=query_id, text="x" * 200)
    assert reply[0] == 200


# ---------------------------------------------------------------- commands and descriptions


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


# ---------------------------------------------------------------- edits and deletes


async def test_edit_message_text(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await bot.send_message(USER, "<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", USER, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text("v2", USER, sent.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2" and edited.edit_date is not None
    # Telegram drops the keyboard when the edit does not repeat it.
    assert edited.reply_markup is None
    [stored] = emu.sent_messages(USER)
    assert stored["text"] == "v2" and stored["edited"] is True
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v3", USER, 999)


async def test_edit_validates_like_send(bot: telegram.Bot) -> None:
    sent = await bot.send_message(USER, "v1")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.edit_message_text("<b>v2", USER, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.edit_message_text(" ", USER, sent.message_id)


async def test_edit_reply_markup(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await bot.send_message(USER, "x", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_reply_markup(USER, sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    reply = await api("editMessageReplyMarkup", chat_id=USER, message_id=sent.message_id)
    assert_error(reply, 400, "Bad Request: message is not modified: specified new message content")
    reply = await api(
        "editMessageReplyMarkup", chat_id=USER, message_id=sent.message_id, reply_markup=button()
    )
    assert_error(reply, 400, "Bad Request: can't parse inline keyboard button")


async def test_edit_inline_message(bot: telegram.Bot) -> None:
    assert await bot.edit_message_text("hi", inline_message_id="AAA") is True
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("hi", inline_message_id="AAA")


async def test_delete_message(emu: BotApiEmulator, bot: telegram.Bot, api: Api) -> None:
    sent = await bot.send_message(USER, "x")
    assert await bot.delete_message(USER, sent.message_id) is True
    assert emu.sent_messages(USER) == []
    reply = await api("deleteMessage", chat_id=USER, message_id=sent.message_id)
    assert_error(reply, 400, "Bad Request: message to delete not found")


# ---------------------------------------------------------------- chats


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


# ---------------------------------------------------------------- updates


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


async def test_webhook_conflict(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(
        telegram.error.Conflict, match=r"(?i)can't use getUpdates method while webhook is active"
    ):
        await bot.get_updates()
    emu.push_message(USER, "x")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates() == 0
    assert await bot.get_updates() == ()


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


# ---------------------------------------------------------------- faults


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


# ---------------------------------------------------------------- test-side API


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


# ---------------------------------------------------------------- control API


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
