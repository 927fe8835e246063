"""Async client for the emulator's HTTP control API (/_emu/), for use from another process."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

import aiohttp

__all__ = ["EmulatorClient"]

JsonDict = dict[str, Any]


class EmulatorClient:
    """Thin wrapper over /_emu/ endpoints; `url` is the emulator root, e.g. http://127.0.0.1:PORT."""

    def __init__(self, url: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.url = url.rstrip("/")
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> EmulatorClient:
        """Use as `async with EmulatorClient(url) as client:`."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session."""
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        """The session, created lazily inside the running loop."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _post(self, path: str, body: JsonDict) -> Any:
        """POST JSON and return the decoded answer, raising on HTTP errors."""
        async with self._http().post(f"{self.url}/_emu/{path}", json=body) as response:
            payload = await response.json()
            if response.status != 200:
                raise RuntimeError(f"emulator /_emu/{path} failed: {payload}")
            return payload

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        """GET and return the decoded answer, raising on HTTP errors."""
        async with self._http().get(f"{self.url}/_emu/{path}", params=params) as response:
            payload = await response.json()
            if response.status != 200:
                raise RuntimeError(f"emulator /_emu/{path} failed: {payload}")
            return payload

    async def push_updates(self, specs: list[JsonDict]) -> JsonDict:
        """Bulk push update specs of any kind (message, callback, inline_query, media, …)."""
        result: JsonDict = await self._post("updates", {"updates": specs})
        return result

    async def push_messages(self, updates: list[JsonDict]) -> JsonDict:
        """Bulk push update specs ({kind: "message", user_id, text, language_code, chat_id?})."""
        return await self.push_updates([{"kind": "message", **u} for u in updates])

    async def calls(
        self,
        method: str | None = None,
        *,
        since: int = 0,
        chat_id: int | None = None,
        params: bool = False,
    ) -> list[JsonDict]:
        """Recorded calls: [{index, method, chat_id, at, status, error?, params?}]."""
        query = {"since": str(since)}
        if method:
            query["method"] = method
        if chat_id is not None:
            query["chat_id"] = str(chat_id)
        if params:
            query["params"] = "1"
        result: list[JsonDict] = await self._get("calls", query)
        return result

    async def stats(self) -> JsonDict:
        """Counts per method and status, pending updates, getUpdates count."""
        result: JsonDict = await self._get("stats", {})
        return result

    async def add_chats(self, chat_ids: Iterable[int], chat_type: str = "private") -> None:
        """Register chats in bulk."""
        await self._post("chats", {"chat_ids": list(chat_ids), "chat_type": chat_type})

    async def faults(self, spec: JsonDict) -> None:
        """Send a raw fault spec to /_emu/faults."""
        await self._post("faults", spec)

    async def block_chat(self, chat_id: int) -> None:
        """Make sends to chat_id answer 403 blocked."""
        await self.faults({"block": [chat_id]})

    async def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        await self.faults({"unblock": [chat_id]})

    async def rate_limit(self, retry_after: int, methods: Iterable[str] | None = None) -> None:
        """Answer 429 to matching calls for retry_after seconds."""
        spec = {"retry_after": retry_after, "methods": list(methods) if methods else None}
        await self.faults({"rate_limit": spec})

    async def fail_next(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        description: str = "Internal Server Error",
    ) -> None:
        """Fail the next `times` calls of `method`."""
        spec = {"method": method, "status": status, "times": times, "description": description}
        await self.faults({"fail_next": spec})

    async def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers of `method` (None: all but getUpdates)."""
        await self.faults({"latency": {"seconds": seconds, "method": method}})

    async def drop_next(self, method: str, times: int = 1) -> None:
        """Drop the connection for the next `times` calls of `method`."""
        await self.faults({"drop_next": {"method": method, "times": times}})

    async def clear_faults(self) -> None:
        """Remove latency, failures, drops and rate limits."""
        await self.faults({"clear": True})

    async def reset_calls(self) -> None:
        """Forget recorded calls and stats."""
        await self._post("reset_calls", {})

    async def push_raw(self, updates: list[JsonDict]) -> JsonDict:
        """Push raw Update objects as they are; one that brings an update_id keeps it."""
        return await self.push_updates([{"kind": "raw", "update": u} for u in updates])

    async def webhook_deliveries(self, since: int = 0) -> JsonDict:
        """{"pending": n, "deliveries": [{index, update_id, attempt, url, status, error, at}]}."""
        result: JsonDict = await self._get("webhook/deliveries", {"since": str(since)})
        return result

    async def wait_webhook_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every pending update got a 2xx from the webhook; TimeoutError if not."""
        async with self._http().post(
            f"{self.url}/_emu/webhook/wait", json={"timeout": timeout}
        ) as response:
            payload = await response.json()
            if response.status == 408:
                raise TimeoutError(f"webhook still has {payload['pending']} pending update(s)")
            if response.status != 200:
                raise RuntimeError(f"emulator /_emu/webhook/wait failed: {payload}")

    async def files(self) -> JsonDict:
        """{"uploads": n, "files": [...]}: what the bot uploaded (sendPhoto/sendDocument)."""
        result: JsonDict = await self._get("files", {})
        return result

    async def uploads(self) -> int:
        """How many files the bot uploaded as bytes (file_id reuses do not count)."""
        return int((await self.files())["uploads"])

    async def close(self) -> None:
        """Close the HTTP session if we own it."""
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None
