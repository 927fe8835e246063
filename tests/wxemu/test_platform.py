"""The WeChat emulator is as strict as WeChat: deadline, retries, reply checks, menu limits.

Each test serves a small hand-written account server (aiohttp) that misbehaves on purpose.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from wxemu import ReplyError, WeChatApiEmulator, WeChatPlatform
from wxemu.crypto import AesFraming, signature
from wxemu.platform import UNAVAILABLE

TOKEN = "emulatorTest1"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1122334455667788"
Handler = Callable[[web.Request], Awaitable[web.Response]]


def text_reply(to: str, from_: str, content: str, kind: str = "text") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{from_}]]></FromUserName><CreateTime>1700000000</CreateTime>"
        f"<MsgType><![CDATA[{kind}]]></MsgType><Content><![CDATA[{content}]]></Content></xml>"
    )


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/wx", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/wx"

    yield start
    for runner in runners:
        await runner.cleanup()


def _fields(body: bytes) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(body)}


@pytest.mark.slow
async def test_a_late_reply_is_retried_with_the_same_message(
    serve: Callable[..., Awaitable[str]],
) -> None:
    seen: list[tuple[str, str]] = []

    async def slow_once(request: web.Request) -> web.Response:
        fields = _fields(await request.read())
        seen.append((fields["MsgId"], request.query["signature"]))
        assert request.query["signature"] == signature(
            TOKEN, request.query["timestamp"], request.query["nonce"]
        )
        if len(seen) == 1:
            await asyncio.sleep(1.0)
        return web.Response(text=text_reply(fields["FromUserName"], fields["ToUserName"], "hi"))

    async with WeChatPlatform(await serve(slow_once), TOKEN, deadline=0.3) as platform:
        user = platform.user()
        assert await user.say("question") == "hi"
        assert user.last is not None
        assert [a.status for a in user.last.attempts] == [None, 200]
        assert len({msg_id for msg_id, _ in seen}) == 1


async def test_three_retries_then_the_user_sees_the_failure(
    serve: Callable[..., Awaitable[str]],
) -> None:
    calls = 0

    async def broken(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(status=500)

    async with WeChatPlatform(await serve(broken), TOKEN) as platform:
        user = platform.user()
        assert await user.say("question") == UNAVAILABLE
        assert user.last is not None and user.last.failed
        assert calls == 4  # the first POST and WeChat's three retries


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (lambda to, me: text_reply(to, me, "字" * 683), "bytes"),  # 2049 bytes
        (lambda to, me: text_reply("someone_else", me, "hi"), "addressed"),
        (lambda to, me: text_reply(to, "gh_other", "hi"), "account"),
        (lambda to, me: text_reply(to, me, "<b>bold</b>"), "markup"),
        (lambda to, me: text_reply(to, me, '<a href="javascript:x()">x</a>'), "malformed link"),
        (lambda to, me: text_reply(to, me, "a &amp; b"), "entities"),
        (lambda to, me: text_reply(to, me, "hi", kind="image"), "MsgType"),
        (lambda to, me: "<html>oops</html>", "root"),
        (lambda to, me: "not xml at all <", "not XML"),
    ],
)
async def test_replies_wechat_would_refuse(
    serve: Callable[..., Awaitable[str]], reply: Callable[[str, str], str], problem: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        fields = _fields(await request.read())
        return web.Response(text=reply(fields["FromUserName"], fields["ToUserName"]))

    async with WeChatPlatform(await serve(handler), TOKEN) as platform:
        with pytest.raises(ReplyError, match=problem):
            await platform.user().say("question")


async def test_a_2048_byte_reply_and_success_are_accepted(
    serve: Callable[..., Awaitable[str]],
) -> None:
    replies = iter(["success", "", None])

    async def handler(request: web.Request) -> web.Response:
        fields = _fields(await request.read())
        text = next(replies)
        if text is None:
            text = text_reply(fields["FromUserName"], fields["ToUserName"], "字" * 682 + "ab")
        return web.Response(text=text)

    async with WeChatPlatform(await serve(handler), TOKEN) as platform:
        user = platform.user()
        assert await user.say("one") is None
        assert await user.say("two") is None
        shown = await user.say("three")
        assert shown is not None and len(shown.encode()) == 2048


async def test_safe_mode_replies_must_be_signed_and_encrypted(
    serve: Callable[..., Awaitable[str]],
) -> None:
    framing = AesFraming(AES_KEY, APP_ID)
    tamper = iter([False, True])

    async def handler(request: web.Request) -> web.Response:
        envelope = _fields(await request.read())
        query = request.query
        assert query["encrypt_type"] == "aes"
        assert query["msg_signature"] == signature(
            TOKEN, query["timestamp"], query["nonce"], envelope["Encrypt"]
        )
        fields = {c.tag: c.text or "" for c in ET.fromstring(framing.decrypt(envelope["Encrypt"]))}
        encrypted = framing.encrypt(text_reply(fields["FromUserName"], fields["ToUserName"], "密"))
        sign = signature(TOKEN, "1700000000", "77", encrypted)
        if next(tamper):
            sign = sign[::-1]
        return web.Response(
            text=f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><MsgSignature>{sign}"
            "</MsgSignature><TimeStamp>1700000000</TimeStamp><Nonce>77</Nonce></xml>"
        )

    url = await serve(handler)
    async with WeChatPlatform(url, TOKEN, app_id=APP_ID, encoding_aes_key=AES_KEY) as platform:
        user = platform.user()
        assert await user.say("question") == "密"
        with pytest.raises(ReplyError, match="signature"):
            await user.say("again")


async def test_the_menu_api_checks_credentials_and_limits() -> None:
    api = WeChatApiEmulator(APP_ID, "secret")
    await api.start()
    try:
        async with aiohttp.ClientSession() as session:
            params = {"grant_type": "client_credential", "appid": APP_ID, "secret": "wrong"}
            async with session.get(f"{api.base_url}/cgi-bin/token", params=params) as r:
                assert (await r.json())["errcode"] == 40125
            params["secret"] = "secret"
            async with session.get(f"{api.base_url}/cgi-bin/token", params=params) as r:
                token = (await r.json())["access_token"]
            create = f"{api.base_url}/cgi-bin/menu/create"
            too_long = {"button": [{"name": "一二三四五六", "sub_button": []}]}  # 18 bytes
            async with session.post(create, params={"access_token": token}, json=too_long) as r:
                assert (await r.json())["errcode"] == 40018
            good = {"button": [{"type": "click", "name": "会议", "key": "about"}]}
            async with session.post(create, params={"access_token": "stale"}, json=good) as r:
                assert (await r.json())["errcode"] == 40001
            async with session.post(create, params={"access_token": token}, json=good) as r:
                assert (await r.json())["errcode"] == 0
        assert api.menus == [good]
    finally:
        await api.stop()
