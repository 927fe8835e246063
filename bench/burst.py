"""7. Memory under a burst: peak RSS of our bot while 1k, 5k and 20k new users send /about at once.

One fresh bot process, database and emulator per size, so each peak is that burst's own: the
database is prepared first (as in service), the bot starts, every update is pushed in bulk,
and VmHWM is read from /proc/<pid>/status once every user was answered, before the bot is
stopped. A bot announced on a big event's screen
gets exactly this: thousands of first contacts within seconds.
"""

from __future__ import annotations

from bench.harness import (
    BotProcess,
    Result,
    about_updates,
    emulator_process,
    fresh_user_ids,
    judge_peaks,
    push_in_chunks,
    workdir,
    write_config,
)
from bot.services import open_store

NAME = "burst"


async def peak_rss_mib(count: int) -> tuple[float, float]:
    """(peak RSS MiB once `count` new users were answered, RSS MiB right after start-up)."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        # A bot in service already has its database: the content (and the answer engine's
        # index) are built once, on the first start, whose own peak is not the burst's.
        store = await open_store(db)
        await store.close()
        config = write_config(tmp, emulator.base_url, db)
        bot = BotProcess.ours(config)
        await bot.start(emulator)
        try:
            idle = bot.peak_rss_kib() / 1024
            await emulator.client.reset_calls()
            users = fresh_user_ids(count)
            await push_in_chunks(emulator.client, about_updates(users))
            await emulator.wait_sent(count, timeout=60 + count / 50, interval=0.05)
            peak = bot.peak_rss_kib() / 1024
        finally:
            await bot.stop()
    return peak, idle


async def run(quick: bool) -> Result:
    """Peaks per size; targets: largest ≤ 1.2 × smallest and under 100 MB."""
    result = Result(NAME)
    sizes = (100, 500) if quick else (1000, 5000, 20_000)
    await judge_peaks(
        result,
        sizes,
        peak_rss_mib,
        "peak RSS, burst of {size:,} new users",
        f"burst {sizes[-1]:,} ÷ {sizes[0]:,}",
        f"peak RSS, burst of {sizes[-1]:,}",
    )
    # wait_sent raises unless every user was answered.
    result.counts = {"answered": list(sizes)}
    return result
