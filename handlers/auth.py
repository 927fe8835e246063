"""Who is an organizer: the admin check, the guard for admin-only handlers, the refusal.

Admins are the Telegram user ids in `[bot] admins`. Fact handlers that only need to ask "is
this an organizer?" import this small module, never the admin feature itself.
"""

from __future__ import annotations

import functools

from telegram import Update

from handlers.common import reply, user_language
from handlers.kit.context import BotContext, HandlerCallback
from handlers.kit.telegram_text import callback_text


def is_admin(update: Update, context: BotContext) -> bool:
    """Whether the update comes from a configured admin."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data.settings.bot.admins


def admin_only(handler: HandlerCallback) -> HandlerCallback:
    """Run `handler` for admins; refuse anyone else politely, doing nothing."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if is_admin(update, context):
            await handler(update, context)
        else:
            await refuse(update, context)

    return guarded


async def refuse(update: Update, context: BotContext) -> None:
    """Politely tell a non-admin that this is for organizers; nothing else happens."""
    language = await user_language(update, context)
    text = context.bot_data.translate(language, "admin.only")
    if update.callback_query:
        await update.callback_query.answer(callback_text(text), show_alert=True)
    else:
        await reply(update, text)
