"""The WeChat endpoint: routes on the process's one aiohttp server (web/server.py).

    GET  <path>   WeChat's server check: `echostr` back if signed with our token, else 403
    POST <path>   a message: the passive reply in the response (XML), or `success` for none

Every failure is an HTTP status, never a traceback: a bad signature 403, a malformed, truncated
or oversized body 400; an unexpected error in the face is logged and answered with a polite
text, so the user still hears from us and the server keeps serving.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from wechat.face import WeChatFace
from wechat.language import DEFAULT_LANGUAGE
from wechat.protocol import BadMessage, BadSignature, Message, Protocol

log = logging.getLogger(__name__)

# WeChat's messages are well under 2 KiB; anything beyond this is not one of them.
MAX_BODY = 64 * 1024
# "Reply nothing": WeChat shows the user nothing and does not retry.
NOTHING = "success"


class WeChatEndpoint:
    """The routes, over one protocol (plain or safe mode) and one face."""

    def __init__(self, protocol: Protocol, face: WeChatFace, path: str) -> None:
        self.protocol = protocol
        self.face = face
        self.path = path

    def routes(self) -> web.RouteTableDef:
        """GET (server check) and POST (messages) on the configured path."""
        routes = web.RouteTableDef()
        routes.get(self.path, allow_head=False)(self.verify)
        routes.post(self.path)(self.receive)
        return routes

    async def verify(self, request: web.Request) -> web.Response:
        """WeChat's check of the server URL: echo `echostr` only to a signed request."""
        try:
            echo = self.protocol.echo(dict(request.query))
        except BadSignature:
            return _status(403, "bad signature")
        except BadMessage:
            return _status(400, "bad echostr")
        return web.Response(text=echo, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """A pushed message or event: its passive reply."""
        body = await _bounded_body(request)
        if body is None:
            return _status(400, "body too large")
        query = dict(request.query)
        try:
            message, encrypted = self.protocol.read(query, body)
        except BadSignature:
            return _status(403, "bad signature")
        except BadMessage:
            return _status(400, "not a WeChat message")
        try:
            text = await self.face.respond(message)
        except Exception:
            log.exception("WeChat message %s not answered", message.kind)
            text = self.face.replies.say(DEFAULT_LANGUAGE, "error")
        if not text:
            return web.Response(text=NOTHING, content_type="text/plain")
        nonce = query.get("nonce") or secrets.token_hex(8)
        xml = self.protocol.reply(message, text, encrypted, nonce)
        return web.Response(text=xml, content_type="application/xml")


async def _bounded_body(request: web.Request) -> bytes | None:
    """The request body, or None if it is larger than MAX_BODY (read no further than that)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _status(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=reason, content_type="text/plain")


__all__ = ["Message", "WeChatEndpoint"]
