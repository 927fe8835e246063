"""Conversation details a participant notices: flood notice on a press, Back to results,
the bot's real @username, the subscription state in menus, /start@otherbot in private."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.broadcasting import message_id, press, say
from tests.conftest import BOT_USERNAME, BotProcess, callbacks, running_bot
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def test_flood_notice_reaches_a_user_whose_first_excess_update_is_a_press(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, bot={"flood_burst": 3, "flood_window": 30}) as process:
        emulator = process.emulator
        user = 871_001
        for _ in range(3):
            await say(emulator, user, "/contacts")
        since = len(emulator.calls())
        answer = await press(emulator, user, "card:about")  # the fourth update: over the limit
        assert answer.params.get("show_alert") is True
        assert "lot of messages" in answer.params.get("text", "")
        # Later updates in the same burst are not answered again, and no second notice comes.
        emulator.push_message(user, "JITRI", language_code="en")
        second = await press(emulator, user, "card:about")
        assert not second.params.get("text")
        await emulator.wait_until_idle(quiet=0.3)
        assert emulator.calls("sendMessage", chat_id=user, since=since) == []


async def test_start_for_another_bot_is_ignored_in_a_private_chat(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    user = 871_010
    since = len(emulator.calls())
    emulator.push_message(user, "/start@someone_else_bot", language_code="en")
    emulator.push_message(user, "/about@someone_else_bot", language_code="en")
    replies = await say(emulator, user, "/contacts")
    texts = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=user, since=since)]
    assert len(texts) == 1 == len(replies), texts
    assert "lily@jitri.org" in texts[0]
    # Our own name still works, and an unknown command addressed to us is still explained.
    assert (
        "9 September 2020"
        in (await say(emulator, user, f"/about@{BOT_USERNAME}"))[0].params["text"]
    )
    unknown = await say(emulator, user, f"/nosuch@{BOT_USERNAME}")
    assert "/help" in unknown[0].params["text"]


async def test_help_and_search_tips_name_the_real_bot(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    for language in ("en", "ru", "zh"):
        help_text = (await say(emulator, 871_020, "/help", language_code=language))[0]
        tips = (await say(emulator, 871_020, "/search", language_code=language))[0]
        for call in (help_text, tips):
            assert f"@{BOT_USERNAME}" in call.params["text"], language
            assert "@username" not in call.params["text"]
            assert "@用户名" not in call.params["text"]


async def test_main_menu_and_news_show_the_subscription_state(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    user = 871_030
    menu = (await say(emulator, user, "/start"))[0]
    assert "sub:on" in callbacks(menu) and "sub:off" not in callbacks(menu)
    # Subscribing from the menu flips its button in place.
    await press(emulator, user, "sub:on", message_id=message_id(menu))
    await emulator.wait_until_idle(quiet=0.2)
    shown = next(m for m in emulator.sent_messages(user) if m["message_id"] == message_id(menu))
    assert "sub:off" in callbacks(shown) and "sub:on" not in callbacks(shown)
    # A fresh menu and /news say so too.
    menu = (await say(emulator, user, "/start"))[0]
    assert "sub:off" in callbacks(menu) and "sub:on" not in callbacks(menu)
    news = (await say(emulator, user, "/news"))[0]
    assert callbacks(news) == ["sub:off"]
    assert "You are subscribed" in news.params["text"]
    assert "Subscribe to get them" not in news.params["text"]
    # Others still see Subscribe.
    assert "sub:on" in callbacks((await say(emulator, 871_031, "/start"))[0])


async def test_back_button_restores_the_search_results(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    user = 871_040
    results = (await say(emulator, user, "JITRI"))[0]
    listed = results.params["text"]
    first_card = callbacks(results)[0]
    assert first_card.startswith("card:")
    # Opening a result replaces the list with the card, which now has a Back button.
    since = len(emulator.calls())
    await press(emulator, user, first_card, message_id=message_id(results))
    opened = await emulator.wait_for_call("editMessageText", chat_id=user, since=since)
    assert callbacks(opened)[0] == "found"
    assert opened.params["text"] != listed
    # Back brings the same list back in the same message.
    since = len(emulator.calls())
    answer = await press(emulator, user, "found", message_id=message_id(results))
    assert not answer.params.get("show_alert")
    restored = await emulator.wait_for_call("editMessageText", chat_id=user, since=since)
    assert restored.params["text"] == listed
    assert callbacks(restored) == callbacks(results)
    # A card opened from a menu (not from results) has no Back button.
    menu = (await say(emulator, user, "/start"))[0]
    since = len(emulator.calls())
    await press(emulator, user, "card:about", message_id=message_id(menu))
    about = await emulator.wait_for_call("editMessageText", chat_id=user, since=since)
    assert "found" not in callbacks(about)
    # Back on a message the bot does not remember (e.g. after a restart) is out of date.
    stale = await press(emulator, user, "found", message_id=message_id(menu))
    assert stale.params.get("show_alert") is True
