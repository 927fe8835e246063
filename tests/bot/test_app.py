"""The whole bot end to end: `python -m bot run` as a subprocess against the Bot API emulator."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, BotProcess, ask, write_config
from tgemu import BotApiEmulator

USER = 4242
# Core commands every language's menu must list (a subset: more may be added).
CORE_COMMANDS = {"start", "about", "speakers", "organizers", "jitri", "contacts", "lang", "help"}


@pytest.mark.slow
async def test_start_answers_in_the_users_language(bot: BotProcess) -> None:
    emulator = bot.emulator
    ru = await ask(emulator, USER + 1, "/start", language_code="ru")
    zh = await ask(emulator, USER + 2, "/start", language_code="zh")
    en = await ask(emulator, USER + 3, "/start", language_code="en")
    # An unsupported language falls back to the configured default (ru).
    de = await ask(emulator, USER + 4, "/start", language_code="de")
    assert ru.ok and zh.ok and en.ok and de.ok
    assert "Здравствуйте!" in ru.params["text"]
    assert "您好！" in zh.params["text"]
    assert "Hello!" in en.params["text"]
    assert "Здравствуйте!" in de.params["text"]
    for reply in (ru, zh, en):
        assert reply.params["parse_mode"] == "HTML"
        assert reply.params["reply_markup"]["inline_keyboard"]


@pytest.mark.slow
async def test_survives_a_5xx_on_send_message(bot: BotProcess) -> None:
    emulator = bot.emulator
    since = len(emulator.calls())
    emulator.fail_next("sendMessage", 500)
    emulator.push_message(USER, "/about", language_code="en")
    failed = await emulator.wait_for_call("sendMessage", chat_id=USER, since=since)
    assert failed.status == 500
    # The error handler logs the failure and apologises with a fresh message.
    apology = await emulator.wait_for_call(
        "sendMessage", chat_id=USER, since=failed.index + 1, timeout=10
    )
    assert apology.ok
    assert "Sorry, something went wrong" in apology.params["text"]
    await _wait_for_log(bot, "Error while handling an update")
    # The next message is answered normally.
    reply = await ask(emulator, USER, "/contacts", language_code="en")
    assert reply.ok and "lily@jitri.org" in reply.params["text"]


@pytest.mark.slow
async def test_polling_continues_after_a_502_on_get_updates(bot: BotProcess) -> None:
    emulator = bot.emulator
    since = len(emulator.calls())
    # The running long poll already passed the fault check: the one after it fails.
    emulator.fail_next("getUpdates", 502, description="Bad Gateway")
    first = await ask(emulator, USER, "/contacts", language_code="en")
    assert first.ok
    failed = await emulator.wait_for_call(
        "getUpdates", since=since, predicate=lambda c: c.status == 502, timeout=10
    )
    reply = await ask(emulator, USER, "/about", language_code="en")
    assert reply.ok and "9 September 2020" in reply.params["text"]
    # Polling resumed after the failure: a successful getUpdates delivered the second message.
    assert any(c.ok for c in emulator.calls("getUpdates", since=failed.index + 1))


@pytest.mark.slow
async def test_polling_continues_after_a_dropped_connection(bot: BotProcess) -> None:
    emulator = bot.emulator
    since = len(emulator.calls())
    emulator.drop_next("getUpdates")
    assert (await ask(emulator, USER, "/contacts", language_code="ru")).ok
    dropped = await emulator.wait_for_call(
        "getUpdates", since=since, predicate=lambda c: c.error == "connection dropped", timeout=10
    )
    assert dropped.status == 0
    reply = await ask(emulator, USER, "/about", language_code="ru")
    assert reply.ok and "9 сентября 2020" in reply.params["text"]


@pytest.mark.slow
async def test_slow_telegram_still_gets_the_reply(bot: BotProcess) -> None:
    emulator = bot.emulator
    emulator.set_latency(1.0, "sendMessage")
    started = time.monotonic()
    since = len(emulator.calls())
    emulator.push_message(USER, "/contacts", language_code="zh")
    reply = await emulator.wait_for_call("sendMessage", chat_id=USER, since=since, timeout=15)
    assert reply.ok and "lily@jitri.org" in reply.params["text"]
    assert time.monotonic() - started >= 1.0
    emulator.set_latency(0, "sendMessage")
    # Exactly one answer: the slow call was not retried into a duplicate.
    await emulator.wait_until_idle(quiet=0.3)
    assert len(emulator.calls("sendMessage", chat_id=USER, since=since)) == 1


@pytest.mark.slow
async def test_startup_publishes_localized_menus_and_every_call_is_accepted(
    bot: BotProcess,
) -> None:
    emulator = bot.emulator
    menus = {code: emulator.commands(language_code=code) for code in ("ru", "zh", "en", "")}
    for code, commands in menus.items():
        names = {c["command"] for c in commands}
        assert names >= CORE_COMMANDS, (code, names)
    about = {code: _description(commands, "about") for code, commands in menus.items()}
    assert about == {
        "ru": "О конференции",
        "zh": "会议简介",
        "en": "About the conference",
        "": "О конференции",  # the default menu is in the default language, ru
    }
    descriptions = emulator.descriptions
    for kind in ("description", "short_description"):
        texts = descriptions[kind]
        assert set(texts) >= {"ru", "zh", "en", ""}, (kind, texts)
        assert all(texts[code] for code in ("ru", "zh", "en", "")), texts
        assert "&" not in "".join(texts.values())  # plain text, no HTML entities
    assert "Отвечаю на русском" in descriptions["description"]["ru"]
    assert "支持中文" in descriptions["description"]["zh"]
    assert "I answer in English" in descriptions["description"]["en"]
    startup = [c for c in emulator.calls() if c.method != "getUpdates"]
    assert {"getMe", "setMyCommands", "setMyDescription"} <= {c.method for c in startup}
    rejected = [(c.method, c.status, c.error) for c in emulator.calls() if not c.ok]
    assert rejected == []


@pytest.mark.slow
async def test_sigint_stops_the_bot_cleanly(bot: BotProcess) -> None:
    assert (await ask(bot.emulator, USER, "/start", language_code="en")).ok
    assert await bot.stop() == 0
    assert "Traceback" not in bot.log()
    # post_shutdown closed the store: the last connection's close removes the WAL file.
    db = bot.config.with_name("bot.sqlite3")
    assert not db.with_name("bot.sqlite3-wal").exists()
    with sqlite3.connect(db) as connection:
        assert (USER,) in connection.execute("SELECT id FROM users").fetchall()


async def _wait_for_log(bot: BotProcess, text: str, timeout: float = 10) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while text not in bot.log():
        assert time.monotonic() < deadline, f"{text!r} not logged; log:\n{bot.log()}"
        await asyncio.sleep(0.05)


def _description(commands: list[dict[str, str]], name: str) -> str:
    return next(c["description"] for c in commands if c["command"] == name)


async def _run_with_config(
    emulator: BotApiEmulator, tmp_path: Path, **sections: dict[str, object]
) -> tuple[int, str, str]:
    config = write_config(
        tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3", **sections
    )
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.slow
async def test_missing_token_exits_2_naming_the_key(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    code, stdout, stderr = await _run_with_config(emulator, tmp_path, telegram={"token": ""})
    assert code == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "telegram.token" in lines[0] and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert emulator.calls() == []  # it never talked to Telegram


@pytest.mark.slow
async def test_unknown_key_exits_2_naming_it(emulator: BotApiEmulator, tmp_path: Path) -> None:
    code, _, stderr = await _run_with_config(emulator, tmp_path, bot={"admin": [1]})
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "bot.admin: unknown key" in lines[0]
    assert emulator.calls() == []


@pytest.mark.slow
async def test_non_numeric_admin_exits_2_naming_bot_admins(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    code, _, stderr = await _run_with_config(emulator, tmp_path, bot={"admins": ["abc"]})
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "bot.admins" in lines[0] and "'abc'" in lines[0]
    assert "Traceback" not in stderr
    assert emulator.calls() == []
