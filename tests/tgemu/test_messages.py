"""Editing and deleting messages."""

from __future__ import annotations

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, assert_error, button
from tgemu import BotApiEmulator


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
