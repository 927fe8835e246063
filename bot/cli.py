"""Command line: `python -m bot run|backup|restore|chat|web|qr …`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from telegram.error import InvalidToken

from bot.config import (
    TOKEN_ENV,
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    require_token,
)
from bot.instance import AlreadyRunningError, InstanceLock
from handlers.transport.inbox import StopBot
from redaction import install as install_redaction
from redaction import redact, register_secret
from storage.content import LANGUAGES, ContentError, load_content
from storage.errors import StorageError
from web.server import ListenError

EXIT_CONFIG = 2


# PTB 22 warns on every RetryAfter (a 429) that `retry_after` becomes a timedelta in its next
# major version; our code reads both forms (handlers/transport/flood_wait.retry_seconds), so
# we take the new one now and the warning never fires.
PTB_TIMEDELTA = "PTB_TIMEDELTA"


def opt_in_to_timedelta() -> None:
    """Opt in to PTB's timedelta durations (for this process and the ones it starts)."""
    os.environ.setdefault(PTB_TIMEDELTA, "true")


def program_name() -> str:
    """How the operator started us, for usage lines: the `conference-bot` script by its name,
    `python -m bot` as that (argv[0] is then the package's __main__.py)."""
    started_as = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if not started_as or started_as in ("__main__.py", "-m", "-c"):
        return "python -m bot"
    return started_as


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(
        prog=program_name(),
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
    run.add_argument(
        "--allow-empty-database",
        action="store_true",
        help="start even if [storage] path is a zero-length file (an empty database begins)",
    )

    backup = commands.add_parser(
        "backup", help="write a consistent snapshot of the database now (the bot may be running)"
    )
    backup.add_argument("--config", type=Path, default=None, help="config file (as for run)")
    backup.add_argument("--out", type=Path, required=True, help="the snapshot file to write")

    restore = commands.add_parser(
        "restore",
        help="bring the database back from [backup] replica_url (or --from a snapshot)",
    )
    restore.add_argument("--config", type=Path, default=None, help="config file (as for run)")
    restore.add_argument(
        "--timestamp",
        default=None,
        help="restore the replica as it was at this time (ISO 8601, UTC unless a zone is given)",
    )
    restore.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        metavar="FILE",
        help="restore this snapshot (from `backup --out`) instead of the replica",
    )
    restore.add_argument(
        "--replace",
        action="store_true",
        help="overwrite an existing database (kept as <name>.before-restore); never a live one",
    )

    chat = commands.add_parser(
        "chat", help="talk to the bot in this terminal, offline, no token needed"
    )
    chat.add_argument("--config", type=Path, default=None, help="optional config file")
    chat.add_argument("--lang", choices=LANGUAGES, default=None, help="your Telegram language")
    chat.add_argument(
        "--admin",
        action="store_true",
        help="you (Telegram user 1) are an organizer: /broadcast, /stats, /reload",
    )
    chat.add_argument(
        "--wechat",
        action="store_true",
        help="talk to the WeChat face instead, through the WeChat server emulator",
    )
    chat.add_argument(
        "--log",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the bot's log to FILE (by default the chat prints no log lines)",
    )

    site = commands.add_parser("web", help="serve the web site only, no token needed")
    site.add_argument(
        "--config",
        type=Path,
        default=None,
        help="optional config file (default: bundled content, temporary database)",
    )
    site.add_argument("--host", default=None, help="address to listen on (default: [web] host)")
    site.add_argument(
        "--port", type=int, default=None, help="port to listen on, 0 for any (default: [web] port)"
    )

    menu = commands.add_parser(
        "wechat-menu",
        help="print the WeChat custom menu JSON (and post it, with wechat.app_id and app_secret)",
    )
    menu.add_argument(
        "--config", type=Path, default=None, help="config file (default: as for run, if present)"
    )
    menu.add_argument("--lang", choices=LANGUAGES, default="zh", help="the menu's language")

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
    # PTB logs a rejected token with a traceback before raising it; main() says it in one line.
    logging.getLogger("telegram.ext").addFilter(_no_invalid_token_traceback)
    # PTB logs a non-JSON answer (a proxy's HTML error page) with a traceback, then raises it
    # as a NetworkError that the error handler reports in one line: that line is enough.
    logging.getLogger("telegram.request.BaseRequest").addFilter(_no_invalid_json_traceback)


def _no_invalid_json_traceback(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Can not load invalid JSON data")


def _no_invalid_token_traceback(record: logging.LogRecord) -> bool:
    if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
        record.exc_info, record.exc_text = None, None
    return True


def _chat_logging(path: Path | None) -> None:
    """The transcript is the chat's output: log lines go to a file, or nowhere."""
    if path is None:
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger().setLevel(logging.CRITICAL + 1)
        return
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"--log {path}: cannot write: {error.strerror}") from None
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=logging.INFO,
        handlers=[handler],
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `conference-bot` script."""
    install_redaction()  # idempotent; `python -m bot` has already done it
    opt_in_to_timedelta()
    args = parse_args(argv)
    try:
        if args.command == "run":
            return _run(args.config or default_config_path(), args.allow_empty_database)
        if args.command in ("backup", "restore"):
            return _backup_or_restore(args)
        if args.command == "web":
            return _web(args.config, args.host, args.port)
        if args.command == "qr":
            return _qr(args.out, args.config, args.username)
        if args.command == "wechat-menu":
            return _wechat_menu(args.config, args.lang)
        return _chat(args)
    except (
        ConfigError,
        ContentError,
        ListenError,
        AlreadyRunningError,
        StopBot,
        StorageError,
    ) as error:
        print(redact(f"error: {error}"), file=sys.stderr)
        return EXIT_CONFIG
    except InvalidToken:
        print(
            "error: Telegram rejected the bot token (check telegram.token and telegram.base_url)",
            file=sys.stderr,
        )
        return EXIT_CONFIG


def _run(path: Path, allow_empty: bool = False) -> int:

    from bot.app import build_application
    from bot.preflight import check_storage, check_telegram
    from bot.runner import serve
    from bot.web_server import ProcessWebServer, wanted

    settings = load_settings(path)
    register_settings_secrets(settings)
    token = require_token(settings, path)
    register_secret(token)
    if settings.webhook is not None and settings.webhook.secret_token is not None:
        register_secret(settings.webhook.secret_token.get_secret_value())
    # Validate the content before connecting anywhere, so a broken file is one line and exit 2.
    content = load_content(settings.storage.content)
    # First-run mistakes (database path, rejected token, unreachable server) as one line each.
    check_storage(settings, allow_empty=allow_empty)
    if settings.backup.replica_url is not None:
        from bot.replication import litestream_path

        litestream_path(settings.backup)  # a missing tool is one line now, not after start-up
    # One process per database: a second one stops here, before it touches Telegram.
    lock = InstanceLock(settings.storage.path)
    lock.acquire()
    try:
        asyncio.run(check_telegram(settings, token, path))
        configure_logging()
        if settings.wechat is not None and not settings.web.enabled:
            logging.getLogger(__name__).warning(
                "[wechat] is set but [web] enabled = false: `run` does not serve WeChat"
            )
        application = build_application(settings, token, content)
        web = ProcessWebServer(settings) if wanted(settings) else None
        asyncio.run(_serve_replicated(settings, serve(application, web=web)))
    finally:
        lock.release()
    return 0


async def _serve_replicated(settings: Settings, serving: Coroutine[Any, Any, None]) -> None:
    """Serve, with Litestream replicating the database meanwhile if [backup] asks for it
    (bot/replication.py); it stops last, after the bot's final writes."""
    replicator = None
    if settings.backup.replica_url is not None:
        from bot.replication import Replicator, register_credentials

        register_credentials()
        replicator = Replicator(settings.storage.path, settings.backup)
        try:
            await replicator.start()
        except BaseException:
            serving.close()  # never awaited: no "coroutine was never awaited" warning
            raise
        from bot.metrics import watch_replication

        watch_replication(replicator.status)
    try:
        await serving
    finally:
        if replicator is not None:
            await replicator.stop()


def _backup_or_restore(args: argparse.Namespace) -> int:
    from bot.restore import run_backup, run_restore

    path = args.config or default_config_path()
    settings = load_settings(path)
    if args.command == "backup":
        print(run_backup(settings, args.out))
        return 0
    print(run_restore(settings, timestamp=args.timestamp, source=args.source, replace=args.replace))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import ChatOptions, run_chat
    from bot.preflight import check_storage

    settings = load_settings(args.config) if args.config else None
    if settings is not None:
        register_settings_secrets(settings)
        check_storage(settings)
    _chat_logging(args.log)
    if args.wechat:  # issue 23: the WeChat face through the WeChat server emulator
        from bot.wechat_chat import run_wechat_chat

        try:
            return asyncio.run(run_wechat_chat(settings, args.lang))
        except KeyboardInterrupt:
            return 0
    try:
        return asyncio.run(run_chat(settings, ChatOptions(language=args.lang, admin=args.admin)))
    except KeyboardInterrupt:
        # Ctrl-C before the chat was ready; once it is, run_chat itself ends cleanly.
        return 0


def _web(path: Path | None, host: str | None, port: int | None) -> int:

    from bot.web_only import serve_site

    settings = load_settings(path) if path else None
    if settings is not None:
        register_settings_secrets(settings)
        # Validate the content up front, as `run` does: a broken file is one line and exit 2.
        load_content(settings.storage.content)
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(f"--port: must be 0..65535 (got {port})")
    configure_logging()
    return asyncio.run(serve_site(settings, host, port))


def register_settings_secrets(settings: Settings) -> None:
    """Never log the configured secrets other than the bot token (the WeChat token and keys)."""
    if settings.wechat is not None:
        for secret in settings.wechat.secrets():
            register_secret(secret)


def _wechat_menu(config: Path | None, lang: str) -> int:
    from bot.services import open_store
    from bot.wechat_face import print_menu
    from wording.i18n import Translator, load_catalogs

    path = config or default_config_path()
    settings = load_settings(path, require_file=config is not None)
    register_settings_secrets(settings)
    loaded = load_content(settings.storage.content)

    async def menu() -> int:
        with tempfile.TemporaryDirectory() as scratch:
            # The menu comes from the content file alone: a scratch store, never the database.
            store = await open_store(
                Path(scratch) / "menu.sqlite3", settings.storage.content, loaded
            )
            try:
                return await print_menu(settings, store, Translator(load_catalogs()), lang)
            finally:
                await store.close()

    return asyncio.run(menu())


# Telegram usernames: 5-32 characters, a letter first, then letters, digits, underscores.
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


def _qr(out: Path, config: Path | None, username: str | None) -> int:

    path = config or default_config_path()
    settings = load_settings(path, require_file=config is not None)
    return asyncio.run(_print_set(out, settings, path, username))


async def _print_set(out: Path, settings: Settings, path: Path, username: str | None) -> int:
    from bot.services import open_store
    from handlers.kit.posters import write_print_set
    from handlers.posters import poster_links
    from wording.i18n import Translator, load_catalogs

    name = username or settings.telegram.username or await _ask_username(settings, path)
    name = name.removeprefix("@")
    if not USERNAME.match(name):
        raise ConfigError(f"bot username {name!r}: not a Telegram username")
    loaded = load_content(settings.storage.content)
    with tempfile.TemporaryDirectory() as scratch:
        # The codes come from the content file alone: a scratch store, never the bot's database.
        store = await open_store(Path(scratch) / "qr.sqlite3", settings.storage.content, loaded)
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


async def _ask_username(settings: Settings, path: Path) -> str:
    """The bot's username from getMe with the configured token (a ConfigError if that fails)."""
    from bot.preflight import check_telegram

    token = settings.telegram.token.get_secret_value().strip()
    if not token:
        raise ConfigError(
            "bot username unknown: pass --username, set [telegram] username, or give a token "
            f"(telegram.token in {path} or {TOKEN_ENV}) so Telegram can be asked"
        )
    return await check_telegram(settings, token, path)
