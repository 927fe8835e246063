"""Concurrent update processing that still keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Told when an update's handlers have finished (True) or were abandoned (False, e.g. cancelled
# at shutdown): the durable inbox marks it done, or leaves it for the next start.
DoneCallback = Callable[[object, bool], None]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are served in parallel; one chat's updates run one after another."""

    def __init__(self, max_concurrent_updates: int, on_done: DoneCallback | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._on_done = on_done

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers under its chat's lock, then report it done."""
        finished = False
        try:
            await self._run(update, coroutine)
            # PTB's process_update hands handler exceptions to the error handler: getting
            # here means every handler ran, whether it succeeded or not.
            finished = True
        finally:
            if self._on_done is not None:
                self._on_done(update, finished)

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            # Drop idle locks so memory does not grow with the number of chats ever seen.
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else None
