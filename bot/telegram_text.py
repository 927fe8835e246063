"""Text as Telegram measures and shows it: UTF-16 lengths and plain text from our HTML."""

from __future__ import annotations

import html
import re

# Telegram's limit on the text of a callback answer (a toast or an alert).
CALLBACK_ANSWER_LIMIT = 200

_TAG = re.compile(r"<[^>]+>")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts every limit."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(markup: str) -> str:
    """What a reader sees of our HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def callback_text(markup: str) -> str:
    """A catalog message made fit for `answerCallbackQuery` (plain, at most 200 characters)."""
    return plain_text(markup)[:CALLBACK_ANSWER_LIMIT]
