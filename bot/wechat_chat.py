"""`python -m bot chat --wechat`: try the WeChat face in a terminal, through the WeChat emulator.

The face's real endpoint is served on a loopback port by the same web server `run` and `web`
use; the WeChat server emulator (wxemu) signs each typed line as a text message, POSTs it
(encrypted too, when the config sets safe mode), applies WeChat's 5 s deadline and retries and
checks the reply, and the text WeChat would show is printed. Lines starting with "/" act
instead of typing: /subscribe, /click KEY, /menu, /image, /voice, /location, /quit.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings, load_settings
from bot.services import answer_engine, open_store
from bot.wechat_face import wechat_endpoint
from web.server import WebServer
from wechat.replies import MENU_CARDS
from wechat.settings import WeChatSettings
from wording.i18n import Translator, load_catalogs
from wxemu import ReplyError, WeChatPlatform, WeChatUser

USER_OPENID = "o_terminal_user_0000000000000"
EXIT_WORDS = frozenset({"/quit", "/exit", "exit", "quit"})
HELP = (
    "Type a question as a WeChat user would. Also: /subscribe (follow the account), "
    "/click KEY (a menu button: {keys}, language, help), /image, /voice, /location, /quit."
)


async def run_wechat_chat(settings: Settings | None, lang: str | None) -> int:
    """Serve the face on a loopback port and converse with it on stdin/stdout."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")
    with tempfile.TemporaryDirectory(prefix="bot-wechat-chat-") as workdir:
        chosen = _chat_settings(settings, Path(workdir))
        section = chosen.wechat
        assert section is not None
        store = await open_store(chosen.storage.path, chosen.storage.content)
        server = WebServer()
        try:
            translate = Translator(load_catalogs())
            endpoint = wechat_endpoint(chosen, store, answer_engine(store), translate)
            server.add_routes(endpoint.routes())
            url = await server.start("127.0.0.1", 0)
            platform = WeChatPlatform(
                url.rstrip("/") + section.path,
                section.token.get_secret_value(),
                app_id=section.app_id,
                encoding_aes_key=(
                    section.encoding_aes_key.get_secret_value()
                    if section.encoding_aes_key
                    else None
                ),
            )
            async with platform:
                user = platform.user(USER_OPENID)
                if lang is not None:  # chosen the way a user does: by sending its name
                    await user.say(translate(lang, "language.name"))
                await _converse(user, sys.stdin, sys.stdout)
        finally:
            await server.stop()
            await store.close()
    return 0


def _chat_settings(settings: Settings | None, workdir: Path) -> Settings:
    if settings is None:
        chosen = load_settings(None)
        chosen.storage.path = workdir / "wechat-chat.sqlite3"
    else:
        chosen = settings.model_copy(deep=True)
    if chosen.wechat is None:
        # No account configured: a throwaway token, plain mode.
        chosen.wechat = WeChatSettings(token=SecretStr(secrets.token_hex(16)))
    return chosen


async def _converse(user: WeChatUser, stdin: TextIO, stdout: TextIO) -> None:
    loop = asyncio.get_running_loop()
    print(HELP.format(keys=", ".join(MENU_CARDS)), file=stdout)
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line in EXIT_WORDS:
            break
        try:
            shown = await _act(user, line)
        except ReplyError as error:
            shown = f"[WeChat would refuse this reply: {error}]"
        if shown is None:
            shown = "[no reply]"
        if shown == "":
            continue
        print(shown, file=stdout)
        print(file=stdout)


async def _act(user: WeChatUser, line: str) -> str | None:
    command, _, argument = line.partition(" ")
    if command == "/subscribe":
        return await user.subscribe()
    if command == "/click":
        return await user.click(argument.strip())
    if command == "/image":
        return await user.send_image()
    if command == "/voice":
        return await user.send_voice()
    if command == "/location":
        return await user.send_location()
    if command == "/menu":
        return HELP.format(keys=", ".join(MENU_CARDS))
    return await user.say(line)
