"""The call log: every request recorded, indexed by method and chat, and waited for."""

from __future__ import annotations

import asyncio
import itertools
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tgemu.errors import JsonDict
from tgemu.state import EmulatorState
from tgemu.wire import UploadedFile

# The parameter that carries the file, per method.
FILE_PARAMS = {"sendPhoto": "photo", "sendDocument": "document"}


@dataclass(frozen=True)
class Call:
    """One request the bot made, as decoded and answered by the emulator."""

    index: int
    method: str
    params: JsonDict
    at: float
    status: int
    result: Any = None
    error: str | None = None

    @property
    def chat_id(self) -> int | None:
        """The integer chat_id parameter, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def file_source(self) -> str | None:
        """How a sendPhoto/sendDocument call gave its file: "upload", "file_id", "url" or None."""
        value = self.params.get(FILE_PARAMS.get(self.method, ""))
        if isinstance(value, UploadedFile):
            return "upload"
        if isinstance(value, str) and value:
            return "url" if value.startswith(("http://", "https://")) else "file_id"
        return None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == 200


class CallLog(EmulatorState):
    """Recording and reading back calls."""

    def calls(
        self, method: str | None = None, chat_id: int | None = None, since: int = 0
    ) -> list[Call]:
        """Recorded calls in order, filtered by method and/or chat_id, index >= since."""
        if method is None and chat_id is None:
            source = self._calls
        elif chat_id is None:
            source = self._by_method.get(self.canonical_method(method or ""), [])
        else:
            source = self._by_chat.get(chat_id, [])
        canonical = None if method is None else self.canonical_method(method)
        start = bisect_left(source, since, key=lambda c: c.index) if since else 0
        return [c for c in itertools.islice(source, start, None) if canonical in (None, c.method)]

    def stats(self) -> JsonDict:
        """Counts per method and status, pending updates and getUpdates count."""
        return {
            "calls": {m: {str(s): n for s, n in c.items()} for m, c in self._stats.items()},
            "total_calls": self._calls_offset + len(self._calls),
            "pending_updates": len(self._updates),
            "last_update_id": self._last_pushed_id,
            "max_delivered_update_id": self._max_delivered_id,
            "get_updates": self._get_updates_count,
        }

    def reset_calls(self) -> None:
        """Forget recorded calls and stats; call indexes keep increasing."""
        self._calls_offset += len(self._calls)
        self._calls = []
        self._by_method.clear()
        self._by_chat.clear()
        self._stats.clear()

    async def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented test API
        since: int = 0,
    ) -> Call:
        """First call matching method/chat/predicate with index >= since, waiting if needed."""
        canonical = self.canonical_method(method)
        cursor = since
        try:
            async with asyncio.timeout(timeout):
                while True:
                    # Clear before scanning so a call recorded after the scan wakes us.
                    self._call_event.clear()
                    for call in self.calls(canonical, chat_id, since=cursor):
                        if predicate is None or predicate(call):
                            return call
                    cursor = self._calls_offset + len(self._calls)
                    await self._call_event.wait()
        except TimeoutError:
            recent = ", ".join(
                f"#{c.index} {c.method}(chat={c.chat_id}) -> {c.status}"
                + (f" {c.error}" if c.error else "")
                for c in self._calls[-10:]
            )
            raise TimeoutError(
                f"no {canonical} call (chat_id={chat_id}, since={since}) within {timeout}s; "
                f"recent calls: [{recent}]"
            ) from None

    def _record(
        self, method: str, params: JsonDict, status: int, result: Any, error: str | None
    ) -> None:
        """Append a Call and update the indexes and stats."""
        call = Call(
            self._calls_offset + len(self._calls),
            method,
            params,
            time.monotonic(),
            status,
            result,
            error,
        )
        self._calls.append(call)
        self._by_method.setdefault(method, []).append(call)
        chat_id = call.chat_id
        if chat_id is not None:
            self._by_chat.setdefault(chat_id, []).append(call)
        counter = self._stats.get(method)
        if counter is None:
            counter = self._stats[method] = Counter()
        counter[status] += 1
        if method != "getUpdates":
            self._last_activity = call.at
        self._call_event.set()
