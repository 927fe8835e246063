"""`python -m bot backup` and `python -m bot restore`: the database out and back in.

backup: a consistent snapshot while the bot runs (SQLite's online backup API, storage/files.py),
checked with integrity_check before it is renamed into place.

restore: the newest replica (or the one at `--timestamp`) from `[backup] replica_url` with
Litestream, or a snapshot file (`--from`), into a scratch file beside `[storage] path`; checked
(integrity_check, schema version not newer than this bot's); only then moved into place. It
refuses a database a bot process holds (always) and an existing one (unless `--replace`).
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.instance import InstanceLock, is_locked
from bot.replication import litestream_path, register_credentials
from redaction import redact
from storage.errors import StorageError
from storage.files import SIDECARS, DatabaseSummary, backup, check_copy, install, remove_sidecars

# A restore that takes longer than this has met a replica that does not answer.
RESTORE_TIMEOUT = 1800


def run_backup(settings: Settings, out: Path) -> str:
    """Write the snapshot; the line to print."""
    database = settings.storage.path
    if out.resolve() == database.resolve():
        raise ConfigError("--out: that is the database itself; give another file")
    summary = backup(database, out)
    return f"backup written to {out}: {_describe(summary)}"


def run_restore(
    settings: Settings, *, timestamp: str | None, source: Path | None, replace: bool
) -> str:
    """Restore into `[storage] path`; the line to print. Raises ConfigError/StorageError."""
    database = settings.storage.path
    if is_locked(database):
        raise ConfigError(
            f"storage.path: {database} is in use by a running bot; stop it before restoring"
        )
    if database.exists() and not replace:
        raise ConfigError(
            f"storage.path: {database} already exists; pass --replace to overwrite it "
            "(the current file is kept as <name>.before-restore)"
        )
    if source is None and settings.backup.replica_url is None:
        raise ConfigError("backup.replica_url: not set; restore needs it (or --from FILE)")
    database.parent.mkdir(parents=True, exist_ok=True)
    scratch = database.with_name(f".{database.name}.restoring")
    remove_sidecars(scratch)
    scratch.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        if source is not None:
            summary = backup(source, scratch)  # a consistent, checked copy of the snapshot
            fetched = time.monotonic()
        else:
            _litestream_restore(settings, scratch, timestamp)
            fetched = time.monotonic()
            summary = check_copy(scratch)
        # Nobody may start on the database while it is swapped (the lock is its own file's).
        lock = InstanceLock(database) if database.exists() else None
        if lock is not None:
            lock.acquire()
        try:
            if database.exists():
                kept = database.with_name(database.name + ".before-restore")
                for suffix in ("", *SIDECARS):  # its WAL belongs with it
                    if Path(f"{database}{suffix}").exists():
                        Path(f"{database}{suffix}").replace(f"{kept}{suffix}")
            install(scratch, database)
        finally:
            if lock is not None:
                lock.release()
    finally:
        remove_sidecars(scratch)
        scratch.unlink(missing_ok=True)
    origin = str(source) if source is not None else redact(settings.backup.replica_url or "")
    at = f" as of {timestamp}" if timestamp else ""
    timing = f"{time.monotonic() - started:.1f} s (copy {fetched - started:.1f} s)"
    return (
        f"restored {database} from {origin}{at} in {timing}: {_describe(summary)};"
        " integrity_check ok"
    )


def _litestream_restore(settings: Settings, out: Path, timestamp: str | None) -> None:
    register_credentials()
    command = [str(litestream_path(settings.backup)), "restore", "-no-expand-env", "-o", str(out)]
    if timestamp is not None:
        command += ["-timestamp", _timestamp(timestamp)]
    command.append(settings.backup.replica_url or "")
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=RESTORE_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise StorageError(f"restore from the replica took over {RESTORE_TIMEOUT} s") from None
    if result.returncode != 0 or not out.exists():
        said = (result.stderr or result.stdout).strip().splitlines()
        reason = redact(said[-1]) if said else f"exit code {result.returncode}"
        raise StorageError(f"litestream could not restore the replica: {reason}")


def _timestamp(text: str) -> str:
    """An ISO 8601 time (UTC if no zone is given) as Litestream wants it (RFC 3339)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--timestamp: {text!r} is not a time, e.g. 2026-09-09T10:30:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _describe(summary: DatabaseSummary) -> str:
    return (
        f"schema version {summary.schema_version}, {summary.users} users, "
        f"{summary.broadcasts} broadcasts, {summary.outbox} outbox rows, {summary.size} bytes"
    )
