"""Fault injection: blocked chats, 429s, forced errors, latency and dropped connections."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from aiohttp import web

from tgemu.errors import ApiError, JsonDict
from tgemu.state import EmulatorState


@dataclass
class FaultState:
    """Injected faults; all keyed by canonical method name."""

    latency: dict[str | None, float] = field(default_factory=dict)
    fail_next: dict[str, deque[tuple[int, str]]] = field(default_factory=dict)
    drop_next: Counter[str] = field(default_factory=Counter)
    rate_deadline: float = 0.0
    rate_methods: frozenset[str] | None = None


class Dropped(Exception):
    """The connection was closed on purpose; no response must be written."""


class FaultInjection(EmulatorState):
    """Faults set from tests or the control API, applied before each method."""

    _faults: FaultState

    def block_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 403 'bot was blocked by the user'."""
        self.add_chat(chat_id)
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        self._blocked.discard(chat_id)

    def deactivate_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 403 'user is deactivated'."""
        self.add_chat(chat_id)
        self._deactivated.add(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 400 'chat not found'."""
        self._chats.pop(chat_id, None)
        self._blocked.discard(chat_id)
        self._deactivated.discard(chat_id)

    def rate_limit(self, retry_after: int, methods: set[str] | None = None) -> None:
        """Answer 429 to matching calls for retry_after seconds (None: all but getUpdates)."""
        self._faults.rate_deadline = time.monotonic() + retry_after
        self._faults.rate_methods = (
            None if methods is None else frozenset(self.canonical_method(m) for m in methods)
        )

    def fail_next(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        description: str = "Internal Server Error",
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error."""
        queue = self._faults.fail_next.setdefault(self.canonical_method(method), deque())
        queue.extend([(status, description)] * times)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers of `method` (None: all but getUpdates) by `seconds`."""
        key = None if method is None else self.canonical_method(method)
        if seconds <= 0:
            self._faults.latency.pop(key, None)
        else:
            self._faults.latency[key] = seconds

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next `times` calls of `method`."""
        self._faults.drop_next[self.canonical_method(method)] += times

    def clear_faults(self) -> None:
        """Remove every injected fault except chat blocks."""
        self._faults = FaultState()

    async def _apply_faults(self, method: str, request: web.Request) -> None:
        """Latency, drops, forced failures and rate limits, in that order."""
        faults = self._faults
        explicit = method != "getUpdates"
        delay = faults.latency.get(method) or (faults.latency.get(None) if explicit else None)
        if delay:
            await asyncio.sleep(delay)
        if faults.drop_next[method] > 0:
            faults.drop_next[method] -= 1
            if request.transport is not None:
                request.transport.close()
            raise Dropped
        queue = faults.fail_next.get(method)
        if queue:
            status, description = queue.popleft()
            raise ApiError(status, description)
        if faults.rate_deadline:
            remaining = faults.rate_deadline - time.monotonic()
            if remaining <= 0:
                faults.rate_deadline, faults.rate_methods = 0.0, None
            elif (faults.rate_methods is None and explicit) or (
                faults.rate_methods is not None and method in faults.rate_methods
            ):
                retry = math.ceil(remaining)
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )

    def _apply_fault_spec(self, body: JsonDict) -> None:
        """Apply a control-API fault dict."""
        if body.get("clear"):
            self.clear_faults()
        for key, action in (
            ("block", self.block_chat),
            ("unblock", self.unblock_chat),
            ("deactivate", self.deactivate_chat),
            ("forget", self.forget_chat),
        ):
            for chat_id in body.get(key, []):
                action(int(chat_id))
        if "rate_limit" in body:
            spec = body["rate_limit"]
            methods = spec.get("methods")
            self.rate_limit(int(spec["retry_after"]), set(methods) if methods else None)
        if "fail_next" in body:
            spec = body["fail_next"]
            self.fail_next(
                spec["method"],
                int(spec.get("status", 500)),
                int(spec.get("times", 1)),
                spec.get("description", "Internal Server Error"),
            )
        if "latency" in body:
            spec = body["latency"]
            self.set_latency(float(spec["seconds"]), spec.get("method"))
        if "drop_next" in body:
            spec = body["drop_next"]
            self.drop_next(spec["method"], int(spec.get("times", 1)))
