"""The HTTP control API under /_emu/ for other processes (benchmarks, the bot's own tests)."""

from __future__ import annotations

from aiohttp import web

from tgemu.calls import CallLog
from tgemu.errors import JsonDict
from tgemu.faults import FaultInjection
from tgemu.updates import UpdateQueue
from tgemu.wire import jsonable


class ControlApi(UpdateQueue, CallLog, FaultInjection):
    """Routes under /_emu/."""

    def _add_control_routes(self, app: web.Application) -> None:
        """Routes under /_emu/ for other processes (benchmarks)."""
        app.router.add_post("/_emu/updates", self._ctl_updates)
        app.router.add_get("/_emu/calls", self._ctl_calls)
        app.router.add_get("/_emu/stats", self._ctl_stats)
        app.router.add_post("/_emu/chats", self._ctl_chats)
        app.router.add_post("/_emu/faults", self._ctl_faults)
        app.router.add_post("/_emu/reset_calls", self._ctl_reset_calls)

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
