"""Our HTML as plain text, and catalog messages and content text as the site shows them.

The bot's catalogs are Telegram HTML (b, i, code and newlines) with emoji that stand in for
icons in a chat. The site uses the same messages; it drops the pictographs, which a browser
without an emoji font would draw as empty boxes, and keeps the markup, which is valid HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from wording.i18n import Translator

# Emoji and the arrows, shapes and dingbats the catalogs use as icons, with their variation
# selectors and joiners. Letters, digits and CJK punctuation are outside these ranges.
_PICTOGRAPHS = re.compile(
    "[\u2139\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff"
    "\U0001f000-\U0001faff\ufe0f\u200d]+ ?"
)
_TAG = re.compile(r"<[^>]+>")

Catalog = Callable[..., Markup]


def web_text(message: str) -> str:
    """A catalog message without its pictographs (the markup is kept)."""
    lines = (_PICTOGRAPHS.sub("", line).strip() for line in message.split("\n"))
    return "\n".join(lines).strip()


def plain_text(markup: str) -> str:
    """What a reader sees of our HTML: tags dropped, entities decoded (line breaks kept)."""
    return html.unescape(_TAG.sub("", markup))


def plain(message: str) -> str:
    """A catalog message as one line of plain text: no tags, no entities, no pictographs
    (titles, meta)."""
    return " ".join(plain_text(web_text(message)).split())


def catalog(translate: Translator, lang: str) -> Catalog:
    """`_(key, **params)` for templates: the message in `lang` as safe markup.

    Parameters are escaped by the Translator, and the catalog's own markup is trusted, exactly
    as in the bot's messages.
    """

    def message(key: str, /, **params: Any) -> Markup:
        return Markup(web_text(translate(lang, key, **params)))

    return message
