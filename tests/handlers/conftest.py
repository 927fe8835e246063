"""Fixtures for the handler tests that broadcast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.broadcasting import Bot, start_bot
from tests.conftest import assert_token_not_logged
from tgemu import BotApiEmulator


@pytest.fixture
async def fast(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot with its own database and a fast broadcast rate; its stop must be clean."""
    process, db_path = await start_bot(emulator, tmp_path, messages_per_second=500)
    yield process, db_path
    assert await process.stop() == 0, process.log()
    assert "Traceback" not in process.log(), process.log()
    assert_token_not_logged(process)
