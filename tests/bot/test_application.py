"""StoreBackedApplication: PTB's Application without the per-id bookkeeping of a persistence."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import StoreBackedApplication
from handlers.kit.context import BotData
from tests.conftest import TOKEN
from tgemu import BotApiEmulator


def _message_update(update_id: int, user_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "U"},
            "text": "/about",
        },
    }


async def _handled_ids(
    emulator: BotApiEmulator, application_class: type[Any] | None
) -> tuple[int, int]:
    """(chat ids, user ids) PTB keeps marked for its persistence after 300 users' updates."""
    builder = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).updater(None)
    builder = builder.context_types(ContextTypes(bot_data=BotData))
    if application_class is not None:
        builder = builder.application_class(application_class)
    application = builder.build()
    seen: list[int] = []

    async def note(update: Update, _: object) -> None:
        seen.append(update.update_id)

    application.add_handler(TypeHandler(Update, note))
    async with application:
        for n in range(300):
            update = Update.de_json(_message_update(n, 10_000 + n), application.bot)
            await application.process_update(update)
    assert len(seen) == 300
    return (
        len(application._chat_ids_to_be_updated_in_persistence),
        len(application._user_ids_to_be_updated_in_persistence),
    )


async def test_plain_ptb_keeps_every_chat_and_user_id_without_a_persistence(
    emulator: BotApiEmulator,
) -> None:
    # Why the subclass exists: if PTB stops doing this, the subclass can go.
    assert await _handled_ids(emulator, None) == (300, 300)


async def test_store_backed_application_keeps_no_ids(emulator: BotApiEmulator) -> None:
    assert await _handled_ids(emulator, StoreBackedApplication) == (0, 0)
