"""The database as a file: checks before start, consistent snapshots, and checks of a restored copy.

Synchronous on purpose: these run before the event loop starts (`run`'s preflight) or in the
one-shot commands `python -m bot backup` and `restore`. Every failure is a `StorageError`
with one line of text for the operator.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.errors import (
    RESTORE_HINT,
    DatabaseCorruptError,
    DatabaseTooNewError,
    EmptyDatabaseFileError,
    StorageError,
    is_corruption,
)
from storage.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)
# The SQLite sidecar files that belong to a database path.
SIDECARS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class DatabaseSummary:
    """What a checked database file holds (printed by backup and restore)."""

    schema_version: int
    size: int
    users: int
    broadcasts: int
    outbox: int


def check_openable(path: Path, *, allow_empty: bool = False) -> None:
    """The file at `path` (if there is one) is an intact SQLite database this bot can open.

    Raises EmptyDatabaseFileError for a zero-length file (unless `allow_empty`),
    DatabaseCorruptError when `PRAGMA quick_check` finds damage, DatabaseTooNewError for a
    newer schema, StorageError when SQLite cannot open it. A missing file is fine (the bot
    creates it); the probe leaves none behind.
    """
    existed = path.exists()
    if existed and path.is_file() and path.stat().st_size == 0 and not allow_empty:
        raise EmptyDatabaseFileError(
            f"{path} is an empty file (0 bytes): the database is missing, not new. Restore it "
            "(python -m bot restore --config FILE), or start with --allow-empty-database to "
            "begin an empty one"
        )
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if existed:
                _quick_check(connection, path)
    except StorageError:
        raise
    except sqlite3.Error as error:
        if is_corruption(error):
            raise DatabaseCorruptError(
                f"cannot open {path} as a database ({error}): damaged, or not this bot's "
                f"database; {RESTORE_HINT}"
            ) from None
        raise StorageError(f"cannot open {path} as a database: {error}") from None
    finally:
        if not existed:
            with contextlib.suppress(OSError):
                path.unlink()
    if version > SCHEMA_VERSION:
        raise DatabaseTooNewError(
            f"database schema version {version} is newer than this bot supports ({SCHEMA_VERSION})"
        )


def _quick_check(connection: sqlite3.Connection, path: Path) -> None:
    rows = connection.execute("PRAGMA quick_check(3)").fetchall()
    problems = _one_line([str(row[0]) for row in rows if row[0] != "ok"])
    if problems:
        raise DatabaseCorruptError(f"{path}: damaged ({problems}); {RESTORE_HINT}")


def _one_line(problems: list[str]) -> str:
    """SQLite's check report (several lines per problem) as one line for the operator."""
    text = "; ".join(" ".join(problem.split()) for problem in problems)
    return text if len(text) <= 300 else text[:297] + "..."


def check_copy(path: Path) -> DatabaseSummary:
    """A full `integrity_check` and the schema version of a copy (a backup, a restore).

    Raises DatabaseCorruptError or DatabaseTooNewError; a schema older than this bot's is
    fine (the bot migrates it on start)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute("PRAGMA integrity_check(3)").fetchall()
            problems = _one_line([str(row[0]) for row in rows if row[0] != "ok"])
            if problems:
                raise DatabaseCorruptError(f"{path}: fails integrity_check: {problems}")
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}

            def count(table: str) -> int:
                if table not in tables:
                    return 0
                # The name is one of ours, checked against sqlite_master above.
                return int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

            summary = DatabaseSummary(
                version, path.stat().st_size, count("users"), count("broadcasts"), count("outbox")
            )
    except StorageError:
        raise
    except sqlite3.Error as error:
        if is_corruption(error):
            raise DatabaseCorruptError(f"{path}: damaged ({error})") from None
        raise StorageError(f"cannot read {path}: {error}") from None
    if version > SCHEMA_VERSION:
        raise DatabaseTooNewError(
            f"{path}: schema version {version} is newer than this bot supports ({SCHEMA_VERSION})"
        )
    if version == 0:
        raise StorageError(f"{path}: not a database of this bot (schema version 0)")
    return summary


def backup(database: Path, out: Path) -> DatabaseSummary:
    """A consistent copy of `database` at `out`, taken with SQLite's online backup API while
    the bot may be writing; checked (`check_copy`) and fsynced before it is renamed into place,
    so `out` is either the old file or a complete, intact copy."""
    if not database.is_file() or database.stat().st_size == 0:
        raise StorageError(f"no database at {database}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        source = sqlite3.connect(database, timeout=30)
        try:
            with contextlib.closing(sqlite3.connect(partial)) as target:
                # One step: a read transaction on the WAL snapshot, which never blocks the bot's
                # writers. (Steps would restart whenever the bot commits in between, and a busy
                # bot commits several times a second.)
                source.backup(target)
                # A single file: the copy needs no WAL beside it.
                target.execute("PRAGMA journal_mode = DELETE")
        finally:
            source.close()
        _fsync(partial)
        summary = check_copy(partial)
        partial.replace(out)
        _fsync_dir(out.parent)
    except sqlite3.Error as error:
        raise StorageError(f"backup of {database} failed: {error}") from None
    except OSError as error:
        raise StorageError(f"cannot write {out}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return summary


def install(copy: Path, database: Path) -> None:
    """Move a checked copy into place as the database (its stale sidecars removed first)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            Path(f"{database}{suffix}").unlink()
    _fsync(copy)
    copy.replace(database)
    _fsync_dir(database.parent)


def remove_sidecars(path: Path) -> None:
    """Delete a copy's sidecar files (a restore tool's leftovers)."""
    for suffix in SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be fsynced
        _fsync(path)


def create_if_missing(path: Path) -> None:
    """Create `path` as a valid, empty WAL database if there is no file (never a zero-length
    one, which a later start would rightly refuse as a lost database)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise StorageError(f"cannot create {path}: {error}") from None
