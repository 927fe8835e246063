"""One bot process per database: an advisory lock on the database file itself.

Two processes on one database would each poll (409 for both), each send the broadcast outbox
(twice the configured rate) and requeue each other's in-flight rows; through a hard link each
would even keep its own WAL and the file would diverge. Until a multi-instance design exists,
the second one refuses to start.

The lock is `flock` on the database file, so it belongs to the file (its device and inode),
not to a spelling of its path: a symlink, a hard link, `..` or a bind mount all name the same
lock. `flock` locks are separate from the POSIX locks SQLite itself takes, so they never block
the bot's own connections. The kernel releases the lock when the process ends in any way,
`kill -9` included, so a crash never leaves a stale lock behind. `<database>.lock` beside the
path as written keeps the holder's pid for the message only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from storage.files import create_if_missing


class AlreadyRunningError(Exception):
    """Another process holds the database's lock."""


class InstanceLock:
    """Held from `acquire` until `release` or the end of the process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunningError naming the holder's pid.

        The database file is created first (a valid empty database) if there is none."""
        create_if_missing(self.database)
        fd = os.open(self.database, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = holder_pid(fd) or _written_pid(self.path) or "unknown"
            os.close(fd)
            raise AlreadyRunningError(
                f"another bot process (pid {holder}) is already running on {self.database}"
                " (the same file, under whatever name); stop it first (one process per database)"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        with contextlib.suppress(OSError):  # informational only
            self.path.write_text(f"{os.getpid()}\n", encoding="utf-8")

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def is_locked(database: Path) -> bool:
    """Whether a bot process holds `database` now (`restore` refuses to replace a live file)."""
    try:
        fd = os.open(database, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def holder_pid(fd: int) -> str | None:
    """The pid holding a flock on the file behind `fd`, from /proc/locks (Linux), if known."""
    stat = os.fstat(fd)
    wanted = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted:
            return fields[4]
    return None


def _written_pid(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
