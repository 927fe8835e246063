"""Keeping the content current: the published menus, and /reload for organizers."""

from __future__ import annotations

import logging
import sqlite3

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from handlers.auth import admin_only
from handlers.common import PUBLIC_COMMANDS, reply, shorten, user_language
from handlers.kit.context import BotContext, BotData
from storage.content import LANGUAGES, ContentError
from storage.db import is_storage_failure
from wording.names import event_names
from wording.text import plain_text

log = logging.getLogger(__name__)

# Longest validation report shown to an organizer in chat; the log has the rest.
ERROR_SHOWN = 1500


async def publish_commands(bot: ExtBot[None], data: BotData) -> None:
    """Localized command menus and descriptions for ru, zh, en and the default language."""
    t = data.translate
    targets: list[tuple[str, str | None]] = [(lang, lang) for lang in LANGUAGES]
    targets.append((data.settings.bot.default_language, None))
    step = "setMyCommands"
    try:
        for lang, code in targets:
            names = await event_names(data.store.facts, lang)

            def plain(key: str, lang: str = lang, names: dict[str, str] = names) -> str:
                # Menus and descriptions are plain text: undo the HTML escaping of the catalog.
                return plain_text(t(lang, key, **names))

            commands = [BotCommand(name, plain(f"command.{name}")) for name in PUBLIC_COMMANDS]
            step = f"setMyCommands ({code or 'default'})"
            await bot.set_my_commands(commands, language_code=code)
            step = f"setMyDescription ({code or 'default'})"
            await bot.set_my_description(plain("bot.description"), language_code=code)
            step = f"setMyShortDescription ({code or 'default'})"
            await bot.set_my_short_description(plain("bot.short_description"), language_code=code)
    except TelegramError as error:
        # The menus are a convenience: a failure here must not keep the bot from answering.
        # One line (the call and Telegram's answer); a traceback would say nothing more.
        log.warning(
            "Could not publish the command menus: %s failed: %s (%s)",
            step,
            error,
            type(error).__name__,
        )


@admin_only
async def reload_content(update: Update, context: BotContext) -> None:
    """Re-read the content file, so organizers can correct facts without a restart."""
    data = context.bot_data
    language = await user_language(update, context)
    try:
        changed = await data.store.reload_content()
    except ContentError as error:
        log.warning("Content reload refused: %s", error)
        await reply(
            update,
            data.translate(language, "reload.invalid", error=shorten(str(error), ERROR_SHOWN)),
        )
        return
    except sqlite3.Error as error:
        # Rolled back as a whole: the previous content is still served, users' data untouched.
        log.warning("Content reload failed in the database: %s", error)
        if is_storage_failure(error):
            data.storage_health.failed(error)
        await reply(
            update,
            data.translate(language, "reload.failed", error=shorten(str(error), ERROR_SHOWN)),
        )
        return
    if not changed:
        await reply(update, data.translate(language, "reload.unchanged"))
        return
    data.cards.clear()
    await publish_commands(context.bot, data)
    await reply(update, data.translate(language, "reload.done"))
