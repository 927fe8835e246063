"""Soak: RSS of the bot under steady load (10 updates/s from a fixed set of users), sampled.

`python -m bench.soak --minutes 10 --users 300 --rate 10` prints one line per sample (elapsed
minutes, RSS MiB) and the slope (MiB per minute) of the second half, where start-up's own
growth is over. Mixed traffic like a day at the event: commands, questions, card buttons.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.harness import BotProcess, emulator_process, workdir, write_config
from bot.services import open_store

TEXTS = ("/about", "/start", "Who is Azarov?", "JITRI", "/help", "what is the date")
CARDS = ("card:about", "card:welcome", "card:orgs")


async def soak(
    minutes: float, users: int, rate: float, interval: float
) -> list[tuple[float, float]]:
    samples: list[tuple[float, float]] = []
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        store = await open_store(db)
        await store.close()
        bot = BotProcess.ours(write_config(tmp, emulator.base_url, db, bot={"flood_burst": 1000}))
        await bot.start(emulator)
        try:
            ids = [70_100_000 + i for i in range(users)]
            started = time.monotonic()
            next_sample = started
            sent = 0
            while (now := time.monotonic()) - started < minutes * 60:
                due = int((now - started) * rate)
                specs = []
                for n in range(sent, due):
                    user = ids[n % users]
                    if n % 3 == 2:
                        specs.append(
                            {"kind": "callback", "user_id": user, "data": CARDS[n % len(CARDS)]}
                        )
                    else:
                        specs.append(
                            {"kind": "message", "user_id": user, "text": TEXTS[n % len(TEXTS)]}
                        )
                if specs:
                    await emulator.client.push_updates(specs)
                    sent = due
                if now >= next_sample:
                    samples.append(((now - started) / 60, bot.rss_kib() / 1024))
                    print(f"{samples[-1][0]:6.2f} min  RSS {samples[-1][1]:7.2f} MiB", flush=True)
                    next_sample += interval
                    await emulator.client.reset_calls()  # the emulator's memory, not the bot's
                await asyncio.sleep(0.05)
        finally:
            await bot.stop()
    return samples


def slope(samples: list[tuple[float, float]]) -> float:
    """Least-squares MiB per minute over the second half of the samples."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return 0.0
    mx = sum(x for x, _ in half) / len(half)
    my = sum(y for _, y in half) / len(half)
    num = sum((x - mx) * (y - my) for x, y in half)
    den = sum((x - mx) ** 2 for x, _ in half) or 1.0
    return num / den


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--interval", type=float, default=30, help="seconds between samples")
    args = parser.parse_args()
    samples = asyncio.run(soak(args.minutes, args.users, args.rate, args.interval))
    print(f"slope (second half): {slope(samples):+.3f} MiB/min")


if __name__ == "__main__":
    main()
