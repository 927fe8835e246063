"""Readiness for process supervisors and load balancers.

`GET /healthz` (web/health.py): alive, the process and its database connection answer.
`GET /readyz`: ready to serve users: the
database takes a write, the update source had contact with Telegram recently (an answered
getUpdates, a webhook delivery or check), the inbox's done-mark writer and the broadcast
delivery worker are running. Otherwise 503 with a JSON list of reasons.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite
from aiohttp import web

from storage.db import connect
from storage.inbox import InboxStore

if TYPE_CHECKING:
    from handlers.kit.context import BotApplication

# The write probe gives up after this long: a locked database makes /readyz answer 503 quickly.
PROBE_TIMEOUT = 0.5


class Readiness:
    """Answers "can this process serve users now?" with the reasons it cannot."""

    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self._connection: aiosqlite.Connection | None = None

    async def open(self, database: Path) -> None:
        """Open the probe's own connection (a short busy timeout, never a handler's)."""
        self._connection = await connect(database, busy_wait=PROBE_TIMEOUT)

    async def close(self) -> None:
        """Close the probe's connection."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def problems(self) -> list[str]:
        """Why the process is not ready; empty when it is."""
        reasons = []
        try:
            if self._connection is None:
                raise RuntimeError("not open")
            await InboxStore(self._connection).probe_write()
        except Exception as error:
            reasons.append(f"database: {error}")
        data = self.application.bot_data
        source = data.source
        if not self.application.running:
            reasons.append("application: not running")
        if source is None or not source.running:
            reasons.append("updates: not being received")
        elif source.last_contact == 0:
            reasons.append("updates: no contact with Telegram yet")
        else:
            age = time.monotonic() - source.last_contact
            if age > source.healthy_within:
                reasons.append(f"updates: last contact with Telegram {age:.0f} s ago")
        if data.opened_inbox is None or not data.opened_inbox.running:
            reasons.append("inbox: done-mark writer not running")
        if data.started_delivery is None or not data.started_delivery.running:
            reasons.append("delivery worker: not running")
        storage = data.storage_health  # storage/health.py: what users' writes have met
        if storage.failing:
            reasons.append(f"storage: writes failing ({storage.last_error})")
        return reasons


def readiness_routes(readiness: Readiness) -> web.RouteTableDef:
    """/readyz (its sibling /healthz is web/health.py's)."""
    routes = web.RouteTableDef()

    @routes.get("/readyz")
    async def readyz(request: web.Request) -> web.Response:
        """Ready, or 503 with the reasons."""
        reasons = await readiness.problems()
        return web.json_response(
            {"ready": not reasons, "reasons": reasons},
            status=503 if reasons else 200,
            headers={"Cache-Control": "no-store"},
        )

    return routes
