"""Replies cut to WeChat's limit: 2048 bytes of UTF-8, on sentence boundaries.

A text reply longer than 2048 bytes is refused by WeChat, so a long answer is split into parts:
the first is sent now, with a line saying how to get the next ("reply 1 for more"), and every
part ends with the same footer (the site link). A part breaks after a sentence or a line; a
sentence too long for a part breaks at a space, and a text without spaces (Chinese) between
characters, never inside one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# WeChat's limit on a text reply's Content, in bytes of UTF-8.
MAX_REPLY_BYTES = 2048
# After a sentence's end (. ! ? and their full-width forms, with closing quotes or brackets)
# and after every line break.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])[\"'”’)）」』]*\s*|(?<=\n)")


@dataclass(frozen=True, slots=True)
class Fitted:
    """The part to send now and what is left for "more" (empty when it all fitted)."""

    text: str
    rest: str


def size(text: str) -> int:
    """The text's size as WeChat counts it."""
    return len(text.encode("utf-8"))


def fit(body: str, footer: str, more: str, limit: int = MAX_REPLY_BYTES) -> Fitted:
    """`body` + `footer` if they fit in `limit` bytes; else as much of the body as fits with
    `more` (how to ask for the rest) and the footer, cut after a sentence where possible.

    The footer and the hint are kept whole; a footer too large for the limit is dropped.
    """
    tail = f"\n\n{footer}" if footer else ""
    if size(tail) > limit // 2:
        tail = ""
    if size(body) + size(tail) <= limit:
        return Fitted(body + tail, "")
    hint = f"\n\n{more}"
    budget = limit - size(tail) - size(hint)
    head = _head(body, budget)
    rest = body[len(head) :].lstrip()
    return Fitted(head.rstrip() + hint + tail, rest)


def _head(text: str, budget: int) -> str:
    """The longest start of `text` within `budget` bytes, ending after a sentence if any does."""
    best = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end == 0 or size(text[:end]) > budget:
            break
        best = end
    if best > 0:
        return text[:best]
    # One sentence longer than the budget: cut at a space, else between two characters.
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    space = cut.rfind(" ")
    return cut[:space] if space > len(cut) // 2 else cut
