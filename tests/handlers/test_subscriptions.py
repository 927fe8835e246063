"""/subscribe, /unsubscribe, /news, the sub:on / sub:off buttons and my_chat_member, end to end."""

from __future__ import annotations

import pytest

from tests.broadcasting import (
    Bot,
    callbacks,
    confirm,
    draft,
    message_id,
    press,
    preview_id,
    received,
    say,
    subscribe_users,
    user_flags,
    wait_for_report,
)
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("language_code", "subscribed", "already", "unsubscribed", "not_subscribed"),
    [
        ("ru", "Вы подписались", "уже подписаны", "Вы отписались", "не подписаны"),
        ("zh-hans", "您已订阅", "已经订阅", "您已退订", "尚未订阅"),
        ("en", "You are subscribed", "already subscribed", "have unsubscribed", "not subscribed"),
    ],
)
async def test_subscribe_and_unsubscribe_are_idempotent_and_localized(
    emulator: BotApiEmulator,
    fast: Bot,
    language_code: str,
    subscribed: str,
    already: str,
    unsubscribed: str,
    not_subscribed: str,
) -> None:
    _, db_path = fast
    user = 5001
    steps = [
        ("/subscribe", subscribed, (1, 0)),
        ("/subscribe", already, (1, 0)),
        ("/unsubscribe", unsubscribed, (0, 0)),
        ("/unsubscribe", not_subscribed, (0, 0)),
    ]
    for command, expected, flags in steps:
        replies = await say(emulator, user, command, language_code=language_code)
        assert len(replies) == 1
        assert expected in replies[0].params["text"]
        assert user_flags(db_path, user) == flags


async def test_subscription_commands_are_in_the_menu(emulator: BotApiEmulator, fast: Bot) -> None:
    for language in ("ru", "zh", "en"):
        names = [c["command"] for c in emulator.commands(language_code=language)]
        assert {"subscribe", "unsubscribe", "news"} <= set(names)
        assert "broadcast" not in names and "stats" not in names


async def test_menu_button_subscribes_and_broadcast_button_unsubscribes(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    user = 5002
    start = await say(emulator, user, "/start", language_code="ru")
    assert "sub:on" in callbacks(start[0])
    answer = await press(
        emulator, user, "sub:on", message_id=message_id(start[0]), language_code="ru"
    )
    assert "Вы подписались" in answer.params["text"]
    assert user_flags(db_path, user) == (1, 0)
    # The main menu keeps its buttons.
    menu = next(m for m in emulator.sent_messages(user) if m["message_id"] == message_id(start[0]))
    assert "card:about" in callbacks(menu)

    broadcast_id, control = await draft(emulator, "Hall B opens at 10:00")
    since = len(emulator.calls())
    progress = await confirm(emulator, broadcast_id, control)
    await wait_for_report(emulator, progress)
    news = list(emulator.calls("sendMessage", chat_id=user, since=since))
    assert [c.params["text"] for c in news] == ["Hall B opens at 10:00"]
    assert callbacks(news[0]) == ["sub:off"]

    answer = await press(
        emulator, user, "sub:off", message_id=message_id(news[0]), language_code="ru"
    )
    assert "Вы отписались" in answer.params["text"]
    await emulator.wait_for_call("editMessageReplyMarkup", chat_id=user, since=answer.index)
    assert user_flags(db_path, user) == (0, 0)
    # The lone button flips, so the choice can be undone in one tap.
    flipped = next(
        m for m in emulator.sent_messages(user) if m["message_id"] == message_id(news[0])
    )
    assert callbacks(flipped) == ["sub:on"]
    # A second press on an old unsubscribe button is harmless.
    again = await press(
        emulator, user, "sub:off", message_id=message_id(news[0]), language_code="ru"
    )
    assert "не подписаны" in again.params["text"]


async def test_forged_subscription_button_gets_a_friendly_answer(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    answer = await press(emulator, 5003, "sub:maybe")
    assert "out of date" in answer.params["text"]


async def test_news_in_each_users_language(emulator: BotApiEmulator, fast: Bot) -> None:
    empty = await say(emulator, 5010, "/news", language_code="en")
    assert "No news yet" in empty[0].params["text"]
    assert callbacks(empty[0]) == ["sub:on"]

    # A guided broadcast with a Russian and an English text, to one subscriber (a broadcast
    # that would reach nobody is refused, and is never news: issue 25).
    await subscribe_users(emulator, {5014: "en"})
    await say(emulator, 900_001, "/broadcast")
    await say(emulator, 900_001, "Зал B открыт")
    await say(emulator, 900_001, "/skip")
    replies = await say(emulator, 900_001, "Hall B is open")
    control = replies[-1]
    progress = await confirm(emulator, preview_id(control), control)
    await wait_for_report(emulator, progress)

    for user, language_code, text, title in [
        (5011, "ru", "Зал B открыт", "1 последняя новость"),
        (5012, "en", "Hall B is open", "The latest update<"),
        # No Chinese text: the default language (ru) stands in.
        (5013, "zh", "Зал B открыт", "最新 1 条消息"),
    ]:
        shown = await say(emulator, user, "/news", language_code=language_code)
        assert len(shown) == 2
        assert title in shown[0].params["text"]
        assert shown[1].params["text"].endswith(text)


async def test_kicked_user_is_blocked_until_they_come_back(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    stays, leaves = 5020, 5021
    await subscribe_users(emulator, {stays: "en", leaves: "en"})
    since = len(emulator.calls())
    emulator.push_my_chat_member(leaves, "kicked")
    await emulator.wait_until_idle(quiet=0.2)
    assert user_flags(db_path, leaves) == (1, 1)

    broadcast_id, control = await draft(emulator, "First update")
    progress = await confirm(emulator, broadcast_id, control)
    report = await wait_for_report(emulator, progress)
    assert "1 recipient" in report["text"]
    assert received(emulator, stays, since) == ["First update"]
    # Never even attempted: the blocked user was not a recipient.
    assert emulator.calls("sendMessage", chat_id=leaves, since=since) == []

    # They unblock the bot: Telegram sends my_chat_member "member", and /start works too.
    emulator.push_my_chat_member(leaves, "member")
    await emulator.wait_until_idle(quiet=0.2)
    assert user_flags(db_path, leaves) == (1, 0)
    emulator.push_my_chat_member(leaves, "kicked")
    await emulator.wait_until_idle(quiet=0.2)
    assert user_flags(db_path, leaves) == (1, 1)
    emulator.unblock_chat(leaves)
    await say(emulator, leaves, "/start")
    assert user_flags(db_path, leaves) == (1, 0)

    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Second update")
    progress = await confirm(emulator, broadcast_id, control)
    await wait_for_report(emulator, progress)
    assert received(emulator, leaves, since) == ["Second update"]
