"""Inline keyboards: callback-data prefixes and the builders every screen uses.

Kept out of handlers/ so services such as the delivery worker can build buttons too.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

# Callback data prefixes. Each button's data is "<prefix>:<argument>" and stays under 64 bytes.
CARD = "card"
LANG = "lang"
SUBSCRIPTION = "sub"
BROADCAST = "bc"
RESULTS = "found"  # back to the search results a card was opened from
PROGRAMME = "pg"  # the programme: days, sessions, ★, calendars (handlers/programme.py)


def button(text: str, data: str) -> InlineKeyboardButton:
    """A callback button; the data length is checked here so a long id fails loudly in tests."""
    if not 1 <= len(data.encode()) <= 64:
        raise ValueError(f"callback data out of range: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from non-empty rows."""
    return InlineKeyboardMarkup([row for row in rows if row])


def pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons two per row, so long lists stay compact on a phone."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
