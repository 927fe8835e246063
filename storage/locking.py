"""Waiting for another connection's write lock: polled every half millisecond.

Each SQLite connection waits for a lock another one holds through its busy handler. SQLite's
own sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries, so while one
connection commits several times a second (the delivery worker during a broadcast), a statement
on another (the inbox's INSERT of an arriving update, on every reply's path) keeps waking up
after the lock was taken again, and waited 20-180 ms for a lock free most of the time
(BENCHMARKS.md, reply latency during a broadcast). `PatientConnection` sets SQLite's busy
timeout to zero and tries again every `POLL` seconds until its own deadline, so it takes the
lock within half a millisecond of its release. It runs in aiosqlite's thread, as SQLite's
handler did: the event loop never waits.

Only a statement outside a transaction is tried again (an autocommit write, or the BEGIN
IMMEDIATE that opens one): inside a transaction a busy answer is not a lock to wait for, and the
error is raised as before.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

# How long a statement waits for the lock before "database is locked" (SQLite's busy timeout).
DEFAULT_WAIT = 5.0
# How often a waiting statement tries again.
POLL = 0.0005

_T = TypeVar("_T")


class PatientConnection(sqlite3.Connection):
    """A sqlite3 connection that polls for a busy lock (see the module docstring)."""

    # Seconds a statement waits for the lock; set per subclass by `patient_factory`.
    wait = DEFAULT_WAIT

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """`sqlite3.Connection.execute`, waiting for a lock another connection holds."""
        return self._patiently(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        """`sqlite3.Connection.executemany`, waiting for a lock another connection holds."""
        return self._patiently(super().executemany, sql, parameters)

    def _patiently(self, call: Callable[..., _T], *args: Any) -> _T:
        deadline: float | None = None
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if self.in_transaction or not is_busy(error):
                    raise
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.wait
                if now >= deadline:
                    raise
                time.sleep(POLL)


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite answered SQLITE_BUSY (another connection holds the lock)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


@functools.cache
def patient_factory(wait: float = DEFAULT_WAIT) -> type[PatientConnection]:
    """The connection class (`sqlite3.connect(factory=…)`) whose statements wait `wait` seconds."""
    return type("PatientConnection", (PatientConnection,), {"wait": wait})
