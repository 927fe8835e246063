"""Groups: commands (also /cmd@ourbot) are answered; other bots' commands and chatter are not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.conftest import BOT_USERNAME, running_bot
from tgemu import BotApiEmulator, Call

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("groups")) as process:
        yield process.emulator


async def said_in_group(
    emulator: BotApiEmulator, chat_id: int, chat_type: str, texts: list[str], code: str = "en"
) -> list[Call]:
    """Post `texts` in a group, then a /help@ourbot marker; the bot's messages before the marker.

    Updates of one chat are handled in order, so everything the bot would say about `texts`
    is sent before the marker's answer.
    """
    since = len(emulator.calls())
    for number, text in enumerate(texts):
        emulator.push_message(
            700_000 + number,
            text,
            chat_id=chat_id,
            chat_type=chat_type,
            title="Materials club",
            language_code=code,
        )
    emulator.push_message(
        799_999,
        f"/help@{BOT_USERNAME}",
        chat_id=chat_id,
        chat_type=chat_type,
        title="Materials club",
    )
    marker = await emulator.wait_for_call(
        "sendMessage",
        chat_id=chat_id,
        since=since,
        predicate=lambda c: "/jitri" in c.params["text"],
    )
    await emulator.wait_until_idle(quiet=0.1)
    calls = [c for c in emulator.calls(since=since) if c.method != "getUpdates"]
    assert all(c.ok for c in calls), [(c.method, c.error) for c in calls]
    return [c for c in calls if c.method == "sendMessage" and c.index < marker.index]


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("/about", "9 September 2020"),
        (f"/about@{BOT_USERNAME}", "9 September 2020"),
        (f"/jitri@{BOT_USERNAME.upper()}", "more than 15,000"),
        ("/contacts", "lily@jitri.org"),
        ("/org JITRI", "8,000"),
        ("/search Moscow", "Beijing and"),
        (f"/start@{BOT_USERNAME} person-hu-yidong", "Hu Yidong"),
    ],
)
async def test_commands_are_answered_in_groups(
    live: BotApiEmulator, chat_type: str, text: str, fact: str
) -> None:
    chat_id = -(1_000_000 + sum(map(ord, text + chat_type)))
    (reply,) = await said_in_group(live, chat_id, chat_type, [text])
    assert reply.chat_id == chat_id
    assert fact in reply.params["text"]


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_other_bots_and_chatter_are_ignored(live: BotApiEmulator, chat_type: str) -> None:
    chat_id = -2_000_000 - len(chat_type)
    ignored = [
        "/about@otherbot",
        "/jitri@some_other_bot",
        "/foo",
        "/settings",
        "JITRI",
        "What was the date of the conference?",
        "конференция",
        "江苏",
        "/foo@otherbot",
    ]
    assert await said_in_group(live, chat_id, chat_type, ignored) == []


async def test_unknown_command_addressed_to_us_is_answered(live: BotApiEmulator) -> None:
    chat_id = -3_000_001
    (reply,) = await said_in_group(live, chat_id, "supergroup", [f"/foo@{BOT_USERNAME}"])
    assert "/foo" in reply.params["text"] and "/help" in reply.params["text"]


async def test_group_replies_follow_the_senders_language(live: BotApiEmulator) -> None:
    chat_id = -3_000_002
    (reply,) = await said_in_group(live, chat_id, "group", ["/about"], code="zh-hans")
    assert "2020年9月9日" in reply.params["text"]


async def test_media_and_edits_in_groups_are_ignored(live: BotApiEmulator) -> None:
    chat_id = -3_000_003
    since = len(live.calls())
    live.push_message(700_100, "hello", chat_id=chat_id, chat_type="group", title="Materials club")
    live.push_media(700_100, "sticker", chat_id=chat_id, chat_type="group")
    live.push_media(700_100, "photo", chat_id=chat_id, chat_type="group")
    live.push_edited_message(700_100, 1, "/about", chat_id=chat_id, chat_type="group")
    await live.wait_until_idle(quiet=0.2)
    assert [c for c in live.calls(since=since) if c.method == "sendMessage"] == []
