"""How broadcasts look: the text each recipient gets, its button, the progress and the report.

Shared by the admin handlers (preview, test) and the delivery worker (the messages it sends
and the progress it edits), so neither has to import the other to draw a message.
"""

from __future__ import annotations

import functools

from telegram import InlineKeyboardMarkup

from bot.i18n import Html, Translator
from bot.keyboards import BROADCAST, SUBSCRIPTION, button, keyboard
from storage.broadcasts import Broadcast, BroadcastStatus, Counts
from storage.content import LANGUAGES


def choose_text(texts: dict[str, str], language: str, default_language: str) -> str | None:
    """The recipient's version, else the default language's, else any."""
    for candidate in (language, default_language, *LANGUAGES):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), None)


@functools.lru_cache(maxsize=32)
def unsubscribe_markup(translate: Translator, language: str) -> InlineKeyboardMarkup:
    """The one-tap unsubscribe button every broadcast message carries."""
    return keyboard([button(translate(language, "button.unsubscribe"), f"{SUBSCRIPTION}:off")])


def broadcast_message(
    translate: Translator, texts: dict[str, str], language: str, default_language: str
) -> tuple[Html, InlineKeyboardMarkup]:
    """The message a recipient speaking `language` gets: one message, text and button.

    The delivery worker sends it; the preview and the test button show this very message.
    `texts` must not be empty.
    """
    text = choose_text(texts, language, default_language)
    if text is None:
        raise ValueError("a broadcast without text")
    return Html(text), unsubscribe_markup(translate, language)


def format_duration(seconds: float) -> str:
    """0:42, 12:05, 1:02:03."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_progress(
    translate: Translator, broadcast: Broadcast, counts: Counts, rate: float | None
) -> Html:
    """The admin's progress message while a broadcast is being sent."""
    lang = broadcast.author_language
    total = counts.total
    done = total - counts.unfinished
    percent = 100 if total == 0 else int(done * 100 / total)
    eta = format_duration(counts.unfinished / rate) if rate else "—"
    return translate(
        lang,
        "broadcast.progress",
        id=broadcast.id,
        total=total,
        percent=percent,
        sent=counts.sent,
        failed=counts.failed,
        uncertain=counts.uncertain,
        blocked=counts.blocked,
        pending=counts.unfinished,
        rate=f"{rate:.1f}" if rate else "—",
        eta=eta,
    )


def render_report(translate: Translator, broadcast: Broadcast, counts: Counts) -> Html:
    """The final report: the progress message's last edit."""
    lang = broadcast.author_language
    key = "broadcast.stopped" if broadcast.status is BroadcastStatus.STOPPED else "broadcast.report"
    return translate(
        lang,
        key,
        id=broadcast.id,
        count=counts.total,
        sent=counts.sent,
        failed=counts.failed,
        uncertain=counts.uncertain,
        blocked=counts.blocked,
        cancelled=counts.cancelled,
    )


def stop_markup(translate: Translator, broadcast: Broadcast) -> InlineKeyboardMarkup:
    """The cancel button under the progress message."""
    return keyboard(
        [
            button(
                translate(broadcast.author_language, "button.broadcast_stop"),
                f"{BROADCAST}:stop:{broadcast.token}",
            )
        ]
    )
