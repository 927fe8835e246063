"""Who wrote to the bot, written down before Telegram is told their updates arrived."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from storage.db import is_lasting_storage_failure
from storage.health import StorageHealth
from storage.users import UserStore


class ContactJournal:
    """The FetchJournal of handlers/transport/fast_bot.py: who wrote to the bot, on disk before
    the ack.

    While the database is unavailable for good (a full disk, a read-only file) the bot keeps
    answering: a flush that fails that way is reported to `health` and the contacts stay noted
    in memory; the first flush that succeeds writes them. Only a crash during the outage loses
    them (their updates were answered). A lock still raises (the caller waits and retries).
    """

    def __init__(self, users: UserStore, health: StorageHealth | None = None) -> None:
        self._users = users
        self._health = health

    def fetched(self, updates: Sequence[Update]) -> None:
        """Note every sender (first contact, Telegram's language) for the next flush."""
        for update in updates:
            user = update.effective_user
            if user is not None:
                self._users.note(user.id, user.language_code)

    async def flush(self) -> None:
        """Write the noted senders in batches (see the class docstring for a failing disk)."""
        try:
            await self._users.flush()
        except Exception as error:
            if self._health is None or not is_lasting_storage_failure(error):
                raise
            self._health.failed(error)
