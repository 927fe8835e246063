"""Strict validation of texts (parse modes, length, emptiness) and keyboards."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, assert_error, button


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
