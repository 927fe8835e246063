"""Lengths and plain text as Telegram counts and shows them."""

from __future__ import annotations

from handlers.kit.telegram_text import callback_text, utf16_length
from wording.text import plain_text


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("江苏") == 2
    assert utf16_length("🙂") == 2  # one surrogate pair
    assert utf16_length("a🙂b") == 4


def test_plain_text_drops_tags_and_decodes_entities() -> None:
    assert plain_text("<b>Tom &amp; Jerry</b> &lt;3") == "Tom & Jerry <3"


def test_callback_text_fits_telegrams_limit() -> None:
    assert len(callback_text("<i>" + "x" * 500 + "</i>")) == 200
