"""4. Memory: the bot's peak RSS (VmHWM) during a broadcast to 1k, 10k and 100k subscribers.

One new bot process per size (so each peak is that broadcast's own), sending at the config
maximum (1000 msg/s) so even 100k takes minutes, not hours; VmHWM is read from
/proc/<pid>/status once every recipient was reached, before the bot is stopped.
"""

from __future__ import annotations

from bench.broadcast import (
    bot_config,
    running_bot,
    seed_subscribers,
    start_broadcast,
    wait_delivered,
)
from bench.harness import Result, emulator_process, judge_peaks, workdir

NAME = "memory"
RATE = 1000.0


async def peak_rss_mib(recipients: int) -> tuple[float, float]:
    """(peak RSS MiB after the broadcast, RSS MiB right after start-up)."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, recipients)
        bot = await running_bot(emulator, bot_config(tmp, emulator, db, RATE))
        try:
            idle = bot.peak_rss_kib() / 1024
            broadcast = await start_broadcast(emulator, f"Memory {recipients}")
            await wait_delivered(emulator, broadcast, set(users), 120 + recipients / 100)
            peak = bot.peak_rss_kib() / 1024
        finally:
            await bot.stop()
    return peak, idle


async def run(quick: bool) -> Result:
    """Peaks per size; targets: largest ≤ 1.2 × smallest and under 100 MB."""
    result = Result(NAME)
    sizes = (100, 1000) if quick else (1000, 10_000, 100_000)
    await judge_peaks(
        result,
        sizes,
        peak_rss_mib,
        "peak RSS, {size:,} subscribers",
        f"{sizes[-1]:,} ÷ {sizes[0]:,}",
        f"peak RSS at {sizes[-1]:,}",
    )
    # wait_delivered raises unless every subscriber got the message, so these were all reached.
    result.counts = {"reached": list(sizes)}
    return result
