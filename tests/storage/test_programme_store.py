"""The programme in SQLite (real files): import, changes and their notices, favourites, the
reminder queue's claims."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from storage.db import connect
from storage.programme import ChangeKind, DeliveryKind, ProgrammeStore
from storage.programme_file import load_programme
from tests.programme_files import Talk, soon, write_programme


def _talks(base: dt.datetime) -> list[Talk]:
    return [
        Talk(1, "Graphene membranes (fictional)", base, 30, "Hall A"),
        Talk(2, "Composites (fictional)", base, 30, "Hall B"),
        Talk(3, "Ceramics (fictional)", base + dt.timedelta(hours=1), 30, "Hall A"),
    ]


async def test_import_change_and_notices(tmp_path: Path) -> None:
    base = soon(3600)
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        store = ProgrammeStore(connection)
        first = await store.replace(load_programme(write_programme(tmp_path, _talks(base)), "UTC"))
        assert first.added == 3
        assert (await store.replace(load_programme(tmp_path / "schedule.json", "UTC"))).unchanged
        await store.toggle_favourite(11, "1")
        await store.toggle_favourite(12, "1")
        await store.toggle_favourite(12, "2")
        assert await store.toggle_favourite(13, "3") is True
        assert await store.toggle_favourite(13, "3") is False  # unstarred again

        moved = _talks(base)
        moved[0].start = base + dt.timedelta(minutes=30)  # session 1 moves
        moved[1].room = "Hall C"  # session 2 changes room
        del moved[2]  # session 3 is cancelled
        report = await store.replace(load_programme(write_programme(tmp_path, moved), "UTC"))
        assert (report.changed, report.cancelled, report.added) == (2, 1, 0)
        assert report.notices == 3  # two followers of 1, one of 2, none left for 3

        one = await store.session("1")
        assert one is not None and one.sequence == 1 and one.start == moved[0].start
        three = await store.session("3")
        assert three is not None and three.cancelled and three.sequence == 1
        due = await store.due(time.time() + 1, 100, "ru")
        assert sorted((r.kind, r.session_id, r.user_id) for r in due) == [
            (DeliveryKind.CHANGE, "1", 11),
            (DeliveryKind.CHANGE, "1", 12),
            (DeliveryKind.CHANGE, "2", 12),
        ]
        change = await store.change(int(due[0].ref))
        assert change is not None and change.kind is ChangeKind.CHANGED
        # Back in the file: restored, one more notice per follower (none for 3).
        report = await store.replace(load_programme(write_programme(tmp_path, _talks(base)), "UTC"))
        assert report.restored == 1
        assert [s.id for s, _ in await store.favourite_counts()] == ["1", "2"]
    finally:
        await connection.close()


async def test_reminders_once_per_start_never_after_it(tmp_path: Path) -> None:
    base = soon(120)
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        store = ProgrammeStore(connection)
        await store.replace(load_programme(write_programme(tmp_path, _talks(base)), "UTC"))
        await store.toggle_favourite(21, "1")
        await store.toggle_favourite(22, "1")
        now = time.time()
        # Remind 60 s before; written only once it is within the look-ahead.
        assert await store.write_reminders(now, 60, 10) == 0
        assert await store.write_reminders(now, 60, 120) == 2
        assert await store.write_reminders(now, 60, 120) == 0  # idempotent
        rows = await store.due(now + 3600, 10, "en")
        assert {r.user_id for r in rows} == {21, 22}
        assert all(r.due_at == base.timestamp() - 60 for r in rows)
        assert await store.claim(rows[0], now)
        assert not await store.claim(rows[0], now)  # claimed once only
        # Unstarred before its turn: not sent.
        await store.toggle_favourite(22, "1")
        assert not await store.claim(rows[1], now)
        # A crash left the first `sending`: requeued, and past the start it is missed.
        assert await store.recover_sending() == 1
        assert not await store.claim(rows[0], base.timestamp() + 1)
        counts = await store.delivery_counts()
        assert counts == {"reminder:missed": 1, "reminder:cancelled": 1}
    finally:
        await connection.close()


async def test_a_moved_session_is_reminded_at_its_new_time(tmp_path: Path) -> None:
    base = soon(300)
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        store = ProgrammeStore(connection)
        talks = _talks(base)
        await store.replace(load_programme(write_programme(tmp_path, talks), "UTC"))
        await store.toggle_favourite(31, "1")
        now = time.time()
        assert await store.write_reminders(now, 60, 900) == 1
        [old] = [r for r in await store.due(now + 3600, 10, "en") if r.kind == "reminder"]
        talks[0].start = base + dt.timedelta(minutes=20)
        await store.replace(load_programme(write_programme(tmp_path, talks), "UTC"))
        # The reminder for the old start is not sent; one for the new start is written.
        assert not await store.claim(old, now)
        assert await store.write_reminders(now, 60, 2000) == 1
        reminders = [r for r in await store.due(now + 3600, 10, "en") if r.kind == "reminder"]
        assert [r.ref for r in reminders] == [talks[0].start.timestamp()]
        assert reminders[0].due_at == talks[0].start.timestamp() - 60
    finally:
        await connection.close()


async def test_nothing_goes_to_a_user_who_blocked_the_bot(tmp_path: Path) -> None:
    base = soon(300)
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        store = ProgrammeStore(connection)
        await store.replace(load_programme(write_programme(tmp_path, _talks(base)), "UTC"))
        for user in (41, 42):
            await connection.execute(
                "INSERT INTO users (id, first_seen, last_seen) VALUES (?, 0, 0)", (user,)
            )
            await store.toggle_favourite(user, "1")
        await connection.execute("UPDATE users SET blocked = 1 WHERE id = 42")
        now = time.time()
        await store.write_reminders(now, 60, 900)
        rows = await store.due(now + 3600, 10, "en")
        claimed = await store.claim_many(rows, now)
        assert [r.user_id for r in claimed] == [41]
        assert await store.delivery_counts() == {"reminder:sending": 1, "reminder:cancelled": 1}
    finally:
        await connection.close()
