"""The organizers' FAQ in Telegram (issue 22): /faq, teaching the bot, editing, removing.

Teach the bot: under an answered question, the 📚 FAQ button (faq:t:<question token>) turns
the question and the organizers' answer into a FAQ entry, then asks the admin, language by
language, for the question's phrasings (several, one per line) and the answer; Skip keeps
what is there, Done ends. The same steps edit an entry (faq:e:<token>); faq:r:<token>
removes it. Every step is written before the next is asked, and the step itself is stored
(storage/faq.py), so a restart resumes where the admin was.

/faq lists the entries in the reader's language for everyone; admins also get Edit and
Remove. The answer engine answers the entries beside the article's facts
(answers/organizers.py); `organizers_html` is how a reply shows one: "From the organizers".
"""

from __future__ import annotations

import contextlib
import re

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from handlers.auth import admin_only, is_admin
from handlers.common import read_press, reply, shorten, user_language
from handlers.kit.context import BotContext, BotData
from handlers.kit.keyboards import button, keyboard
from handlers.kit.telegram_text import callback_text, message_html, utf16_length
from storage.asked import Asked, State
from storage.content import LANGUAGES
from storage.faq import FaqEntry
from wording.i18n import Html, Translator, choose_text

FAQ = "faq"
# Every step of writing an entry, in order: per language, its phrasings, then its answer.
STEPS = tuple(f"{part}:{lang}" for lang in LANGUAGES for part in ("questions", "answer"))
# Longest phrasing list and answer an admin may send (an answer must fit in a reply).
QUESTIONS_LIMIT = 1000
ANSWER_LIMIT = 3000
_CALLBACK = re.compile(rf"^{FAQ}:([tsder]):([A-Za-z0-9_-]{{22}})$")


def organizers_html(t: Translator, language: str, answer_html: str) -> Html:
    """A FAQ answer as replies show it, marked as coming from the organizers."""
    return Html(f"{t(language, 'faq.from')}\n{answer_html}")


def teach_markup(data: BotData, language: str, asked: Asked) -> InlineKeyboardMarkup | None:
    """The 📚 FAQ button under an answered question (none once it is an entry)."""
    if asked.state is not State.ANSWERED or asked.faq_id is not None or not asked.answer_html:
        return None
    return keyboard(
        [button(data.translate(language, "faq.button_teach"), f"{FAQ}:t:{asked.token}")]
    )


def _question_of(entry: FaqEntry, language: str, default: str) -> str:
    phrasings = choose_text(entry.questions, language, default)
    return phrasings[0] if phrasings else ""


async def faq_command(update: Update, context: BotContext) -> None:
    """/faq: the organizers' answers in the reader's language; admins can edit and remove."""
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    default = data.settings.bot.default_language
    entries = [e for e in await data.store.faq.entries() if e.answers and e.questions]
    if not entries:
        await reply(update, t(language, "faq.empty"))
        return
    if (
        is_admin(update, context)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        lines = [t(language, "faq.title"), t(language, "faq.admin_hint")]
        rows = []
        for entry in entries:
            languages = ", ".join(
                t(lang, "language.name") for lang in LANGUAGES if lang in entry.answers
            )
            question = shorten(_question_of(entry, language, default), 200)
            lines.append(
                t(language, "faq.admin_item", id=entry.id, question=question, languages=languages)
            )
            rows.append(
                [
                    button(t(language, "faq.button_edit", id=entry.id), f"{FAQ}:e:{entry.token}"),
                    button(t(language, "faq.button_remove", id=entry.id), f"{FAQ}:r:{entry.token}"),
                ]
            )
        await reply(update, Html("\n\n".join(lines)), keyboard(*rows))
        return
    lines = [t(language, "faq.title")]
    for entry in entries:
        answer = choose_text(entry.answers, language, default)
        lines.append(
            t(
                language,
                "faq.item",
                question=_question_of(entry, language, default),
                answer=Html(answer or ""),
            )
        )
    await reply(update, Html("\n\n".join(lines)))


@admin_only
async def faq_button(update: Update, context: BotContext) -> None:
    """faq:t (teach), faq:s (skip), faq:d (done), faq:e (edit), faq:r (remove): admins only."""
    press = await read_press(update, context, _CALLBACK)
    if press is None:
        return
    query, user, language = press.query, press.user, press.language
    data = context.bot_data
    t = data.translate
    action, token = press.match.groups()
    if action == "t":
        await _teach(update, context, token, language)
        return
    entry = await data.store.faq.by_token(token)
    if entry is None:
        await query.answer(callback_text(t(language, "faq.gone")), show_alert=True)
        return
    await query.answer()
    await _drop_keyboard(query.message, action in "sd")
    if action == "r":
        await data.store.faq.remove(entry.id)
        await data.store.faq.stop_composing(user.id)
        await reply(update, t(language, "faq.removed", id=entry.id))
    elif action == "e":
        await _begin(update, context, entry.id, STEPS[0], language)
    elif action == "d":
        await _finish(update, context, entry.id, language)
    else:
        composing = await data.store.faq.composing(user.id)
        if composing is None or composing[0] != entry.id:
            return
        await _advance(update, context, entry.id, composing[1], language, skipped=True)


async def _drop_keyboard(message: object, drop: bool) -> None:
    if drop and isinstance(message, Message) and message.reply_markup is not None:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(None)


async def _teach(update: Update, context: BotContext, token: str, language: str) -> None:
    """An answered question and its answer become a new entry, then the other languages."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    data = context.bot_data
    t = data.translate
    asked = await data.store.asked.by_token(token)
    if asked is None or asked.state is not State.ANSWERED or not asked.answer_html:
        await query.answer(callback_text(t(language, "faq.not_answered")), show_alert=True)
        return
    if asked.faq_id is not None and await data.store.faq.get(asked.faq_id) is not None:
        await query.answer(
            callback_text(t(language, "faq.already", question=asked.id, id=asked.faq_id)),
            show_alert=True,
        )
        return
    entry = await data.store.faq.create(user.id, asked.lang, asked.text, asked.answer_html)
    await data.store.asked.set_faq(asked.id, entry.id)
    await query.answer()
    await _drop_keyboard(query.message, True)
    await reply(update, t(language, "faq.created", id=entry.id, question=asked.id))
    await _begin(update, context, entry.id, STEPS[0], language)


async def _begin(
    update: Update, context: BotContext, entry_id: int, step: str, language: str
) -> None:
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    # The admin's next message is this entry's text, not a broadcast's or an answer.
    await data.store.broadcasts.cancel_composing(user.id)
    await data.store.asked.stop_answering(user.id)
    await data.store.faq.start_composing(user.id, entry_id, step)
    await _ask_step(update, context, entry_id, step, language)


async def _ask_step(
    update: Update, context: BotContext, entry_id: int, step: str, language: str
) -> None:
    data = context.bot_data
    t = data.translate
    entry = await data.store.faq.get(entry_id)
    if entry is None:
        return
    part, lang = step.split(":")
    if part == "questions":
        current = "\n".join(entry.questions.get(lang, ())) or t(language, "faq.none")
    else:
        current = entry.answers.get(lang) or t(language, "faq.none")
    text = t(
        language,
        f"faq.ask_{part}",
        id=entry.id,
        language=t(lang, "language.name"),
        current=Html(current) if part == "answer" and lang in entry.answers else current,
    )
    markup = keyboard(
        [
            button(t(language, "faq.button_skip"), f"{FAQ}:s:{entry.token}"),
            button(t(language, "faq.button_done"), f"{FAQ}:d:{entry.token}"),
        ]
    )
    await reply(update, text, markup)


async def compose_input(update: Update, context: BotContext) -> bool:
    """An admin's message while writing an entry: the text of the current step. False if the
    admin is not writing one (the message is then someone else's to handle)."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return False
    data = context.bot_data
    composing = await data.store.faq.composing(user.id)
    if composing is None:
        return False
    entry_id, step = composing
    language = await user_language(update, context)
    t = data.translate
    if not message.text:
        await reply(update, t(language, "faq.text_only"))
        return True
    part, lang = step.split(":")
    length = utf16_length(message.text)
    limit = QUESTIONS_LIMIT if part == "questions" else ANSWER_LIMIT
    if length > limit:
        await reply(update, t(language, "questions.too_long", length=length, limit=limit))
        return True
    if part == "questions":
        await data.store.faq.set_questions(entry_id, lang, message.text)
    else:
        await data.store.faq.set_answer(
            entry_id, lang, message_html(message.text, message.entities)
        )
    await _advance(update, context, entry_id, step, language, skipped=False)
    return True


async def _advance(
    update: Update,
    context: BotContext,
    entry_id: int,
    step: str,
    language: str,
    *,
    skipped: bool,
) -> None:
    """To the next step; skipping a language that has nothing yet skips its answer too."""
    data = context.bot_data
    user = update.effective_user
    entry = await data.store.faq.get(entry_id)
    if user is None or entry is None:
        return
    index = STEPS.index(step) + 1 if step in STEPS else len(STEPS)
    part, lang = step.split(":")
    if (
        skipped
        and part == "questions"
        and lang not in entry.questions
        and lang not in entry.answers
    ):
        index += 1
    if index >= len(STEPS):
        await _finish(update, context, entry_id, language)
        return
    await data.store.faq.start_composing(user.id, entry_id, STEPS[index])
    await _ask_step(update, context, entry_id, STEPS[index], language)


async def _finish(update: Update, context: BotContext, entry_id: int, language: str) -> None:
    user = update.effective_user
    if user is None:
        return
    await context.bot_data.store.faq.stop_composing(user.id)
    await reply(update, context.bot_data.translate(language, "faq.saved", id=entry_id))
