"""Webhooks: setWebhook, getWebhookInfo, deleteWebhook and delivery."""

from __future__ import annotations

import pytest
import telegram

from tests.tgemu.support import USER
from tgemu import BotApiEmulator


async def test_webhook_conflict(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(
        telegram.error.Conflict, match=r"(?i)can't use getUpdates method while webhook is active"
    ):
        await bot.get_updates()
    emu.push_message(USER, "x")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates() == 0
    assert await bot.get_updates() == ()
