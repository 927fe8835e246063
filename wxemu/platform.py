"""WeChat's side of an Official Account server: push a message, enforce 5 s, check the reply.

WeChat's rules, as `WeChatPlatform.deliver` applies them:
- Every push is a POST to the server URL with `signature`, `timestamp`, `nonce` (and `openid`)
  in the query; in safe mode also `encrypt_type=aes` and `msg_signature`, the body an envelope
  with the encrypted message.
- No answer within 5 s: WeChat hangs up and sends the same message again (same MsgId), at
  most 3 times. An HTTP error counts the same way. After the last, the user sees WeChat's
  "该公众号暂时无法提供服务，请稍后再试" (`Delivery.failed`).
- The reply is `success` or an empty body (nothing shown), or an XML text message addressed
  back to the user from the account, with a Content of at most 2048 bytes; in safe mode an
  encrypted envelope whose signature verifies. Anything else is a `ReplyError` (WeChat shows
  the user the same failure notice).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import aiohttp

from wxemu import messages
from wxemu.crypto import AesFraming, CryptoError, signature

DEADLINE = 5.0
RETRIES = 3
MAX_CONTENT_BYTES = 2048
# What WeChat shows the user when the server failed every attempt.
UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
# Markup a text reply may carry: links only. Telegram's tags mean a face leaked its markup.
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
_LINK_OPEN = re.compile(r'^<a href="(https?://[^"\s<>]+)">$')


class ReplyError(Exception):
    """A reply WeChat would not show: wrong shape, addressing, size, markup or signature."""


@dataclass
class Attempt:
    """One POST of a message: its HTTP status (None: no answer in time) and duration."""

    status: int | None
    seconds: float
    body: str = ""


@dataclass
class Delivery:
    """What became of one pushed message."""

    attempts: list[Attempt] = field(default_factory=list)
    # What the user sees: the reply's text, None for nothing (`success`), or UNAVAILABLE.
    shown: str | None = None
    failed: bool = False
    # The reply's XML (decrypted in safe mode), for shape checks in tests.
    xml: str = ""

    @property
    def seconds(self) -> float:
        """From the first POST to the accepted answer (or the last failure)."""
        return sum(a.seconds for a in self.attempts)


class WeChatPlatform:
    """Pushes messages to one account's server the way WeChat does.

    `safe_mode` needs `encoding_aes_key` and `app_id`; `deadline` and `retries` are WeChat's
    (tests may shorten the deadline to provoke retries).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        account: str = "gh_emulated0001",
        app_id: str | None = None,
        encoding_aes_key: str | None = None,
        deadline: float = DEADLINE,
        retries: int = RETRIES,
    ) -> None:
        self.url = url
        self.token = token
        self.account = account
        self.framing = AesFraming(encoding_aes_key, app_id) if encoding_aes_key and app_id else None
        self.deadline = deadline
        self.retries = retries
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WeChatPlatform:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, force_close=False)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def user(self, openid: str | None = None) -> WeChatUser:
        """A person writing to the account (a fresh openid unless given)."""
        return WeChatUser(self, openid or "o" + secrets.token_urlsafe(21)[:27])

    # ------------------------------------------------------------------ the server check

    async def verify(self, echostr: str = "", *, token: str | None = None) -> tuple[int, str]:
        """WeChat's GET check of the server URL: (status, body); signed with `token` if given."""
        echostr = echostr or str(secrets.randbelow(10**19))
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        query = {
            "signature": signature(token or self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        async with self.session().get(self.url, params=query) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------------ pushing messages

    def signed_query(self, body: str, openid: str) -> tuple[dict[str, str], str]:
        """The query string and body of a push of the plain message `body`."""
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        query = {
            "signature": signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid,
        }
        if self.framing is None:
            return query, body
        encrypted = self.framing.encrypt(body)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = signature(self.token, timestamp, nonce, encrypted)
        envelope = (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        return query, envelope

    async def post(self, query: dict[str, str], body: str | bytes) -> tuple[int, str]:
        """One raw POST (no deadline, no checks): for hostile inputs."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        async with self.session().post(
            self.url, params=query, data=data, headers={"Content-Type": "text/xml"}
        ) as response:
            return response.status, await response.text()

    async def deliver(self, body: str, openid: str) -> Delivery:
        """Push the message `body` as WeChat does: deadline, retries, reply checks."""
        delivery = Delivery()
        for _ in range(1 + self.retries):
            # Each attempt is signed afresh, as WeChat does; the message (and MsgId) is the same.
            query, payload = self.signed_query(body, openid)
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.deadline):
                    status, text = await self.post(query, payload)
            except TimeoutError:
                delivery.attempts.append(Attempt(None, time.monotonic() - started))
                continue
            delivery.attempts.append(Attempt(status, time.monotonic() - started, text))
            if status != 200:
                continue
            delivery.shown, delivery.xml = self.check_reply(text, openid, query["nonce"])
            return delivery
        delivery.failed = True
        delivery.shown = UNAVAILABLE
        return delivery

    def check_reply(self, body: str, openid: str, nonce: str) -> tuple[str | None, str]:
        """(the text shown, the reply's XML) of a reply; ReplyError if WeChat would refuse it."""
        if body == "" or body == "success":
            return None, ""
        if self.framing is not None:
            body = self._open_envelope(body)
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            raise ReplyError(f"reply is not XML: {error}") from None
        if root.tag != "xml":
            raise ReplyError(f"root element <{root.tag}>, not <xml>")
        fields = {child.tag: (child.text or "") for child in root}
        for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
            if name not in fields:
                raise ReplyError(f"reply has no {name}")
        if fields["ToUserName"] != openid:
            raise ReplyError("reply not addressed to the user who wrote")
        if fields["FromUserName"] != self.account:
            raise ReplyError("reply not sent from the account written to")
        if not fields["CreateTime"].isdigit():
            raise ReplyError("CreateTime is not a number")
        if fields["MsgType"] != "text":
            raise ReplyError(f"MsgType {fields['MsgType']!r}: only text replies are checked")
        content = fields.get("Content", "")
        if not content:
            raise ReplyError("empty Content")
        if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
            raise ReplyError(f"Content is {len(content.encode())} bytes (> {MAX_CONTENT_BYTES})")
        _check_markup(content)
        return content, body

    def _open_envelope(self, body: str) -> str:
        assert self.framing is not None
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            raise ReplyError(f"safe-mode reply is not XML: {error}") from None
        fields = {child.tag: (child.text or "") for child in root}
        for name in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce"):
            if not fields.get(name):
                raise ReplyError(f"safe-mode reply has no {name}")
        expected = signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if fields["MsgSignature"] != expected:
            raise ReplyError("safe-mode reply signature does not verify")
        try:
            return self.framing.decrypt(fields["Encrypt"])
        except CryptoError as error:
            raise ReplyError(f"safe-mode reply does not decrypt: {error}") from None


def _check_markup(content: str) -> None:
    """Text replies show links (<a href="http…">…</a>) and nothing else of HTML."""
    depth = 0
    for match in _TAG.finditer(content):
        tag = match.group(0)
        if match.group(1).lower() != "a":
            raise ReplyError(f"markup WeChat does not show: {tag}")
        if tag.startswith("</"):
            depth -= 1
        elif _LINK_OPEN.match(tag):
            depth += 1
        else:
            raise ReplyError(f"malformed link: {tag}")
        if depth not in (0, 1):
            raise ReplyError("links nested or closed twice")
    if depth:
        raise ReplyError("unclosed link")
    if re.search(r"&(amp|lt|gt|quot|#\d+);", content):
        raise ReplyError("HTML entities in a plain-text reply")


class WeChatUser:
    """One person's conversation with the account: each call returns what they see."""

    def __init__(self, platform: WeChatPlatform, openid: str) -> None:
        self.platform = platform
        self.openid = openid
        self.last: Delivery | None = None

    async def _send(self, body: str) -> str | None:
        self.last = await self.platform.deliver(body, self.openid)
        return self.last.shown

    async def say(self, text: str) -> str | None:
        """Type a text message."""
        account = self.platform.account
        return await self._send(messages.text(self.openid, account, text, messages.next_msg_id()))

    async def subscribe(self) -> str | None:
        """Follow the account."""
        return await self._send(messages.event(self.openid, self.platform.account, "subscribe"))

    async def unsubscribe(self) -> str | None:
        """Unfollow the account."""
        return await self._send(messages.event(self.openid, self.platform.account, "unsubscribe"))

    async def click(self, key: str) -> str | None:
        """Press a custom-menu button of type click."""
        return await self._send(messages.event(self.openid, self.platform.account, "CLICK", key))

    async def send_image(self) -> str | None:
        """Send a picture."""
        account = self.platform.account
        return await self._send(messages.image(self.openid, account, messages.next_msg_id()))

    async def send_voice(self) -> str | None:
        """Send a voice message."""
        account = self.platform.account
        return await self._send(messages.voice(self.openid, account, messages.next_msg_id()))

    async def send_location(self) -> str | None:
        """Share a location."""
        account = self.platform.account
        return await self._send(messages.location(self.openid, account, messages.next_msg_id()))
