"""Running the process: PTB's run_polling lifecycle with our update source in the Updater's
place, and the web server as the Application's peer.

initialize → post_init → start → the web server (if any) → the source (recovery, then polling or
the webhook) … until SIGINT/SIGTERM, a fatal source error or `until` finishes → the source stops
→ the web server stops → stop (the updates already queued are handled) → post_stop → shutdown →
post_shutdown (the inbox writes its last done marks there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.web_server import ProcessWebServer
    from handlers.kit.context import BotApplication

log = logging.getLogger(__name__)


async def serve(
    application: BotApplication,
    *,
    until: Coroutine[Any, Any, None] | None = None,
    handle_signals: bool = True,
    web: ProcessWebServer | None = None,
) -> None:
    """Run until a stop signal (or `until` returns); raises StopBot if the source gave up."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    try:
        async with application:
            source = None
            try:
                if application.post_init is not None:
                    await application.post_init(application)
                await application.start()
                if application.bot_data.source is None:
                    raise RuntimeError("post_init chose no update source")
                if web is not None:
                    # Listening before the source registers a webhook that points at it.
                    await web.start(application)
                source = application.bot_data.source
                receiving = await source.start()
                waits: list[asyncio.Future[Any]] = [
                    receiving,
                    asyncio.ensure_future(stop.wait()),
                ]
                if until is not None:
                    waits.append(asyncio.ensure_future(until))
                    until = None
                done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for waiting in pending:
                    if waiting is not receiving:
                        waiting.cancel()
                if receiving in done:
                    receiving.result()  # raises the source's StopBot
            finally:
                if until is not None:
                    until.close()
                if source is not None:
                    await source.stop()
                if web is not None:
                    await web.stop()
                if application.running:
                    await application.stop()
                    if application.post_stop is not None:
                        await application.post_stop(application)
    finally:
        try:
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        finally:
            for number in installed:
                loop.remove_signal_handler(number)
