"""Fact commands and card buttons: /start, /help, /about, /speakers, /organizers, /org, …"""

from __future__ import annotations

from telegram import Update

from handlers.auth import is_admin
from handlers.cards import get_card
from handlers.common import answer_stale, reply, shorten, show, user_language
from handlers.kit.context import BotContext
from handlers.kit.keyboards import CARD, button, keyboard
from handlers.programme import loaded as programme_loaded
from handlers.search import with_back_to_results
from handlers.subscriptions import with_subscription_state
from storage.cards import CardKey, card_from_payload, org_card
from wording.i18n import Html
from wording.names import FEATURED_ORGANIZATION


async def send_card(update: Update, context: BotContext, key: str) -> bool:
    """Reply with the card `key` in the user's language; False if there is no such card."""
    language = await user_language(update, context)
    card = await get_card(context, key, language)
    if card is None:
        return False
    # Cards are cached for everyone; the Subscribe button is this user's own state.
    markup = await with_subscription_state(update, context, language, card.markup)
    markup = with_back_to_results(update, context, language, markup)
    if update.callback_query:
        await show(update, card.text, markup)
    else:
        await reply(update, card.text, markup)
    return True


async def start(update: Update, context: BotContext) -> None:
    """Greet the user with the main menu, or open the card a deep link names."""
    payload = context.args[0] if context.args else ""
    key = card_from_payload(payload) if payload else None
    if key is None or not await send_card(update, context, key):
        await send_card(update, context, CardKey.WELCOME)


async def help_command(update: Update, context: BotContext) -> None:
    """List every command; organizers also see theirs."""
    await send_card(update, context, CardKey.HELP)
    data = context.bot_data
    if await programme_loaded(data) is not None:
        language = await user_language(update, context)
        await reply(update, data.translate(language, "programme.help"))
    if is_admin(update, context) and data.settings.programme.source is not None:
        language = await user_language(update, context)
        await reply(update, data.translate(language, "programme.help_admin"))
    if is_admin(update, context):
        language = await user_language(update, context)
        t = context.bot_data.translate
        # Issue 22: the organizers' questions, report and FAQ.
        await reply(update, Html(f"{t(language, 'help.admin')}\n\n{t(language, 'questions.help')}"))


async def about(update: Update, context: BotContext) -> None:
    """The conference: what, when, where, how and in what context."""
    await send_card(update, context, CardKey.ABOUT)


async def speakers(update: Update, context: BotContext) -> None:
    """The chair and the speakers."""
    await send_card(update, context, CardKey.SPEAKERS)


async def organizers(update: Update, context: BotContext) -> None:
    """The three organizers."""
    await send_card(update, context, CardKey.ORGANIZERS)


async def featured(update: Update, context: BotContext) -> None:
    """The host institute's profile with all its figures (/jitri)."""
    await send_card(update, context, org_card(FEATURED_ORGANIZATION))


async def interview(update: Update, context: BotContext) -> None:
    """What was said in the published interview."""
    await send_card(update, context, CardKey.INTERVIEW)


async def contacts(update: Update, context: BotContext) -> None:
    """The contact e-mail."""
    await send_card(update, context, CardKey.CONTACTS)


async def source(update: Update, context: BotContext) -> None:
    """Where the facts come from (and, issue 22, which answers are the organizers')."""
    await send_card(update, context, CardKey.SOURCE)


async def organization(update: Update, context: BotContext) -> None:
    """/org lists every organization; /org <name> opens one by any of its names.

    When several match, the best match (the one the name covers most) opens, and the others
    follow as buttons, so a short name like a province still lands on a card.
    """
    name = " ".join(context.args or [])
    if not name.strip():
        await send_card(update, context, CardKey.ORGS)
        return
    matches = await context.bot_data.answers.organizations(name)
    language = await user_language(update, context)
    t = context.bot_data.translate
    if not matches:
        orgs_card = await get_card(context, CardKey.ORGS, language)
        await reply(
            update,
            t(language, "org.not_found", name=shorten(name)),
            orgs_card.markup if orgs_card else None,
        )
        return
    await send_card(update, context, org_card(matches[0]))
    if len(matches) > 1:
        orgs = {org.id: org for org in await context.bot_data.store.facts.organizations(language)}
        others = [orgs[org_id] for org_id in matches[1:] if org_id in orgs]
        markup = keyboard(*[[button(org.name, f"{CARD}:{org_card(org.id)}")] for org in others])
        await reply(update, t(language, "org.others", name=shorten(name)), markup)


async def open_card(update: Update, context: BotContext) -> None:
    """A card button: show the card in place, or say the button is out of date."""
    query = update.callback_query
    if query is None:
        return
    key = (query.data or "").partition(":")[2]
    if await send_card(update, context, key):
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            # A pressed card names the subject of a follow-up ("а где он работает?").
            context.bot_data.answers.note(chat.id, key)
        await query.answer()
        return
    language = await user_language(update, context)
    await answer_stale(query, language, context.bot_data.translate)
