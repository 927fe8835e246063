"""Webhook mode and health checks: a real bot process serving HTTP.

The emulator delivers updates to the webhook as Telegram does (secret header, retries until
2xx, max_connections, one chat in order); the test itself posts what Telegram would not
(wrong secrets, bodies that are not updates) and checks the database right after a 200.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from handlers.transport.inbox import MAX_IN_FLIGHT
from tests.conftest import BotProcess, assert_token_not_logged, write_config
from tests.handlers.transport.test_inbox import (
    replies_per_chat,
    wait_all_answered,
    wait_for_replies,
)
from tgemu import BotApiEmulator

SECRET = "test-Secret_0123456789"
PATH = "/telegram/hook"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_config(
    tmp: Path, emulator: BotApiEmulator, port: int, secret: str | None = SECRET
) -> Path:
    """Config with a [webhook] section; the emulator posts straight to it (no proxy)."""
    section: dict[str, object] = {
        "url": f"http://127.0.0.1:{port}{PATH}",
        "listen": "127.0.0.1",
        "port": port,
        "max_connections": 40,
    }
    if secret is not None:
        section["secret_token"] = secret
    return write_config(
        tmp / "config.toml", emulator.base_url, tmp / "bot.sqlite3", webhook=section
    )


class Telegram:
    """Posts updates to the bot's webhook the way Telegram does (secret header, JSON body)."""

    def __init__(self, emulator: BotApiEmulator, port: int, secret: str = SECRET) -> None:
        self.emulator = emulator
        self.url = f"http://127.0.0.1:{port}{PATH}"
        self.secret = secret
        self.session = aiohttp.ClientSession()
        self.update_ids = 500_000

    def message(self, user: int, text: str) -> dict[str, Any]:
        """A private message update from `user` (whose chat the emulator then knows)."""
        self.emulator.add_chat(user)
        self.update_ids += 1
        sender = {"id": user, "is_bot": False, "first_name": "Tester", "language_code": "en"}
        message: dict[str, Any] = {
            "message_id": self.update_ids,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "Tester"},
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": self.update_ids, "message": message}

    async def post(
        self, body: Any, *, secret: str | None = None, raw: bytes | None = None
    ) -> tuple[int, str]:
        """One delivery; returns (status, text)."""
        headers = {"Content-Type": "application/json"}
        chosen = self.secret if secret is None else secret
        if chosen:
            headers["X-Telegram-Bot-Api-Secret-Token"] = chosen
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.session.post(self.url, data=data, headers=headers) as response:
            return response.status, await response.text()

    async def get(self, path: str) -> tuple[int, Any]:
        """GET a health endpoint; JSON body if it is JSON."""
        url = self.url.replace(PATH, path)
        async with self.session.get(url) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def close(self) -> None:
        await self.session.close()


@pytest.fixture
async def webhook_bot(
    emulator: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[tuple[BotProcess, Telegram]]:
    """The bot in webhook mode with a configured secret, and a Telegram to post to it."""
    port = free_port()
    bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port))
    telegram = Telegram(emulator, port)
    await bot.start()
    try:
        yield bot, telegram
    finally:
        await telegram.close()
        if bot.process is not None and bot.process.returncode is None:
            assert await bot.stop() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()
        assert SECRET not in bot.log()
        assert_token_not_logged(bot)


@pytest.mark.slow
async def test_set_webhook_is_called_with_url_secret_allowed_updates_and_max_connections(
    webhook_bot: tuple[BotProcess, Telegram],
) -> None:
    bot, telegram = webhook_bot
    registered = bot.emulator.webhook
    assert registered is not None
    assert registered["url"] == telegram.url
    assert registered["secret_token"] == SECRET
    assert registered["max_connections"] == 40
    call = bot.emulator.calls("setWebhook")[-1]
    assert call.params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "inline_query",
        "my_chat_member",
    ]
    assert bot.emulator.stats()["get_updates"] == 0
    # Delivered by the emulator, like Telegram: answered, nothing pending, no error.
    bot.emulator.push_message(30_000_000, "/about", language_code="en")
    assert (await bot.emulator.wait_for_call("sendMessage", chat_id=30_000_000)).ok
    await bot.emulator.wait_webhook_idle()
    deliveries = bot.emulator.webhook_deliveries()
    assert [d["status"] for d in deliveries] == [200]


@pytest.mark.slow
async def test_a_delivery_is_in_the_inbox_before_200_and_answered(
    webhook_bot: tuple[BotProcess, Telegram],
) -> None:
    bot, telegram = webhook_bot
    update = telegram.message(30_000_001, "/about")
    status, _ = await telegram.post(update)
    assert status == 200
    with sqlite3.connect(bot.config.parent / "bot.sqlite3") as db:
        stored = db.execute(
            "SELECT payload FROM inbox WHERE update_id = ?", (update["update_id"],)
        ).fetchone()
    assert stored is not None and json.loads(stored[0]) == update
    reply = await bot.emulator.wait_for_call("sendMessage", chat_id=30_000_001)
    assert reply.ok and "9 September 2020" in reply.params["text"]


@pytest.mark.slow
async def test_wrong_or_missing_secret_gets_403_and_nothing_is_processed(
    webhook_bot: tuple[BotProcess, Telegram],
) -> None:
    bot, telegram = webhook_bot
    update = telegram.message(30_000_002, "/about")
    assert (await telegram.post(update, secret=""))[0] == 403
    assert (await telegram.post(update, secret=SECRET + "x"))[0] == 403
    assert (await telegram.post(update, secret=SECRET[:-1]))[0] == 403
    assert (await telegram.post(update, secret="тест"))[0] == 403
    await asyncio.sleep(0.5)
    assert bot.emulator.calls("sendMessage", chat_id=30_000_002) == []
    with sqlite3.connect(bot.config.parent / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0
    # The right secret is accepted.
    assert (await telegram.post(update))[0] == 200
    assert (await bot.emulator.wait_for_call("sendMessage", chat_id=30_000_002)).ok


@pytest.mark.slow
async def test_a_body_that_is_not_an_update_gets_400(
    webhook_bot: tuple[BotProcess, Telegram],
) -> None:
    bot, telegram = webhook_bot
    assert (await telegram.post(None, raw=b"not json"))[0] == 400
    assert (await telegram.post(None, raw=b"\xff\xfe"))[0] == 400
    for body in ([1, 2], {"message": {}}, {"update_id": "7"}, "text", 5, None):
        assert (await telegram.post(body))[0] == 400, body
    with sqlite3.connect(bot.config.parent / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0


@pytest.mark.slow
async def test_a_duplicate_delivery_is_answered_once(
    webhook_bot: tuple[BotProcess, Telegram],
) -> None:
    bot, telegram = webhook_bot
    emulator = bot.emulator
    update = emulator.push_message(30_000_003, "/about", language_code="en")
    emulator.push_update(dict(update))  # Telegram repeating the same update_id
    emulator.push_message(30_000_003, "/contacts", language_code="en")
    await emulator.wait_for_call(
        "sendMessage",
        chat_id=30_000_003,
        predicate=lambda c: "lily@jitri.org" in c.params["text"],
    )
    await emulator.wait_webhook_idle()
    await emulator.wait_until_idle()
    statuses = [d["status"] for d in emulator.webhook_deliveries()]
    assert statuses == [200, 200, 200]  # all three accepted…
    texts = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=30_000_003)]
    assert len(texts) == 2, texts  # …the repeated one answered once
    # Later, after it was handled, the same update again (the test posting it directly).
    assert (await telegram.post(update))[0] == 200
    await asyncio.sleep(0.3)
    assert len(emulator.calls("sendMessage", chat_id=30_000_003)) == 2


@pytest.mark.slow
async def test_health_and_readiness(webhook_bot: tuple[BotProcess, Telegram]) -> None:
    bot, telegram = webhook_bot
    assert await telegram.get("/healthz") == (200, "ok")
    status, body = await telegram.get("/readyz")
    assert (status, body) == (200, {"ready": True, "reasons": []})
    # A locked database: not ready, and it says why; alive all the same.
    db = sqlite3.connect(bot.config.parent / "bot.sqlite3", isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    try:
        status, body = await telegram.get("/readyz")
        assert status == 503
        assert body["ready"] is False
        assert any(r.startswith("database:") and "locked" in r for r in body["reasons"]), body
        assert (await telegram.get("/healthz"))[0] == 200
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert (await telegram.get("/readyz"))[0] == 200


@pytest.mark.slow
async def test_kill_9_with_a_backlog_in_webhook_mode_loses_no_update(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port))
    users = list(range(31_000_000, 31_000_000 + 3000))
    await bot.start()
    try:
        for user in users:
            emulator.push_message(user, "/about", language_code="en")
        await wait_for_replies(emulator, 300)
        await bot.kill()
        assert len(replies_per_chat(emulator)) < len(users), "the backlog was gone before the kill"
        # Deliveries fail meanwhile; Telegram (the emulator) keeps and repeats them.
        await asyncio.sleep(1)
        info = emulator.webhook
        assert info is not None and emulator.webhook_pending() > 0
        await bot.start()
        replies = await wait_all_answered(emulator, users)
        assert sum(1 for u in users if replies[u] > 1) <= MAX_IN_FLIGHT
        await emulator.wait_webhook_idle(timeout=30)
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.log()
    assert SECRET not in bot.log()


@pytest.mark.slow
async def test_a_generated_secret_is_kept_in_the_database_and_never_logged(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port, secret=None))
    await bot.start()
    registered = emulator.webhook
    assert registered is not None
    secret = registered["secret_token"]
    assert len(secret) >= 32
    telegram = Telegram(emulator, port, secret)
    try:
        update = telegram.message(30_000_004, "/about")
        assert (await telegram.post(update, secret="wrong"))[0] == 403
        emulator.push_message(30_000_004, "/about", language_code="en")
        assert (await emulator.wait_for_call("sendMessage", chat_id=30_000_004)).ok
        assert await bot.stop() == 0
        await bot.start()
        assert emulator.webhook is not None
        assert emulator.webhook["secret_token"] == secret  # the same after a restart
    finally:
        await telegram.close()
        assert await bot.stop() == 0
    assert secret not in bot.log()
    assert "Traceback" not in bot.log()


@pytest.mark.slow
async def test_switching_back_to_polling_deletes_the_webhook(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port))
    await bot.start()
    assert emulator.webhook is not None
    assert await bot.stop() == 0
    polling = BotProcess(
        emulator,
        write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "bot.sqlite3"),
    )
    await polling.start()
    try:
        assert emulator.webhook is None
        assert emulator.calls("deleteWebhook")
        emulator.push_message(30_000_005, "/about", language_code="en")
        assert (await emulator.wait_for_call("sendMessage", chat_id=30_000_005)).ok
    finally:
        assert await polling.stop() == 0
    assert "Deleted the webhook" in polling.log()


@pytest.mark.slow
async def test_a_port_in_use_is_one_line_and_exit_2(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port))
        with pytest.raises(AssertionError, match="did not start"):
            await bot.start(timeout=15)
    assert bot.returncode == 2
    log = bot.log()
    assert f"error: cannot listen on 127.0.0.1:{port}: " in log
    assert "Traceback" not in log


def test_the_secret_is_redacted_wherever_it_would_be_logged() -> None:
    import io
    import logging

    from redaction import install, register_secret

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install()
        register_secret("s3cret-Value_42")
        logging.getLogger("telegram.ext").warning(
            "setWebhook with %s", {"secret_token": "s3cret-Value_42"}
        )
        logging.getLogger("x").error("plain s3cret-Value_42 in the message")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "s3cret-Value_42" not in text
    assert text.count("<redacted>") == 2
