"""The few WeChat API calls the bot makes, emulated: an access token and menu/create.

Strict like WeChat: the AppID and secret must match (errcode 40125 otherwise), the token must
be the one issued (40001), and a menu breaking WeChat's limits is refused with WeChat's codes
(40016 too many buttons, 40017 bad type, 40018 name too long, 40019 key too long, 40023 too
many sub-buttons, 40025 sub-button name too long).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

GROUP_NAME_BYTES = 16
BUTTON_NAME_BYTES = 60
KEY_BYTES = 128


class WeChatApiEmulator:
    """An HTTP server at `base_url` answering /cgi-bin/token and /cgi-bin/menu/create."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.tokens: set[str] = set()
        # Every menu accepted, in order.
        self.menus: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return _error(40125, "invalid appsecret")
        token = secrets.token_urlsafe(48)
        self.tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _menu_create(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") not in self.tokens:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            menu = json.loads(await request.read())
        except ValueError:
            return _error(47001, "data format error")
        problem = _menu_problem(menu)
        if problem is not None:
            return _error(*problem)
        self.menus.append(menu)
        return _error(0, "ok")


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})


def _size(value: object) -> int:
    return len(str(value).encode("utf-8"))


def _menu_problem(menu: object) -> tuple[int, str] | None:
    if not isinstance(menu, dict) or not isinstance(menu.get("button"), list):
        return 47001, "data format error"
    groups = menu["button"]
    if not 1 <= len(groups) <= 3:
        return 40016, "invalid button size"
    for group in groups:
        if not isinstance(group, dict) or not 1 <= _size(group.get("name", "")) <= GROUP_NAME_BYTES:
            return 40018, "invalid button name size"
        subs = group.get("sub_button")
        buttons = subs if isinstance(subs, list) and subs else [group]
        if isinstance(subs, list) and len(subs) > 5:
            return 40023, "invalid sub button size"
        for button in buttons:
            if button is not group and not 1 <= _size(button.get("name", "")) <= BUTTON_NAME_BYTES:
                return 40025, "invalid sub button name size"
            kind = button.get("type")
            if kind == "click":
                if not 1 <= _size(button.get("key", "")) <= KEY_BYTES:
                    return 40019, "invalid button key size"
            elif kind == "view":
                if not str(button.get("url", "")).startswith(("http://", "https://")):
                    return 40055, "invalid button url domain"
            else:
                return 40017, "invalid button type"
    return None
