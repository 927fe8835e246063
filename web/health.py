"""`GET /healthz`: 200 `ok` while the database answers, 503 otherwise."""

from __future__ import annotations

import logging
import sqlite3

from aiohttp import web

from storage.store import Store

log = logging.getLogger(__name__)


def health_routes(store: Store) -> web.RouteTableDef:
    """The liveness route table; `run` serves `/readyz` beside it (bot/health.py)."""
    routes = web.RouteTableDef()

    @routes.get("/healthz")
    async def healthz(request: web.Request) -> web.Response:
        """Alive and the database answers a query."""
        try:
            await store.connection.execute_fetchall("SELECT 1")
        except (sqlite3.Error, ValueError) as error:  # ValueError: the connection is closed
            log.warning("Health check failed: %s", error)
            return web.Response(status=503, text="database unavailable\n")
        return web.Response(text="ok", headers={"Cache-Control": "no-store"})

    return routes
