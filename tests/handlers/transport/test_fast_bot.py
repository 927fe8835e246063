"""The bot's own ExtBot (handlers/transport/fast_bot.py) end to end: the real bot process on the
emulator.

Replies skip rebuilding Telegram's echo, but Telegram's rejections must still raise the same
errors; a reply whose Message is needed (the broadcast progress message, edited later) still
gets it; the new-user write is off the reply path, yet every user whose update Telegram was told
it arrived is on disk, even when the bot is killed with SIGKILL right after that confirmation.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from handlers.transport.inbox import MAX_IN_FLIGHT as MAX_UPDATES_IN_FLIGHT
from tests.broadcasting import confirm, draft, start_with_subscribers, wait_for_report
from tests.conftest import BotProcess, ask, callbacks, write_config
from tgemu import BotApiEmulator

USER = 4_100_001


def users_on_disk(db_path: Path) -> dict[int, tuple[str | None, str | None, int]]:
    """id -> (chosen language, Telegram's language, first_seen), straight from the file."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT id, language, telegram_language, first_seen FROM users")
        return {int(r[0]): (r[1], r[2], int(r[3])) for r in rows}


@pytest.mark.slow
async def test_a_rejected_reply_raises_bad_request(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    """A 400 on the echo-free send reaches the error handler, which apologises."""
    emulator.fail_next("sendMessage", 400, description="Bad Request: message is too long")
    since = len(emulator.calls())
    emulator.push_message(USER, "/about", language_code="en")
    apology = await emulator.wait_for_call(
        "sendMessage", chat_id=USER, since=since, predicate=lambda c: c.ok
    )
    first = emulator.calls("sendMessage", chat_id=USER, since=since)[0]
    assert first.status == 400
    assert "something went wrong" in apology.params["text"]
    await asyncio.sleep(0.2)
    assert "telegram.error.BadRequest: Message is too long" in bot.log()


@pytest.mark.slow
async def test_a_blocked_user_raises_forbidden(emulator: BotApiEmulator, bot: BotProcess) -> None:
    """403 is still Forbidden: the error handler logs it and does not try to apologise."""
    await ask(emulator, USER, "/start")
    emulator.block_chat(USER)
    since = len(emulator.calls())
    emulator.push_message(USER, "/about", language_code="en")
    await emulator.wait_for_call("sendMessage", chat_id=USER, since=since)
    await emulator.wait_until_idle(quiet=0.3)
    calls = emulator.calls("sendMessage", chat_id=USER, since=since)
    assert [c.status for c in calls] == [403]  # an apology would have been a second call
    assert "telegram.error.Forbidden" in bot.log()


@pytest.mark.slow
async def test_a_needed_message_is_still_returned(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """The broadcast progress message is sent with its Message and edited into the report."""
    process, _ = await start_with_subscribers(emulator, tmp_path, {4_100_101: "en"})
    try:
        broadcast_id, control = await draft(emulator, "Hello")
        progress_id = await confirm(emulator, broadcast_id, control)
        report = await wait_for_report(emulator, progress_id)
        assert report["message_id"] == progress_id
    finally:
        assert await process.stop() == 0, process.log()


@pytest.mark.slow
async def test_first_contacts_survive_sigkill_right_after_the_ack(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Every user whose update was confirmed to Telegram ends up on disk with Telegram's language.

    The confirmed updates are in the durable inbox; their senders are written before the updates
    are marked done, so a restart after the kill handles them again and records every sender.
    """
    db_path = tmp_path / "bot.sqlite3"
    process = BotProcess(
        emulator, write_config(tmp_path / "config.toml", emulator.base_url, db_path)
    )
    await process.start()
    # Slow replies: the handlers are still waiting on Telegram when the updates are confirmed.
    emulator.set_latency(1.0, "sendMessage")
    users = {4_200_000 + i: ("zh" if i % 2 else "ru") for i in range(60)}
    for user_id, language in users.items():
        emulator.push_message(user_id, "/start", language_code=language)
    deadline = asyncio.get_running_loop().time() + 10
    while emulator.pending_updates():  # confirmed = a getUpdates with a higher offset came in
        assert asyncio.get_running_loop().time() < deadline, "updates never confirmed"
        await asyncio.sleep(0.002)
    await process.kill()
    emulator.set_latency(0.0, "sendMessage")
    await process.start()
    deadline = asyncio.get_running_loop().time() + 30
    while any(not emulator.calls("sendMessage", chat_id=user) for user in users):
        assert asyncio.get_running_loop().time() < deadline, "confirmed updates never answered"
        await asyncio.sleep(0.05)
    assert await process.stop() == 0, process.log()
    stored = users_on_disk(db_path)
    missing = [u for u in users if u not in stored]
    assert not missing, f"{len(missing)} confirmed first contacts lost"
    for user_id, language in users.items():
        chosen, telegram_language, first_seen = stored[user_id]
        assert (chosen, telegram_language) == (None, language)
        assert first_seen > 0


@pytest.mark.slow
async def test_a_chosen_language_survives_sigkill(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """The choice is read from memory on the reply path, loaded from disk after a crash."""
    db_path = tmp_path / "bot.sqlite3"
    process = BotProcess(
        emulator, write_config(tmp_path / "config.toml", emulator.base_url, db_path)
    )
    await process.start()
    await ask(emulator, USER, "/start", language_code="en")
    since = len(emulator.calls())
    emulator.push_callback(USER, "lang:zh", language_code="en")
    await emulator.wait_for_call("answerCallbackQuery", since=since)
    await emulator.wait_until_idle(quiet=0.2)
    await process.kill()
    assert users_on_disk(db_path)[USER][0] == "zh"
    await process.start()
    try:
        answer = await ask(emulator, USER, "/about", language_code="en")
        assert "南京" in answer.params["text"]  # Chinese, although Telegram says English
    finally:
        assert await process.stop() == 0, process.log()


@pytest.mark.slow
async def test_a_burst_is_fetched_no_faster_than_it_is_answered(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    """At most MAX_UPDATES_IN_FLIGHT (+ one batch of 100) fetched but unanswered; the rest waits."""
    emulator.set_latency(0.3, "sendMessage")  # 64 replies at a time: ~200 answered per second
    users = list(range(4_300_000, 4_300_900))
    ids = [
        int(emulator.push_message(user_id, "/about", language_code="en")["update_id"])
        for user_id in users
    ]
    for _ in range(10):
        await asyncio.sleep(0.1)
        delivered = emulator.stats()["max_delivered_update_id"]
        fetched = len([i for i in ids if i <= delivered])
        answered = len([c for c in emulator.calls("sendMessage") if c.chat_id in set(users)])
        assert fetched <= answered + MAX_UPDATES_IN_FLIGHT + 100 + 64, (fetched, answered)
    assert fetched < len(users)
    emulator.set_latency(0, "sendMessage")
    deadline = asyncio.get_running_loop().time() + 30
    while len({c.chat_id for c in emulator.calls("sendMessage") if c.ok} & set(users)) < len(users):
        assert asyncio.get_running_loop().time() < deadline, "not everyone was answered"
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_an_echo_free_reply_carries_the_defaults_and_the_keyboard(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    """HTML, no link previews, the card's keyboard: the same request send_message would make."""
    first = await ask(emulator, USER, "/about")
    second = await ask(emulator, USER + 1, "/about")
    for call in (first, second):
        assert call.ok
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"] == {"is_disabled": True}
        assert callbacks(call) and callbacks(call) == callbacks(first)
    assert "<b>" in first.params["text"] and first.result["entities"]


async def test_only_send_text_skips_parsing_a_success_answer() -> None:
    """The echo is left unparsed only while send_text waits; errors and other calls are parsed."""
    from handlers.transport.fast_bot import (  # the contextvar send_text sets
        _ANSWER_UNREAD,
        ReplyRequest,
    )

    echo = b'{"ok":true,"result":{"message_id":7}}'
    spaced = b'{"ok": true, "result": {"message_id": 7}}'
    error = b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}'
    assert ReplyRequest.parse_json_payload(echo)["result"] == {"message_id": 7}
    token = _ANSWER_UNREAD.set(True)
    try:
        assert ReplyRequest.parse_json_payload(echo) == {"ok": True, "result": True}
        assert ReplyRequest.parse_json_payload(spaced) == {"ok": True, "result": True}
        assert ReplyRequest.parse_json_payload(error)["error_code"] == 400
    finally:
        _ANSWER_UNREAD.reset(token)
