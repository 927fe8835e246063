"""Helpers shared by the emulator tests: raw calls and error assertions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from tgemu import BotApiEmulator

TOKEN = "123456:TEST-TOKEN"
USER = 1001
ROOT = Path(__file__).resolve().parents[2]

Reply = tuple[int, dict[str, Any]]


class Api:
    """Raw form-encoded calls, JSON-encoding non-strings like PTB does."""

    def __init__(self, emu: BotApiEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    async def __call__(self, method: str, **params: Any) -> Reply:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        url = f"{self.emu.base_url}{TOKEN}/{method}"
        async with self.session.post(url, data=form) as response:
            return response.status, await response.json()


def assert_error(reply: Reply, status: int, prefix: str) -> None:
    code, body = reply
    assert code == status, body
    assert body["ok"] is False
    assert body["error_code"] == status
    assert body["description"].startswith(prefix), body["description"]


def button(**fields: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "b", **fields}]]}


def article(result_id: str = "1", text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "T",
        "input_message_content": {"message_text": text, **extra},
    }
