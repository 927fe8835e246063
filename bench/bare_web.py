"""The web framework floor: a bare aiohttp server with one "hello" handler.

`python -m bench.bare_web --port 0` prints `READY <url>` once listening and serves `GET /` until
SIGINT. Same aiohttp, same access-log setting as our site; nothing of ours is involved.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    """A fixed text."""
    return web.Response(text="hello")


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, bound = runner.addresses[0][:2]
    print(f"READY http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """Parse the arguments and serve until SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare_web")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
