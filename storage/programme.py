"""The programme in the database: sessions, favourites, changes and the reminder queue.

`ProgrammeStore.replace` imports a validated `Programme` (storage/programme_file.py) in one
transaction: new sessions are added, changed ones updated (their `sequence` bumped), and those
missing from the file are cancelled, never deleted. A move, a re-rooming, a cancellation or a
return is recorded in `programme_changes` with one pending notice per follower in the same
transaction, so a crash leaves either the old programme or the new one with all its notices.

Reminders are not written when a session is starred: the queue (`ReminderQueue`, on the
delivery side's own connection) writes them shortly before they are due, one per (session,
follower, start). A session that moves gets a new start and so a new reminder; one that is
cancelled, or unstarred, or whose start has passed, is never reminded: the claim checks all of
that at the moment of sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from storage.db import connect, transaction
from storage.programme_file import Programme, Session
from storage.subscribers import LANGUAGE_SQL


class DeliveryKind(StrEnum):
    REMINDER = "reminder"
    CHANGE = "change"


class ChangeKind(StrEnum):
    CHANGED = "changed"  # moved and/or re-roomed
    CANCELLED = "cancelled"
    RESTORED = "restored"  # back in the programme after a cancellation


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as the bot shows it; times are aware, in the conference's zone."""

    id: str
    guid: str
    title: str
    subtitle: str
    abstract: str
    room: str
    track: str | None
    language: str | None
    persons: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    cancelled: bool
    sequence: int
    updated_at: float
    titles: dict[str, str] = field(default_factory=dict)
    abstracts: dict[str, str] = field(default_factory=dict)

    def title_in(self, lang: str) -> tuple[str, str | None]:
        """The title in `lang`, or else the original with its language (None when that is
        unknown or is `lang`), for the reader to see it is untranslated."""
        if lang in self.titles:
            return self.titles[lang], None
        return self.title, self._marker(lang)

    def abstract_in(self, lang: str) -> tuple[str, str | None]:
        """Like `title_in`, for the abstract ("" when there is none)."""
        if lang in self.abstracts:
            return self.abstracts[lang], None
        if not self.abstract:
            return "", None
        return self.abstract, self._marker(lang)

    def _marker(self, lang: str) -> str | None:
        """The original's language when it is known and not the reader's."""
        return self.language if self.language and self.language != lang else None


@dataclass(frozen=True, slots=True)
class ProgrammeInfo:
    title: str
    time_zone: ZoneInfo
    digest: str
    loaded_at: float
    sessions: int


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    session_id: str
    old_start: float
    new_start: float
    old_room: str
    new_room: str
    kind: ChangeKind


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What an import did; `notices` is the number of change notices queued."""

    added: int = 0
    changed: int = 0
    cancelled: int = 0
    restored: int = 0
    edited: int = 0
    notices: int = 0
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One reminder or change notice to send, with the recipient's language."""

    kind: DeliveryKind
    session_id: str
    user_id: int
    ref: float
    due_at: float
    lang: str
    attempts: int

    @property
    def key(self) -> tuple[str, str, int, float]:
        return (self.kind, self.session_id, self.user_id, self.ref)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    key: tuple[str, str, int, float]
    state: str
    error: str | None = None
    retry_at: float = 0.0


_SESSION_COLUMNS = """id, guid, title, subtitle, abstract, room, track, language, persons,
    starts_at, ends_at, cancelled, sequence, updated_at"""
DELIVERY_OUTCOMES = frozenset({"pending", "sent", "failed", "blocked", "uncertain", "missed"})


class ProgrammeStore:
    """Programme rows on one connection; writes are serialized by a lock."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> ProgrammeStore:
        """A store on a connection of its own (the reminder queue's), closed by `close`."""
        return cls(await connect(path))

    async def close(self) -> None:
        await self._db.close()

    # ------------------------------------------------------------------ import

    async def info(self) -> ProgrammeInfo | None:
        """The programme loaded, if any."""
        rows = await self._db.execute_fetchall("SELECT key, value FROM programme_meta")
        meta = {str(k): str(v) for k, v in rows}
        if "digest" not in meta:
            return None
        count = await self._db.execute_fetchall(
            "SELECT count(*) FROM programme_sessions WHERE cancelled = 0"
        )
        return ProgrammeInfo(
            meta.get("title", ""),
            ZoneInfo(meta["time_zone"]),
            meta["digest"],
            float(meta.get("loaded_at", "0")),
            int(next(iter(count))[0]),
        )

    async def replace(self, programme: Programme, now: float | None = None) -> ReloadReport:
        """Import `programme` in one transaction (see the module docstring); unchanged if its
        digest is the one loaded."""
        now = time.time() if now is None else now
        async with self._lock, transaction(self._db):
            rows = await self._db.execute_fetchall(
                "SELECT value FROM programme_meta WHERE key = 'digest'"
            )
            current = next(iter(rows), None)
            if current is not None and current[0] == programme.digest:
                return ReloadReport(unchanged=True)
            report = await self._replace(programme, now)
            await self._db.executemany(
                """INSERT INTO programme_meta (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
                [
                    ("digest", programme.digest),
                    ("title", programme.title),
                    ("time_zone", programme.time_zone),
                    ("loaded_at", repr(now)),
                ],
            )
        return report

    async def _replace(self, programme: Programme, now: float) -> ReloadReport:
        rows = await self._db.execute_fetchall(f"SELECT {_SESSION_COLUMNS} FROM programme_sessions")
        old = {str(row[0]): row for row in rows}
        texts = await self._db.execute_fetchall(
            "SELECT session_id, lang, title, abstract FROM programme_texts"
        )
        old_texts: dict[str, set[tuple[str, str | None, str | None]]] = {}
        for session_id, lang, title, abstract in texts:
            old_texts.setdefault(str(session_id), set()).add((str(lang), title, abstract))
        added = changed = cancelled = restored = edited = notices = 0
        seen = set()
        zone = ZoneInfo(programme.time_zone)
        for session in programme.sessions:
            seen.add(session.id)
            values = _values(session, zone)
            previous = old.get(session.id)
            new_texts = _texts(session)
            if previous is None:
                added += 1
                await self._write(values, 0, now)
            else:
                was_cancelled = bool(previous[11])
                moved = (
                    float(previous[9]) != values["starts_at"] or str(previous[5]) != session.room
                )
                same = (
                    not was_cancelled
                    and not moved
                    and all(
                        previous[i] == values[name]
                        for i, name in (
                            (1, "guid"),
                            (2, "title"),
                            (3, "subtitle"),
                            (4, "abstract"),
                            (6, "track"),
                            (7, "language"),
                            (8, "persons"),
                            (10, "ends_at"),
                        )
                    )
                    and old_texts.get(session.id, set()) == set(new_texts)
                )
                if same:
                    continue
                await self._write(values, int(previous[12]) + 1, now)
                kind = None
                if was_cancelled:
                    kind, restored = ChangeKind.RESTORED, restored + 1
                elif moved:
                    kind, changed = ChangeKind.CHANGED, changed + 1
                else:
                    edited += 1
                if kind is not None:
                    notices += await self._record_change(
                        session.id,
                        (float(previous[9]), session.start.timestamp()),
                        (str(previous[5]), session.room),
                        kind,
                        now,
                    )
            await self._db.execute(
                "DELETE FROM programme_texts WHERE session_id = ?", (session.id,)
            )
            await self._db.executemany(
                """INSERT INTO programme_texts (session_id, lang, title, abstract)
                VALUES (?, ?, ?, ?)""",
                [(session.id, *text) for text in new_texts],
            )
        for session_id, previous in old.items():
            if session_id in seen or previous[11]:
                continue
            cancelled += 1
            await self._db.execute(
                """UPDATE programme_sessions SET cancelled = 1, sequence = sequence + 1,
                updated_at = ? WHERE id = ?""",
                (now, session_id),
            )
            start, room = float(previous[9]), str(previous[5])
            notices += await self._record_change(
                session_id, (start, start), (room, room), ChangeKind.CANCELLED, now
            )
        return ReloadReport(added, changed, cancelled, restored, edited, notices)

    async def _write(self, values: dict[str, object], sequence: int, now: float) -> None:
        await self._db.execute(
            """INSERT INTO programme_sessions (id, guid, title, subtitle, abstract, room, track,
                language, persons, starts_at, ends_at, day, cancelled, sequence, updated_at)
            VALUES (:id, :guid, :title, :subtitle, :abstract, :room, :track, :language, :persons,
                :starts_at, :ends_at, :day, 0, :sequence, :now)
            ON CONFLICT (id) DO UPDATE SET guid = excluded.guid, title = excluded.title,
                subtitle = excluded.subtitle, abstract = excluded.abstract, room = excluded.room,
                track = excluded.track, language = excluded.language, persons = excluded.persons,
                starts_at = excluded.starts_at, ends_at = excluded.ends_at, day = excluded.day,
                cancelled = 0, sequence = excluded.sequence, updated_at = excluded.updated_at""",
            {**values, "sequence": sequence, "now": now},
        )

    async def _record_change(
        self,
        session_id: str,
        starts: tuple[float, float],
        rooms: tuple[str, str],
        kind: ChangeKind,
        now: float,
    ) -> int:
        """A change and one notice per follower, due now; the number of notices."""
        cursor = await self._db.execute(
            """INSERT INTO programme_changes
                (session_id, old_start, new_start, old_room, new_room, kind, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (session_id, starts[0], starts[1], rooms[0], rooms[1], kind, now),
        )
        change_id = int(cursor.lastrowid or 0)
        if kind is ChangeKind.CANCELLED:
            # Reminders written ahead of time for it will not be sent (the claim checks too).
            await self._db.execute(
                """UPDATE programme_deliveries SET state = 'cancelled', updated_at = ?
                WHERE kind = 'reminder' AND session_id = ? AND state = 'pending'""",
                (now, session_id),
            )
        cursor = await self._db.execute(
            """INSERT OR IGNORE INTO programme_deliveries (kind, session_id, user_id, ref, due_at)
            SELECT 'change', session_id, user_id, ?, ? FROM programme_favourites
            WHERE session_id = ?""",
            (change_id, now, session_id),
        )
        return cursor.rowcount

    # ------------------------------------------------------------------ reading

    async def sessions(self, *, include_cancelled: bool = True) -> list[StoredSession]:
        """Every session in time order (then room)."""
        condition = "" if include_cancelled else "WHERE cancelled = 0"
        return await self._select(f"{condition} ORDER BY starts_at, room, id", ())

    async def session(self, session_id: str) -> StoredSession | None:
        """One session by the programme file's event id."""
        found = await self._select("WHERE id = ?", (session_id,))
        return found[0] if found else None

    async def days(self) -> list[dt.date]:
        """The conference days that have sessions, in order."""
        rows = await self._db.execute_fetchall(
            "SELECT DISTINCT day FROM programme_sessions ORDER BY day"
        )
        return [dt.date.fromisoformat(str(row[0])) for row in rows]

    async def on_day(self, day: dt.date) -> list[StoredSession]:
        """The day's sessions in time order, cancelled ones included (shown as such)."""
        return await self._select("WHERE day = ? ORDER BY starts_at, room, id", (day.isoformat(),))

    async def running(self, now: float) -> list[StoredSession]:
        """Sessions on at `now`, by room."""
        return await self._select(
            "WHERE cancelled = 0 AND starts_at <= ? AND ends_at > ? ORDER BY room, starts_at",
            (now, now),
        )

    async def upcoming(self, now: float, limit: int = 50) -> list[StoredSession]:
        """Sessions not yet started, soonest first."""
        return await self._select(
            "WHERE cancelled = 0 AND starts_at > ? ORDER BY starts_at, room LIMIT ?", (now, limit)
        )

    async def _select(self, where: str, params: Sequence[object]) -> list[StoredSession]:
        info = await self.info()
        zone = info.time_zone if info else ZoneInfo("UTC")
        # `where` is one of this class's constant clauses; values are bound.
        rows = await self._db.execute_fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM programme_sessions {where}", params
        )
        if not rows:
            return []
        ids = [str(row[0]) for row in rows]
        texts: dict[str, tuple[dict[str, str], dict[str, str]]] = {i: ({}, {}) for i in ids}
        marks = ", ".join("?" for _ in ids)
        for session_id, lang, title, abstract in await self._db.execute_fetchall(
            f"""SELECT session_id, lang, title, abstract FROM programme_texts
            WHERE session_id IN ({marks})""",
            ids,
        ):
            titles, abstracts = texts[str(session_id)]
            if title:
                titles[str(lang)] = str(title)
            if abstract:
                abstracts[str(lang)] = str(abstract)
        return [_stored(row, zone, *texts[str(row[0])]) for row in rows]

    async def change(self, change_id: int) -> Change | None:
        rows = await self._db.execute_fetchall(
            """SELECT id, session_id, old_start, new_start, old_room, new_room, kind
            FROM programme_changes WHERE id = ?""",
            (change_id,),
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        return Change(
            int(row[0]),
            str(row[1]),
            float(row[2]),
            float(row[3]),
            str(row[4]),
            str(row[5]),
            ChangeKind(str(row[6])),
        )

    # ------------------------------------------------------------------ favourites

    async def toggle_favourite(self, user_id: int, session_id: str) -> bool:
        """Star or unstar; whether it is starred now. Unstarring cancels a reminder written
        ahead of time."""
        now = time.time()
        async with self._lock, transaction(self._db):
            cursor = await self._db.execute(
                "DELETE FROM programme_favourites WHERE session_id = ? AND user_id = ?",
                (session_id, user_id),
            )
            if cursor.rowcount:
                await self._db.execute(
                    """UPDATE programme_deliveries SET state = 'cancelled', updated_at = ?
                    WHERE kind = 'reminder' AND session_id = ? AND user_id = ?
                    AND state = 'pending'""",
                    (now, session_id, user_id),
                )
                return False
            await self._db.execute(
                """INSERT INTO programme_favourites (session_id, user_id, created_at)
                VALUES (?, ?, ?)""",
                (session_id, user_id, now),
            )
        return True

    async def is_favourite(self, user_id: int, session_id: str) -> bool:
        rows = await self._db.execute_fetchall(
            "SELECT 1 FROM programme_favourites WHERE session_id = ? AND user_id = ?",
            (session_id, user_id),
        )
        return bool(list(rows))

    async def favourites(self, user_id: int) -> list[StoredSession]:
        """The user's starred sessions in time order."""
        return await self._select(
            """WHERE id IN (SELECT session_id FROM programme_favourites WHERE user_id = ?)
            ORDER BY starts_at, room, id""",
            (user_id,),
        )

    async def favourite_counts(self, limit: int = 20) -> list[tuple[StoredSession, int]]:
        """The most starred sessions first, with their counts."""
        rows = await self._db.execute_fetchall(
            """SELECT session_id, count(*) AS n FROM programme_favourites
            GROUP BY session_id ORDER BY n DESC, session_id LIMIT ?""",
            (limit,),
        )
        counts = {str(s): int(n) for s, n in rows}
        by_id = {s.id: s for s in await self.sessions() if s.id in counts}
        return [(by_id[s], n) for s, n in counts.items() if s in by_id]

    # ------------------------------------------------------------------ the delivery queue

    async def write_reminders(self, now: float, remind: float, horizon: float) -> int:
        """Write the reminders of sessions starting within `remind + horizon` seconds: one per
        follower who starred it before its reminder time. Idempotent (one per start).

        The missing ones are found by a read first (no write lock while 5,000 favourites are
        scanned, and in the steady state, when all are written, no write at all)."""
        missing = await self._db.execute_fetchall(
            """SELECT s.id, f.user_id, s.starts_at
            FROM programme_sessions s JOIN programme_favourites f ON f.session_id = s.id
            WHERE s.cancelled = 0 AND s.starts_at > :now
            AND s.starts_at - :remind <= :now + :horizon
            AND f.created_at <= s.starts_at - :remind
            AND NOT EXISTS (
                SELECT 1 FROM programme_deliveries d
                WHERE d.kind = 'reminder' AND d.session_id = s.id AND d.user_id = f.user_id
                AND d.ref = s.starts_at
            )""",
            {"now": now, "remind": remind, "horizon": horizon},
        )
        rows = [
            (str(session), int(user), float(start), float(start) - remind)
            for session, user, start in missing
        ]
        if not rows:
            return 0
        async with self._lock, transaction(self._db):
            cursor = await self._db.executemany(
                """INSERT OR IGNORE INTO programme_deliveries
                    (kind, session_id, user_id, ref, due_at)
                VALUES ('reminder', ?, ?, ?, ?)""",
                rows,
            )
        return cursor.rowcount

    async def backlog(self, until: float) -> int:
        """Pending deliveries due by `until`."""
        rows = await self._db.execute_fetchall(
            "SELECT count(*) FROM programme_deliveries WHERE state = 'pending' AND due_at <= ?",
            (until,),
        )
        return int(next(iter(rows))[0])

    async def next_due_at(self) -> float | None:
        rows = await self._db.execute_fetchall(
            "SELECT min(due_at) FROM programme_deliveries WHERE state = 'pending'"
        )
        row = next(iter(rows), None)
        return float(row[0]) if row and row[0] is not None else None

    async def next_session_start(self, after: float) -> float | None:
        """The earliest start of a session still on after `after`."""
        rows = await self._db.execute_fetchall(
            "SELECT min(starts_at) FROM programme_sessions WHERE cancelled = 0 AND starts_at > ?",
            (after,),
        )
        row = next(iter(rows), None)
        return float(row[0]) if row and row[0] is not None else None

    async def due(self, until: float, limit: int, default_language: str) -> list[DeliveryRow]:
        """Pending deliveries due by `until`, soonest first, with each recipient's language."""
        rows = await self._db.execute_fetchall(
            f"""SELECT d.kind, d.session_id, d.user_id, d.ref, d.due_at, d.attempts,
                (SELECT {LANGUAGE_SQL} FROM users WHERE users.id = d.user_id)
            FROM programme_deliveries d
            WHERE d.state = 'pending' AND d.due_at <= :until
            ORDER BY d.due_at, d.kind, d.session_id, d.user_id LIMIT :limit""",
            {"until": until, "limit": limit, "default": default_language},
        )
        return [
            DeliveryRow(
                DeliveryKind(str(k)),
                str(s),
                int(u),
                float(r),
                float(d),
                str(lang or default_language),
                int(a),
            )
            for k, s, u, r, d, a, lang in rows
        ]

    async def claim(self, row: DeliveryRow, now: float) -> bool:
        """`claim_many` for one row: whether it may be sent."""
        return bool(await self.claim_many([row], now))

    async def claim_many(self, rows: Sequence[DeliveryRow], now: float) -> list[DeliveryRow]:
        """Mark rows `sending` right before their requests, in one transaction of three
        statements (the write lock is held for moments, never across a request); the rows that
        should still go out.

        A reminder whose session was cancelled, moved (its start is no longer `ref`), or
        unstarred is `cancelled`, one whose session has started `missed`; anything for a user
        who blocked the bot is `cancelled`.
        """
        if not rows:
            return []
        keys = ", ".join("(?, ?, ?, ?)" for _ in rows)
        params: list[object] = []
        for row in rows:
            params += row.key
        mine = f"(kind, session_id, user_id, ref) IN (VALUES {keys}) AND state = 'pending'"
        # Whether a reminder's session is still on at its start and still starred.
        still_on = """EXISTS (SELECT 1 FROM programme_sessions s
            JOIN programme_favourites f ON f.session_id = s.id
            WHERE s.id = programme_deliveries.session_id
            AND f.user_id = programme_deliveries.user_id
            AND s.cancelled = 0 AND s.starts_at = programme_deliveries.ref)"""
        async with self._lock, transaction(self._db):
            # `mine` and `still_on` are built from constants and placeholders; values are bound.
            await self._db.execute(
                f"""UPDATE programme_deliveries SET state = 'cancelled',
                    error = 'blocked the bot since', updated_at = ?
                WHERE {mine} AND EXISTS (
                    SELECT 1 FROM users u
                    WHERE u.id = programme_deliveries.user_id AND u.blocked = 1
                )""",
                [now, *params],
            )
            await self._db.execute(
                f"""UPDATE programme_deliveries SET
                    state = CASE WHEN {still_on} THEN 'missed' ELSE 'cancelled' END,
                    error = CASE WHEN {still_on} THEN 'the session had started'
                        ELSE 'the session was cancelled, moved or unstarred' END,
                    updated_at = ?
                WHERE {mine} AND kind = 'reminder' AND (NOT {still_on} OR ref <= ?)""",
                [now, *params, now],
            )
            claimed = await self._db.execute_fetchall(
                f"""UPDATE programme_deliveries SET state = 'sending', attempts = attempts + 1,
                    updated_at = ?
                WHERE {mine}
                RETURNING kind, session_id, user_id, ref""",
                [now, *params],
            )
        taken = {(str(k), str(s), int(u), float(r)) for k, s, u, r in claimed}
        return [row for row in rows if row.key in taken]

    async def save(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        """Record what became of sent rows; `blocked` also marks the user unreachable."""
        now = time.time()
        for outcome in outcomes:
            if outcome.state not in DELIVERY_OUTCOMES:
                raise ValueError(f"not an outcome: {outcome.state!r}")
        async with self._lock, transaction(self._db):
            for o in outcomes:
                await self._db.execute(
                    """UPDATE programme_deliveries SET state = ?, error = ?, updated_at = ?,
                        due_at = CASE WHEN ? = 'pending' THEN ? ELSE due_at END
                    WHERE kind = ? AND session_id = ? AND user_id = ? AND ref = ?""",
                    (o.state, (o.error or "")[:200] or None, now, o.state, o.retry_at, *o.key),
                )
                if o.state == "blocked":
                    await self._db.execute(
                        """UPDATE users SET blocked = 1, blocked_at = ?, blocked_reason = ?
                        WHERE id = ? AND blocked = 0""",
                        (int(now), (o.error or "")[:200], o.key[2]),
                    )

    async def recover_sending(self) -> int:
        """After a crash: rows left `sending` go back to the queue (the claim checks again
        whether they may still go out; a reminder never goes after its session's start)."""
        async with self._lock:
            cursor = await self._db.execute(
                """UPDATE programme_deliveries SET state = 'pending', error = 'resent after restart'
                WHERE state = 'sending'"""
            )
        return cursor.rowcount

    async def delivery_counts(self) -> dict[str, int]:
        """Deliveries by "kind:state", for /stats and the tests."""
        rows = await self._db.execute_fetchall(
            "SELECT kind, state, count(*) FROM programme_deliveries GROUP BY kind, state"
        )
        return {f"{k}:{s}": int(n) for k, s, n in rows}


def _values(session: Session, zone: ZoneInfo) -> dict[str, object]:
    return {
        "id": session.id,
        "guid": session.guid,
        "title": session.title,
        "subtitle": session.subtitle,
        "abstract": session.abstract,
        "room": session.room,
        "track": session.track,
        "language": session.language,
        "persons": json.dumps(list(session.persons), ensure_ascii=False),
        "starts_at": session.start.timestamp(),
        "ends_at": session.end.timestamp(),
        "day": session.start.astimezone(zone).date().isoformat(),
    }


def _texts(session: Session) -> list[tuple[str, str | None, str | None]]:
    languages = sorted(set(session.titles) | set(session.abstracts))
    return [(lang, session.titles.get(lang), session.abstracts.get(lang)) for lang in languages]


def _stored(
    row: Sequence[object], zone: ZoneInfo, titles: dict[str, str], abstracts: dict[str, str]
) -> StoredSession:
    persons = json.loads(str(row[8]))
    return StoredSession(
        id=str(row[0]),
        guid=str(row[1]),
        title=str(row[2]),
        subtitle=str(row[3]),
        abstract=str(row[4]),
        room=str(row[5]),
        track=None if row[6] is None else str(row[6]),
        language=None if row[7] is None else str(row[7]),
        persons=tuple(str(p) for p in persons),
        start=dt.datetime.fromtimestamp(float(str(row[9])), zone),
        end=dt.datetime.fromtimestamp(float(str(row[10])), zone),
        cancelled=bool(row[11]),
        sequence=int(str(row[12])),
        updated_at=float(str(row[13])),
        titles=titles,
        abstracts=abstracts,
    )
