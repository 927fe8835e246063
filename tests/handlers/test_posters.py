"""/links and /qr end to end: every deep link listed, a QR photo that decodes (zbar) to the
card's link, captioned with its title in the admin's language; strangers are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from tests.broadcasting import say
from tests.conftest import ADMIN_ID, BOT_USERNAME, BotProcess
from tests.handlers.kit.test_posters import PAYLOADS, expected_url
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


def link(payload: str) -> str:
    return expected_url(BOT_USERNAME, payload)


async def qr(emulator: BotApiEmulator, text: str, language_code: str) -> dict[str, object]:
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, text, language_code=language_code)
    call = await emulator.wait_for_call("sendPhoto", chat_id=ADMIN_ID, since=since)
    assert call.ok
    result: dict[str, object] = call.result
    return result


def decode_photo(emulator: BotApiEmulator, message: dict[str, object]) -> str:
    photo = message["photo"]
    assert isinstance(photo, list)
    stored = emulator.file(photo[0]["file_id"])
    assert stored is not None
    image = Image.open(io.BytesIO(stored["data"]))
    symbols = decode(image, symbols=[ZBarSymbol.QRCODE])
    assert len(symbols) == 1
    return symbols[0].data.decode()


async def test_links_lists_every_deep_link(emulator: BotApiEmulator, bot: BotProcess) -> None:
    replies = await say(emulator, ADMIN_ID, "/links", language_code="ru")
    text = "\n".join(r.params["text"] for r in replies)
    assert "Ссылки для афиш" in text
    for payload in PAYLOADS:
        assert link(payload) in text
        assert f"<code>{payload}</code>" in text
    assert "Ху Идун" in text  # a person's card title in the admin's language
    assert "О конференции" in text


async def test_qr_photo_decodes_to_the_card_link(emulator: BotApiEmulator, bot: BotProcess) -> None:
    message = await qr(emulator, "/qr org-jitri", "en")
    assert decode_photo(emulator, message) == link("org-jitri")
    caption = str(message["caption"])
    assert "Jiangsu Industrial Technology Research Institute (JITRI)" in caption
    assert link("org-jitri") in caption

    message = await qr(emulator, "/qr about", "zh-hans")
    assert decode_photo(emulator, message) == link("about")
    assert "会议简介" in str(message["caption"])

    message = await qr(emulator, "/qr person-hu-yidong", "ru")
    assert decode_photo(emulator, message) == link("person-hu-yidong")
    assert "Ху Идун" in str(message["caption"])


async def test_unknown_payload_gets_the_valid_ones(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    since = len(emulator.calls())
    for text in ("/qr nope<b>", "/qr org-nobody", "/qr"):
        replies = await say(emulator, ADMIN_ID, text, language_code="en")
        body = "\n".join(r.params["text"] for r in replies)
        for payload in PAYLOADS:
            assert f"<code>{payload}</code>" in body
    assert "nope&lt;b&gt;" in "".join(
        c.params["text"] for c in emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since)
    )
    assert emulator.calls("sendPhoto", since=since) == []


async def test_strangers_are_refused(emulator: BotApiEmulator, bot: BotProcess) -> None:
    since = len(emulator.calls())
    for text in ("/links", "/qr about"):
        replies = await say(emulator, 5555, text, language_code="en")
        assert len(replies) == 1
        assert "administrators only" in replies[0].params["text"]
    assert emulator.calls("sendPhoto", since=since) == []
