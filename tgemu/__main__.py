"""Run the emulator standalone: python -m tgemu [--host H] [--port P] [--token T].

It prints `READY <url>`; the bot's base_url is <url>/bot, and only --token is accepted
(default 123456:TEST-TOKEN): any other token gets 401 Unauthorized, as from Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import re
import signal
import sys

from tgemu.server import BotApiEmulator

DEFAULT_TOKEN = "123456:TEST-TOKEN"
_TOKEN_RE = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")


def bot_token(value: str) -> str:
    """A token shaped like Telegram's: digits, a colon, then letters, digits, _ or -."""
    if not _TOKEN_RE.match(value):
        raise argparse.ArgumentTypeError("expected <bot id>:<secret>, e.g. 123456:TEST-TOKEN")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tgemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--token",
        default=DEFAULT_TOKEN,
        type=bot_token,
        help=f"the one token accepted, <bot id>:<secret> (default {DEFAULT_TOKEN})",
    )
    parser.add_argument("--bot-username", default="conference_test_bot")
    parser.add_argument(
        "--no-strict-chats",
        action="store_true",
        help="accept sends to chats the emulator has never seen",
    )
    parser.add_argument(
        "--webhook-retry-delay",
        type=float,
        default=0.5,
        help="seconds before a failed webhook delivery is repeated; doubles up to 16x"
        " (default 0.5)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start, announce READY <url> and serve until SIGINT/SIGTERM."""
    emulator = BotApiEmulator(
        token=args.token,
        bot_username=args.bot_username,
        strict_chats=not args.no_strict_chats,
        webhook_retry_delay=args.webhook_retry_delay,
        webhook_retry_max_delay=args.webhook_retry_delay * 16,
    )
    await emulator.start(host=args.host, port=args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {emulator.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point; a port that cannot be bound is one line and exit code 2."""
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            problem = f"port {args.port} is already in use (choose another with --port N)"
        else:
            problem = f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
