"""Helpers shared by the subscription, admin and delivery tests (no tests here)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bot.services import open_store
from tests.conftest import ADMIN_ID, BotProcess, callbacks, write_config
from tgemu import BotApiEmulator, Call

# A running bot and its database file.
Bot = tuple[BotProcess, Path]


def message_id(call: Call) -> int:
    """The id of the message a send call created."""
    result: dict[str, Any] = call.result
    return int(result["message_id"])


async def say(
    emulator: BotApiEmulator, user_id: int, text: str, *, language_code: str = "en"
) -> list[Call]:
    """Push a message and return the bot's sendMessage calls to that chat once it is quiet."""
    since = len(emulator.calls())
    emulator.push_message(user_id, text, language_code=language_code)
    await emulator.wait_for_call("sendMessage", chat_id=user_id, since=since)
    await emulator.wait_until_idle(quiet=0.15)
    return list(emulator.calls("sendMessage", chat_id=user_id, since=since))


async def press(
    emulator: BotApiEmulator,
    user_id: int,
    data: str,
    *,
    message_id: int | None = None,
    language_code: str = "en",
) -> Call:
    """Press a button and return the answerCallbackQuery call."""
    since = len(emulator.calls())
    emulator.push_callback(user_id, data, message_id=message_id, language_code=language_code)
    return await emulator.wait_for_call("answerCallbackQuery", since=since)


async def subscribe_users(
    emulator: BotApiEmulator, users: dict[int, str], *, command: str = "/subscribe"
) -> None:
    """Each user (id → Telegram language_code) sends /subscribe through the real bot."""
    since = len(emulator.calls())
    for user_id, language_code in users.items():
        emulator.push_message(user_id, command, language_code=language_code)
    for user_id in users:
        await emulator.wait_for_call("sendMessage", chat_id=user_id, since=since, timeout=10)


def preview_id(control: Call) -> int:
    """The broadcast id a preview's control message names ("Preview of broadcast #12")."""
    found = re.search(r"#(\d+)", control.params["text"])
    assert found, control.params["text"]
    return int(found.group(1))


def button_data(control: Call, action: str) -> str:
    """The callback data of the control message's `action` button (bc:<action>:<token>)."""
    return next(d for d in callbacks(control) if d.startswith(f"bc:{action}:"))


async def draft(emulator: BotApiEmulator, text: str, *, admin: int = ADMIN_ID) -> tuple[int, Call]:
    """/broadcast <text> as an admin: the draft id and the control message with the buttons."""
    since = len(emulator.calls())
    emulator.push_message(admin, f"/broadcast {text}", language_code="en")
    control = await emulator.wait_for_call(
        "sendMessage",
        chat_id=admin,
        since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
    )
    return preview_id(control), control


async def confirm(
    emulator: BotApiEmulator, broadcast_id: int, control: Call, action: str = "send"
) -> int:
    """Press the confirm button; return the id of the progress message (the worker posts it)."""
    since = len(emulator.calls())
    emulator.push_callback(ADMIN_ID, button_data(control, action), message_id=message_id(control))
    progress = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: f"#{broadcast_id}" in c.params.get("text", ""),
    )
    return message_id(progress)


async def wait_for_report(
    emulator: BotApiEmulator,
    progress_id: int,
    timeout: float = 20,  # noqa: ASYNC109
    word: str = "finished",
) -> dict[str, Any]:
    """Wait until the progress message shows the final report; return the stored message."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for message in emulator.sent_messages(ADMIN_ID):
            if message["message_id"] == progress_id and word in message.get("text", ""):
                return message
        if asyncio.get_running_loop().time() > deadline:
            shown = [m.get("text") for m in emulator.sent_messages(ADMIN_ID)][-3:]
            raise AssertionError(f"no final report within {timeout}s; last messages: {shown}")
        await asyncio.sleep(0.05)


def received(emulator: BotApiEmulator, user_id: int, since: int = 0) -> list[str]:
    """Texts of the successful sendMessage calls to a user."""
    return [
        c.params["text"]
        for c in emulator.calls("sendMessage", chat_id=user_id, since=since)
        if c.ok
    ]


def report_counts(text: str) -> dict[str, int]:
    """Numbers of the English report/progress lines: 'Delivered: 3' → {'Delivered': 3}."""
    counts = {}
    for line in text.splitlines():
        label, sep, value = line.rpartition(": ")
        if sep and value.strip().isdigit():
            counts[label.split(" ", 1)[-1].strip()] = int(value)
    return counts


async def seed_subscribers(db_path: Path, users: dict[int, str]) -> None:
    """Write subscribed users into the database file with the storage API, bot not running."""
    store = await open_store(db_path)
    try:
        for user_id, language_code in users.items():
            await store.subscribers.subscribe(user_id, language_code)
    finally:
        await store.close()


def outbox_states(db_path: Path, broadcast_id: int) -> dict[str, int]:
    """Outbox rows by state, read straight from the database file."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ).fetchall()
    return {str(state): int(count) for state, count in rows}


def user_flags(db_path: Path, user_id: int) -> tuple[int, int] | None:
    """(subscribed, blocked) of a user, read straight from the database file."""
    with sqlite3.connect(db_path) as db:
        row = db.execute(
            "SELECT subscribed, blocked FROM users WHERE id = ?", (user_id,)
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


async def start_bot(
    emulator: BotApiEmulator, tmp_path: Path, **broadcast: object
) -> tuple[BotProcess, Path]:
    """A bot with its own config ([broadcast] overrides) and database; returns it and the db."""
    db_path = tmp_path / "bot.sqlite3"
    config = write_config(
        tmp_path / "config.toml", emulator.base_url, db_path, broadcast=dict(broadcast)
    )
    process = BotProcess(emulator, config)
    await process.start()
    return process, db_path


async def start_with_subscribers(
    emulator: BotApiEmulator, tmp_path: Path, users: dict[int, str], **broadcast: object
) -> Bot:
    """Subscribers written into a fresh database, their chats known to the emulator, then the
    bot."""
    await seed_subscribers(tmp_path / "bot.sqlite3", users)
    emulator.add_chats(users)
    return await start_bot(emulator, tmp_path, **broadcast)


class WriteLock:
    """A second connection holding the database's write lock (BEGIN EXCLUSIVE) for a while."""

    def __init__(self, db_path: Path, seconds: float) -> None:
        self.db_path, self.seconds = db_path, seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        db = sqlite3.connect(self.db_path, isolation_level=None, timeout=10)
        try:
            db.execute("BEGIN EXCLUSIVE")
            self.taken.set()
            time.sleep(self.seconds)
            db.execute("ROLLBACK")
        finally:
            db.close()

    async def __aenter__(self) -> WriteLock:
        self.thread.start()
        await asyncio.to_thread(self.taken.wait, 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.thread.join, self.seconds + 10)
