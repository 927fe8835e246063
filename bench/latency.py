"""2. Reply latency under broadcast: /about answered while a 10,000-recipient broadcast runs.

The broadcast goes at the config maximum (1000 msg/s), the hardest case for the bot's event
loop: it finishes in seconds instead of the minutes a 30 msg/s broadcast takes, so the whole
run stays short, and whatever holds at 1000 msg/s holds at Telegram's 30. Probes are /about
from new users, pushed one at a time every PROBE_INTERVAL seconds while the broadcast runs;
a probe's latency is the emulator's timestamp of the reply minus the time just before the
push. A baseline with no broadcast is measured first in the same bot process.
"""

from __future__ import annotations

import asyncio
import time

from bench.broadcast import (
    bot_config,
    running_bot,
    seed_subscribers,
    start_broadcast,
)
from bench.harness import (
    Emulator,
    Metric,
    Result,
    about_updates,
    emulator_process,
    fresh_user_ids,
    workdir,
)
from bench.percentiles import percentile

NAME = "latency"
RATE = 1000.0
PROBE_INTERVAL = 0.02


async def probe(emulator: Emulator, count: int | None, until_sent: int | None) -> list[float]:
    """Latencies in ms of /about probes: `count` of them, or until `until_sent` sendMessages
    (at least one probe even when that many were sent before the first: a window without a
    probe would have no latency to report)."""
    pushed: dict[int, float] = {}
    since = await emulator.total_calls()
    users = iter(fresh_user_ids(100_000))
    while True:
        if count is not None and len(pushed) >= count:
            break
        if until_sent is not None and pushed and (await emulator.sent_count()) >= until_sent:
            break
        user = next(users)
        pushed[user] = time.monotonic()
        await emulator.client.push_messages(about_updates([user]))
        await asyncio.sleep(PROBE_INTERVAL)
    deadline = time.monotonic() + 30
    replies: dict[int, float] = {}
    while len(replies) < len(pushed) and time.monotonic() < deadline:
        replies = {}
        for call in await emulator.client.calls("sendMessage", since=since):
            if call["status"] == 200 and call["chat_id"] in pushed:
                replies.setdefault(call["chat_id"], float(call["at"]))
        await asyncio.sleep(0.1)
    if len(replies) < len(pushed):
        raise AssertionError(f"only {len(replies)} of {len(pushed)} probes answered")
    return [(replies[user] - at) * 1000 for user, at in pushed.items()]


async def one_round(recipients: int, baseline_probes: int) -> tuple[list[float], list[float], int]:
    """(baseline latencies, latencies during the broadcast, probes during it)."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        await seed_subscribers(db, recipients)
        bot = await running_bot(emulator, bot_config(tmp, emulator, db, RATE))
        try:
            baseline = await probe(emulator, baseline_probes, None)
            broadcast = await start_broadcast(emulator, "Latency")
            # Probe until the broadcast has (almost) reached everyone.
            loaded = await probe(emulator, None, broadcast.sent_before + recipients)
        finally:
            await bot.stop()
    return baseline, loaded, len(loaded)


async def run(quick: bool) -> Result:
    """p50/p99 with and without a broadcast running; target p99 < 100 ms under broadcast."""
    result = Result(NAME)
    recipients, rounds, baseline_n = (300, 1, 20) if quick else (10_000, 3, 100)
    base50, base99, load50, load99, counts = [], [], [], [], []
    for _ in range(rounds):
        baseline, loaded, probes = await one_round(recipients, baseline_n)
        base50.append(percentile(baseline, 50))
        base99.append(percentile(baseline, 99))
        load50.append(percentile(loaded, 50))
        load99.append(percentile(loaded, 99))
        counts.append(probes)
    result.add(Metric("p50, idle", "ms", base50))
    result.add(Metric("p99, idle", "ms", base99))
    result.add(Metric(f"p50 during a {recipients}-recipient broadcast", "ms", load50))
    p99 = result.add(
        Metric(f"p99 during a {recipients}-recipient broadcast", "ms", load99, target="< 100 ms")
    )
    p99.met = p99.median < 100
    result.notes.append(
        f"broadcast at {RATE:g} msg/s; probes during the broadcast per round: {counts}; "
        f"{baseline_n} idle probes per round"
    )
    result.counts = {"probes_during_broadcast": counts, "idle_probes": baseline_n}
    return result
