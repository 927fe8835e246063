"""The way from a page to the same card in the Telegram bot: a t.me deep link and its QR code."""

from __future__ import annotations

import segno
from markupsafe import Markup

from storage.cards import payload_for


def deep_link(bot_username: str, card: str | None) -> str:
    """`https://t.me/<bot>?start=<payload>` for `card` (the bot's start page for None/welcome)."""
    base = f"https://t.me/{bot_username.lstrip('@')}"
    return base if card in (None, "welcome") else f"{base}?start={payload_for(card)}"


def qr_svg(url: str, title: str) -> Markup:
    """The URL as an inline SVG QR code (segno escapes the title it embeds)."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=4, border=2, title=title, dark="#111", light="#fff")
    return Markup(svg)
