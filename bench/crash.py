"""7. Crash with a backlog: N users send /about, the bot is `kill -9`ed mid-burst and restarted.

The fault campaign of issue #11 lost 68 % of such a backlog (10,238 of 15,000 over five runs):
polling confirmed what it had fetched before handling it. With the durable inbox a crash must
lose nothing; an update answered just before the kill whose done mark had not reached the
disk is answered again (at most `handlers.transport.inbox.MAX_IN_FLIGHT`). Each round: a
fresh database, N updates pushed, the bot started, killed with SIGKILL once 10 % of the replies
went out, started again, and every reply counted once the emulator is idle.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

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
from handlers.transport.inbox import MAX_IN_FLIGHT

NAME = "crash"


async def _replies(emulator: Emulator, since: int) -> Counter[int]:
    calls = await emulator.client.calls("sendMessage", since=since)
    return Counter(int(c["chat_id"]) for c in calls if c["status"] == 200)


async def one_round(emulator: Emulator, count: int) -> dict[str, int]:
    """Lost and duplicated replies for one kill -9 in a backlog of `count` users."""
    async with workdir() as tmp:
        config = write_config(tmp, emulator.base_url, tmp / "bot.sqlite3")
        start_index = await emulator.total_calls()
        users = fresh_user_ids(count)
        await push_in_chunks(emulator.client, about_updates(users))
        bot = BotProcess.ours(config)
        await bot.start(emulator)
        await emulator.wait_sent(count // 10, timeout=120, interval=0.005)
        await bot.kill()
        before = sum((await _replies(emulator, start_index)).values())
        await bot.start(emulator)
        deadline = time.monotonic() + 120
        while True:
            replies = await _replies(emulator, start_index)
            if all(replies[u] for u in users) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        await emulator.wait_drained()
        await asyncio.sleep(1)  # anything still on its way (a duplicate) is counted too
        replies = await _replies(emulator, start_index)
        await bot.stop()
    return {
        "answered_before_kill": before,
        "lost": sum(1 for u in users if replies[u] == 0),
        "duplicated": sum(replies[u] - 1 for u in users if replies[u] > 1),
    }


async def run(quick: bool) -> Result:
    """Five rounds (one when quick): lost and duplicated replies per round."""
    count, rounds = (300, 1) if quick else (3000, 5)
    result = Result(NAME)
    outcomes = []
    async with emulator_process() as emulator:
        for _ in range(rounds):
            await emulator.client.reset_calls()
            outcomes.append(await one_round(emulator, count))
    lost = result.add(
        Metric(
            f"kill -9 in a {count}-user backlog: lost",
            "updates",
            [o["lost"] for o in outcomes],
            target="0",
        )
    )
    lost.met = all(o["lost"] == 0 for o in outcomes)
    duplicated = result.add(
        Metric(
            "answered twice",
            "updates",
            [o["duplicated"] for o in outcomes],
            target=f"≤ {MAX_IN_FLIGHT}",
        )
    )
    duplicated.met = all(o["duplicated"] <= MAX_IN_FLIGHT for o in outcomes)
    result.counts = {
        "updates_per_round": count,
        "answered_before_kill": [o["answered_before_kill"] for o in outcomes],
        "lost_total": sum(o["lost"] for o in outcomes),
        "duplicated_total": sum(o["duplicated"] for o in outcomes),
    }
    return result
