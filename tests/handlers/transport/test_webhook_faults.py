"""The webhook under hostile input and a held lock: one log line per malformed request and one
per outage, never a traceback (fault 4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.broadcasting import WriteLock
from tests.conftest import BotProcess
from tests.handlers.transport.test_webhook import Telegram, free_port, webhook_config
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow


@pytest.fixture
async def hooked(
    emulator: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[tuple[BotProcess, Telegram, int]]:
    port = free_port()
    bot = BotProcess(emulator, webhook_config(tmp_path, emulator, port))
    telegram = Telegram(emulator, port)
    await bot.start()
    try:
        yield bot, telegram, port
    finally:
        await telegram.close()
        assert await bot.stop() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()


async def raw_request(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    answer = await reader.read(200)
    writer.close()
    return answer


async def test_malformed_http_requests_get_400_and_one_line_each(
    hooked: tuple[BotProcess, Telegram, int],
) -> None:
    bot, _, port = hooked
    payloads = [
        b"GET /readyz HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ]
    for payload in payloads:
        assert (await raw_request(port, payload)).startswith(b"HTTP/1.") and b" 400 " in (
            await raw_request(port, payload)
        )
    await asyncio.sleep(0.3)
    lines = [line for line in bot.log().splitlines() if "Malformed HTTP request" in line]
    assert len(lines) == 2 * len(payloads), bot.log()
    assert "Traceback" not in bot.log()


async def test_deliveries_during_a_lock_get_503_and_one_error_line(
    hooked: tuple[BotProcess, Telegram, int], tmp_path: Path
) -> None:
    bot, telegram, _ = hooked
    # Longer than two busy waits (5 s each): the first delivery's write and the batch after it fail.
    async with WriteLock(tmp_path / "bot.sqlite3", 12.0):
        answers = await asyncio.gather(
            *(telegram.post(telegram.message(990_000 + i, "/about")) for i in range(5))
        )
    assert [status for status, _ in answers] == [503] * 5
    log = bot.log()
    assert log.count("Storage unavailable") == 1, log
    assert "Cannot store update" not in log, log
    # Telegram delivers again once the lock is gone: accepted then.
    status, _ = await telegram.post(telegram.message(990_100, "/about"))
    assert status == 200
