"""How broadcasts look: the text each recipient gets, its button, the progress and the report.

Shared by the admin handlers (preview, test) and the delivery worker (the messages it sends
and the progress it edits), so neither has to import the other to draw a message.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, Message

from handlers.kit.keyboards import BROADCAST, SUBSCRIPTION, button, keyboard
from handlers.kit.schedule_time import in_utc, in_zone
from storage.broadcasts import Broadcast, BroadcastStatus, Counts, MediaKind, Version
from wording.i18n import Html, Translator

# A scheduled broadcast that starts within this many seconds of its time started on time.
ON_TIME = 2.0


async def send_version(
    bot: Bot, chat_id: int, version: Version, markup: InlineKeyboardMarkup | None
) -> Message:
    """One language version as its recipients get it: the text, or the photo/document by the
    file_id Telegram gave it (never uploaded again) with the text as its caption."""
    caption = version.body or None
    if version.media_kind is MediaKind.PHOTO and version.media_file_id:
        return await bot.send_photo(
            chat_id, version.media_file_id, caption=caption, reply_markup=markup
        )
    if version.media_kind is MediaKind.DOCUMENT and version.media_file_id:
        return await bot.send_document(
            chat_id, version.media_file_id, caption=caption, reply_markup=markup
        )
    return await bot.send_message(chat_id, version.body, reply_markup=markup)


@functools.lru_cache(maxsize=32)
def unsubscribe_markup(translate: Translator, language: str) -> InlineKeyboardMarkup:
    """The one-tap unsubscribe button every broadcast message carries."""
    return keyboard([button(translate(language, "button.unsubscribe"), f"{SUBSCRIPTION}:off")])


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
        percent=percent,
        rate=f"{rate:.1f}" if rate else "—",
        eta=eta,
        **counts.as_params(),
    )


def render_report(
    translate: Translator, broadcast: Broadcast, counts: Counts, zone: ZoneInfo | None = None
) -> Html:
    """The final report: the progress message's last edit (a scheduled broadcast's report also
    says when it was due and how late it started)."""
    lang = broadcast.author_language
    if counts.total == 0 and broadcast.status is not BroadcastStatus.STOPPED:
        # A scheduled broadcast whose audience was empty when it came due: say so, not
        # "finished" (a broadcast sent now is refused before it gets here).
        return translate(lang, "broadcast.reached_nobody", id=broadcast.id)
    key = "broadcast.stopped" if broadcast.status is BroadcastStatus.STOPPED else "broadcast.report"
    report = translate(
        lang,
        key,
        id=broadcast.id,
        count=counts.total,
        **counts.as_params(),
    )
    if broadcast.due_at is None or broadcast.started_at is None:
        return report
    return Html(f"{report}\n{render_lateness(translate, broadcast, zone or ZoneInfo('UTC'))}")


def render_due(translate: Translator, language: str, due_at: float, zone: ZoneInfo) -> Html:
    """When a scheduled broadcast goes out, in the event's time zone and in UTC."""
    moment = dt.datetime.fromtimestamp(due_at, dt.UTC)
    return translate(
        language,
        "schedule.due",
        local=in_zone(moment, zone),
        zone=str(zone),
        utc=in_utc(moment),
    )


def render_lateness(translate: Translator, broadcast: Broadcast, zone: ZoneInfo) -> Html:
    """The report's line on a scheduled broadcast: when it was due and when it started."""
    lang = broadcast.author_language
    due = render_due(translate, lang, broadcast.due_at or 0.0, zone)
    late = (broadcast.started_at or 0.0) - (broadcast.due_at or 0.0)
    if late < ON_TIME:
        return translate(lang, "schedule.on_time", due=due)
    return translate(lang, "schedule.late", due=due, late=format_duration(late))


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
