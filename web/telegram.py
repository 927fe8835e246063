"""The way from a page to the same card in the Telegram bot: a t.me deep link and its QR code."""

from __future__ import annotations

import segno
from markupsafe import Markup

# One home for the link (the bot's /qr and print set use it too); re-exported for the site.
from storage.cards import deep_link

__all__ = ["deep_link", "qr_svg"]


def qr_svg(url: str, title: str) -> Markup:
    """The URL as an inline SVG QR code (segno escapes the title it embeds)."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=4, border=2, title=title, dark="#111", light="#fff")
    return Markup(svg)
