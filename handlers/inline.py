"""Inline mode: `@bot query` in any chat offers fact cards to share.

The answer engine orders the cards; each result's description is the sentence that answers
the query from that card. Words the engine cannot read (one letter, a fragment) fall back to
the cards that contain them as a substring. An answer the organizers wrote (their FAQ) comes
first, marked as theirs, as in the bot's own replies.
"""

from __future__ import annotations

import hashlib
import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)

from answers.engine import Answer, Verdict
from answers.organizers import OrganizersAnswer
from handlers.cards import get_card
from handlers.common import shorten, split_html, user_language
from handlers.faq import organizers_html
from handlers.kit.context import BotContext
from storage.cards import CardKey, deep_link, org_card
from wording.answer_view import fact_html
from wording.names import FEATURED_ORGANIZATION, card_title, event_names
from wording.text import plain_text

INLINE_RESULTS_LIMIT = 50
# Offered for an empty query: the cards people share most.
MAIN_CARDS = (
    CardKey.ABOUT,
    CardKey.SPEAKERS,
    CardKey.ORGANIZERS,
    org_card(FEATURED_ORGANIZATION),
    CardKey.INTERVIEW,
    CardKey.CONTACTS,
    CardKey.SOURCE,
)
CACHE_SECONDS = 300


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer with matching cards, each ready to send, with a button back to the bot."""
    query = update.inline_query
    if query is None:
        return
    language = await user_language(update, context)
    data = context.bot_data
    text = query.query.strip()
    answer = await data.answers.ask(text, language, limit=INLINE_RESULTS_LIMIT) if text else None
    entries = await _answer_entries(context, answer, language) if answer else None
    if entries is None:  # nothing typed, or small talk ("hi"): the cards people share most
        names = await event_names(data.store.facts, language)
        entries = [
            (
                key,
                html.unescape(data.translate(language, f"inline.{key.partition(':')[0]}", **names)),
                "",
            )
            for key in MAIN_CARDS
        ]
    results = []
    if answer is not None and answer.organizers is not None:
        results.append(_organizers_result(context, answer.organizers, language))
    for key, title, description in entries[: INLINE_RESULTS_LIMIT - len(results)]:
        card = await get_card(context, key, language)
        if card is None:
            continue
        results.append(
            InlineQueryResultArticle(
                id=hashlib.sha1(f"{key}:{language}".encode()).hexdigest()[:32],
                title=shorten(title, 100),
                description=shorten(description, 120) or None,
                # A shared card must fit one message: the first piece of a long one.
                input_message_content=InputTextMessageContent(split_html(card.text)[0]),
                reply_markup=_open_bot(context, language, key),
            )
        )
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


def _organizers_result(
    context: BotContext, found: OrganizersAnswer, lang: str
) -> InlineQueryResultArticle:
    """The organizers' FAQ answer, ready to share: marked as theirs, their words as written."""
    data = context.bot_data
    t = data.translate
    shared = organizers_html(t, found.lang, found.answer)
    return InlineQueryResultArticle(
        id=hashlib.sha1(f"faq:{found.entry_id}:{found.lang}".encode()).hexdigest()[:32],
        title=shorten(plain_text(t(lang, "faq.from")), 100),
        description=shorten(plain_text(found.answer), 120) or None,
        input_message_content=InputTextMessageContent(split_html(shared)[0]),
        reply_markup=_open_bot(context, lang, None),
    )


async def _answer_entries(
    context: BotContext, answer: Answer, lang: str
) -> list[tuple[str, str, str]] | None:
    """(card, title, description) for the cards answering the question, best first; None for
    small talk (the main cards are offered instead)."""
    data = context.bot_data
    t = data.translate
    if answer.verdict is Verdict.SMALL_TALK:
        return None
    if answer.best is None:
        # No fake answer card: the cards the article has nearby, titled, with no sentence.
        return [
            (card, await card_title(card, lang, data.store.facts, t, short=True) or card, "")
            for card in answer.suggestions
        ]
    entries: dict[str, tuple[str, str, str]] = {}
    for fact in (answer.best, *answer.others):
        if fact.card not in entries:
            title = await card_title(fact.card, lang, data.store.facts, t, short=True) or fact.card
            sentence = plain_text(fact_html(fact, lang, t, highlight=False))
            entries[fact.card] = (fact.card, title, sentence)
    return list(entries.values())


def _open_bot(context: BotContext, lang: str, card: str | None) -> InlineKeyboardMarkup:
    """The result's one button: open the bot at `card` (its start page for None)."""
    data = context.bot_data
    link = deep_link(data.bot_username, card)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(data.translate(lang, "inline.open_bot"), url=link)]]
    )
