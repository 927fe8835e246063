"""sendPhoto, sendDocument, editMessageCaption, copyMessage: uploads, file ids, captions."""

from __future__ import annotations

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, assert_error
from tgemu import BotApiEmulator, EmulatorClient, UploadedFile


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


async def test_every_upload_gets_new_ids_and_telegram_shapes(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    first = await bot.send_photo(USER, b"\x89PNG one")
    second = await bot.send_photo(USER, b"\x89PNG one")
    assert first.photo and second.photo
    assert isinstance(first.photo[0], telegram.PhotoSize)
    assert first.photo[-1].file_id != second.photo[-1].file_id
    assert first.photo[-1].file_unique_id != second.photo[-1].file_unique_id
    assert first.photo[-1].file_size == len(b"\x89PNG one")
    document = await bot.send_document(USER, b"data", filename="a.csv")
    assert isinstance(document.document, telegram.Document)
    assert document.document.file_name == "a.csv" and document.document.file_size == 4
    assert emu.uploads == 3


async def test_reuse_by_file_id_is_not_an_upload(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    sent = await bot.send_photo(USER, b"\x89PNG map", caption="map")
    file_id = sent.photo[-1].file_id
    again = await bot.send_photo(USER, file_id)
    assert again.photo[-1].file_id == file_id
    assert emu.uploads == 1
    assert [c.file_source for c in emu.calls("sendPhoto")] == ["upload", "file_id"]
    async with EmulatorClient(emu.url) as client:
        assert await client.uploads() == 1
        files = (await client.files())["files"]
        assert [(f["file_id"], f["kind"], f["size"]) for f in files] == [(file_id, "photo", 8)]
        rows = await client.calls("sendPhoto")
        assert [r["file"] for r in rows] == ["upload", "file_id"]


async def test_file_of_another_kind_is_refused(bot: telegram.Bot) -> None:
    photo = await bot.send_photo(USER, b"\x89PNG")
    document = await bot.send_document(USER, b"%PDF", filename="a.pdf")
    assert photo.photo and document.document
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_document(USER, photo.photo[-1].file_id)
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_photo(USER, document.document.file_id)


async def test_file_id_rejections_raw(api: Api) -> None:
    wrong = "Bad Request: wrong file identifier/HTTP URL specified"
    assert_error(await api("sendPhoto", chat_id=USER, photo="emu-photo-999"), 400, wrong)
    assert_error(await api("sendPhoto", chat_id=USER, photo="12345"), 400, wrong)


async def test_empty_upload_is_refused(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
        await bot.send_document(USER, b"", filename="empty.txt")
    assert emu.uploads == 0


async def test_caption_limit_counts_after_entity_parsing(bot: telegram.Bot) -> None:
    ok = await bot.send_photo(USER, b"x", caption="<b>" + "c" * 1024 + "</b>", parse_mode="HTML")
    assert ok.caption == "c" * 1024
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(USER, b"x", caption="<b>" + "c" * 1025 + "</b>", parse_mode="HTML")


async def test_reply_markup_is_validated_like_send_message(
    api: Api, bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    sent = await bot.send_photo(USER, b"x")
    bad = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    reply = await api("sendPhoto", chat_id=USER, photo=sent.photo[-1].file_id, reply_markup=bad)
    assert_error(reply, 400, "Bad Request: BUTTON_DATA_INVALID")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="open")]])
    with_markup = await bot.send_photo(USER, sent.photo[-1].file_id, reply_markup=markup)
    assert with_markup.reply_markup == markup


async def test_users_files_can_be_sent_on(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.push_media(USER, "photo")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.photo
    sent = await bot.send_photo(USER, update.message.photo[-1].file_id)
    assert sent.photo[-1].file_id == update.message.photo[-1].file_id
    assert emu.uploads == 0


async def test_edit_message_caption(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    sent = await bot.send_document(USER, b"x", filename="a.txt", caption="old")
    edited = await bot.edit_message_caption(
        USER, sent.message_id, caption="<i>new</i>", parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message)
    assert edited.caption == "new" and edited.caption_entities[0].type == "italic"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_caption(
            USER, sent.message_id, caption="<i>new</i>", parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.edit_message_caption(USER, sent.message_id, caption="c" * 1025)
    removed = await bot.edit_message_caption(USER, sent.message_id)
    assert isinstance(removed, telegram.Message) and removed.caption is None
    text = await bot.send_message(USER, "plain")
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(USER, text.message_id, caption="x")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_caption(USER, 999, caption="x")


async def test_copy_message(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.add_chat(2002)
    emu.push_media(USER, "photo", caption="from the user")
    [update] = await bot.get_updates()
    assert update.message is not None
    copied = await bot.copy_message(
        2002, USER, update.message.message_id, caption="<b>c</b>", parse_mode="HTML"
    )
    assert isinstance(copied, telegram.MessageId)
    [stored] = emu.sent_messages(2002)
    assert stored["message_id"] == copied.message_id
    assert stored["photo"] == update.message.to_dict()["photo"]
    assert stored["caption"] == "c" and stored["caption_entities"][0]["type"] == "bold"
    text = await bot.send_message(USER, "<b>hi</b>", parse_mode="HTML")
    again = await bot.copy_message(2002, USER, text.message_id)
    assert emu.sent_messages(2002)[-1]["text"] == "hi"
    assert emu.sent_messages(2002)[-1]["message_id"] == again.message_id
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(2002, USER, 999)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.copy_message(2002, 424242, 1)
