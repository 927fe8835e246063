"""3. Broadcast pacing: achieved ÷ configured at 30 msg/s, and the unthrottled throughput.

Each round seeds a new database with subscribers, starts our bot with
`[broadcast] messages_per_second` set, broadcasts through the admin UI and reads the
emulator's timestamps of every recipient's sendMessage. The busiest one-second window is the
most sends found in any window [t, t + 1 s) starting at a send. The achieved rate is the
least-squares slope of the cumulative count against time (see long_run_rate). "Unthrottled" is
the config maximum, 10,000 msg/s, far above what the worker can send, so the throughput is the
worker's own.
"""

from __future__ import annotations

from bisect import bisect_left

from bench.broadcast import (
    bot_config,
    running_bot,
    seed_subscribers,
    start_broadcast,
    wait_delivered,
)
from bench.harness import Metric, Result, emulator_process, workdir

NAME = "pacing"
PACED = 30.0
CAP = 10_000.0


def busiest_window(stamps: list[float], width: float = 1.0) -> int:
    """Most timestamps in any half-open window of `width` seconds starting at one of them."""
    ordered = sorted(stamps)
    return max((bisect_left(ordered, t + width) - i for i, t in enumerate(ordered)), default=0)


async def one_broadcast(rate: float, recipients: int) -> tuple[float, int, int]:
    """(achieved msg/s, busiest 1-s window, recipients reached) for one broadcast."""
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, recipients)
        bot = await running_bot(emulator, bot_config(tmp, emulator, db, rate))
        try:
            broadcast = await start_broadcast(emulator, f"Pacing {rate:g}")
            timeout = 60 + 3 * recipients / min(rate, 300)
            calls = await wait_delivered(emulator, broadcast, set(users), timeout)
        finally:
            await bot.stop()
    stamps = [float(c["at"]) for c in calls]
    return long_run_rate(stamps), busiest_window(stamps), len(calls)


def long_run_rate(stamps: list[float]) -> float:
    """Least-squares slope of messages sent against time, in msg/s.

    A window limiter sends in bursts (a full second's quota at once, then a pause), so
    (n − 1) / (last − first) overstates the rate of a short broadcast; the slope of the
    cumulative count does not.
    """
    n = len(stamps)
    if n < 2:
        return float("nan")
    ordered = sorted(stamps)
    mean_t = sum(ordered) / n
    mean_i = (n - 1) / 2
    covariance = sum((t - mean_t) * (i - mean_i) for i, t in enumerate(ordered))
    variance = sum((t - mean_t) ** 2 for t in ordered)
    return covariance / variance if variance > 0 else float("inf")


async def run(quick: bool) -> Result:
    """Paced (30 msg/s) and unthrottled (config maximum) broadcasts."""
    result = Result(NAME)
    rounds = 1 if quick else 2
    paced_n, capped_n = (45, 300) if quick else (450, 10_000)
    ratios: list[float] = []
    windows: list[float] = []
    capped: list[float] = []
    reached: list[int] = []
    for _ in range(rounds):
        achieved, busiest, count = await one_broadcast(PACED, paced_n)
        ratios.append(achieved / PACED)
        windows.append(busiest / PACED)
        reached.append(count)
    for _ in range(rounds):
        achieved, _, count = await one_broadcast(CAP, capped_n)
        capped.append(achieved)
        reached.append(count)
    ratio = result.add(
        Metric(
            f"achieved ÷ configured at {PACED:g} msg/s ({paced_n} recipients)",
            "×",
            ratios,
            target="≥ 0.97",
        )
    )
    ratio.met = ratio.median >= 0.97
    window = result.add(
        Metric("busiest 1-s window ÷ configured", "×", windows, target="≤ 1.10 (every round)")
    )
    window.met = max(windows) <= 1.10
    rate = result.add(
        Metric(
            f"unthrottled throughput (messages_per_second = {CAP:g}, {capped_n} recipients)",
            "msg/s",
            capped,
            target="≥ 1,000",
        )
    )
    rate.met = rate.median >= 1000
    result.counts = {"recipients": [paced_n] * rounds + [capped_n] * rounds, "reached": reached}
    return result
