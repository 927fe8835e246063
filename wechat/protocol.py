"""WeChat's server protocol: signatures, safe-mode crypto, message parsing and reply XML.

wechatpy does the protocol work (signature check, `WeChatCrypto` for AES safe mode, message
parsing, reply rendering); this module narrows it to what the face needs and turns its many
exceptions into two: `BadSignature` (HTTP 403) and `BadMessage` (HTTP 400).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

# The XML a message may declare: anything with a DOCTYPE or entity declarations is refused
# before parsing (entity expansion attacks; WeChat never sends them).
_FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
# Text in a CDATA section cannot contain its terminator; it is split where it would appear.
_CDATA_END = "]]>"


class BadSignature(Exception):
    """The request was not signed with our token (or safe mode's key and AppID)."""


class BadMessage(Exception):
    """The body is not a WeChat message we can read (malformed, truncated, not XML)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message or event WeChat pushed, as the face needs it."""

    # The user's openid and our account's id (the reply swaps them).
    user: str
    account: str
    created: int
    # text, image, voice, video, shortvideo, location, link, event, …
    kind: str
    # Text messages: what the user typed.
    content: str = ""
    # Messages carry a MsgId; events do not.
    msg_id: str = ""
    # Events: subscribe, unsubscribe, CLICK, VIEW, … and the menu key of a CLICK.
    event: str = ""
    event_key: str = ""

    @property
    def dedup_key(self) -> str:
        """WeChat's own rule: a message is identified by its MsgId, an event by its sender and
        creation time (retries repeat both); the event and its key tell apart two menu presses
        within one second."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.user}:{self.created}:{self.event}:{self.event_key}"


class Protocol:
    """The account's side of the protocol: plain mode, or safe mode when a crypto is given."""

    def __init__(self, token: str, app_id: str | None = None, aes_key: str | None = None) -> None:
        self.token = token
        self.crypto = (
            WeChatCrypto(token, aes_key, app_id) if app_id is not None and aes_key else None
        )

    def check(self, signature: str, timestamp: str, nonce: str) -> None:
        """The query's `signature` is SHA-1 of the sorted token, timestamp and nonce."""
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise BadSignature from None

    def echo(self, query: dict[str, str]) -> str:
        """The `echostr` of WeChat's server check, if the query is signed (else BadSignature).

        Safe mode's check may sign and encrypt it (`msg_signature`); the plain check is the
        same in both modes.
        """
        echostr = query.get("echostr", "")
        if self.crypto is not None and "msg_signature" in query:
            try:
                text: str = self.crypto._check_signature(
                    query["msg_signature"],
                    query.get("timestamp", ""),
                    query.get("nonce", ""),
                    echostr,
                    _prp_crypto(),
                )
            except (InvalidSignatureException, InvalidAppIdException):
                raise BadSignature from None
            except Exception:
                raise BadMessage from None
            return text
        self.check(query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", ""))
        return echostr

    def read(self, query: dict[str, str], body: bytes) -> tuple[Message, bool]:
        """The message of a signed POST and whether it came encrypted (its reply must too)."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if query.get("encrypt_type", "raw").lower() == "aes":
            if self.crypto is None:
                # Encrypted without a key to read it: the account's mode and ours differ.
                raise BadMessage
            _refuse_declarations(body)
            try:
                xml = self.crypto.decrypt_message(
                    body.decode("utf-8"), query.get("msg_signature", ""), timestamp, nonce
                )
            except (InvalidSignatureException, InvalidAppIdException):
                raise BadSignature from None
            except Exception:  # malformed envelope, base64, padding or length
                raise BadMessage from None
            return parse(xml.encode("utf-8")), True
        self.check(query.get("signature", ""), timestamp, nonce)
        return parse(body), False

    def reply(self, message: Message, text: str, encrypted: bool, nonce: str) -> str:
        """The passive text reply to `message`, encrypted if the message was."""
        safe = text.replace(_CDATA_END, "]] >")
        xml: str = TextReply(
            source=message.account, target=message.user, content=safe, time=int(time.time())
        ).render()
        if encrypted and self.crypto is not None:
            wrapped: str = self.crypto.encrypt_message(xml, nonce)
            return wrapped
        return xml


def parse(body: bytes) -> Message:
    """A plain message's XML as a `Message` (BadMessage if it is not one)."""
    _refuse_declarations(body)
    try:
        root = xmltodict.parse(body.decode("utf-8"))
    except Exception:  # expat errors, bad UTF-8
        raise BadMessage from None
    fields = root.get("xml") if isinstance(root, dict) else None
    if not isinstance(fields, dict):
        raise BadMessage
    user, account = _text(fields, "FromUserName"), _text(fields, "ToUserName")
    kind = _text(fields, "MsgType").lower()
    if not user or not account or not kind:
        raise BadMessage
    try:
        created = int(_text(fields, "CreateTime") or 0)
    except ValueError:
        raise BadMessage from None
    return Message(
        user=user,
        account=account,
        created=created,
        kind=kind,
        content=_text(fields, "Content"),
        msg_id=_text(fields, "MsgId"),
        event=_text(fields, "Event").lower(),
        event_key=_text(fields, "EventKey"),
    )


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _refuse_declarations(body: bytes) -> None:
    if any(marker in body for marker in _FORBIDDEN_XML):
        raise BadMessage


def _prp_crypto() -> Any:
    from wechatpy.crypto import PrpCrypto

    return PrpCrypto
