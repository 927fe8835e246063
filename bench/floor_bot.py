"""The no-framework floor: raw aiohttp getUpdates / sendMessage, answering /about with our card.

`python -m bench.floor_bot --base-url URL --token T --card card.json` long-polls getUpdates,
decodes each batch with `json.loads`, and for every `/about` posts one JSON `sendMessage` with
the card's text, keyboard and options exactly as our bot sent them (the throughput benchmark
captures them from our bot's warm-up). Up to 64 replies are in flight, as in our bot. No
objects, no handlers, no storage: what answering costs when nothing else is done.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import aiohttp

IN_FLIGHT = 64


async def serve(base_url: str, token: str, card: dict[str, Any]) -> None:
    """Poll and answer until cancelled."""
    api = f"{base_url}{token}"
    # Everything after chat_id is the same for every reply: encode it once.
    tail = json.dumps(card, ensure_ascii=False)[1:].encode()
    slots = asyncio.Semaphore(IN_FLIGHT)
    pending: set[asyncio.Task[None]] = set()
    headers = {"Content-Type": "application/json"}

    async def send(session: aiohttp.ClientSession, chat_id: int) -> None:
        try:
            body = b'{"chat_id":%d,' % chat_id + tail
            async with session.post(f"{api}/sendMessage", data=body, headers=headers) as response:
                await response.read()
        finally:
            slots.release()

    connector = aiohttp.TCPConnector(limit=128, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        offset = 0
        while True:
            query = {"offset": offset, "timeout": 10, "allowed_updates": ["message"]}
            async with session.post(f"{api}/getUpdates", json=query) as response:
                updates = json.loads(await response.read())["result"]
            for update in updates:
                offset = update["update_id"] + 1
                message = update.get("message") or {}
                if message.get("text") == "/about":
                    await slots.acquire()
                    task = asyncio.create_task(send(session, message["chat"]["id"]))
                    pending.add(task)
                    task.add_done_callback(pending.discard)


def main() -> None:
    """Parse the arguments and poll until SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor_bot")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--card", type=Path, required=True, help="JSON: the reply's parameters")
    args = parser.parse_args()
    card = json.loads(args.card.read_text(encoding="utf-8"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.base_url, args.token, card))


if __name__ == "__main__":
    main()
