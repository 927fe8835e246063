"""The XML messages WeChat pushes to an account's server (plain mode)."""

from __future__ import annotations

import itertools
import time
from xml.sax.saxutils import escape

# MsgIds are 64-bit numbers; these start high, like WeChat's.
_msg_ids = itertools.count(6_054_768_590_064_713_728)


def next_msg_id() -> str:
    """A MsgId no other message of this process has."""
    return str(next(_msg_ids))


def _cdata(text: str) -> str:
    # A literal "]]>" inside CDATA is split across two sections, as XML requires.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def envelope(
    user: str, account: str, kind: str, fields: dict[str, str], created: int | None
) -> str:
    """`<xml>` with the common fields and `fields` (strings as CDATA, numbers bare)."""
    parts = [
        f"<ToUserName>{_cdata(account)}</ToUserName>",
        f"<FromUserName>{_cdata(user)}</FromUserName>",
        f"<CreateTime>{created or int(time.time())}</CreateTime>",
        f"<MsgType>{_cdata(kind)}</MsgType>",
    ]
    for name, value in fields.items():
        shown = value if value.isdigit() else _cdata(value)
        parts.append(f"<{escape(name)}>{shown}</{escape(name)}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text(user: str, account: str, content: str, msg_id: str, created: int | None = None) -> str:
    """A text message."""
    return envelope(user, account, "text", {"Content": content, "MsgId": msg_id}, created)


def event(user: str, account: str, name: str, key: str = "", created: int | None = None) -> str:
    """An event: subscribe, unsubscribe, CLICK (with its key), VIEW (with its URL)."""
    fields = {"Event": name}
    if key:
        fields["EventKey"] = key
    return envelope(user, account, "event", fields, created)


def image(user: str, account: str, msg_id: str, created: int | None = None) -> str:
    """An image message (a picture the user sent)."""
    fields = {"PicUrl": "http://mmbiz.qpic.cn/emulated.jpg", "MediaId": "media_1", "MsgId": msg_id}
    return envelope(user, account, "image", fields, created)


def voice(user: str, account: str, msg_id: str, created: int | None = None) -> str:
    """A voice message."""
    fields = {"MediaId": "media_2", "Format": "amr", "MsgId": msg_id}
    return envelope(user, account, "voice", fields, created)


def location(user: str, account: str, msg_id: str, created: int | None = None) -> str:
    """A location the user shared."""
    fields = {
        "Location_X": "32.0603",
        "Location_Y": "118.7969",
        "Scale": "15",
        "Label": "Nanjing",
        "MsgId": msg_id,
    }
    return envelope(user, account, "location", fields, created)
