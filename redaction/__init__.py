"""Secrets never reach the logs: every log record is redacted as it is created.

`install()` runs first thing in `python -m bot`, before settings are read or anything logs.
Secrets are registered as soon as they are known (the bot token now; a webhook secret the
same way): from then on they are replaced in every record's message, its arguments, its
exception text and stack, whichever logger or handler the record goes to, and in tracebacks
that reach `sys.excepthook` or `threading.excepthook` instead of the log.

Telegram puts the token in every request URL, and python-telegram-bot quotes it in
`InvalidToken` ("The token `…` was rejected by the server"), so this is not hypothetical.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from types import TracebackType
from typing import Any
from urllib.parse import quote

MASK = "<redacted>"
# Shorter secrets (WeChat allows a 3-character server token) are masked only where they stand
# alone, between characters that are not letters or digits: inside words they are not looked
# for, so ordinary text keeps its words.
MIN_SECRET = 6


class SecretFilter(logging.Filter):
    """Replaces registered secrets in log records (also usable as a handler filter)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self._short: list[re.Pattern[str]] = []
        self._lock = threading.Lock()

    def register(self, secret: str) -> None:
        """Redact `secret` (and its URL-quoted form) from now on.

        A bot token "<id>:<key>" also registers the key alone: the id is public, the key is not.
        """
        secret = secret.strip()
        candidates = {secret, quote(secret, safe="")}
        bot_id, colon, key = secret.partition(":")
        if colon and bot_id.isdigit():
            candidates.add(key)
        with self._lock:
            for candidate in candidates:
                if not candidate:
                    continue
                if len(candidate) >= MIN_SECRET:
                    if candidate not in self._secrets:
                        self._secrets.append(candidate)
                    continue
                alone = re.compile(rf"(?<![^\W_]){re.escape(candidate)}(?![^\W_])")
                if alone not in self._short:
                    self._short.append(alone)
            # Longest first, so a token is masked whole before its key part is looked for.
            self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every registered secret masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for alone in self._short:
            text = alone.sub(MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        if not self._secrets and not self._short:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


SECRETS = SecretFilter()
_installed = False


def register_secret(secret: str) -> None:
    """Never log `secret` (the bot token, a webhook secret)."""
    SECRETS.register(secret)


def redact(text: str) -> str:
    """`text` with every registered secret masked (for messages printed outside logging)."""
    return SECRETS.redact(text)


def install() -> None:
    """Redact every log record from now on, and uncaught tracebacks too (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous_factory = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        SECRETS.filter(record)
        return record

    logging.setLogRecordFactory(make_record)

    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, error, tb))))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
