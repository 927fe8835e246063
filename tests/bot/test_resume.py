"""What a restart owes is delayed by a database that refuses it for a while, never dropped.

Real SQLite files and a second connection really holding the write lock (longer than a
statement's own 5 s wait), as in the CI failure this guards: the resume after start met a
database another process had locked and gave up with a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.resume import retry_while_unavailable
from bot.services import open_store
from tests.broadcasting import WriteLock

pytestmark = pytest.mark.slow


async def test_a_step_the_locked_database_refuses_runs_once_the_lock_is_gone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "bot.sqlite3"
    store = await open_store(db_path)
    attempts = 0

    async def choose_language() -> None:
        nonlocal attempts
        attempts += 1
        await store.users.set_language(77, "zh")

    try:
        caplog.set_level(logging.WARNING, logger="bot.resume")
        async with WriteLock(db_path, seconds=6.5):
            await retry_while_unavailable(choose_language, "write the language")
    finally:
        await store.close()
    assert attempts == 2
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT language FROM users WHERE id = 77").fetchall() == [("zh",)]
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert "Could not write the language yet (database is locked)" in warning.getMessage()
    assert warning.exc_info is None


async def test_a_bug_is_logged_once_with_its_traceback_and_not_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await open_store(tmp_path / "bot.sqlite3")
    attempts = 0

    async def wrong_statement() -> None:
        nonlocal attempts
        attempts += 1
        await store.users.count()
        raise KeyError("a bug, not an outage")

    try:
        caplog.set_level(logging.WARNING, logger="bot.resume")
        await retry_while_unavailable(wrong_statement, "write the language")
    finally:
        await store.close()
    assert attempts == 1
    [error] = caplog.records
    assert error.levelno == logging.ERROR and error.exc_info is not None
