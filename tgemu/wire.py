"""Wire decoding: query string, form, multipart and JSON bodies into typed parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tgemu.errors import JsonDict, bad_request

# Form fields that are plain strings on the wire; every other field is JSON-encoded by PTB.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "language_code",
        "url",
        "next_offset",
        "action",
        "secret_token",
        "ip_address",
        "emoji",
        "message_effect_id",
        "business_connection_id",
        "switch_pm_text",
        "switch_pm_parameter",
        "title",
        "name",
        # A file_id may look numeric; it must stay a string.
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    """A file received in a multipart request."""

    filename: str
    content_type: str
    data: bytes


async def read_params(request: web.Request) -> JsonDict:
    """Decode query string + form/multipart/JSON body into typed parameters."""
    params: JsonDict = {k: _decode_field(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return _normalize(params)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_field(key, value)
            elif isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = UploadedFile(value.filename, value.content_type, data)
    return _normalize(params)


def _decode_field(key: str, value: str) -> Any:
    """Form values are JSON-encoded unless the field is a plain string."""
    if key in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalize(params: JsonDict) -> JsonDict:
    """Coerce ids that may arrive as strings into ints."""
    for key in ("chat_id", "message_id", "user_id"):
        value = params.get(key)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            params[key] = int(value)
    return params


def jsonable(params: JsonDict) -> JsonDict:
    """Params with uploads summarized so they can be sent as JSON."""
    return {
        k: ({"file_name": v.filename, "size": len(v.data)} if isinstance(v, UploadedFile) else v)
        for k, v in params.items()
    }
