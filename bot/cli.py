"""Command line: `python -m bot run|chat …`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram.error import InvalidToken

from bot.config import ConfigError, default_config_path, load_settings, require_token
from bot.redaction import install as install_redaction
from bot.redaction import redact, register_secret
from storage.content import LANGUAGES, ContentError, load_content
from storage.db import DatabaseTooNewError, StorageUnavailableError

EXIT_CONFIG = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Telegram information bot for the Russian-Chinese conference on new materials.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve Telegram by long polling")
    run.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $BOT_CONFIG or config.toml)",
    )

    chat = commands.add_parser(
        "chat", help="talk to the bot in this terminal, offline, no token needed"
    )
    chat.add_argument("--config", type=Path, default=None, help="optional config file")
    chat.add_argument("--lang", choices=LANGUAGES, default=None, help="your Telegram language")
    return parser.parse_args(argv)


def configure_logging(level: int = logging.INFO) -> None:
    """Readable logs; httpx stays quiet because its request URLs contain the token."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # PTB logs a rejected token with a traceback before raising it; main() says it in one line.
    logging.getLogger("telegram.ext").addFilter(_no_invalid_token_traceback)


def _no_invalid_token_traceback(record: logging.LogRecord) -> bool:
    if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
        record.exc_info, record.exc_text = None, None
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `conference-bot` script."""
    install_redaction()  # idempotent; `python -m bot` has already done it
    args = parse_args(argv)
    try:
        if args.command == "run":
            return _run(args.config or default_config_path())
        return _chat(args.config, args.lang)
    except (ConfigError, ContentError, DatabaseTooNewError, StorageUnavailableError) as error:
        print(redact(f"error: {error}"), file=sys.stderr)
        return EXIT_CONFIG
    except InvalidToken:
        print(
            "error: Telegram rejected the bot token (check telegram.token and telegram.base_url)",
            file=sys.stderr,
        )
        return EXIT_CONFIG


def _run(path: Path) -> int:
    from bot.app import ALLOWED_UPDATES, build_application, close_requests

    settings = load_settings(path)
    token = require_token(settings, path)
    register_secret(token)
    # Validate the content before connecting anywhere, so a broken file is one line and exit 2.
    content = load_content(settings.storage.content)
    configure_logging()
    application = build_application(settings, token, content)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
    except BaseException:
        # Start-up failed before PTB had anything to shut down: close our HTTP sessions.
        asyncio.get_event_loop().run_until_complete(close_requests(application))
        raise
    return 0


def _chat(path: Path | None, language: str | None) -> int:
    from bot.chat import run_chat

    settings = load_settings(path) if path else None
    configure_logging(logging.WARNING)
    try:
        return asyncio.run(run_chat(settings, language))
    except KeyboardInterrupt:
        # Ctrl-C before the chat was ready; once it is, run_chat itself ends cleanly.
        return 0
