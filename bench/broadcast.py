"""Driving a real broadcast the way an admin does, for the latency, pacing and memory benchmarks.

Subscribers are seeded into the bot's SQLite file before the bot starts, through
SubscriberStore.subscribe (one transaction for the whole seed). The admin then sends
`/broadcast <text>`, and presses the preview's first inline button (send to subscribers): a
callback update with that button's callback_data on the preview message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import ADMIN_ID, BotProcess, Emulator, fresh_user_ids, write_config
from bot.services import open_store


async def seed_subscribers(db_path: Path, count: int) -> list[int]:
    """`count` new subscribed users (English), written before the bot starts."""
    users = fresh_user_ids(count)
    store = await open_store(db_path)
    try:
        # Implicit transaction for the whole seed: one commit instead of one per statement.
        store.connection.isolation_level = "DEFERRED"
        for user_id in users:
            await store.subscribers.subscribe(user_id, "en")
        await store.connection.commit()
    finally:
        await store.close()
    return users


def bot_config(tmp: Path, emulator: Emulator, db_path: Path, rate: float) -> Path:
    """Our bot's config: the bench admin, `rate` broadcast messages per second."""
    return write_config(
        tmp,
        emulator.base_url,
        db_path,
        bot={"admins": [ADMIN_ID], "default_language": "en"},
        broadcast={"messages_per_second": rate},
    )


@dataclass
class Broadcast:
    """A confirmed broadcast: when it was confirmed and the call index to read from."""

    confirmed_at: float
    since: int
    sent_before: int


async def _push_callback(emulator: Emulator, data: str, message_id: int) -> None:
    spec = {
        "kind": "callback",
        "user_id": ADMIN_ID,
        "data": data,
        "message_id": message_id,
        "chat_id": ADMIN_ID,
        "language_code": "en",
    }
    await emulator.client.push_updates([spec])


def _first_callback(markup: Any) -> str | None:
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return None
    rows = markup.get("inline_keyboard") or []
    for row in rows:
        for key in row:
            if "callback_data" in key:
                return str(key["callback_data"])
    return None


async def start_broadcast(emulator: Emulator, text: str, timeout: float = 30) -> Broadcast:  # noqa: ASYNC109
    """/broadcast <text> as the admin, then press the preview's first button."""
    since = await emulator.total_calls()
    await emulator.client.push_messages(
        [{"user_id": ADMIN_ID, "text": f"/broadcast {text}", "language_code": "en"}]
    )
    emulator.admin_messages += 1
    deadline = time.monotonic() + timeout
    preview: dict[str, Any] | None = None
    data = None
    while preview is None:
        if time.monotonic() > deadline:
            raise TimeoutError("no broadcast preview with buttons")
        calls = await emulator.client.calls(
            "sendMessage", since=since, chat_id=ADMIN_ID, params=True
        )
        for call in calls:
            data = _first_callback(call.get("params", {}).get("reply_markup"))
            if data and data.startswith("bc:"):
                preview = call
                break
        else:
            await asyncio.sleep(0.02)
    # The message id the emulator gave the preview.
    full = await _message_id(emulator, preview["index"])
    assert data is not None
    confirm_since = await emulator.total_calls()
    sent_before = await emulator.sent_count()
    confirmed_at = time.monotonic()
    await _push_callback(emulator, data, full)
    return Broadcast(confirmed_at, confirm_since, sent_before)


async def _message_id(emulator: Emulator, index: int) -> int:
    """The message_id of the sendMessage call at `index` (read from the emulator's chat log)."""
    # /_emu/calls does not return results. Message ids are per chat, shared by the admin's
    # messages and the bot's: all admin messages were pushed before this reply, so the id is
    # their number plus the bot's successful sendMessage calls to the chat up to `index`.
    calls = await emulator.client.calls("sendMessage", chat_id=ADMIN_ID)
    sent = sum(1 for c in calls if c["status"] == 200 and c["index"] <= index)
    return emulator.admin_messages + sent


async def wait_delivered(
    emulator: Emulator,
    broadcast: Broadcast,
    recipients: set[int],
    timeout: float,  # noqa: ASYNC109
    interval: float = 0.1,
) -> list[dict[str, Any]]:
    """Until every recipient got a sendMessage; returns those calls (first per recipient)."""
    deadline = time.monotonic() + timeout
    target = len(recipients)
    # sendMessage calls since the confirmation include the admin's "queued" note, so reaching
    # the count is necessary, and the exact check against the recipients follows.
    while (await emulator.sent_count()) - broadcast.sent_before < target:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(interval)
    calls = await emulator.client.calls("sendMessage", since=broadcast.since)
    seen: dict[int, dict[str, Any]] = {}
    for call in calls:
        chat = call["chat_id"]
        if call["status"] == 200 and chat in recipients and chat not in seen:
            seen[chat] = call
    if len(seen) < target:
        if time.monotonic() <= deadline:
            # The count included non-recipient messages: wait for the rest.
            await asyncio.sleep(interval)
            return await wait_delivered(
                emulator, broadcast, recipients, deadline - time.monotonic()
            )
        raise TimeoutError(f"only {len(seen)} of {target} recipients reached in time")
    return sorted(seen.values(), key=lambda c: c["at"])


async def running_bot(emulator: Emulator, config: Path) -> BotProcess:
    """Our bot, started and polling."""
    bot = BotProcess.ours(config)
    await bot.start(emulator, timeout=60)
    return bot
