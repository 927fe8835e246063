"""One bot process per database: an advisory lock file next to it.

Two processes on one database would each poll (409 for both), each send the broadcast outbox
(twice the configured rate) and requeue each other's in-flight rows. Until a multi-instance
design exists, the second one refuses to start. The lock is `flock` on `<database>.lock`: the
kernel releases it when the process ends in any way, `kill -9` included, so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunningError(Exception):
    """Another process holds the database's lock."""


class InstanceLock:
    """Held from `acquire` until `release` or the end of the process."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunningError naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunningError(
                f"another bot process (pid {holder}) is already running on"
                f" {self.path.parent / self.path.stem};"
                " stop it first (one process per database)"
            ) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Give the lock back (the file stays; only the lock matters)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
