"""Waiting for another connection's write lock (storage/locking.py), on real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from storage.db import connect


def _hold_write_lock(path: Path, seconds: float, taken: threading.Event) -> None:
    """Another connection (another thread, as another process would be) holds the lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        holder.execute("INSERT INTO runtime_state (key, value) VALUES ('holder', 'x')")
        holder.execute("COMMIT")
    finally:
        holder.close()


async def _while_locked(path: Path, seconds: float) -> threading.Thread:
    taken = threading.Event()
    thread = threading.Thread(target=_hold_write_lock, args=(path, seconds, taken))
    thread.start()
    assert await asyncio.to_thread(taken.wait, 5)
    return thread


async def test_a_write_waits_for_the_lock_and_succeeds_once_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    connection = await connect(path)
    try:
        holder = await _while_locked(path, 0.3)
        started = time.monotonic()
        await connection.execute("INSERT INTO runtime_state (key, value) VALUES ('waiter', 'y')")
        waited = time.monotonic() - started
        await asyncio.to_thread(holder.join)
        rows = await connection.execute_fetchall("SELECT key FROM runtime_state ORDER BY key")
    finally:
        await connection.close()
    assert [row[0] for row in rows] == ["holder", "waiter"]
    assert 0.25 <= waited < 3.0


@pytest.mark.slow
async def test_the_wait_ends_with_database_is_locked_after_busy_wait(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await connect(path)).close()
    connection = await connect(path, busy_wait=0.3)
    try:
        holder = await _while_locked(path, 2.0)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await connection.execute("INSERT INTO runtime_state (key, value) VALUES ('w', 'y')")
        waited = time.monotonic() - started
        await asyncio.to_thread(holder.join)
    finally:
        await connection.close()
    assert 0.3 <= waited < 1.5


async def test_a_stale_snapshot_inside_a_transaction_fails_at_once(tmp_path: Path) -> None:
    # Inside a transaction a busy answer is not a lock that will be released: it must not be
    # waited for (SQLite's own handler does not wait for it either).
    path = tmp_path / "bot.sqlite3"
    reader = await connect(path)
    writer = await connect(path)
    try:
        await reader.execute("BEGIN")
        await reader.execute_fetchall("SELECT count(*) FROM runtime_state")
        await writer.execute("INSERT INTO runtime_state (key, value) VALUES ('a', '1')")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError):
            await reader.execute("INSERT INTO runtime_state (key, value) VALUES ('b', '2')")
        assert time.monotonic() - started < 1.0
        await reader.execute("ROLLBACK")
    finally:
        await reader.close()
        await writer.close()
