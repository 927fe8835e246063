"""7. A scheduled photo broadcast: the delivery figures of 3 and 4 hold for it too.

The admin sends a photo captioned `/schedule +Ns <text>` and presses the preview's first button
(subscribers); when the time comes, the worker resolves the audience and sends the photo to
every subscriber by its file_id. Measured from the emulator's timestamps of every recipient's
sendPhoto: pacing at 30 msg/s (achieved ÷ configured, busiest one-second window), nothing sent
before the due time, unthrottled throughput and peak RSS at the largest size, and after a
`kill -9` one second into the broadcast and a restart: nobody lost, duplicates ≤ MAX_IN_FLIGHT.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.broadcast import (
    bot_config,
    running_bot,
    seed_subscribers,
    start_broadcast,
    wait_delivered,
)
from bench.harness import (
    ADMIN_ID,
    Emulator,
    Metric,
    Result,
    emulator_process,
    judge_ceiling,
    workdir,
)
from bench.pacing import busiest_window, long_run_rate
from handlers.transport.delivery import MAX_IN_FLIGHT

NAME = "scheduled"
PACED = 30.0
CAP = 10_000.0
DELAY = 3  # seconds between scheduling and the due time
# Quick mode only checks the scripts work: a shorter wait for the due time (a press that comes
# after it starts the broadcast at once, which the quick run does not judge).
QUICK_DELAY = 1


async def schedule_photo(
    emulator: Emulator,
    text: str,
    timeout: float = 30,  # noqa: ASYNC109
    delay: int = DELAY,
) -> tuple[float, int]:
    """The admin's photo captioned /schedule +<delay>s <text>, confirmed for the subscribers.

    Returns (the due time on the emulator's clock, at the earliest; the call index to read from).
    """
    since = await emulator.total_calls()
    scheduled_at = time.monotonic()
    spec = {
        "kind": "media",
        "media": "photo",
        "user_id": ADMIN_ID,
        "caption": f"/schedule +{delay}s {text}",
        "language_code": "en",
    }
    await emulator.client.push_updates([spec])
    emulator.admin_messages += 1
    deadline = time.monotonic() + timeout
    while True:
        calls = await emulator.client.calls(chat_id=ADMIN_ID, since=since, params=True)
        preview = next((c for c in calls if _first_callback(c).startswith("bc:")), None)
        if preview is not None:
            break
        if time.monotonic() > deadline:
            raise TimeoutError("no preview with buttons")
        await asyncio.sleep(0.02)
    # Message ids are per chat: the admin's own messages plus every message the bot sent there.
    sent = [
        c
        for c in await emulator.client.calls(chat_id=ADMIN_ID)
        if c["status"] == 200 and c["method"] in ("sendMessage", "sendPhoto")
    ]
    message_id = emulator.admin_messages + sum(1 for c in sent if c["index"] <= preview["index"])
    await emulator.client.push_updates(
        [
            {
                "kind": "callback",
                "user_id": ADMIN_ID,
                "data": _first_callback(preview),
                "message_id": message_id,
                "chat_id": ADMIN_ID,
                "language_code": "en",
            }
        ]
    )
    return scheduled_at + delay, since


def _first_callback(call: dict[str, Any]) -> str:
    markup = call.get("params", {}).get("reply_markup")
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return next((str(b["callback_data"]) for row in rows for b in row if "callback_data" in b), "")


async def photos(
    emulator: Emulator,
    since: int,
    recipients: set[int],
    timeout: float,  # noqa: ASYNC109
) -> list[dict[str, Any]]:
    """Every successful sendPhoto to a recipient since `since`, once each has one; by time."""
    deadline = time.monotonic() + timeout
    while True:
        reached = await emulator.sent_count("sendPhoto")
        if reached >= len(recipients) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    calls = [
        c
        for c in await emulator.client.calls("sendPhoto", since=since)
        if c["status"] == 200 and c["chat_id"] in recipients
    ]
    if len({c["chat_id"] for c in calls}) < len(recipients):
        if time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            return await photos(emulator, since, recipients, deadline - time.monotonic())
        raise TimeoutError(f"only {len({c['chat_id'] for c in calls})} of {len(recipients)}")
    return sorted(calls, key=lambda c: c["at"])


async def one_round(
    rate: float, recipients: int, delay: int = DELAY
) -> tuple[list[float], float, float]:
    """(send times minus the due time, peak RSS MiB, uploads by the bot) for one broadcast."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, recipients)
        bot = await running_bot(emulator, bot_config(tmp, emulator, db, rate))
        try:
            due, since = await schedule_photo(emulator, f"Poster {rate:g}", delay=delay)
            calls = await photos(emulator, since, set(users), 60 + 3 * recipients / min(rate, 300))
            peak = bot.peak_rss_kib() / 1024
            uploads = float(await emulator.client.uploads())
        finally:
            await bot.stop()
    return [float(c["at"]) - due for c in calls], peak, uploads


async def crash_round(recipients: int, rate: float = 500.0, delay: int = DELAY) -> tuple[int, int]:
    """kill -9 one second after the due time, restart: (recipients lost, duplicate photos)."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, recipients)
        config = bot_config(tmp, emulator, db, rate)
        bot = await running_bot(emulator, config)
        due, since = await schedule_photo(emulator, "Crash", delay=delay)
        await asyncio.sleep(max(0.0, due + 1.0 - time.monotonic()))
        await bot.kill()
        bot = await running_bot(emulator, config)
        try:
            calls = await photos(emulator, since, set(users), 60 + 3 * recipients / rate)
        finally:
            await bot.stop()
    reached = {c["chat_id"] for c in calls}
    return len(users) - len(reached), len(calls) - len(reached)


async def text_round(recipients: int) -> float:
    """Unthrottled throughput (msg/s) of an ordinary text broadcast, for the ratio."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, recipients)
        bot = await running_bot(emulator, bot_config(tmp, emulator, db, CAP))
        try:
            broadcast = await start_broadcast(emulator, "Text")
            calls = await wait_delivered(emulator, broadcast, set(users), 60 + recipients / 100)
        finally:
            await bot.stop()
    stamps = [float(c["at"]) for c in calls]
    return _rate(stamps)


def _rate(stamps: list[float]) -> float:
    span = max(stamps) - min(stamps)
    return (len(stamps) - 1) / span if span > 0 else float("inf")


async def run(quick: bool) -> Result:
    """Pacing, throughput, memory and crash figures for a scheduled photo broadcast."""
    result = Result(NAME)
    # Quick mode checks the scripts work: the unthrottled round doubles as the memory round
    # (one bot start fewer; the figures are not judged in quick mode anyway).
    paced_n, ratio_n, memory_n, crash_n = (
        (45, 300, 300, 300) if quick else (450, 10_000, 100_000, 2000)
    )
    delay = QUICK_DELAY if quick else DELAY
    # Unthrottled, back to back at the same size: an ordinary text broadcast, then the
    # scheduled photo (the machine's load moves both alike, so their ratio is the figure).
    rounds: list[Callable[[], Awaitable[Any]]] = [
        lambda: one_round(PACED, paced_n, delay),
        lambda: text_round(ratio_n),
        lambda: one_round(CAP, ratio_n, delay),
        lambda: crash_round(crash_n, delay=delay),
    ]
    if quick:
        # Every round at once (each has its own emulator and bot): quick mode checks they
        # work and reach everyone, and judges no figure that sharing would skew.
        done = await asyncio.gather(*(start() for start in rounds))
    else:
        done = [await start() for start in rounds]
    paced, text_rate, unthrottled, (lost, duplicates) = done
    offsets, _, uploads_paced = paced
    stamps = sorted(offsets)
    ratio = result.add(
        Metric(
            f"achieved ÷ configured at {PACED:g} msg/s ({paced_n} recipients, scheduled photo)",
            "×",
            [long_run_rate(stamps) / PACED],
            target="≥ 0.97",
        )
    )
    ratio.met = ratio.median >= 0.97
    window = result.add(
        Metric("busiest 1-s window ÷ configured", "×", [busiest_window(stamps) / PACED], "≤ 1.10")
    )
    window.met = window.median <= 1.10
    early = result.add(Metric("photos sent before the due time", "", [float(stamps[0] < 0)], "0"))
    early.met = stamps[0] >= 0
    offsets, peak_ratio, uploads_ratio = unthrottled
    photo_rate = _rate(offsets)
    result.add(
        Metric(f"unthrottled, text broadcast ({ratio_n:,} recipients)", "msg/s", [text_rate])
    )
    result.add(
        Metric(f"unthrottled, scheduled photo ({ratio_n:,} recipients)", "msg/s", [photo_rate])
    )
    versus = result.add(
        Metric("scheduled photo ÷ text, unthrottled", "×", [photo_rate / text_rate], "≥ 0.9")
    )
    versus.met = versus.median >= 0.9
    if memory_n == ratio_n:
        peak, uploads = peak_ratio, 0.0  # the same round: its uploads are already counted
    else:
        offsets, peak, uploads = await one_round(CAP, memory_n, delay)
    result.add(Metric(f"unthrottled, scheduled photo ({memory_n:,})", "msg/s", [_rate(offsets)]))
    judge_ceiling(result, f"peak RSS at {memory_n:,} (scheduled photo)", peak)
    total_uploads = uploads_paced + uploads_ratio + uploads
    bot_uploads = result.add(
        Metric("files uploaded by the bot", "", [total_uploads], "0 (file_id)")
    )
    bot_uploads.met = total_uploads == 0
    crash = result.add(
        Metric(
            f"kill -9 at due + 1 s ({crash_n} recipients): lost / duplicates",
            "",
            [float(lost), float(duplicates)],
            target=f"0 lost, ≤ {MAX_IN_FLIGHT} duplicates",
        )
    )
    crash.met = lost == 0 and duplicates <= MAX_IN_FLIGHT
    result.notes.append(f"start: first photo {min(stamps):.2f} s after the due time (paced round)")
    result.counts = {"recipients": [paced_n, ratio_n, memory_n, crash_n], "lost": [lost]}
    return result
