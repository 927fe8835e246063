"""sendPhoto and sendDocument: uploads, file ids, captions."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, assert_error
from tgemu import BotApiEmulator, UploadedFile


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
