"""/subscribe, /unsubscribe, /news, the sub:on / sub:off buttons and my_chat_member."""

from __future__ import annotations

import contextlib
import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest

from handlers.common import answer_stale, reply, user_language
from handlers.kit.broadcast_view import send_version
from handlers.kit.context import BotContext
from handlers.kit.keyboards import SUBSCRIPTION, button, keyboard
from handlers.kit.telegram_text import callback_text
from wording.i18n import Html, choose_text

NEWS_LIMIT = 5


async def subscribe(update: Update, context: BotContext) -> None:
    """Subscribe to the news (idempotent)."""
    user = update.effective_user
    if user is None:
        return
    language = await user_language(update, context)
    changed = await context.bot_data.store.subscribers.subscribe(user.id, user.language_code)
    key = "subscription.subscribed" if changed else "subscription.already"
    await reply(update, context.bot_data.translate(language, key))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """Unsubscribe from the news (idempotent)."""
    user = update.effective_user
    if user is None:
        return
    language = await user_language(update, context)
    changed = await context.bot_data.store.subscribers.unsubscribe(user.id)
    key = "subscription.unsubscribed" if changed else "subscription.not_subscribed"
    await reply(update, context.bot_data.translate(language, key))


async def news(update: Update, context: BotContext) -> None:
    """The latest broadcasts, newest first, each in the user's language."""
    language = await user_language(update, context)
    data = context.bot_data
    t = data.translate
    items = await data.store.broadcasts.news(NEWS_LIMIT)
    subscribed = False
    if update.effective_user is not None:
        subscribed = await data.store.subscribers.is_subscribed(update.effective_user.id)
    markup = _subscription_markup(context, language, subscribed)
    if not items:
        empty = "news.empty_subscribed" if subscribed else "news.empty"
        await reply(update, t(language, empty), markup)
        return
    await reply(update, t(language, "news.title", count=len(items)))
    # One message per item: an admin's markup may span paragraphs, so items are never split.
    for index, (broadcast, texts) in enumerate(items):
        text = choose_text(texts, language, data.settings.bot.default_language)
        if text is None:
            continue
        day = dt.datetime.fromtimestamp(broadcast.queued_at or broadcast.created_at, dt.UTC)
        header = t(language, "news.item", date=t.date(language, day.date()))
        last = index == len(items) - 1
        versions = await data.store.broadcasts.versions(broadcast.id)
        version = choose_text(versions, language, data.settings.bot.default_language)
        chat = update.effective_chat
        if version is not None and version.media_kind and chat is not None:
            # A photo or document: the date, then the file itself with its caption.
            await reply(update, header)
            await send_version(context.bot, chat.id, version, markup if last else None)
            continue
        await reply(update, Html(f"{header}\n\n{text}"), markup if last else None)


def _subscription_markup(
    context: BotContext, language: str, subscribed: bool
) -> InlineKeyboardMarkup:
    t = context.bot_data.translate
    if subscribed:
        return keyboard([button(t(language, "button.unsubscribe"), f"{SUBSCRIPTION}:off")])
    return keyboard([button(t(language, "button.subscribe"), f"{SUBSCRIPTION}:on")])


async def subscription_button(update: Update, context: BotContext) -> None:
    """sub:on / sub:off, from the main menu, /news or a broadcast message."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    language = await user_language(update, context)
    t = context.bot_data.translate
    action = (query.data or "").partition(":")[2]
    subscribers = context.bot_data.store.subscribers
    if action == "on":
        changed = await subscribers.subscribe(user.id, user.language_code)
        key = "subscription.subscribed" if changed else "subscription.already"
    elif action == "off":
        changed = await subscribers.unsubscribe(user.id)
        key = "subscription.unsubscribed" if changed else "subscription.not_subscribed"
    else:
        await answer_stale(query, language, t)
        return
    await query.answer(callback_text(t(language, key)))
    # The button flips (under a broadcast, /news or the main menu), so the keyboard always
    # shows the current state and the choice can be undone in one tap.
    message = query.message
    if isinstance(message, Message):
        flipped = _with_state(context, language, message.reply_markup, action == "on")
        if flipped is not None and flipped != message.reply_markup:
            # BadRequest: not modified, or the message is too old to edit.
            with contextlib.suppress(BadRequest):
                await message.edit_reply_markup(flipped)


async def with_subscription_state(
    update: Update, context: BotContext, language: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """`markup` with its Subscribe/Unsubscribe button matching whether the user is subscribed."""
    user = update.effective_user
    if user is None or not _has_subscription_button(markup):
        return markup
    subscribed = await context.bot_data.store.subscribers.is_subscribed(user.id)
    return _with_state(context, language, markup, subscribed)


def _has_subscription_button(markup: InlineKeyboardMarkup | None) -> bool:
    return markup is not None and any(
        _is_subscription_button(b) for row in markup.inline_keyboard for b in row
    )


def _is_subscription_button(candidate: InlineKeyboardButton) -> bool:
    data = candidate.callback_data
    return isinstance(data, str) and data.startswith(f"{SUBSCRIPTION}:")


def _with_state(
    context: BotContext, language: str, markup: InlineKeyboardMarkup | None, subscribed: bool
) -> InlineKeyboardMarkup | None:
    """The keyboard with its subscription button set to the state; None if it has none."""
    if markup is None or not _has_subscription_button(markup):
        return None
    t = context.bot_data.translate
    if subscribed:
        wanted = button(t(language, "button.unsubscribe"), f"{SUBSCRIPTION}:off")
    else:
        wanted = button(t(language, "button.subscribe"), f"{SUBSCRIPTION}:on")
    return InlineKeyboardMarkup(
        [
            [wanted if _is_subscription_button(b) else b for b in row]
            for row in markup.inline_keyboard
        ]
    )


async def member_changed(update: Update, context: BotContext) -> None:
    """The user blocked the bot (kicked) or came back (member) in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    user_id = change.chat.id
    status = change.new_chat_member.status
    subscribers = context.bot_data.store.subscribers
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await subscribers.mark_blocked(user_id, f"my_chat_member: {status}")
    elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        await subscribers.unblock(user_id)


async def came_back(update: Update, context: BotContext) -> None:
    """/start (after the answer, in a later group): a user who had blocked the bot is back."""
    user = update.effective_user
    if user is not None and update.effective_chat and update.effective_chat.type == "private":
        await context.bot_data.store.subscribers.unblock(user.id)
