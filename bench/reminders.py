"""8. Programme reminders: 5,000 followers of one session, reminded at 30 msg/s, on time.

A fictional one-session programme (written here, never shipped) starts a few minutes after the
bot; 5,000 users starred it (seeded into the bot's SQLite file before it starts) and the
reminder is due `REMIND` minutes before the start. At 30 msg/s the 5,000 reminders take about
170 s to send, so the queue starts early (handlers/transport/programme_outbox.py): lateness is
each reminder's send time (the emulator's timestamp) minus its due time, negative when early.
Meanwhile new users ask /about every PROBE_INTERVAL seconds; their reply latency is compared
with an idle baseline in the same process. Also counted: reminders after the session's start
(must be 0) and users reminded twice (must be 0).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.broadcast import (
    bot_config,
    running_bot,
    seed_subscribers,
    start_broadcast,
    wait_delivered,
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
from bot.services import open_store
from storage.db import connect

NAME = "reminders"
RATE = 30.0
REMIND = 1  # minutes
PROBE_INTERVAL = 0.25
# Every window is probed at least this often, however short: quick mode's reminders may all be
# sent before its window opens (a loaded machine starts the bot late), and a window without a
# probe has no latency to report.
MIN_PROBES = 4
# The idle baseline: as many probes as the latency benchmark takes (100).
IDLE_SECONDS = 25
# Quick mode checks the script: a short baseline, reminders due soon after the bot's start, and
# few followers (30: one second of reminders and one of broadcast at 30 msg/s).
QUICK_IDLE = 2
QUICK_AHEAD = 8
QUICK_FOLLOWERS = 30
ZONE = "Europe/Berlin"


def _programme(directory: Path, start: dt.datetime) -> Path:
    """A frab schedule with one fictional session at `start`."""
    event = {
        "id": 1,
        "guid": "00000000-0000-4000-8000-000000000001",
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": "00:30",
        "room": "Bench Hall",
        "title": "Benchmark session (fictional)",
        "language": "en",
        "persons": [{"public_name": "Bench Speaker"}],
    }
    document = {
        "schedule": {
            "conference": {
                "title": "Benchmark Conference (fictional)",
                "time_zone_name": ZONE,
                "days": [{"date": start.date().isoformat(), "rooms": {"Bench Hall": [event]}}],
            }
        }
    }
    path = directory / "programme.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


async def _seed(db: Path, source: Path, users: list[int]) -> None:
    """Import the programme and star its session for every user, before the bot starts."""
    store = await open_store(db)
    try:
        await store.reload_programme(source)
    finally:
        await store.close()
    connection = await connect(db)
    try:
        await connection.execute("BEGIN")
        await connection.executemany(
            "INSERT INTO programme_favourites (session_id, user_id, created_at) VALUES ('1', ?, ?)",
            [(user, time.time()) for user in users],
        )
        await connection.execute("COMMIT")
    finally:
        await connection.close()


async def _states(db: Path) -> list[float]:
    """How the reminders ended, from the database: [sent, missed, other]."""
    connection = await connect(db)
    try:
        rows = await connection.execute_fetchall(
            "SELECT state, count(*) FROM programme_deliveries WHERE kind = 'reminder' GROUP BY state"
        )
    finally:
        await connection.close()
    found = {str(state): float(count) for state, count in rows}
    sent, missed = found.pop("sent", 0.0), found.pop("missed", 0.0)
    return [sent, missed, sum(found.values())]


async def _probe_until(emulator: Emulator, stop: asyncio.Event) -> list[float]:
    """/about from new users every PROBE_INTERVAL s until `stop`, at least MIN_PROBES of them;
    latencies in ms."""
    pushed: dict[int, float] = {}
    since = await emulator.total_calls()
    users = iter(fresh_user_ids(100_000))
    while len(pushed) < MIN_PROBES or not stop.is_set():
        user = next(users)
        pushed[user] = time.monotonic()
        await emulator.client.push_messages(about_updates([user]))
        await asyncio.sleep(PROBE_INTERVAL)
    replies: dict[int, float] = {}
    deadline = time.monotonic() + 30
    while len(replies) < len(pushed) and time.monotonic() < deadline:
        for call in await emulator.client.calls("sendMessage", since=since):
            if call["status"] == 200 and call["chat_id"] in pushed:
                replies.setdefault(call["chat_id"], float(call["at"]))
        await asyncio.sleep(0.1)
    return [(replies[u] - at) * 1000 for u, at in pushed.items() if u in replies]


async def one_round(followers: int, quick: bool) -> dict[str, list[float]]:
    async with workdir() as tmp, emulator_process() as emulator:
        db = tmp / "bot.sqlite3"
        users = await seed_subscribers(db, followers)
        # Due after the bot's start and the idle baseline, with room to start the backlog early;
        # quick mode (which checks the script, not the figures) is due a few seconds after it.
        ahead = QUICK_AHEAD if quick else followers / RATE * 1.25 + IDLE_SECONDS + 15
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(
            seconds=REMIND * 60 + ahead
        )
        source = _programme(tmp, start.astimezone(ZoneInfo(ZONE)))
        await _seed(db, source, users)
        config = bot_config(tmp, emulator, db, RATE)
        text = config.read_text(encoding="utf-8")
        text += f'\n[programme]\nsource = "{source}"\nremind_minutes = {REMIND}\n'
        config.write_text(text, encoding="utf-8")
        # Reminders are counted from before the bot's start (its queue starts before polling,
        # and quick mode's are due within seconds); only the followers' chats are read.
        since = await emulator.total_calls()
        bot = await running_bot(emulator, config)
        try:
            stop = asyncio.Event()
            idle_stop = asyncio.Event()
            idle_task = asyncio.create_task(_probe_until(emulator, idle_stop))
            await asyncio.sleep(QUICK_IDLE if quick else IDLE_SECONDS)
            idle_stop.set()
            idle = await idle_task
            probes = asyncio.create_task(_probe_until(emulator, stop))
            offset = time.monotonic() - time.time()
            due = start.timestamp() - REMIND * 60 + offset
            began = start.timestamp() + offset
            deadline = began + 30
            wanted = set(users)
            sent: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                sent = [
                    c
                    for c in await emulator.client.calls("sendMessage", since=since)
                    if c["status"] == 200 and c["chat_id"] in wanted
                ]
                if len({c["chat_id"] for c in sent}) >= len(wanted):
                    break
                await asyncio.sleep(1.0)
            stop.set()
            loaded = await probes
            # The same followers as a broadcast's audience at the same pace, in the same
            # process: the reference the reminders' effect on replies is judged against.
            stop = asyncio.Event()
            probes = asyncio.create_task(_probe_until(emulator, stop))
            broadcast = await start_broadcast(emulator, "Bench news (fictional)")
            await wait_delivered(emulator, broadcast, wanted, 120 + followers / RATE * 2)
            stop.set()
            broadcasting = await probes
        finally:
            await bot.stop()
        states = await _states(db)
    times = [float(str(c["at"])) for c in sent]
    reached = {c["chat_id"] for c in sent}
    return {
        "lateness": [t - due for t in times],
        "after_start": [float(sum(1 for t in times if t >= began))],
        "missing": [float(len(users) - len(reached))],
        "twice": [float(len(sent) - len(reached))],
        "idle": idle,
        "loaded": loaded,
        "broadcasting": broadcasting,
        "states": states,
    }


async def run(quick: bool) -> Result:
    """Reminder lateness p50/p99/max for one session's followers at 30 msg/s; replies meanwhile."""
    result = Result(NAME)
    followers = QUICK_FOLLOWERS if quick else 5000
    figures = await one_round(followers, quick)
    lateness = figures["lateness"]
    result.add(
        Metric(f"reminder lateness p50 ({followers:,} followers)", "s", [percentile(lateness, 50)])
    )
    p99 = result.add(
        Metric(
            f"reminder lateness p99 ({followers:,} followers, {RATE:g} msg/s)",
            "s",
            [percentile(lateness, 99)],
            target="≤ 1 s",
        )
    )
    p99.met = p99.median <= 1.0
    result.add(Metric("earliest reminder before its due time", "s", [-min(lateness)]))
    after = result.add(
        Metric("reminders after the session's start", "", figures["after_start"], "0")
    )
    after.met = figures["after_start"][0] == 0
    missing = result.add(Metric("followers not reminded", "", figures["missing"], "0"))
    missing.met = figures["missing"][0] == 0
    twice = result.add(Metric("followers reminded twice", "", figures["twice"], "0"))
    twice.met = figures["twice"][0] == 0
    result.add(Metric("reply p50, idle", "ms", [percentile(figures["idle"], 50)]))
    result.add(Metric("reply p99, idle", "ms", [percentile(figures["idle"], 99)]))
    result.add(Metric("reply p50 while reminding", "ms", [percentile(figures["loaded"], 50)]))
    loaded99 = result.add(
        Metric("reply p99 while reminding", "ms", [percentile(figures["loaded"], 99)], "< 100 ms")
    )
    loaded99.met = loaded99.median < 100
    result.add(
        Metric(
            f"reply p50 during a {followers:,}-recipient broadcast at {RATE:g} msg/s",
            "ms",
            [percentile(figures["broadcasting"], 50)],
        )
    )
    reference = result.add(
        Metric(
            f"reply p99 during a {followers:,}-recipient broadcast at {RATE:g} msg/s",
            "ms",
            [percentile(figures["broadcasting"], 99)],
        )
    )
    ratio = result.add(
        Metric(
            "reply p99 while reminding ÷ during the broadcast",
            "×",
            [loaded99.median / reference.median],
            "≤ 1.2",
        )
    )
    ratio.met = ratio.median <= 1.2
    span = max(lateness) - min(lateness)
    result.notes.append(
        f"{len(lateness)} reminders over {span:.0f} s ({(len(lateness) - 1) / span if span else 0:.1f}"
        f" msg/s); replies probed every {PROBE_INTERVAL} s share the {RATE:g} msg/s budget"
    )
    result.counts = {
        "followers": [followers],
        "probes": [len(figures["loaded"])],
        "reminders_sent_missed_other": figures["states"],
    }
    return result
