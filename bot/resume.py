"""What a restart owes people, once the inbox's replay is over: broadcast confirmations a crash
cut short go back to their authors, organizers' answers it interrupted are reported to their
admins, and answers written but not yet sent go out (issue 22).

Each step waits out a database that refuses it for a while (another process holding the lock, a
full disk): what is owed is delayed, never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.admin import resume_confirmations
from handlers.kit.context import BotApplication
from handlers.questions import resume_deliveries
from handlers.transport.inbox import Inbox
from storage.asked import Asked
from storage.errors import is_corruption, is_storage_failure

log = logging.getLogger(__name__)

# Interrupted confirmations are shown again at the latest this long after start.
RESUME_AFTER = 30.0
# A step the database refused is tried again after 1, 2, 4 … seconds, at most this long apart.
RETRY_MAX = 60.0


async def resume_after_replay(
    application: BotApplication, inbox: Inbox, interrupted: list[Asked]
) -> None:
    """Show interrupted confirmations to their authors once the inbox's replay is over; tell
    admins of `interrupted` answers, and send those written but not yet sent (issue 22)."""
    await inbox.settled(RESUME_AFTER)
    bot, data = application.bot, application.bot_data
    await retry_while_unavailable(
        lambda: resume_confirmations(bot, data), "show interrupted confirmations again"
    )
    await retry_while_unavailable(
        lambda: resume_deliveries(bot, data, interrupted),
        "resume the delivery of organizers' answers",
    )


async def retry_while_unavailable(step: Callable[[], Awaitable[None]], what: str) -> None:
    """Run `step`; while the database refuses it (locked by another process, a full disk), try
    again later, one warning line each time: what a restart owes its users is not dropped
    because the database was busy at that moment. A damaged database or a bug is logged once."""
    delay = 1.0
    while True:
        try:
            await step()
            return
        except Exception as error:
            if is_corruption(error):
                log.error("Could not %s: %s", what, error)
                return
            if not is_storage_failure(error):
                log.exception("Could not %s", what)
                return
            log.warning("Could not %s yet (%s); trying again in %.0f s", what, error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)
