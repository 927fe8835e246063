"""Hostile and odd input: always a clear reply, never a crash, never a call Telegram rejects."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.common import split_html
from tests.broadcasting import user_flags
from tests.conftest import BOT_USERNAME, TOKEN, BotProcess, ask, running_bot, write_config
from tgemu import BotApiEmulator, Call
from tgemu.telegram_html import parse_html

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

T = TypeVar("T")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------- split_html, a pure function


def test_split_keeps_short_text_whole() -> None:
    assert split_html("<b>Hi</b>\n\nthere") == ["<b>Hi</b>\n\nthere"]


def test_split_on_paragraph_boundaries() -> None:
    paragraphs = [f"<b>Paragraph {n}</b> " + "слово " * 150 for n in range(12)]
    text = "\n\n".join(paragraphs)
    assert utf16(text) > 4096
    pieces = split_html(text)
    assert len(pieces) > 1
    for piece in pieces:
        assert utf16(piece) <= 4096
        parse_html(piece)  # every piece is valid HTML on its own
        # Whole paragraphs only: each piece is a run of the original paragraphs.
        assert all(part in paragraphs for part in piece.split("\n\n"))
    assert "\n\n".join(pieces) == text


def test_split_counts_utf16_units_not_characters() -> None:
    # Each emoji is 2 UTF-16 units: 1500 of them are 3000 units, so two fit no more in one piece.
    paragraph = "😀" * 1500
    pieces = split_html(f"{paragraph}\n\n{paragraph}")
    assert pieces == [paragraph, paragraph]
    assert split_html("😀" * 2048 + "\n\n" + "x") == ["😀" * 2048, "x"]


def shown(piece: str) -> int:
    """What Telegram counts of a piece: the UTF-16 length of its text after parsing."""
    return utf16(parse_html(piece).text)


def test_split_a_giant_paragraph_on_lines_then_anywhere() -> None:
    # The limit is on visible text (issue #10 changed this from the raw HTML's length).
    lines = ["line &amp; more " * 20 for _ in range(40)]
    pieces = split_html("\n".join(lines))
    assert len(pieces) > 1 and all(shown(p) <= 4096 for p in pieces)
    assert all(part in lines for piece in pieces for part in piece.split("\n"))

    blob = ("x" * 4090 + "&amp;") * 3  # no breaks at all
    pieces = split_html(blob)
    assert "".join(pieces) == blob
    for piece in pieces:
        assert shown(piece) <= 4096
        assert not re.search(r"&[a-z]*$", piece), "an entity was cut in two"


def test_split_limit_is_respected_with_surrogate_pairs_at_the_cut() -> None:
    blob = "a" + "😀" * 5000
    pieces = split_html(blob)
    assert "".join(pieces) == blob
    assert all(shown(p) <= 4096 for p in pieces)


def test_split_rebalances_formatting_that_spans_the_cut() -> None:
    """Italics over many paragraphs and a link at the cut: every piece is valid on its own,
    the formatting carries over, and the visible text is exactly the original's."""
    href = "https://example.com/?a=1&amp;b=&quot;2&quot;"
    paragraphs = [f'Para {n}: <a href="{href}">link {n}</a> ' + "текст " * 120 for n in range(12)]
    text = "Intro\n\n<i>" + "\n\n".join(paragraphs) + "</i>"
    assert shown(text) > 4096
    pieces = split_html(text)
    assert len(pieces) > 1
    parsed = [parse_html(piece) for piece in pieces]  # raises on an unclosed tag
    assert all(utf16(p.text) <= 4096 for p in parsed)
    assert "\n\n".join(p.text for p in parsed) == parse_html(text).text
    for p in parsed[1:]:  # the italics continue in every later piece, from its first character
        assert any(e["type"] == "italic" and e["offset"] == 0 for e in p.entities)
    links = [e for p in parsed for e in p.entities if e["type"] == "text_link"]
    assert len(links) == 12 and {e["url"] for e in links} == {'https://example.com/?a=1&b="2"'}


# ---------------------------------------------------------------- one bot for the battery


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("hostile")) as process:
        yield process.emulator


def assert_all_ok(emulator: BotApiEmulator, since: int) -> list[Call]:
    calls = [c for c in emulator.calls(since=since) if c.method != "getUpdates"]
    assert all(c.ok for c in calls), [(c.method, c.status, c.error) for c in calls]
    return calls


HOSTILE_TEXTS = [
    "<b>unclosed",
    "</i>&amp;&lt;&#x0;&bogus;",
    "a < b && c > d",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert('x')</script>",
    "JITRI " * 900,  # 5,400 characters
    "я" * 5000,
    "江" * 5000,
    "\x00\x01\x02\x1b[31m\x7f",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u202eevil\u202c",
    "😀" * 2000,
    "👨‍👩‍👧‍👦🏳️‍🌈" * 300,
    " ",
    "\n\n\n",
    "%",
    "_",
    '"',
    "'; DROP TABLE users; --",
    "NEAR(a b) OR * AND NOT",
    "jitri*",
    "/",
    "//",
    "/unknowncommand",
    "/unknown_command@conference_test_bot",
    "/foo <b>&</b>",
    "/org <b>&</b>",
    "/org " + "x" * 4000,
    "/search <b>&amp;</b>",
    "/search " + "😀" * 3000,
    "/start " + "a" * 200,
    "/start <b>",
    "/start org-<b>",
    "/start person-../../etc/passwd",
    "/lang extra words",
    "/help me",
    "/about@conference_test_bot extra",
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("number", range(len(HOSTILE_TEXTS)))
async def test_hostile_text_gets_a_clear_reply(live: BotApiEmulator, number: int) -> None:
    text = HOSTILE_TEXTS[number]
    user = 800_000 + number
    since = len(live.calls())
    reply = await ask(live, user, text, language_code="en")
    await live.wait_until_idle(quiet=0.05)
    assert_all_ok(live, since)
    assert reply.ok and reply.params["text"].strip()
    assert len(reply.params["text"]) <= 4096
    assert "<script>" not in reply.params["text"]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/unknowncommand", "I don't know the command /unknowncommand"),
        ("/foo <b>&</b>", "/help"),
        ("/org <b>&</b>", "&lt;b&gt;&amp;&lt;/b&gt;"),
        ("<b>unclosed", "&lt;b&gt;unclosed"),
    ],
)
async def test_hostile_text_is_escaped_and_explained(
    live: BotApiEmulator, text: str, expected: str
) -> None:
    reply = await ask(live, 810_000 + sum(map(ord, text)), text, language_code="en")
    assert expected in reply.params["text"]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("kind", "code", "expected"),
    [
        ("sticker", "en", "only read text"),
        ("photo", "ru", "текст"),
        ("voice", "zh", "文字"),
        ("document", "en", "only read text"),
        ("location", "en", "only read text"),
    ],
)
async def test_media_gets_a_text_only_reply(
    live: BotApiEmulator, kind: str, code: str, expected: str
) -> None:
    user = 820_000 + sum(map(ord, kind))
    since = len(live.calls())
    live.push_media(user, kind, language_code=code, caption="JITRI" if kind == "photo" else None)
    reply = await live.wait_for_call("sendMessage", chat_id=user, since=since)
    await live.wait_until_idle(quiet=0.05)
    assert_all_ok(live, since)
    assert expected in reply.params["text"]


@pytest.mark.asyncio(loop_scope="module")
async def test_an_edited_message_is_acknowledged_not_answered_twice(live: BotApiEmulator) -> None:
    user = 830_001
    first = await ask(live, user, "JITRI", language_code="en")
    assert "JITRI" in first.params["text"]
    since = len(live.calls())
    live.push_edited_message(user, 1, "/about", language_code="en")
    reply = await live.wait_for_call("sendMessage", chat_id=user, since=since)
    await live.wait_until_idle(quiet=0.05)
    assert "edited" in reply.params["text"]
    assert "9 September 2020" not in reply.params["text"]
    assert len([c for c in assert_all_ok(live, since) if c.method == "sendMessage"]) == 1


FORGED_CALLBACKS = [
    "card:org:nowhere",
    "card:person:nobody",
    "card:",
    "card:org:",
    "card:welcome:extra",
    "card:../../etc",
    "menu:zzz",
    "lang:xx",
    "unknown",
    "x" * 64,
    "<b>&</b>",
    "😀" * 16,
    ":",
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("data", FORGED_CALLBACKS)
async def test_forged_or_stale_callbacks_are_answered(live: BotApiEmulator, data: str) -> None:
    user = 840_000 + sum(map(ord, data)) % 10_000
    menu = await ask(live, user, "/start", language_code="en")
    since = len(live.calls())
    live.push_callback(user, data, message_id=menu.result["message_id"], language_code="en")
    answer = await live.wait_for_call("answerCallbackQuery", since=since)
    await live.wait_until_idle(quiet=0.05)
    assert_all_ok(live, since)
    assert answer.ok


@pytest.mark.asyncio(loop_scope="module")
async def test_a_stale_card_button_says_so(live: BotApiEmulator) -> None:
    user = 850_001
    menu = await ask(live, user, "/start", language_code="en")
    since = len(live.calls())
    live.push_callback(user, "card:org:gone", message_id=menu.result["message_id"])
    answer = await live.wait_for_call("answerCallbackQuery", since=since)
    assert "out of date" in answer.params["text"]
    assert "/start" in answer.params["text"]


@pytest.mark.asyncio(loop_scope="module")
async def test_updates_without_a_user_do_not_break_the_bot(live: BotApiEmulator) -> None:
    since = len(live.calls())
    now = int(time.time())
    channel = {"id": -1_009_999, "type": "channel", "title": "News"}
    live.push_update(
        {"channel_post": {"message_id": 1, "date": now, "chat": channel, "text": "/about"}}
    )
    live.push_update(
        {
            "poll": {
                "id": "1",
                "question": "JITRI?",
                "options": [{"text": "yes", "voter_count": 1}],
                "total_voter_count": 1,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        }
    )
    group = {"id": -1_009_998, "type": "supergroup", "title": "Anonymous admins"}
    live.add_chat(group["id"], "supergroup", title="Anonymous admins")
    live.push_update(
        {
            "message": {
                "message_id": 1,
                "date": now,
                "chat": group,
                "sender_chat": group,
                "text": "/about",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    live.push_update(
        {
            "message": {
                "message_id": 2,
                "date": now,
                "chat": group,
                "sender_chat": group,
                "text": "hi",
            }
        }
    )
    # The bot keeps serving people afterwards.
    reply = await ask(live, 860_001, "/contacts", language_code="en")
    assert "lily@jitri.org" in reply.params["text"]
    await live.wait_until_idle(quiet=0.1)
    assert_all_ok(live, since)


# ---------------------------------------------------------------- flood control


async def test_a_burst_gets_one_polite_notice(tmp_path: Path) -> None:
    async with running_bot(tmp_path, bot={"flood_burst": 3, "flood_window": 30}) as process:
        emulator = process.emulator
        flooder, calm = 870_001, 870_002
        since = len(emulator.calls())
        for _ in range(12):
            emulator.push_message(flooder, "JITRI", language_code="en")
        emulator.push_message(calm, "/contacts", language_code="en")
        await emulator.wait_for_call("sendMessage", chat_id=calm, since=since)
        await emulator.wait_until_idle(quiet=0.3)
        assert_all_ok(emulator, since)
        texts = [
            c.params["text"] for c in emulator.calls("sendMessage", chat_id=flooder, since=since)
        ]
        assert len(texts) == 4, texts
        assert all("Jiangsu Industrial Technology Research Institute" in text for text in texts[:3])
        assert "lot of messages" in texts[3]
        # Another user is not affected.
        assert len(emulator.calls("sendMessage", chat_id=calm, since=since)) == 1
        # Presses while flooding are still answered, silently, so no button spins.
        since = len(emulator.calls())
        emulator.push_callback(flooder, "card:about")
        answer = await emulator.wait_for_call("answerCallbackQuery", since=since)
        assert answer.ok
        await emulator.wait_until_idle(quiet=0.2)
        assert emulator.calls("sendMessage", chat_id=flooder, since=since) == []


async def test_a_flooding_user_who_blocks_the_bot_is_marked_blocked(tmp_path: Path) -> None:
    """Flood control counts messages and presses only: my_chat_member always gets through."""
    async with running_bot(tmp_path, bot={"flood_burst": 3, "flood_window": 30}) as process:
        emulator = process.emulator
        flooder = 871_001
        since = len(emulator.calls())
        emulator.push_message(flooder, "/subscribe", language_code="en")
        for _ in range(12):
            emulator.push_message(flooder, "JITRI", language_code="en")
        await emulator.wait_until_idle(quiet=0.3)
        assert any(
            "lot of messages" in c.params["text"]
            for c in emulator.calls("sendMessage", chat_id=flooder, since=since)
        )
        emulator.push_my_chat_member(flooder, "kicked")
        await emulator.wait_until_idle(quiet=0.3)
        db_path = tmp_path / "bot.sqlite3"
        for _ in range(50):
            if user_flags(db_path, flooder) == (1, 1):
                break
            await asyncio.sleep(0.05)
        assert user_flags(db_path, flooder) == (1, 1)  # still subscribed, now marked blocked
        emulator.push_my_chat_member(flooder, "member")
        await emulator.wait_until_idle(quiet=0.3)
        for _ in range(50):
            if user_flags(db_path, flooder) == (1, 0):
                break
            await asyncio.sleep(0.05)
        assert user_flags(db_path, flooder) == (1, 0)


# ---------------------------------------------------------------- property-based


class ThreadedBot:
    """Emulator and bot on an event loop in a thread, so sync hypothesis tests can drive them."""

    def __init__(self, directory: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emulator = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
        self.run(self.emulator.start())
        config = write_config(
            directory / "config.toml", self.emulator.base_url, directory / "bot.sqlite3"
        )
        self.process = BotProcess(self.emulator, config)
        self.run(self.process.start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def close(self) -> int:
        async def stop() -> int:
            code = await self.process.stop()
            await self.emulator.stop()
            return code

        code = self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        return code


@pytest.fixture(scope="module")
def threaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedBot]:
    bot = ThreadedBot(tmp_path_factory.mktemp("property"))
    try:
        yield bot
    finally:
        assert bot.close() == 0, bot.process.log()
        assert "Traceback" not in bot.process.log(), bot.process.log()


# Telegram delivers no empty messages; everything else, control characters included, goes.
MESSAGES = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=400
).filter(lambda text: text.strip("\x00") != "")
PREFIXES = st.sampled_from(
    ["", "/", "/org ", "/search ", "/start ", "/about ", "/foo ", "card:", "org:"]
)
CALLBACK_PREFIXES = st.sampled_from(
    ["", "card:", "card:org:", "card:person:", "lang:", "menu:", "sub:", "unknown:"]
)
CALLBACK_DATA = st.builds(lambda prefix, rest: prefix + rest, CALLBACK_PREFIXES, st.text()).filter(
    lambda data: 1 <= len(data.encode()) <= 64
)


# Deterministic, and sized for one shared bot: each example is a real round trip over HTTP.
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


def test_random_messages_always_get_a_reply(threaded: ThreadedBot) -> None:
    emulator = threaded.emulator
    users = iter(range(880_000, 890_000))

    async def one(text: str) -> Call:
        user = next(users)
        since = len(emulator.calls())
        emulator.push_message(user, text, language_code="en")
        reply = await emulator.wait_for_call("sendMessage", chat_id=user, since=since)
        await emulator.wait_until_idle(quiet=0.02)
        assert_all_ok(emulator, since)
        return reply

    @PROPERTY_SETTINGS
    @given(prefix=PREFIXES, text=MESSAGES)
    def check(prefix: str, text: str) -> None:
        reply = threaded.run(one(prefix + text))
        assert reply.ok and reply.params["text"].strip()

    check()


def test_random_callback_data_is_always_answered(threaded: ThreadedBot) -> None:
    emulator = threaded.emulator
    user = 890_001

    async def menu() -> int:
        reply = await ask(emulator, user, "/start", language_code="ru")
        return int(reply.result["message_id"])

    message_id = threaded.run(menu())

    async def press(data: str) -> Call:
        since = len(emulator.calls())
        emulator.push_callback(user, data, message_id=message_id, language_code="ru")
        answer = await emulator.wait_for_call("answerCallbackQuery", since=since)
        await emulator.wait_until_idle(quiet=0.02)
        assert_all_ok(emulator, since)
        return answer

    @PROPERTY_SETTINGS
    @given(data=CALLBACK_DATA)
    def check(data: str) -> None:
        assert threaded.run(press(data)).ok

    check()
