"""Opening the SQLite database: PRAGMAs on connect and append-only migrations."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from storage.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    StorageUnavailableError,
    as_storage_error,
    is_corruption,
    is_lasting_storage_failure,
    is_storage_failure,
)
from storage.locking import DEFAULT_WAIT, patient_factory
from storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

# Applied on every connection: they are per-connection settings, except journal_mode.
CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    # Waiting for another connection's lock is PatientConnection's (storage/locking.py).
    "PRAGMA busy_timeout = 0",
)

SCHEMA_VERSION = len(MIGRATIONS)

# Re-exported: callers used to find them here (their home is storage/errors.py).
__all__ = [
    "SCHEMA_VERSION",
    "DatabaseCorruptError",
    "DatabaseTooNewError",
    "StorageUnavailableError",
    "as_storage_error",
    "connect",
    "is_corruption",
    "is_lasting_storage_failure",
    "is_storage_failure",
    "migrate",
    "schema_version",
    "transaction",
]


async def connect(
    path: Path, busy_wait: float = DEFAULT_WAIT, *, durable: bool = False
) -> aiosqlite.Connection:
    """Open (creating if needed) the database at `path`, migrated to the current schema; a
    statement waits up to `busy_wait` seconds for a lock another connection holds. `durable`:
    every commit is fsynced (`synchronous = FULL`), so it survives a power cut too.

    Queries on it read rows with `execute_fetchall` (one trip to the connection's thread),
    never `async with execute(...)`/`async for`: between those trips another coroutine's write
    could run inside the still open read transaction, and in WAL mode such a write fails at
    once with "database is locked" whenever another connection committed in between.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each unit of work is explicit.
        connection = await aiosqlite.connect(
            path, isolation_level=None, timeout=0, factory=patient_factory(busy_wait)
        )
    except (sqlite3.Error, OSError) as error:
        raise StorageUnavailableError(f"database {path}: {_reason(error)}") from None
    try:
        connection.row_factory = aiosqlite.Row
        # Unicode-aware case folding for searches SQLite's ASCII-only LIKE would miss ("Ху" vs
        # "ху").
        await connection.create_function("casefold", 1, _casefold, deterministic=True)
        for pragma in CONNECTION_PRAGMAS:
            await connection.execute(pragma)
        if durable:
            await connection.execute("PRAGMA synchronous = FULL")
        await migrate(connection)
        # Fail now, in one line, if the file cannot be written (a read-only file or disk).
        await connection.execute("BEGIN IMMEDIATE")
        await connection.execute("ROLLBACK")
    except BaseException as error:
        await connection.close()
        if is_corruption(error):
            raise as_storage_error(error) from None
        if is_storage_failure(error):
            raise StorageUnavailableError(f"database {path}: {_reason(error)}") from None
        raise
    return connection


def _reason(error: BaseException) -> str:
    return error.strerror or str(error) if isinstance(error, OSError) else str(error)


async def schema_version(connection: aiosqlite.Connection) -> int:
    """The migration level recorded in the database."""
    rows = await connection.execute_fetchall("PRAGMA user_version")
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def migrate(connection: aiosqlite.Connection, target: int = SCHEMA_VERSION) -> None:
    """Apply the missing migrations up to `target`, each in its own transaction."""
    current = await schema_version(connection)
    if current > SCHEMA_VERSION:
        raise DatabaseTooNewError(
            f"database schema version {current} is newer than this bot supports ({SCHEMA_VERSION})"
        )
    if current >= target:
        return
    # Foreign keys off while migrating (SQLite's procedure for rebuilding a table: dropping a
    # parent must not cascade into its children); each migration proves them intact before
    # it commits. The pragma is a no-op inside a transaction, so it is set around them.
    await connection.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(current + 1, target + 1):
            await _apply(connection, version)
    finally:
        await connection.execute("PRAGMA foreign_keys = ON")


async def _apply(connection: aiosqlite.Connection, version: int) -> None:
    log.info("Migrating database to schema version %d", version)
    async with transaction(connection):
        # executescript() would COMMIT first, so statements go one by one inside our transaction.
        for statement in _statements(MIGRATIONS[version - 1]):
            await connection.execute(statement)
        broken = await connection.execute_fetchall("PRAGMA foreign_key_check")
        if list(broken):
            raise sqlite3.IntegrityError(f"migration {version} broke foreign keys: {broken}")
        # PRAGMA takes no parameters; `version` is an int from range(), never user input.
        await connection.execute(f"PRAGMA user_version = {int(version)}")


@contextlib.asynccontextmanager
async def transaction(connection: aiosqlite.Connection) -> AsyncIterator[None]:
    """BEGIN IMMEDIATE … COMMIT; on any error (the COMMIT's own included: a full disk, a lock)
    the transaction is rolled back, so the connection is never left inside a dead one."""
    await connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        await connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await connection.execute("ROLLBACK")
        raise


def _casefold(text: str | None) -> str | None:
    return text.casefold() if text is not None else None


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (trigger bodies stay whole)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if pending.strip() and sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
