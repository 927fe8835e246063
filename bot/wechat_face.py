"""The WeChat face in the process: its routes on the one web server, and `wechat-menu`.

Composition only: the face (wechat/) is built from the settings' `[wechat]` section and the
store the rest of the process uses. `python -m bot web` and `python -m bot run` (with
`[web] enabled`) add these routes whenever `[wechat]` is present.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import web

from answers.engine import AnswerEngine
from bot.config import ConfigError, Settings
from storage.store import Store
from storage.unanswered import Reason
from wechat.endpoint import WeChatEndpoint
from wechat.face import WeChatFace
from wechat.menu import menu_json
from wechat.protocol import Protocol
from wechat.questions import AskedQuestion, QuestionHook
from wechat.replies import Replies
from wechat.settings import WeChatSettings
from wording.i18n import Translator

# Seconds for each call to WeChat's API (token, menu/create).
API_TIMEOUT = 15.0


def wechat_endpoint(
    settings: Settings,
    store: Store,
    engine: AnswerEngine,
    translate: Translator,
    on_question: QuestionHook | None = None,
) -> WeChatEndpoint:
    """The endpoint for `[wechat]` (the caller checked the section is present)."""
    section = settings.wechat
    assert section is not None
    protocol = Protocol(
        section.token.get_secret_value(),
        section.app_id,
        section.encoding_aes_key.get_secret_value() if section.encoding_aes_key else None,
    )
    replies = Replies(store, engine, translate, settings.web.base_url)
    return WeChatEndpoint(protocol, WeChatFace(store, replies, on_question), section.path)


def wechat_routes(
    settings: Settings, store: Store, engine: AnswerEngine, translate: Translator
) -> web.RouteTableDef:
    """The WeChat routes for the process's web server."""
    hook = unanswered_report(store, engine)
    return wechat_endpoint(settings, store, engine, translate, on_question=hook).routes()


def unanswered_report(store: Store, engine: AnswerEngine) -> QuestionHook:
    """WeChat's questions the article does not answer, noted for /unanswered as Telegram's are:
    the text as typed, its language and the engine's normal form; no user, no message."""

    async def note(question: AskedQuestion) -> None:
        if question.answered:
            return
        key = await engine.normal_form(question.text)
        await store.unanswered.note(question.text, question.language, key, Reason.NOTHING, None)

    return note


async def print_menu(settings: Settings, store: Store, translate: Translator, lang: str) -> int:
    """`wechat-menu`: print the menu JSON; with app_id and app_secret, post it too."""
    menu = await menu_json(lang, store.facts, translate, settings.web.base_url)
    print(json.dumps(menu, ensure_ascii=False, indent=2))
    section = settings.wechat
    if section is None or section.app_id is None or section.app_secret is None:
        return 0
    await post_menu(section, menu)
    print(f"menu posted to WeChat for {section.app_id}")
    return 0


async def post_menu(section: WeChatSettings, menu: dict[str, Any]) -> None:
    """Get an access token and call menu/create (ConfigError with WeChat's reason if refused)."""
    assert section.app_id is not None and section.app_secret is not None
    base = section.api_base_url.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=API_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            params = {
                "grant_type": "client_credential",
                "appid": section.app_id,
                "secret": section.app_secret.get_secret_value(),
            }
            async with session.get(f"{base}/cgi-bin/token", params=params) as response:
                token = await _answer(response, "token")
            access_token = str(token.get("access_token", ""))
            if not access_token:
                raise ConfigError("WeChat gave no access token (check wechat.app_id, app_secret)")
            body = json.dumps(menu, ensure_ascii=False).encode("utf-8")
            async with session.post(
                f"{base}/cgi-bin/menu/create",
                params={"access_token": access_token},
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as response:
                await _answer(response, "menu/create")
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ConfigError(f"WeChat API {base} unreachable: {error.__class__.__name__}") from None


async def _answer(response: aiohttp.ClientResponse, call: str) -> dict[str, Any]:
    try:
        data = await response.json(content_type=None)
    except ValueError:
        raise ConfigError(f"WeChat {call}: HTTP {response.status}, not JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(f"WeChat {call}: unexpected answer")
    code = int(data.get("errcode", 0) or 0)
    if response.status != 200 or code != 0:
        raise ConfigError(f"WeChat {call} refused: {code} {data.get('errmsg', '')}".rstrip())
    return data
