"""Text as Telegram measures and shows it: UTF-16 lengths and plain text from our HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import MessageEntity

from wording.text import plain_text

# Telegram's limit on the text of a callback answer (a toast or an alert).
CALLBACK_ANSWER_LIMIT = 200


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts every limit."""
    return len(text.encode("utf-16-le")) // 2


def callback_text(markup: str) -> str:
    """A catalog message made fit for `answerCallbackQuery` (plain, at most 200 characters)."""
    return plain_text(markup)[:CALLBACK_ANSWER_LIMIT]


# ------------------------------------------------------------------ formatted text → HTML

# Entity types that become a tag; the rest (urls, mentions, hashtags…) Telegram finds again.
_SIMPLE_TAGS = {
    MessageEntity.BOLD: "b",
    MessageEntity.ITALIC: "i",
    MessageEntity.UNDERLINE: "u",
    MessageEntity.STRIKETHROUGH: "s",
    MessageEntity.SPOILER: "tg-spoiler",
    MessageEntity.CODE: "code",
    MessageEntity.BLOCKQUOTE: "blockquote",
}


def _attribute(value: str) -> str:
    """An HTML attribute value: `&`, `"`, `<` and `>` escaped (a URL may hold any of them)."""
    return html.escape(value, quote=True)


def _wrap(entity: MessageEntity, body: str) -> str:
    kind = entity.type
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>{body}</{tag}>"
    if kind == MessageEntity.TEXT_LINK and entity.url:
        return f'<a href="{_attribute(entity.url)}">{body}</a>'
    if kind == MessageEntity.TEXT_MENTION and entity.user:
        return f'<a href="tg://user?id={int(entity.user.id)}">{body}</a>'
    if kind == MessageEntity.PRE:
        if entity.language:
            language = _attribute(f"language-{entity.language}")
            return f'<pre><code class="{language}">{body}</code></pre>'
        return f"<pre>{body}</pre>"
    if kind == MessageEntity.EXPANDABLE_BLOCKQUOTE:
        return f"<blockquote expandable>{body}</blockquote>"
    if kind == MessageEntity.CUSTOM_EMOJI and entity.custom_emoji_id:
        return f'<tg-emoji emoji-id="{_attribute(entity.custom_emoji_id)}">{body}</tg-emoji>'
    return body


def entities_html(
    text: str, entities: Sequence[MessageEntity], start: int = 0, end: int | None = None
) -> str:
    """A message's formatting as Telegram HTML, every text and attribute escaped.

    `start`/`end` (UTF-16 offsets, as entities count) select a part of the text (the text after
    a command). Entities nest properly (Telegram's rule), so each is rendered with what it
    contains; one that sticks out of the part is clipped to it.
    """
    units = text.encode("utf-16-le")
    stop = len(units) // 2 if end is None else end

    def plain(lo: int, hi: int) -> str:
        return html.escape(units[2 * lo : 2 * hi].decode("utf-16-le"), quote=False)

    def render(lo: int, hi: int, inside: list[tuple[int, int, MessageEntity]]) -> str:
        out, pos, index = [], lo, 0
        while index < len(inside):
            first, last, entity = inside[index]
            nested = [item for item in inside[index + 1 :] if item[0] < last]
            out.append(plain(pos, first))
            out.append(_wrap(entity, render(first, last, nested)))
            pos, index = last, index + 1 + len(nested)
        out.append(plain(pos, hi))
        return "".join(out)

    spans = sorted(
        (
            (max(e.offset, start), min(e.offset + e.length, stop), e)
            for e in entities
            if e.offset < stop and e.offset + e.length > start
        ),
        key=lambda item: (item[0], -item[1]),
    )
    return render(start, stop, [span for span in spans if span[0] < span[1]])


def message_html(text: str, entities: Sequence[MessageEntity], skip: str = "") -> str:
    """The HTML of `text` after its first `skip` characters (a command), trimmed."""
    rest = text[len(skip) :]
    begin = len(text) - len(rest.lstrip())
    finish = len(text.rstrip())
    if finish <= begin:
        return ""
    return entities_html(text, entities, utf16_length(text[:begin]), utf16_length(text[:finish]))


# ------------------------------------------------------------------ splitting long HTML

_UNIT = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\s\S]", re.ASCII)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")


def visible_length(markup: str) -> int:
    """How long Telegram counts our HTML: the UTF-16 length of its text, tags not counted."""
    return utf16_length(plain_text(markup))


def split_visible(markup: str, limit: int) -> list[str]:
    """Split Telegram HTML into pieces of at most `limit` visible UTF-16 units each.

    Cuts fall at a paragraph break if possible, else a line break, else a space; tags open at
    a cut are closed at the end of one piece and opened again (same attributes) at the start
    of the next, so every piece is valid on its own and the formatting carries over.
    """
    if visible_length(markup) <= limit:
        return [markup]
    units = _UNIT.findall(markup)
    pieces: list[str] = []
    index, reopen = 0, list[str]()  # the open tags (raw) the next piece starts inside
    while index < len(units):
        while index < len(units) and units[index] == "\n":
            index += 1  # a piece never starts with the break it was cut at
        stack = list(reopen)
        seen = 0
        # The best cut so far: (rank, where the piece ends, where the next begins, open tags).
        best: tuple[int, int, int, list[str]] | None = None
        cut = len(units)
        for position in range(index, len(units)):
            unit = units[position]
            if unit.startswith("<") and len(unit) > 1:
                if unit.startswith("</"):
                    if stack:
                        stack.pop()
                elif _TAG_NAME.match(unit):
                    stack.append(unit)
                continue
            width = utf16_length(html.unescape(unit))
            if seen + width > limit:
                cut = position
                break
            seen += width
            if not unit.isspace():
                continue
            # The separator itself goes: a paragraph break, a line break, else a space.
            if unit == "\n" and position > index and units[position - 1] == "\n":
                candidate = (3, position - 1, position + 1, list(stack))
            elif unit == "\n":
                candidate = (2, position, position + 1, list(stack))
            else:
                candidate = (1, position, position + 1, list(stack))
            if best is None or candidate[0] >= best[0]:
                best = candidate
        if cut == len(units):
            end, resume, open_at_end = len(units), len(units), stack
        elif best is not None:
            _, end, resume, open_at_end = best
        else:
            end, resume, open_at_end = cut, cut, stack
        text = "".join(reopen) + "".join(units[index:end]) + _closing(open_at_end)
        if plain_text(text).strip():
            pieces.append(text)
        index, reopen = resume, open_at_end
    return pieces


def _closing(stack: list[str]) -> str:
    names = []
    for opening in reversed(stack):
        match = _TAG_NAME.match(opening)
        if match:
            names.append(f"</{match.group(1)}>")
    return "".join(names)
