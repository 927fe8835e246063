"""Command line: `python -m bot run|chat|qr …`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.config import (
    TOKEN_ENV,
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    require_token,
)
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

    qr = commands.add_parser(
        "qr",
        help="write a QR code (PNG and SVG) of every deep link, with an index page, for printing",
    )
    qr.add_argument("--out", type=Path, required=True, help="directory for the files")
    qr.add_argument(
        "--config", type=Path, default=None, help="config file (default: as for run, if present)"
    )
    qr.add_argument(
        "--username",
        default=None,
        help="the bot's @username (default: [telegram] username, else asked of Telegram)",
    )
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
        if args.command == "qr":
            return asyncio.run(_qr(args.out, args.config, args.username))
        return _chat(args.config, args.lang)
    except (ConfigError, ContentError, DatabaseTooNewError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG


def _run(path: Path) -> int:
    from bot.app import ALLOWED_UPDATES, build_application

    settings = load_settings(path)
    token = require_token(settings, path)
    # Validate the content before connecting anywhere, so a broken file is one line and exit 2.
    content = load_content(settings.storage.content)
    configure_logging()
    application = build_application(settings, token, content)
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
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


# Telegram usernames: 5-32 characters, a letter first, then letters, digits, underscores.
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


async def _qr(out: Path, config: Path | None, username: str | None) -> int:
    from bot.i18n import Translator, load_catalogs
    from bot.posters import write_print_set
    from handlers.posters import poster_links
    from storage.store import Store

    path = config or default_config_path()
    settings = load_settings(path, require_file=config is not None)
    name = username or _configured_username(settings) or await _ask_username(settings, path)
    name = name.removeprefix("@")
    if not USERNAME.match(name):
        raise ConfigError(f"bot username {name!r}: not a Telegram username")
    loaded = load_content(settings.storage.content)
    with tempfile.TemporaryDirectory() as scratch:
        # The codes come from the content file alone: a scratch store, never the bot's database.
        store = await Store.open(Path(scratch) / "qr.sqlite3", settings.storage.content, loaded)
        try:
            links = await poster_links(store.facts, Translator(load_catalogs()), name)
        finally:
            await store.close()
    try:
        write_print_set(out, links)
    except OSError as error:
        raise ConfigError(f"{out}: cannot write: {error.strerror or error}") from None
    print(f"{len(links)} QR codes (PNG and SVG) and index.html written to {out}")
    return 0


def _configured_username(settings: object) -> str:
    """`[telegram] username`, where the configuration has that key."""
    telegram = getattr(settings, "telegram", None)
    value = getattr(telegram, "username", None)
    return value if isinstance(value, str) else ""


async def _ask_username(settings: Settings, path: Path) -> str:
    """The bot's username from getMe; ConfigError (never showing the token) if that fails."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    token = settings.telegram.token.get_secret_value().strip()
    if not token:
        raise ConfigError(
            "bot username unknown: pass --username, set [telegram] username, or give a token "
            f"(telegram.token in {path} or {TOKEN_ENV}) so Telegram can be asked"
        )
    try:
        async with Bot(token, base_url=settings.telegram.base_url) as bot:
            return bot.username
    except InvalidToken:
        raise ConfigError("telegram.token: rejected by Telegram") from None
    except TelegramError as error:
        reason = str(error).replace(token, "***")
        raise ConfigError(f"could not ask Telegram for the bot's username: {reason}") from None
