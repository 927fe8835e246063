"""/unanswered and /unanswered csv (issue 22): what people could not find.

The questions that got "not in the article" or "Not helpful", grouped by similar wording (the
answer engine's own normal form, `AnswerEngine.normal_form`), per language, with counts and
the last time asked: most frequent first. The CSV has every group with every wording.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from telegram import InputFile, Update

from handlers.auth import admin_only
from handlers.common import reply, shorten, user_language
from handlers.kit.context import BotContext
from storage.content import LANGUAGES
from storage.unanswered import WordingGroup
from wording.i18n import Html

# Groups shown per language in the chat (the CSV has all).
SHOWN_PER_LANGUAGE = 10
SHOWN_TEXT = 120
CSV_COLUMNS = (
    "language",
    "count",
    "not_in_article",
    "not_helpful",
    "last_asked_utc",
    "wording",
    "other_wordings",
    "normal_form",
)


def _when(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@admin_only
async def unanswered_command(update: Update, context: BotContext) -> None:
    """/unanswered: the report; /unanswered csv: all of it as a file."""
    data = context.bot_data
    await data.store.asked.sweep(data.settings.bot.question_retention_days)
    if context.args and context.args[0].lower() == "csv":
        await _csv(update, context)
        return
    t = data.translate
    language = await user_language(update, context)
    sections: list[str] = []
    for lang in LANGUAGES:
        groups = await data.store.unanswered.report(lang, SHOWN_PER_LANGUAGE)
        if not groups:
            continue
        lines = [t(language, "unanswered.language", language=t(lang, "language.name"))]
        for group in groups:
            others = len(group.texts) - 1
            more = t(language, "unanswered.more", others=others) if others else Html("")
            lines.append(
                t(
                    language,
                    "unanswered.item",
                    times=group.count,
                    text=shorten(group.texts[0], SHOWN_TEXT),
                    more=more,
                    nothing=group.nothing,
                    unhelpful=group.unhelpful,
                    when=_when(group.last_at),
                )
            )
        sections.append("\n".join(lines))
    if not sections:
        await reply(update, t(language, "unanswered.empty"))
        return
    text = "\n\n".join(
        [t(language, "unanswered.title"), *sections, t(language, "unanswered.csv_hint")]
    )
    await reply(update, Html(text))


def _row(group: WordingGroup) -> list[object]:
    return [
        group.lang,
        group.count,
        group.nothing,
        group.unhelpful,
        _when(group.last_at),
        group.texts[0],
        " | ".join(group.texts[1:]),
        group.wording_key,
    ]


async def _csv(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for group in await context.bot_data.store.unanswered.report():
        writer.writerow(_row(group))
    await chat.send_document(
        InputFile(buffer.getvalue().encode("utf-8"), filename="unanswered.csv")
    )
