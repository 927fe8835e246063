"""A validator for Telegram's HTML parse_mode that mirrors the Bot API's accept/reject rules.

The goal is to reject exactly what Telegram would reject (and a little more where the spec
is vague), so a bot that passes here will not hit "can't parse entities" in production.
Error texts follow the wording of TDLib's HTML parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "ParsedText", "parse_html", "utf16_len"]

# Tag name -> entity type. span and a, tg-emoji, pre/code get special attribute handling.
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "span", "a", "tg-emoji"})
_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n"


class HtmlParseError(ValueError):
    """Raised when text is not valid Telegram HTML; str() is the reason after the API prefix."""


@dataclass
class ParsedText:
    """Plain text after entity parsing plus the entities Telegram would attach."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def entity_count(self) -> int:
        """Number of entities found."""
        return len(self.entities)


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    offset: int  # UTF-16 offset into the plain text
    entity: dict[str, Any]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class _Parser:
    """Single-pass scanner over the source; keeps a stack of open tags."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 length of the text emitted so far
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        """UTF-8 byte offset of a character index, as Telegram reports positions."""
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        """Append plain text to the output."""
        self.out.append(text)
        self.out_len += utf16_len(text)

    def run(self) -> ParsedText:
        """Parse the whole source."""
        src, n = self.src, len(self.src)
        while self.pos < n:
            ch = src[self.pos]
            if ch == "<":
                if self.pos + 1 < n and src[self.pos + 1] == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            elif ch == "&":
                self.emit(self.entity(self.pos))
            else:
                end = self.pos
                while end < n and src[end] not in "<&":
                    end += 1
                self.emit(src[self.pos : end])
                self.pos = end
        if self.stack:
            name = self.stack[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def entity(self, start: int) -> str:
        """Decode an HTML entity at `start` (pointing at '&'); advances pos past ';'."""
        semi = self.src.find(";", start + 1, start + 12)
        if semi == -1:
            raise HtmlParseError(
                f"Character '&' is reserved and must be escaped as &amp; "
                f"at byte offset {self.byte_offset(start)}"
            )
        body = self.src[start + 1 : semi]
        value = _decode_entity(body)
        if value is None:
            raise HtmlParseError(
                f'Unsupported HTML entity "&{body};" at byte offset {self.byte_offset(start)}'
            )
        self.pos = semi + 1
        return value

    def read_name(self, begin: int) -> str:
        """Read a tag or attribute name (lower-cased) starting at pos."""
        src, n = self.src, len(self.src)
        start = self.pos
        while self.pos < n and src[self.pos] not in _SPACES and src[self.pos] not in "<>=/\"'":
            self.pos += 1
        if self.pos >= n:
            raise HtmlParseError(
                f"Unexpected end of name token at byte offset {self.byte_offset(begin)}"
            )
        return src[start : self.pos].lower()

    def skip_spaces(self) -> None:
        """Advance over whitespace."""
        while self.pos < len(self.src) and self.src[self.pos] in _SPACES:
            self.pos += 1

    def start_tag(self) -> None:
        """Parse `<name attr="v" ...>` and push it on the stack."""
        begin = self.pos
        self.pos += 1
        name = self.read_name(begin)
        if name not in _SUPPORTED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attrs = self.attributes(name, begin)
        entity = self.make_entity(name, attrs, begin)
        self.stack.append(_OpenTag(name, self.out_len, entity))

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        """Parse attributes up to and including the closing '>'."""
        src, n = self.src, len(self.src)
        attrs: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.pos >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if src[self.pos] == ">":
                self.pos += 1
                return attrs
            attr = self.read_name(begin)
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            self.skip_spaces()
            if self.pos < n and src[self.pos] != "=":
                # Value-less attributes are only meaningful for <blockquote expandable>.
                if tag == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            self.pos += 1
            self.skip_spaces()
            attrs[attr] = self.quoted_value(tag, begin)

    def quoted_value(self, tag: str, begin: int) -> str:
        """Read a '...' or "..." attribute value, decoding entities inside it."""
        src, n = self.src, len(self.src)
        if self.pos >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        quote = src[self.pos]
        if quote not in "\"'":
            raise HtmlParseError(
                f'Expected quoted attribute value in the tag "{tag}" '
                f"at byte offset {self.byte_offset(begin)}"
            )
        self.pos += 1
        parts: list[str] = []
        while True:
            if self.pos >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            ch = src[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(parts)
            if ch == "&":
                parts.append(self.entity(self.pos))
            else:
                parts.append(ch)
                self.pos += 1

    def make_entity(self, name: str, attrs: dict[str, str], begin: int) -> dict[str, Any]:
        """Build the MessageEntity skeleton a start tag produces."""
        where = f"at byte offset {self.byte_offset(begin)}"
        if name == "span":
            if attrs.get("class") != "tg-spoiler":
                raise HtmlParseError(f'Unsupported start tag "span" {where}')
            return {"type": "spoiler"}
        if name == "a":
            href = attrs.get("href")
            if not href:
                raise HtmlParseError(f'Tag "a" must have an "href" attribute {where}')
            return {"type": "text_link", "url": href}
        if name == "tg-emoji":
            emoji_id = attrs.get("emoji-id")
            if not emoji_id or not emoji_id.isdigit():
                raise HtmlParseError(f'Tag "tg-emoji" must have a valid "emoji-id" {where}')
            return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        if name == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if name == "code" and self.stack and self.stack[-1].name == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-") and len(language) > len("language-"):
                # <pre><code class="language-x"> becomes one pre entity with a language.
                self.stack[-1].entity["language"] = language[len("language-") :]
        return {"type": _SIMPLE_TAGS[name]}

    def end_tag(self) -> None:
        """Parse `</name>` and close the innermost open tag."""
        begin = self.pos
        self.pos += 2
        name = self.read_name(begin)
        self.skip_spaces()
        if self.pos >= len(self.src) or self.src[self.pos] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if top.name != name:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.stack.pop()
        length = self.out_len - top.offset
        if length == 0:
            return  # Telegram silently drops empty entities.
        if top.name == "code" and self.stack and self.stack[-1].entity.get("language"):
            return  # Folded into the enclosing pre entity.
        self.entities.append({**top.entity, "offset": top.offset, "length": length})


def _decode_entity(body: str) -> str | None:
    """Decode the text between '&' and ';', or None when Telegram would not accept it."""
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body]
    if not body.startswith("#") or len(body) < 2:
        return None
    digits, base = (body[2:], 16) if body[1] in "xX" else (body[1:], 10)
    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    if not digits or any(ch not in allowed for ch in digits):
        return None
    code = int(digits, base)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities; raise HtmlParseError when invalid."""
    return _Parser(source).run()
