"""`python -m bench.faults [--kills N]`: what faults cost, measured on the real bot process.

Each figure comes from the real bot (`python -m bot run`) against the in-process emulator, with
a real SQLite file and real `kill -9`:

- kill -9 mid-broadcast: N broadcasts to 200 subscribers, each killed at a random moment of its
  delivery and restarted; per kill, recipients lost (never got it) and duplicates.
- kill -9 during confirmation: N drafts, the process killed at a random moment 0-400 ms after
  Send is pressed; a draft is lost if after the restart it is neither queued nor shown with
  its buttons (on the old preview or a new one).
- reload under load: /org jitri asked continuously during 20 reloads; wrong answers.
- full disk: 100 new users write while the database's filesystem is full (needs the right to
  mount a tmpfs); users left without a reply.

Prints a Markdown table (for BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.config import dump_toml
from bot.services import open_store
from storage.content import bundled_content_path
from tgemu import BotApiEmulator, Call

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:FAULTS-BENCH"
ADMIN_ID = 900_001


class Bot:
    """`python -m bot run` on a config, started and killed at will."""

    def __init__(self, emulator: BotApiEmulator, directory: Path, **sections: Any) -> None:
        self.emulator = emulator
        self.db_path = Path(sections.pop("db", directory / "bot.sqlite3"))
        config: dict[str, dict[str, object]] = {
            "telegram": {"token": TOKEN, "base_url": emulator.base_url},
            "bot": {"admins": [ADMIN_ID], "default_language": "en", "flood_burst": 100_000},
            "storage": {"path": str(self.db_path)},
            "broadcast": {"messages_per_second": 150},
        }
        for name, values in sections.items():
            config.setdefault(name, {}).update(values)
        self.config = directory / "config.toml"
        self.config.write_text(dump_toml(config), encoding="utf-8")
        self.log = directory / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        polls = self.emulator.stats()["get_updates"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(self.config),
                cwd=ROOT, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while self.emulator.stats()["get_updates"] <= polls:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise RuntimeError(self.log.read_text()[-2000:])
            await asyncio.sleep(0.02)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(2)
            await asyncio.wait_for(self.process.wait(), 30)


def callbacks(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if not markup:
        return []
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [
        b["callback_data"] for row in markup["inline_keyboard"] for b in row if "callback_data" in b
    ]


async def draft(emulator: BotApiEmulator, text: str) -> tuple[int, Call]:
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, f"/broadcast {text}")
    control = await emulator.wait_for_call(
        "sendMessage", chat_id=ADMIN_ID, since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c.params)),
    )  # fmt: skip
    found = re.search(r"#(\d+)", control.params["text"])
    assert found
    return int(found.group(1)), control


async def seed(db_path: Path, users: list[int]) -> None:
    store = await open_store(db_path)
    try:
        store.connection.isolation_level = "DEFERRED"
        for user in users:
            await store.subscribers.subscribe(user, "en")
        await store.connection.commit()
    finally:
        await store.close()


def status(db_path: Path, broadcast_id: int) -> str:
    with sqlite3.connect(db_path) as db:
        return str(
            db.execute("SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()[0]
        )


async def wait_done(db_path: Path, broadcast_id: int, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while status(db_path, broadcast_id) != "done":
        if time.monotonic() > deadline:
            raise TimeoutError(f"broadcast {broadcast_id} not done")
        await asyncio.sleep(0.1)


# ---------------------------------------------------------------------- the figures


async def kill_mid_broadcast(kills: int, tmp: Path) -> tuple[list[int], list[int]]:
    """Per kill: (recipients lost, duplicates)."""
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    lost, duplicates = [], []
    try:
        users = list(range(50_000_000, 50_000_200))
        emulator.add_chats(users)
        bot = Bot(emulator, tmp)
        await seed(bot.db_path, users)
        await bot.start()
        emulator.set_latency(0.02, "sendMessage")
        for _ in range(kills):
            since = len(emulator.calls())
            broadcast_id, control = await draft(emulator, f"Kill {random.random()}")
            data = callbacks(control.params)[0]
            emulator.push_callback(ADMIN_ID, data, message_id=control.result["message_id"])
            await asyncio.sleep(random.uniform(0.3, 1.2))  # 200 at 150/s take ~1.4 s
            await bot.kill()
            await asyncio.sleep(0.1)
            await bot.start()
            await wait_done(bot.db_path, broadcast_id)
            got = Counter(
                c.chat_id for c in emulator.calls("sendMessage", since=since)
                if c.ok and c.chat_id in set(users)
            )  # fmt: skip
            lost.append(sum(1 for u in users if got[u] == 0))
            duplicates.append(sum(n - 1 for n in got.values()))
        await bot.stop()
    finally:
        await emulator.stop()
    return lost, duplicates


async def kill_during_confirm(kills: int, tmp: Path) -> tuple[int, int]:
    """(drafts lost, kills): Send pressed, killed 0-400 ms later, restarted."""
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    lost = 0
    try:
        users = list(range(51_000_000, 51_020_000))  # a confirmation that takes a moment
        bot = Bot(emulator, tmp)
        await seed(bot.db_path, users)
        await bot.start()
        for _ in range(kills):
            broadcast_id, control = await draft(emulator, f"Confirm {random.random()}")
            data = callbacks(control.params)[0]
            emulator.push_callback(ADMIN_ID, data, message_id=control.result["message_id"])
            await asyncio.sleep(random.uniform(0, 0.4))
            await bot.kill()
            await bot.start()
            await emulator.wait_until_idle(quiet=0.5, timeout=10)
            queued = status(bot.db_path, broadcast_id) in ("sending", "done")
            shown = any(data in callbacks(message) for message in emulator.sent_messages(ADMIN_ID))
            lost += not (queued or shown)
            # Leave no broadcast running into the next round.
            with sqlite3.connect(bot.db_path) as db:
                db.execute("UPDATE outbox SET state = 'cancelled' WHERE state = 'pending'")
        await bot.stop()
    finally:
        await emulator.stop()
    return lost, kills


async def reload_under_load(tmp: Path) -> tuple[int, int]:
    """(wrong answers, answers) to /org jitri during 20 reloads."""
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        content = tmp / "content.toml"
        original = bundled_content_path().read_text(encoding="utf-8")
        edited = original.replace("lily@jitri.org", "press@jitri.org")
        content.write_text(original, encoding="utf-8")
        bot = Bot(emulator, tmp, storage={"content": str(content)})
        await bot.start()
        askers = list(range(52_000_000, 52_000_020))
        since = len(emulator.calls())

        async def ask_forever() -> None:
            while True:
                for user in askers:
                    emulator.push_message(user, "/org jitri")
                await asyncio.sleep(0.1)

        asking = asyncio.create_task(ask_forever())
        for round_ in range(20):
            content.write_text(edited if round_ % 2 == 0 else original, encoding="utf-8")
            mark = len(emulator.calls())
            emulator.push_message(ADMIN_ID, "/reload")
            await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=mark, timeout=30)
        asking.cancel()
        await emulator.wait_until_idle(quiet=0.5, timeout=60)
        answers = [
            c.params["text"]
            for c in emulator.calls("sendMessage", since=since)
            if c.chat_id in askers
        ]
        await bot.stop()
    finally:
        await emulator.stop()
    wrong = sum("Jiangsu Industrial Technology" not in text for text in answers)
    return wrong, len(answers)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False)


async def disk_full(tmp: Path) -> tuple[int, int] | None:
    """(users without a reply, users) while the disk is full; None if we cannot mount."""
    disk = tmp / "disk"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)):
        return None
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        bot = Bot(emulator, tmp, db=disk / "bot.sqlite3")
        await bot.start()
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"x" * size)
        os.close(fd)
        users = list(range(53_000_000, 53_000_100))
        since = len(emulator.calls())
        for user in users:
            emulator.push_message(user, "/subscribe")
        await emulator.wait_until_idle(quiet=1.0, timeout=30)
        answered = {c.chat_id for c in emulator.calls("sendMessage", since=since) if c.ok}
        (disk / "filler").unlink()
        await bot.stop()
    finally:
        await emulator.stop()
        _unmount(disk)
    return sum(u not in answered for u in users), len(users)


async def main(kills: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        for name in ("mid", "confirm", "reload", "disk"):
            (base / name).mkdir()
        lost, duplicates = await kill_mid_broadcast(kills, base / "mid")
        rows.append(
            f"| kill -9 mid-broadcast (200 recipients, {kills} kills)"
            f" | lost per kill: max {max(lost)}"
            f" (total {sum(lost)}) | duplicates per kill: {duplicates} (max {max(duplicates)}) |"
        )
        lost_drafts, rounds = await kill_during_confirm(kills, base / "confirm")
        rows.append(
            f"| kill -9 0-400 ms after Send ({rounds} kills) | lost drafts: {lost_drafts} | |"
        )
        wrong, answers = await reload_under_load(base / "reload")
        rows.append(f"| /org jitri during 20 reloads | wrong answers: {wrong} of {answers} | |")
        full = await disk_full(base / "disk")
        if full is None:
            rows.append("| full disk | not measured (cannot mount a tmpfs here) | |")
        else:
            rows.append(
                f"| 100 users write on a full disk | unanswered: {full[0]} of {full[1]} | |"
            )
    print("| fault | figure | |\n| --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--kills", type=int, default=10, help="kills per crash figure (default 10)")
    asyncio.run(main(parser.parse_args().kills))
