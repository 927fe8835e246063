"""/search and plain-text questions in private chats: the sentence that answers, first.

One engine (answers/engine.py) answers plain text, /search and inline mode, and its verdict
decides the reply. ANSWERED: the best fact with the question's words in bold, at most two other
close facts, and buttons to their cards. NOT_IN_ARTICLE: "the article does not say …" naming
what was asked first, then what the article says nearby (never as the first line), and buttons.
SMALL_TALK: a short friendly reply and the menu. A private chat is a conversation: the engine
remembers for minutes what the last answer was about, so "where does he work?" follows up.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from answers.engine import Verdict
from handlers.cards import get_card
from handlers.common import answer_stale, reply, reply_message, shorten, show, user_language
from handlers.faq import organizers_html
from handlers.feedback import feedback_row
from handlers.kit.context import BotContext
from handlers.kit.keyboards import CARD, RESULTS, button, keyboard
from handlers.programme import search_programme
from handlers.questions import offer_to_ask
from handlers.transport.telemetry import ANSWERS
from storage.cards import CardKey, org_card
from wording.answer_view import fact_html, honest_html, related_html
from wording.i18n import Html
from wording.names import FEATURED_ORGANIZATION, card_title

# The best fact and at most two more.
FACTS_SHOWN = 3
# Topics offered when nothing answers, besides the closest cards by substring.
DEFAULT_TOPICS = (CardKey.ABOUT, CardKey.SPEAKERS, org_card(FEATURED_ORGANIZATION))
TOPICS_SHOWN = 3
# Answers a Back button can restore, per chat: the question by message id (in memory, so a
# restart forgets them and their Back buttons answer "out of date").
RESULT_LISTS_KEPT = 20
_RESULT_LISTS = "search_results"


async def search_command(update: Update, context: BotContext) -> None:
    """Answer the command's argument, or explain how to ask."""
    query = " ".join(context.args or [])
    if not query.strip():
        language = await user_language(update, context)
        card = await get_card(context, CardKey.SEARCH_TIPS, language)
        if card:
            await reply(update, card.text, card.markup)
        return
    await answer_search(update, context, query)


async def search_text(update: Update, context: BotContext) -> None:
    """A plain message in a private chat is a question: answer it."""
    message = update.effective_message
    if message and message.text:
        await answer_search(update, context, message.text)


async def answer_search(update: Update, context: BotContext, query: str) -> None:
    """Reply with the answering sentence, close facts and card buttons, or closest topics."""
    language = await user_language(update, context)
    data = context.bot_data
    t = data.translate
    facts = data.store.facts
    if await search_programme(update, context, query, language, facts_answered=True):
        return  # surely a programme question: a programme word, a room or a time
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    answer = await data.answers.ask(
        query, language, limit=FACTS_SHOWN, conversation=chat.id if private and chat else None
    )
    ANSWERS.labels(answer.verdict.value).inc()  # a closed set: the engine's verdicts
    if answer.verdict is Verdict.SMALL_TALK:
        menu = keyboard([_card_button(t(language, "button.menu"), CardKey.WELCOME)])
        await reply(update, honest_html(answer, language, t), menu)
        return
    # Topic words alone: the programme answers only where the facts have nothing.
    if (
        answer.best is None
        and answer.organizers is None
        and not update.callback_query
        and await search_programme(update, context, query, language, facts_answered=False)
    ):
        return
    if answer.best is None and answer.organizers is None:
        if answer.verdict is Verdict.NOT_IN_ARTICLE and answer.related:
            about = (
                await card_title(answer.about, language, facts, t, short=True)
                if (answer.about)
                else None
            )
            lines = [honest_html(answer, language, t, about)]
            related = related_html(answer, language, t)
            if related:
                lines.append(related)
            text = Html("\n\n".join(lines))
        else:
            text = t(language, "search.nothing", query=shorten(query))
        topics = list(dict.fromkeys([*answer.suggestions, *DEFAULT_TOPICS]))[:TOPICS_SHOWN]
        buttons = [
            [_card_button((await card_title(key, language, facts, t, short=True) or key), key)]
            for key in topics
        ]
        buttons.append([_card_button(t(language, "button.menu"), CardKey.WELCOME)])
        if answer.verdict is Verdict.NOT_IN_ARTICLE:
            # Issue 22: "Ask the organizers" (and the question noted for /unanswered).
            buttons = [*await offer_to_ask(update, context, query, language), *buttons]
        await reply(update, text, keyboard(*buttons))
        return
    parts: list[str] = []
    if answer.organizers is not None:  # issue 22: the organizers' FAQ answers first
        parts.append(organizers_html(t, language, answer.organizers.answer))
    if answer.corrections and answer.best is not None:
        words = ", ".join(meant for _, meant in answer.corrections)
        parts.append(t(language, "answer.did_you_mean", words=words))
    if answer.best is not None:
        parts.append(fact_html(answer.best, language, t))
    if answer.others:
        others = "\n".join(f"• {fact_html(f, language, t)}" for f in answer.others)
        parts.append(f"{t(language, 'answer.others')}\n{others}")
    buttons = [
        [_card_button((await card_title(key, language, facts, t, short=True) or key), key)]
        for key in answer.cards
    ]
    buttons.append(feedback_row(t, language))  # issue 22: Helpful / Not helpful
    buttons.append([_card_button(t(language, "button.menu"), CardKey.WELCOME)])
    if update.callback_query:  # Back from a card: the answer comes back in place
        await show(update, Html("\n\n".join(parts)), keyboard(*buttons))
        sent = update.callback_query.message
    else:
        sent = await reply_message(update, Html("\n\n".join(parts)), keyboard(*buttons))
    if isinstance(sent, Message):
        _remember(context, sent.message_id, query)


def _card_button(text: str, card: str) -> InlineKeyboardButton:
    return button(shorten(text, 40), f"{CARD}:{card}")


def _remember(context: BotContext, message_id: int, query: str) -> None:
    if context.chat_data is None:
        return
    lists: dict[int, str] = context.chat_data.setdefault(_RESULT_LISTS, {})
    lists.pop(message_id, None)
    lists[message_id] = query
    while len(lists) > RESULT_LISTS_KEPT:
        del lists[next(iter(lists))]


def answered_query(context: BotContext, message: object) -> str | None:
    """The question an answer message of this chat was given to, while remembered."""
    return _remembered_query(context, message)


def _remembered_query(context: BotContext, message: object) -> str | None:
    if not isinstance(message, Message) or context.chat_data is None:
        return None
    lists: dict[int, str] = context.chat_data.get(_RESULT_LISTS, {})
    return lists.get(message.message_id)


def with_back_to_results(
    update: Update, context: BotContext, language: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """A card opened in place of a result list gets a Back button that restores the list."""
    query = update.callback_query
    if query is None or _remembered_query(context, query.message) is None:
        return markup
    back = button(context.bot_data.translate(language, "button.back_to_results"), RESULTS)
    rows = list(markup.inline_keyboard) if markup else []
    return InlineKeyboardMarkup([[back], *rows])


async def back_to_results(update: Update, context: BotContext) -> None:
    """The Back button under a card opened from search results: show the results again."""
    query = update.callback_query
    if query is None:
        return
    remembered = _remembered_query(context, query.message)
    if remembered is None:
        language = await user_language(update, context)
        await answer_stale(query, language, context.bot_data.translate)
        return
    await query.answer()
    await answer_search(update, context, remembered)
