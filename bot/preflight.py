"""Start-up checks that turn an operator's first-run mistakes into one ConfigError line.

Run before the bot starts, so a rejected token, an unreachable Bot API server or a database
path that cannot work is reported as what it is (exit code 2), not as a traceback from deep
inside the polling loop. Messages never contain the token.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, TelegramError, TimedOut

from bot.config import TOKEN_ENV, ConfigError, Settings
from handlers.transport.aiohttp_request import AiohttpRequest, ConnectionLost, NotSent

# A Bot API server that has not answered getMe in this long is treated as unreachable.
CONNECT_TIMEOUT = 10.0
# How PTB words an error whose body is not Bot API JSON (a web server or proxy, not Telegram):
# "<phrase> (<status>). Parsing the server response b'<body>' failed".
_NOT_BOT_API = ". Parsing the server response"
# The pydantic-settings variable that can also carry the token (BOT_<SECTION>__<KEY>).
TOKEN_SETTINGS_ENV = "BOT_TELEGRAM__TOKEN"


def check_storage(settings: Settings) -> None:
    """The database path is a file SQLite can create or open, else a ConfigError."""
    path = settings.storage.path
    if path.is_dir():
        raise ConfigError(
            f"storage.path: {path} is a directory; give a file name, e.g. {path / 'bot.sqlite3'}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"storage.path: cannot create the directory {path.parent}: {error.strerror}"
        ) from None
    existed = path.exists()
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as error:
        raise ConfigError(f"storage.path: cannot open {path} as a database: {error}") from None
    finally:
        if not existed:
            # Only probing: the bot creates and migrates the file itself.
            with contextlib.suppress(OSError):
                path.unlink()


def token_source(config_path: Path | None) -> str:
    """Where the token in use came from, for messages: a variable's name or the file."""
    if os.environ.get(TOKEN_ENV, "").strip():
        return TOKEN_ENV
    if any(name.upper() == TOKEN_SETTINGS_ENV for name in os.environ):
        return TOKEN_SETTINGS_ENV
    return str(config_path) if config_path else "the configuration"


async def check_telegram(settings: Settings, token: str, config_path: Path | None) -> str:
    """getMe once: the token is accepted and the Bot API server answers, else a ConfigError.

    Returns the bot's username (`python -m bot qr` needs it for the deep links)."""
    base_url = settings.telegram.base_url
    bot = Bot(
        token,
        base_url=base_url,
        request=AiohttpRequest(
            1,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=CONNECT_TIMEOUT,
            pool_timeout=CONNECT_TIMEOUT,
        ),
    )
    try:
        with _quiet("telegram"):  # the one line below says it all; no library log beside it
            async with bot:  # initialize() is the getMe call
                return bot.username
    except InvalidToken as error:
        # Bot.initialize re-raises with the token in its message; the server's answer is the cause.
        text = str(error.__cause__ or "")
        if _NOT_BOT_API in text:
            raise _not_bot_api(base_url, text) from None
        status = "404 Not Found" if "not found" in str(error).lower() else "401 Unauthorized"
        raise ConfigError(
            f"telegram.token: the token was rejected by {base_url} ({status}); "
            f"it came from {token_source(config_path)}"
        ) from None
    except TimedOut:
        raise ConfigError(
            f"telegram.base_url: {base_url} did not answer within {CONNECT_TIMEOUT:g} s "
            "(no network, a firewall, or a wrong address)"
        ) from None
    except (NotSent, ConnectionLost) as error:
        # Nothing came back: the transport failed (refused, no route, DNS, a dropped connection).
        reason = _redact(str(error), token)
        raise ConfigError(
            f"telegram.base_url: cannot reach {base_url} (no network or a wrong address): {reason}"
        ) from None
    except TelegramError as error:
        # The server answered, with an HTTP error status.
        text = _redact(str(error), token)
        if _NOT_BOT_API in text:
            raise _not_bot_api(base_url, text) from None
        raise ConfigError(f"telegram: {base_url} refused getMe: {text}") from None
    except (TypeError, KeyError, ValueError) as error:
        # A 200 whose result is not a bot User (e.g. an emulator that omits `is_bot`).
        raise ConfigError(
            f"telegram.base_url: {base_url} answered getMe without a valid bot user "
            f"({_redact(_first_line(error), token)}); is it a Bot API server?"
        ) from None


def _not_bot_api(base_url: str, text: str) -> ConfigError:
    """The server answered, but not in Bot API JSON: say so with its status, not its body."""
    status = text.partition(_NOT_BOT_API)[0].rstrip(". ")
    phrase_code = re.fullmatch(r"(.*) \((\d{3})\)", status)  # PTB's "Not Implemented (501)"
    if phrase_code is not None:
        status = f"HTTP {phrase_code.group(2)} {phrase_code.group(1)}"
    return ConfigError(
        f"telegram.base_url: {base_url} was reached but is not a Bot API server: it answered "
        f"{status} with a non-JSON body (a web server or proxy at that address?)"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)  # its children inherit the level unless they set their own
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _redact(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text
