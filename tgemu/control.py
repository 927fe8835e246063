"""The HTTP control API under /_emu/ for other processes (benchmarks, the bot's own tests)."""

from __future__ import annotations

from aiohttp import web

from tgemu.calls import CallLog
from tgemu.errors import JsonDict
from tgemu.faults import FaultInjection
from tgemu.methods.files import FileMethods
from tgemu.updates import UpdateQueue
from tgemu.webhook import WebhookDelivery
from tgemu.wire import jsonable


class ControlApi(WebhookDelivery, FileMethods, UpdateQueue, CallLog, FaultInjection):
    """Routes under /_emu/."""

    def _add_control_routes(self, app: web.Application) -> None:
        """Routes under /_emu/ for other processes (benchmarks)."""
        app.router.add_post("/_emu/updates", self._ctl_updates)
        app.router.add_get("/_emu/calls", self._ctl_calls)
        app.router.add_get("/_emu/stats", self._ctl_stats)
        app.router.add_post("/_emu/chats", self._ctl_chats)
        app.router.add_post("/_emu/faults", self._ctl_faults)
        app.router.add_post("/_emu/reset_calls", self._ctl_reset_calls)
        app.router.add_get("/_emu/webhook/deliveries", self._ctl_webhook_deliveries)
        app.router.add_post("/_emu/webhook/wait", self._ctl_webhook_wait)
        app.router.add_get("/_emu/files", self._ctl_files)

    async def _ctl_updates(self, request: web.Request) -> web.Response:
        """Bulk push: {"updates": [{kind, user_id, text, ...}, ...]}."""
        body = await request.json()
        try:
            pushed = [self.push_from_spec(spec) for spec in body.get("updates", [])]
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": repr(exc)}, status=400)
        last = pushed[-1]["update_id"] if pushed else None
        return web.json_response({"ok": True, "pushed": len(pushed), "last_update_id": last})

    async def _ctl_calls(self, request: web.Request) -> web.Response:
        """Recorded calls; params included only with ?params=1."""
        query = request.query
        method = query.get("method") or None
        chat_id = int(query["chat_id"]) if query.get("chat_id") else None
        since = int(query.get("since") or 0)
        with_params = query.get("params") in ("1", "true")
        try:
            calls = self.calls(method, chat_id, since=since)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        rows = []
        for call in calls:
            row: JsonDict = {
                "index": call.index,
                "method": call.method,
                "chat_id": call.chat_id,
                "at": call.at,
                "status": call.status,
            }
            if call.error:
                row["error"] = call.error
            if call.file_source:
                row["file"] = call.file_source
            if with_params:
                row["params"] = jsonable(call.params)
            rows.append(row)
        return web.json_response(rows)

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        """Counters."""
        return web.json_response(self.stats())

    async def _ctl_chats(self, request: web.Request) -> web.Response:
        """Bulk add_chat: {"chat_ids": [...], "chat_type": "private"}."""
        body = await request.json()
        ids = [int(i) for i in body.get("chat_ids", [])]
        self.add_chats(ids, body.get("chat_type", "private"))
        return web.json_response({"ok": True, "added": len(ids)})

    async def _ctl_faults(self, request: web.Request) -> web.Response:
        """Inject faults: block/unblock/deactivate/forget, rate_limit, fail_next, latency..."""
        body = await request.json()
        try:
            self._apply_fault_spec(body)
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": repr(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _ctl_reset_calls(self, request: web.Request) -> web.Response:
        """Forget recorded calls."""
        self.reset_calls()
        return web.json_response({"ok": True})

    async def _ctl_webhook_deliveries(self, request: web.Request) -> web.Response:
        """Webhook delivery attempts from index ?since=N on, plus the pending count."""
        since = int(request.query.get("since") or 0)
        return web.json_response(
            {"pending": self.webhook_pending(), "deliveries": self.webhook_deliveries(since)}
        )

    async def _ctl_webhook_wait(self, request: web.Request) -> web.Response:
        """Wait until the webhook has no pending update: {"timeout": seconds}; 408 if not."""
        body = await request.json() if request.body_exists else {}
        try:
            await self.wait_webhook_idle(float(body.get("timeout", 5.0)))
        except TimeoutError:
            pending = self.webhook_pending()
            return web.json_response({"ok": False, "pending": pending}, status=408)
        return web.json_response({"ok": True, "pending": 0})

    async def _ctl_files(self, request: web.Request) -> web.Response:
        """Files the bot uploaded: {"uploads": n, "files": [{file_id, kind, size, ...}]}."""
        return web.json_response({"uploads": self.uploads, "files": self.files()})
