"""`GET /metrics`: the process in the Prometheus text format, with the official client library.

Served only when `[metrics] enabled = true`, and only on the process's own web server (the
`[web]` address, or the webhook's; bot/web_server.py): nothing else listens for it. Behind
the webhook's reverse proxy, do not forward /metrics (deploy/nginx-webhook.conf forwards only
the webhook path).

What it shows (docs/operations.md, "Monitoring", says what to alert on):
- counted where they happen (handlers/transport/telemetry.py): updates received and handled by
  type, the reply latency histogram, answer verdicts, broadcast outcomes (rate() of
  `…_broadcast_messages_total{outcome="sent"}` is the send rate), 429s and retries;
- read at each scrape (`StateCollector`): inbox depth (in memory and undone on disk), outbox
  rows by state, storage failures, outages and damage, replication up/lag/restarts/errors;
- web requests by route and status (`request_counter`);
- the client's own process_* (RSS, CPU, open files) and python_* collectors.

No label carries a secret: label values are route templates (the webhook's path is named
"webhook", never spelled out), status codes and closed sets of words from our code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from handlers.transport.telemetry import PREFIX
from redaction import redact

if TYPE_CHECKING:
    from bot.replication import ReplicationStatus
    from handlers.kit.context import BotApplication

log = logging.getLogger(__name__)

WEB_REQUESTS = Counter(
    f"{PREFIX}_web_requests",
    "HTTP requests to the process's web server, by route template and status",
    ["route", "status"],
)

# The gauges read at scrape time, from BotData's services (set by `collect_state`).
_state: StateCollector | None = None


class StateCollector(Collector):
    """Gauges read at each scrape from the running services and the database."""

    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self.replication: Callable[[], Awaitable[ReplicationStatus]] | None = None
        self._snapshot: list[Metric] = []

    async def refresh(self) -> None:
        """Read the values now (the scrape handler awaits this, then renders)."""
        data = self.application.bot_data
        metrics: list[Metric] = []
        inbox = GaugeMetricFamily(
            f"{PREFIX}_inbox_depth",
            "Updates received and not yet finished: in memory now, and undone on disk",
            labels=["where"],
        )
        if data.opened_inbox is not None:
            inbox.add_metric(["in_flight"], data.opened_inbox.in_flight)
            try:
                inbox.add_metric(["on_disk"], await data.opened_inbox.store.count_pending())
            except Exception as error:  # the storage gauges below say why
                log.debug("inbox depth unreadable: %s", error)
        metrics.append(inbox)
        outbox = GaugeMetricFamily(
            f"{PREFIX}_outbox_rows", "Broadcast outbox rows by state", labels=["state"]
        )
        if data.opened_store is not None:
            try:
                for state, count in (await data.opened_store.broadcasts.outbox_states()).items():
                    outbox.add_metric([state], count)
            except Exception as error:
                log.debug("outbox unreadable: %s", error)
        metrics.append(outbox)
        health = data.storage_health
        metrics.append(
            CounterMetricFamily(
                f"{PREFIX}_storage_failures",
                "Storage operations that failed since start (full disk, lock, I/O, damage)",
                value=health.failures_total,
            )
        )
        metrics.append(
            CounterMetricFamily(
                f"{PREFIX}_storage_outages", "Storage outages since start", value=health.outages
            )
        )
        metrics.append(
            GaugeMetricFamily(
                f"{PREFIX}_storage_failing", "1 while writes fail", value=int(health.failing)
            )
        )
        metrics.append(
            GaugeMetricFamily(
                f"{PREFIX}_storage_damaged",
                "1 once the database was found damaged: restore from backup",
                value=int(health.corrupt),
            )
        )
        metrics += await self._replication()
        self._snapshot = metrics

    async def _replication(self) -> list[Metric]:
        configured = self.replication is not None
        found: list[Metric] = [
            GaugeMetricFamily(
                f"{PREFIX}_replication_configured",
                "1 when [backup] replica_url is set",
                value=int(configured),
            )
        ]
        if self.replication is None:
            return found
        status = await self.replication()
        found.append(
            GaugeMetricFamily(
                f"{PREFIX}_replication_up", "1 while Litestream runs", value=int(status.running)
            )
        )
        found.append(
            CounterMetricFamily(
                f"{PREFIX}_replication_restarts",
                "Times Litestream exited and was started again",
                value=status.restarts,
            )
        )
        found.append(
            CounterMetricFamily(
                f"{PREFIX}_replication_sync_errors",
                "Failed syncs Litestream reports",
                value=status.sync_errors,
            )
        )
        if status.lag is not None:
            found.append(
                GaugeMetricFamily(
                    f"{PREFIX}_replication_lag_seconds",
                    "Seconds since Litestream last completed a sync (writes newer than that "
                    "are not in the replica yet)",
                    value=status.lag,
                )
            )
        return found

    def collect(self) -> Iterator[Metric]:
        """The values read by the last `refresh`."""
        yield from self._snapshot


# Set by `run` when it started replication (bot/cli.py), read by the scrape.
_replication: list[Callable[[], Awaitable[ReplicationStatus]]] = []


def watch_replication(status: Callable[[], Awaitable[ReplicationStatus]]) -> None:
    """Report replication (bot/replication.py) once `run` started it."""
    _replication.append(status)


def metrics_routes(
    application: BotApplication, registry: CollectorRegistry = REGISTRY
) -> web.RouteTableDef:
    """`GET /metrics` for this process."""
    global _state
    if _state is None:
        _state = StateCollector(application)
        registry.register(_state)
    state = _state
    routes = web.RouteTableDef()

    @routes.get("/metrics")
    async def metrics(request: web.Request) -> web.Response:
        """The Prometheus text format."""
        if state.replication is None and _replication:
            state.replication = _replication[-1]
        await state.refresh()
        body = redact(generate_latest(registry).decode("utf-8"))  # belt and braces
        return web.Response(
            body=body.encode("utf-8"),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )

    return routes


def request_counter(webhook_path: str | None) -> Middleware:
    """Middleware counting every request by route template and status."""

    @web.middleware
    async def count(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        route = _route(request, webhook_path)
        try:
            response = await handler(request)
        except web.HTTPException as error:
            WEB_REQUESTS.labels(route, str(error.status)).inc()
            raise
        except Exception:
            WEB_REQUESTS.labels(route, "500").inc()
            raise
        WEB_REQUESTS.labels(route, str(response.status)).inc()
        return response

    return count


def _route(request: web.Request, webhook_path: str | None) -> str:
    """The matched route's template: a bounded set, never the raw path (which is user input)."""
    info = request.match_info
    if info.http_exception is not None:
        return "unmatched"
    resource = info.route.resource
    canonical = resource.canonical if resource is not None else "unmatched"
    if webhook_path is not None and canonical == webhook_path:
        return "webhook"  # its path may be a secret of sorts: never spelled out
    return canonical if redact(canonical) == canonical else "redacted"
