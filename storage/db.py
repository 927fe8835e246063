"""Opening the SQLite database: PRAGMAs on connect and append-only migrations."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

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


class DatabaseTooNewError(Exception):
    """The database was written by a newer version of the bot."""


class StorageUnavailableError(sqlite3.OperationalError):
    """The database cannot be opened for writing (read-only file or disk, full disk, no access)."""


# Primary result codes that mean "the database cannot be used right now", not "this statement
# is wrong": busy/locked, out of memory, read-only, I/O error, corrupt, full, cannot open, no
# permission, not a database.
_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_NOTADB,
    }
)


# Of those, the ones that do not pass by themselves within seconds, unlike a lock.
_LASTING = _UNAVAILABLE - {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def is_lasting_storage_failure(error: BaseException | None) -> bool:
    """A storage failure that will not clear up by waiting a moment (full disk, read-only file,
    I/O error), as opposed to a lock: worth answering from memory rather than holding on."""
    if isinstance(error, StorageUnavailableError):
        return True
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
    return code is not None and code & 0xFF in _LASTING


def is_storage_failure(error: BaseException | None) -> bool:
    """Whether `error` means the database is unavailable (full, read-only, locked, I/O), as
    opposed to a bug in a statement (syntax, constraint), which must surface as one."""
    if isinstance(error, StorageUnavailableError):
        return True
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _UNAVAILABLE
    return False


async def connect(path: Path, busy_wait: float = DEFAULT_WAIT) -> aiosqlite.Connection:
    """Open (creating if needed) the database at `path`, migrated to the current schema; a
    statement waits up to `busy_wait` seconds for a lock another connection holds.

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
        await migrate(connection)
        # Fail now, in one line, if the file cannot be written (a read-only file or disk).
        await connection.execute("BEGIN IMMEDIATE")
        await connection.execute("ROLLBACK")
    except BaseException as error:
        await connection.close()
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
