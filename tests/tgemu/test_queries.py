"""answerCallbackQuery and answerInlineQuery."""

from __future__ import annotations

from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, article, assert_error, button
from tgemu import BotApiEmulator


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
