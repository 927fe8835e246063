"""Run the emulator standalone: python -m tgemu [--host H] [--port P] [--token T]."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tgemu.server import BotApiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tgemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="conference_test_bot")
    parser.add_argument(
        "--no-strict-chats",
        action="store_true",
        help="accept sends to chats the emulator has never seen",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start, announce READY <url> and serve until SIGINT/SIGTERM."""
    emulator = BotApiEmulator(
        token=args.token, bot_username=args.bot_username, strict_chats=not args.no_strict_chats
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
    """Entry point."""
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
