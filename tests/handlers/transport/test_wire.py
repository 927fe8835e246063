"""Request bodies: compact UTF-8 JSON, with RawJson values spliced in as they are."""

from __future__ import annotations

import json

from handlers.transport.wire import RawJson, json_body
from wording.i18n import Html


def test_a_body_is_the_parameters_as_compact_utf8_json() -> None:
    text = Html('\u041f\u0440\u0438\u0432\u0435\u0442 <b>\u4f60\u597d</b> "quoted"')
    body = json_body({"chat_id": -100123, "text": text, "parse_mode": "HTML"})
    assert json.loads(body) == {"chat_id": -100123, "text": str(text), "parse_mode": "HTML"}
    assert "\u041f\u0440\u0438\u0432\u0435\u0442".encode() in body  # UTF-8, not \u escapes
    assert b": " not in body and b", " not in body


def test_raw_json_values_are_spliced_verbatim() -> None:
    keyboard = RawJson.dump(
        {"inline_keyboard": [[{"text": "\u00ab\u00bb", "callback_data": "c:1"}]]}
    )
    body = json_body({"chat_id": 7, "reply_markup": keyboard})
    assert json.loads(body) == {"chat_id": 7, "reply_markup": json.loads(keyboard)}
    assert keyboard.encode() in body
    only_raw = json_body({"reply_markup": keyboard})
    assert json.loads(only_raw) == {"reply_markup": json.loads(keyboard)}


def test_values_orjson_refuses_are_encoded_as_the_standard_library_does() -> None:
    parameters = {"big": 2**70, "keys": {1: "one"}, "reply_markup": RawJson.dump({2: [2**65]})}
    body = json_body(parameters)
    assert json.loads(body) == {"big": 2**70, "keys": {"1": "one"}, "reply_markup": {"2": [2**65]}}
