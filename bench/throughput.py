"""1. Command throughput: N distinct users send /about at once; ours versus a bare PTB bot.

Rounds alternate ours / bare against one emulator process. A round starts the bot, warms it up
(a few answered /about, so connections are open and the card is rendered), resets the emulator's
call log, pushes all N updates in bulk and stops the clock at the emulator's timestamp of the
N-th successful sendMessage.
"""

from __future__ import annotations

import time

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


async def one_round(emulator: Emulator, bot: BotProcess, count: int) -> tuple[float, int, float]:
    """Updates/s and CPU µs per update for one burst of `count` distinct users; checks replies.

    The CPU time (user + system, from /proc) is what the bot itself spent on the burst: on a
    machine shared with other work it varies much less than the wall-clock rate does.
    """
    await bot.start(emulator)
    try:
        await emulator.client.reset_calls()
        await push_in_chunks(emulator.client, about_updates(fresh_user_ids(WARMUP)))
        await emulator.wait_sent(WARMUP, timeout=60)
        await emulator.client.reset_calls()
        start_index = await emulator.total_calls()
        users = fresh_user_ids(count)
        cpu_before = bot.cpu_seconds()
        started = time.monotonic()
        await push_in_chunks(emulator.client, about_updates(users))
        await emulator.wait_sent(count, timeout=300, interval=0.01)
        cpu = bot.cpu_seconds() - cpu_before
        calls = await emulator.client.calls("sendMessage", since=start_index)
    finally:
        await bot.stop()
    answered = {c["chat_id"] for c in calls if c["status"] == 200}
    if answered != set(users):
        raise AssertionError(f"{len(answered & set(users))} of {count} users answered")
    finished = max(c["at"] for c in calls)
    return count / (finished - started), len(answered), cpu / count * 1e6


async def run(quick: bool) -> Result:
    """Alternate ours and bare; report updates/s for each and the ratio per round pair."""
    count, rounds = (200, 1) if quick else (5000, 3)
    result = Result(NAME)
    ours_rates: list[float] = []
    bare_rates: list[float] = []
    answered: dict[str, list[int]] = {"ours": [], "bare": []}
    cpu: dict[str, list[float]] = {"ours": [], "bare": []}
    async with workdir() as tmp, emulator_process() as emulator:
        config = write_config(tmp, emulator.base_url, tmp / "bot.sqlite3")
        for _ in range(rounds):
            for kind, rates, bot in (
                ("ours", ours_rates, BotProcess.ours(config)),
                ("bare", bare_rates, BotProcess.bare(emulator.base_url, tmp)),
            ):
                rate, users, cpu_per_update = await one_round(emulator, bot, count)
                rates.append(rate)
                answered[kind].append(users)
                cpu[kind].append(cpu_per_update)
    ratios = [o / b for o, b in zip(ours_rates, bare_rates, strict=True)]
    result.add(Metric(f"ours: {count} × /about", "updates/s", ours_rates))
    result.add(Metric(f"bare PTB: {count} × /about", "updates/s", bare_rates))
    ratio = result.add(Metric("ours ÷ bare", "×", ratios, target="≥ 1.0"))
    ratio.met = ratio.median >= 1.0
    result.add(Metric("CPU per update: ours", "µs", cpu["ours"]))
    result.add(Metric("CPU per update: bare PTB", "µs", cpu["bare"]))
    result.add(
        Metric(
            "CPU per update: ours ÷ bare",
            "×",
            [o / b for o, b in zip(cpu["ours"], cpu["bare"], strict=True)],
            note="lower is better; steadier than the rates on a busy machine",
        )
    )
    result.counts = {"updates_per_round": count, "answered": answered}
    return result
