"""The inbox's SQL on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import connect
from storage.inbox import InboxRow, InboxStore


@pytest.fixture
async def inbox(tmp_path: Path) -> AsyncIterator[InboxStore]:
    connection = await connect(tmp_path / "bot.sqlite3")
    try:
        yield InboxStore(connection)
    finally:
        await connection.close()


def rows(*ids: int) -> list[InboxRow]:
    return [InboxRow(i, f'{{"update_id": {i}, "text": "привет {i}"}}') for i in ids]


async def test_add_returns_only_new_ids_and_stores_each_once(inbox: InboxStore) -> None:
    assert await inbox.add(rows(10, 11, 12), now=1.0) == {10, 11, 12}
    assert await inbox.add(rows(11, 13, 13, 12), now=2.0) == {13}
    pending = await inbox.pending(after=-1, limit=10)
    assert [r.update_id for r in pending] == [10, 11, 12, 13]
    assert pending[0].payload == '{"update_id": 10, "text": "привет 10"}'
    assert await inbox.add([], now=3.0) == set()


async def test_pending_is_in_update_id_order_and_skips_done(inbox: InboxStore) -> None:
    await inbox.add(rows(5, 3, 9, 7), now=1.0)
    await inbox.mark_done([3, 9], now=2.0)
    assert [r.update_id for r in await inbox.pending(after=-1, limit=10)] == [5, 7]
    assert [r.update_id for r in await inbox.pending(after=5, limit=10)] == [7]
    assert [r.update_id for r in await inbox.pending(after=-1, limit=1)] == [5]
    assert await inbox.count_pending() == 2
    # A done row is still known: delivered again, it is not new.
    assert await inbox.add(rows(3), now=3.0) == set()


async def test_prune_deletes_old_done_rows_but_keeps_the_newest(inbox: InboxStore) -> None:
    await inbox.add(rows(1, 2, 3, 4), now=1.0)
    await inbox.mark_done([1, 2, 4], now=10.0)
    assert await inbox.prune(done_before=5.0) == 0  # done too recently
    assert await inbox.prune(done_before=20.0) == 2  # 1 and 2; 3 is pending; 4 is the newest
    assert await inbox.last_update_id() == 4
    assert [r.update_id for r in await inbox.pending(after=-1, limit=10)] == [3]


async def test_last_update_id_of_an_empty_inbox_is_none(inbox: InboxStore) -> None:
    assert await inbox.last_update_id() is None


async def test_state_or_set_keeps_the_first_value(inbox: InboxStore) -> None:
    assert await inbox.state("webhook_secret_token") is None
    assert await inbox.state_or_set("webhook_secret_token", "first") == "first"
    assert await inbox.state_or_set("webhook_secret_token", "second") == "first"
    assert await inbox.state("webhook_secret_token") == "first"


@pytest.mark.slow
async def test_probe_write_fails_while_another_connection_holds_the_lock(
    inbox: InboxStore, tmp_path: Path
) -> None:
    await inbox.probe_write()
    other = await connect(tmp_path / "bot.sqlite3")
    probe = await connect(tmp_path / "bot.sqlite3")
    await probe.execute("PRAGMA busy_timeout = 100")
    try:
        await other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(Exception, match="locked"):
            await InboxStore(probe).probe_write()
        await other.execute("ROLLBACK")
        await InboxStore(probe).probe_write()
    finally:
        await other.close()
        await probe.close()
