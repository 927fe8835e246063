"""/search and plain-text questions in private chats: the sentence that answers, first.

One engine (storage/answers.py) answers plain text, /search and inline mode. The reply is the
best fact with the question's words in bold, at most two other close facts, and buttons to
their cards; when nothing answers, a short "nothing found" and the closest topics as buttons.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from bot.i18n import Html
from bot.keyboards import CARD, button, keyboard
from handlers.answers import card_title, fact_html
from handlers.cards import FEATURED_ORGANIZATION, get_card
from handlers.common import reply, shorten, user_language

# The best fact and at most two more.
FACTS_SHOWN = 3
# Topics offered when nothing answers, besides the closest cards by substring.
DEFAULT_TOPICS = ("about", "speakers", f"org:{FEATURED_ORGANIZATION}")
TOPICS_SHOWN = 3


async def search_command(update: Update, context: BotContext) -> None:
    """Answer the command's argument, or explain how to ask."""
    query = " ".join(context.args or [])
    if not query.strip():
        language = await user_language(update, context)
        card = await get_card(context, "search_tips", language)
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
    answer = await data.store.answers.ask(query, language, limit=FACTS_SHOWN)
    if answer.best is None:
        topics = [hit.card for hit in answer.suggestions]
        topics = list(dict.fromkeys([*topics, *DEFAULT_TOPICS]))[:TOPICS_SHOWN]
        buttons = [[_card_button(await card_title(facts, key, language, t), key)] for key in topics]
        buttons.append([_card_button(t(language, "button.menu"), "welcome")])
        await reply(update, t(language, "search.nothing", query=shorten(query)), keyboard(*buttons))
        return
    parts: list[str] = []
    if answer.corrections:
        shown = " ".join(answer.best.fields.values())
        words = ", ".join(_as_written(meant, shown) for _, meant in answer.corrections)
        parts.append(t(language, "answer.did_you_mean", words=words))
    parts.append(fact_html(answer.best, language, t))
    if answer.others:
        others = "\n".join(f"• {fact_html(f, language, t)}" for f in answer.others)
        parts.append(f"{t(language, 'answer.others')}\n{others}")
    buttons = [
        [_card_button(await card_title(facts, key, language, t), key)] for key in answer.cards
    ]
    buttons.append([_card_button(t(language, "button.menu"), "welcome")])
    await reply(update, Html("\n\n".join(parts)), keyboard(*buttons))


def _card_button(text: str, card: str) -> InlineKeyboardButton:
    return button(shorten(text, 40), f"{CARD}:{card}")


def _as_written(word: str, text: str) -> str:
    """`word` (case-folded) as `text` writes it, if it does ("azarov" → "Azarov")."""
    start = text.casefold().find(word)
    return text[start : start + len(word)] if start >= 0 else word
