"""Tests for the Telegram HTML parse_mode validator."""

from __future__ import annotations

import pytest

from tgemu.telegram_html import HtmlParseError, parse_html, utf16_len


def test_plain_text_passes_through() -> None:
    parsed = parse_html("hello world")
    assert parsed.text == "hello world"
    assert parsed.entities == []
    assert parsed.entity_count == 0


@pytest.mark.parametrize(
    ("source", "entity_type"),
    [
        ("<b>x</b>", "bold"),
        ("<strong>x</strong>", "bold"),
        ("<i>x</i>", "italic"),
        ("<em>x</em>", "italic"),
        ("<u>x</u>", "underline"),
        ("<ins>x</ins>", "underline"),
        ("<s>x</s>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ('<a href="https://example.com">x</a>', "text_link"),
        ('<tg-emoji emoji-id="5368324170671202286">x</tg-emoji>', "custom_emoji"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ("<B>x</B>", "bold"),
    ],
)
def test_supported_tags(source: str, entity_type: str) -> None:
    parsed = parse_html(source)
    assert parsed.text == "x"
    assert [e["type"] for e in parsed.entities] == [entity_type]


def test_offsets_are_utf16_and_nested() -> None:
    parsed = parse_html("😀 <b>bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;")
    assert parsed.text == '😀 bold both <tag> & "q" AB'
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
    ]


def test_link_attributes_single_quotes_and_entities() -> None:
    parsed = parse_html("<a href='https://x.org/?a=1&amp;b=2'>link</a>")
    assert parsed.entities[0]["url"] == "https://x.org/?a=1&b=2"


def test_pre_with_code_language() -> None:
    parsed = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_empty_entities_are_dropped() -> None:
    assert parse_html("a<b></b>").entities == []


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("abc<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("<br/>", 'Unsupported start tag "br"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a <", "Unexpected end of name token"),
        ("<b", "Unexpected end of name token"),
        ("<b>x</b", "Unexpected end of name token"),
        ("fish & chips", "Character '&' is reserved"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;"'),
        ("&#xZZ;", "Unsupported HTML entity"),
        ("&#0;", "Unsupported HTML entity"),
        ("<span>x</span>", 'Unsupported start tag "span"'),
        ('<span class="other">x</span>', 'Unsupported start tag "span"'),
        ("<a>x</a>", 'Tag "a" must have an "href" attribute'),
        ("<a href=https://x.org>x</a>", "Expected quoted attribute value"),
        ('<a href="x>x</a>', "Unclosed start tag"),
        ("<b foo>x</b>", "Expected equal sign"),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have a valid "emoji-id"'),
        ("привет <foo>", 'Unsupported start tag "foo" at byte offset 13'),
    ],
)
def test_rejections(source: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert str(info.value).startswith(reason)


def test_utf16_len_counts_astral_twice() -> None:
    assert utf16_len("a😀") == 3
    assert utf16_len("中文") == 2
