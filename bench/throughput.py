"""1. Command throughput and CPU per update: N distinct users send /about at once.

Three contenders against one emulator process, rounds alternating ours / bare PTB / floor:
our bot, a bare python-telegram-bot bot (bench/bare_bot.py) and the no-framework floor
(bench/floor_bot.py, raw aiohttp sending the very card our bot sent, captured from our bot's
warm-up). A round starts the bot, warms it up (a few answered /about, so connections are open
and the card is rendered), resets the emulator's call log, reads the bot process's CPU time
(/proc/<pid>/stat utime + stime), pushes all N updates in bulk, stops the clock at the
emulator's timestamp of the N-th successful sendMessage and reads the CPU time again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    BotProcess,
    Emulator,
    Metric,
    Result,
    about_updates,
    emulator_process,
    fresh_user_ids,
    push_in_chunks,
    workdir,
    write_config,
)

NAME = "throughput"
WARMUP = 20
CONTENDERS = ("ours", "bare", "floor")


def save_card(path: Path, params: dict[str, Any]) -> None:
    """A reply's parameters but its chat, as JSON for the floor."""
    reply = {k: v for k, v in params.items() if k != "chat_id"}
    path.write_text(json.dumps(reply, ensure_ascii=False), encoding="utf-8")


async def one_round(
    emulator: Emulator, bot: BotProcess, count: int, card: Path | None = None
) -> tuple[float, float]:
    """(updates per second, CPU µs per update) for one burst of `count` distinct users.

    Checks that every user was answered. With `card`, the warm-up reply's parameters (all but
    chat_id) are written there as JSON, for the floor to send the same card.
    """
    await bot.start(emulator)
    try:
        await emulator.client.reset_calls()
        await push_in_chunks(emulator.client, about_updates(fresh_user_ids(WARMUP)))
        await emulator.wait_sent(WARMUP, timeout=60)
        if card is not None:
            (warm, *_) = await emulator.client.calls("sendMessage", params=True)
            save_card(card, warm["params"])
        await emulator.client.reset_calls()
        start_index = await emulator.total_calls()
        users = fresh_user_ids(count)
        cpu_before = bot.cpu_seconds()
        started = time.monotonic()
        await push_in_chunks(emulator.client, about_updates(users))
        await emulator.wait_sent(count, timeout=300, interval=0.01)
        cpu_used = bot.cpu_seconds() - cpu_before
        calls = await emulator.client.calls("sendMessage", since=start_index)
    finally:
        await bot.stop()
    answered = {c["chat_id"] for c in calls if c["status"] == 200}
    if answered != set(users):
        raise AssertionError(f"{len(answered & set(users))} of {count} users answered")
    finished = max(c["at"] for c in calls)
    return count / (finished - started), cpu_used / count * 1e6


async def run(quick: bool) -> Result:
    """Alternate ours, bare and floor; report rates, CPU per update and the ratios per round."""
    count, rounds = (600, 1) if quick else (5000, 5)
    result = Result(NAME)
    rates: dict[str, list[float]] = {kind: [] for kind in CONTENDERS}
    cpu: dict[str, list[float]] = {kind: [] for kind in CONTENDERS}
    answered: dict[str, list[int]] = {kind: [] for kind in CONTENDERS}
    async with workdir() as tmp, emulator_process() as emulator:
        config = write_config(tmp, emulator.base_url, tmp / "bot.sqlite3")
        card = tmp / "card.json"
        for _ in range(rounds):
            for kind in CONTENDERS:
                if kind == "ours":
                    bot = BotProcess.ours(config)
                elif kind == "bare":
                    bot = BotProcess.bare(emulator.base_url, tmp)
                else:
                    bot = BotProcess.floor(emulator.base_url, tmp, card)
                rate, micros = await one_round(
                    emulator, bot, count, card if kind == "ours" else None
                )
                answered[kind].append(count)  # one_round raises unless every user was answered
                rates[kind].append(rate)
                cpu[kind].append(micros)
    speedup = [o / b for o, b in zip(rates["ours"], rates["bare"], strict=True)]
    cpu_ratio = [o / f for o, f in zip(cpu["ours"], cpu["floor"], strict=True)]
    for kind, label in (("ours", "ours"), ("bare", "bare PTB"), ("floor", "floor")):
        result.add(Metric(f"{label}: {count} × /about", "updates/s", rates[kind]))
    ratio = result.add(Metric("ours ÷ bare PTB (throughput)", "×", speedup, target="≥ 2.0"))
    ratio.met = ratio.median >= 2.0
    for kind, label in (("ours", "ours"), ("bare", "bare PTB"), ("floor", "floor")):
        result.add(Metric(f"{label}: CPU per update", "µs", cpu[kind]))
    cpu_metric = result.add(Metric("ours ÷ floor (CPU per update)", "×", cpu_ratio, target="≤ 2.5"))
    cpu_metric.met = cpu_metric.median <= 2.5
    result.counts = {"updates_per_round": count, "answered": answered}
    return result
