"""The storage's own exception types: what crosses the boundary instead of a driver's error.

Callers outside `storage/` never import `sqlite3` or `aiosqlite`; they catch these, or ask
`is_storage_failure` / `is_lasting_storage_failure` / `is_corruption` what an error means.
`StorageUnavailableError` stays a `sqlite3.OperationalError` too, so code inside storage that
already tells outages from bugs by the driver's result codes keeps working unchanged.
"""

from __future__ import annotations

import sqlite3

# Printed after every corruption message: what an operator does about it (docs/operations.md).
RESTORE_HINT = "restore from backup: python -m bot restore --config FILE (docs/operations.md)"


class StorageError(Exception):
    """A storage operation failed; the message says why (never a secret, never SQL text)."""


class DatabaseTooNewError(StorageError):
    """The database was written by a newer version of the bot."""


class StorageUnavailableError(StorageError, sqlite3.OperationalError):
    """The database cannot be opened for writing (read-only file or disk, full disk, no access)."""


class DatabaseCorruptError(StorageError):
    """The database file is damaged (or not a database): waiting will not help, restoring will."""


class EmptyDatabaseFileError(StorageError):
    """A zero-length file stands where the database should be: starting would begin an empty
    database and hide that the real one is gone."""


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
# Of those, the ones that mean the file itself is damaged.
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def _code(error: BaseException | None) -> int | None:
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_corruption(error: BaseException | None) -> bool:
    """The database file is damaged: only a restore helps (never "try again later")."""
    return isinstance(error, DatabaseCorruptError) or _code(error) in _DAMAGED


def is_lasting_storage_failure(error: BaseException | None) -> bool:
    """A storage failure that will not clear up by waiting a moment (full disk, read-only file,
    I/O error, damage), as opposed to a lock: worth answering from memory rather than holding on."""
    if isinstance(error, StorageUnavailableError | DatabaseCorruptError):
        return True
    return _code(error) in _LASTING


def is_storage_failure(error: BaseException | None) -> bool:
    """Whether `error` means the database is unavailable (full, read-only, locked, I/O, damaged),
    as opposed to a bug in a statement (syntax, constraint), which must surface as one."""
    if isinstance(error, StorageUnavailableError | DatabaseCorruptError):
        return True
    return _code(error) in _UNAVAILABLE


def as_storage_error(error: BaseException) -> StorageError:
    """A driver's error as the storage's own type (for errors leaving the storage package)."""
    if isinstance(error, StorageError):
        return error
    if is_corruption(error):
        return DatabaseCorruptError(f"database damaged ({error}); {RESTORE_HINT}")
    if is_storage_failure(error):
        return StorageUnavailableError(str(error))
    return StorageError(str(error))
