"""5. Start-up: from process start to the first answered /start.

The /start update is queued in the emulator before the bot process is spawned, so the clock
runs from exec() through imports, config, migrations, content sync, command publishing and the
first getUpdates to the emulator's timestamp of the reply. Each round is a new process on the
same (already created) database, like a restart; the very first start, which also creates the
database and loads the content, is reported separately.
"""

from __future__ import annotations

import time

from bench.harness import (
    BotProcess,
    Emulator,
    Metric,
    Result,
    emulator_process,
    fresh_user_ids,
    workdir,
    write_config,
)

NAME = "startup"


async def one_start(emulator: Emulator, bot: BotProcess) -> float:
    """Seconds from spawning the bot to the emulator recording the reply to /start."""
    await emulator.client.reset_calls()
    since = await emulator.total_calls()
    (user,) = fresh_user_ids(1)
    await emulator.client.push_messages(
        [{"user_id": user, "text": "/start", "language_code": "en"}]
    )
    started = time.monotonic()
    await bot.start(emulator, timeout=60)
    try:
        await emulator.wait_sent(1, timeout=60, interval=0.005)
        calls = await emulator.client.calls("sendMessage", since=since, chat_id=user)
    finally:
        await bot.stop()
    if not calls or calls[0]["status"] != 200:
        raise AssertionError(f"no reply to /start: {calls}")
    return float(calls[0]["at"]) - started


async def run(quick: bool) -> Result:
    """Cold (new database) once, then warm restarts; target < 1.5 s."""
    rounds = 1 if quick else 5
    result = Result(NAME)
    async with workdir() as tmp, emulator_process() as emulator:
        config = write_config(tmp, emulator.base_url, tmp / "bot.sqlite3")
        cold = await one_start(emulator, BotProcess.ours(config))
        warm = [await one_start(emulator, BotProcess.ours(config)) for _ in range(rounds)]
    first = result.add(Metric("first start (new database)", "s", [cold], target="< 1.5 s"))
    first.met = cold < 1.5
    restart = result.add(Metric("restart to first /start reply", "s", warm, target="< 1.5 s"))
    restart.met = restart.median < 1.5
    result.counts = {"answered_starts": 1 + len(warm)}
    return result
