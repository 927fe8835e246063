"""Command line: `python -m bot run|chat …`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, default_config_path, load_settings, require_token
from bot.inbox import StopBot
from bot.instance import AlreadyRunningError, InstanceLock
from storage.content import LANGUAGES, ContentError, load_content
from storage.db import DatabaseTooNewError

EXIT_CONFIG = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Telegram information bot for the Russian-Chinese conference on new materials.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve Telegram (long polling, or the webhook if set)")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `conference-bot` script."""
    args = parse_args(argv)
    try:
        if args.command == "run":
            return _run(args.config or default_config_path())
        return _chat(args.config, args.lang)
    except (
        ConfigError,
        ContentError,
        DatabaseTooNewError,
        AlreadyRunningError,
        StopBot,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG


def _run(path: Path) -> int:
    import asyncio

    from bot.app import build_application
    from bot.runner import serve

    settings = load_settings(path)
    token = require_token(settings, path)
    # Validate the content before connecting anywhere, so a broken file is one line and exit 2.
    content = load_content(settings.storage.content)
    lock = InstanceLock(settings.storage.path)
    lock.acquire()
    try:
        configure_logging()
        application = build_application(settings, token, content)
        asyncio.run(serve(application))
    finally:
        lock.release()
    return 0


def _chat(path: Path | None, language: str | None) -> int:
    import asyncio

    from bot.chat import run_chat

    settings = load_settings(path) if path else None
    configure_logging(logging.WARNING)
    try:
        return asyncio.run(run_chat(settings, language))
    except KeyboardInterrupt:
        # Ctrl-C before the chat was ready; once it is, run_chat itself ends cleanly.
        return 0
