"""The user's language: Telegram's language_code first, the default otherwise, a stored choice
always.

Persistence is checked across a real process restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import ask, running_bot
from tgemu import BotApiEmulator, Call

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

# One hand-written fact of /about per language.
ABOUT_DATE = {"ru": "9 сентября 2020", "zh": "2020年9月9日", "en": "9 September 2020"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("language")) as process:
        yield process.emulator


def language_of(text: str) -> str:
    matches = [language for language, date in ABOUT_DATE.items() if date in text]
    assert len(matches) == 1, text
    return matches[0]


async def press(
    emulator: BotApiEmulator, user_id: int, data: str, message_id: int, code: str = "en"
) -> list[Call]:
    """Press a button on the bot's message; every call it causes must succeed."""
    since = len(emulator.calls())
    emulator.push_callback(user_id, data, message_id=message_id, language_code=code)
    await emulator.wait_for_call("answerCallbackQuery", since=since)
    await emulator.wait_until_idle(quiet=0.1)
    calls = [c for c in emulator.calls(since=since) if c.method != "getUpdates"]
    assert all(c.ok for c in calls), [(c.method, c.error) for c in calls]
    return calls


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-hant", "zh"),
        ("zh-TW", "zh"),
        ("en", "en"),
        ("en-US", "en"),
        ("en-gb", "en"),
        ("de", "ru"),
        ("uk", "ru"),
        ("", "ru"),
    ],
)
async def test_first_contact_uses_telegram_language(
    live: BotApiEmulator, code: str, expected: str
) -> None:
    user = 510_000 + sum(map(ord, code or "none"))
    call = await ask(live, user, "/about", language_code=code)
    assert language_of(call.params["text"]) == expected


async def test_lang_offers_three_languages_and_the_choice_wins(live: BotApiEmulator) -> None:
    user = 520_001
    menu = await ask(live, user, "/lang", language_code="en-US")
    buttons = [b for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("Русский", "lang:ru"),
        ("中文", "lang:zh"),
        ("English", "lang:en"),
    ]
    calls = await press(live, user, "lang:zh", menu.result["message_id"])
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "中文" in answer.params["text"]
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "您好" in edit.params["text"]  # the main menu, now in Chinese

    # Telegram still says English, but the stored choice wins.
    call = await ask(live, user, "/about", language_code="en-US")
    assert language_of(call.params["text"]) == "zh"
    call = await ask(live, user, "/help", language_code="ru")
    assert "我能做什么" in call.params["text"]

    # And the user can switch again.
    await press(live, user, "lang:ru", menu.result["message_id"])
    call = await ask(live, user, "/about", language_code="zh")
    assert language_of(call.params["text"]) == "ru"


async def test_language_button_on_the_main_menu(live: BotApiEmulator) -> None:
    user = 520_002
    menu = await ask(live, user, "/start", language_code="ru")
    calls = await press(live, user, "card:language", menu.result["message_id"], "ru")
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "Выберите язык" in edit.params["text"]
    await press(live, user, "lang:en", menu.result["message_id"], "ru")
    call = await ask(live, user, "/source", language_code="ru")
    assert "Innovations for Practice" in call.params["text"]


@pytest.mark.parametrize("data", ["lang:xx", "lang:", "lang:RU", "lang:ru;drop table users"])
async def test_forged_language_buttons_change_nothing(live: BotApiEmulator, data: str) -> None:
    user = 520_100 + sum(map(ord, data))
    menu = await ask(live, user, "/lang", language_code="en")
    calls = await press(live, user, data, menu.result["message_id"])
    assert any(c.method == "answerCallbackQuery" for c in calls)
    call = await ask(live, user, "/about", language_code="en")
    assert language_of(call.params["text"]) == "en"


async def test_choice_survives_a_restart(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as process:
        emulator = process.emulator
        user = 530_001
        menu = await ask(emulator, user, "/lang", language_code="ru-RU")
        await press(emulator, user, "lang:en", menu.result["message_id"], "ru-RU")
        other = await ask(emulator, 530_002, "/about", language_code="zh-hans")
        assert language_of(other.params["text"]) == "zh"

        await process.restart()

        call = await ask(emulator, user, "/about", language_code="ru-RU")
        assert language_of(call.params["text"]) == "en"
        # A user who never chose still follows Telegram's language.
        call = await ask(emulator, 530_002, "/about", language_code="en")
        assert language_of(call.params["text"]) == "en"
