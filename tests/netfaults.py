"""A TCP proxy between the bot and the emulator that can make new connections hang.

`blackhole(seconds)` closes every connection as soon as it is idle (no request in flight, so
nothing is cut mid-request) and, for that long, lets no new connection complete: the port's
accept queue is full, so connects time out as they do when Telegram is unreachable. Nothing
reaches the server meanwhile. `full_backlog_socket` is that hole on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass


def full_backlog_socket(port: int = 0) -> tuple[socket.socket, list[socket.socket]]:
    """A listening socket that never accepts, its queue already full: connects to it hang."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(server.getsockname())
        fillers.append(filler)
    return server, fillers


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    busy: bool = False  # a request went up and its answer has not come back yet

    def close(self) -> None:
        self.client.close()
        self.upstream.close()


class BlackholeProxy:
    """Forwards 127.0.0.1:<port> to the emulator; see the module docstring."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._cutting = False

    async def start(self) -> None:
        self._cutting = False
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening; close each connection once its request in flight is answered."""
        self._cutting = True
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            if not link.busy:
                link.close()
        for _ in range(100):
            if not self._links:
                break
            await asyncio.sleep(0.02)

    def base_url(self, emulator_base_url: str) -> str:
        return emulator_base_url.replace(f":{self.target_port}/", f":{self.port}/")

    async def blackhole(self, seconds: float) -> None:
        """Close every connection when idle; for `seconds`, no new connection completes."""
        await self.stop()
        hole, fillers = full_backlog_socket(self.port)
        try:
            await asyncio.sleep(seconds)
        finally:
            for sock in (hole, *fillers):
                sock.close()
        await self.start()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cutting:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)

        async def up() -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    link.busy = True
                    up_writer.write(data)
                    await up_writer.drain()
            link.close()

        async def down() -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
                    link.busy = False
                    if self._cutting:
                        break
            link.close()

        try:
            await asyncio.gather(up(), down())
        finally:
            self._links.discard(link)
