"""/reload: organizers correct the content file and the bot serves it without a restart."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.content import bundled_content_path
from tests.conftest import ADMIN_ID, BotProcess, ask, write_config
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def start_with_content(emulator: BotApiEmulator, tmp_path: Path) -> tuple[BotProcess, Path]:
    content = tmp_path / "conference.toml"
    content.write_text(bundled_content_path().read_text(encoding="utf-8"), encoding="utf-8")
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        storage={"content": str(content)},
    )
    process = BotProcess(emulator, config)
    await process.start()
    return process, content


async def test_reload_serves_the_edited_file_and_keeps_serving_on_errors(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process, content = await start_with_content(emulator, tmp_path)
    try:
        before = await ask(emulator, 31_001, "/contacts")
        assert "lily@jitri.org" in before.params["text"]

        unchanged = await ask(emulator, ADMIN_ID, "/reload")
        assert "has not changed" in unchanged.params["text"]

        content.write_text(
            content.read_text(encoding="utf-8").replace("lily@jitri.org", "press@jitri.org"),
            encoding="utf-8",
        )
        since = len(emulator.calls())
        done = await ask(emulator, ADMIN_ID, "/reload")
        assert "Content reloaded" in done.params["text"]
        # The menus were republished with the reload.
        assert emulator.calls("setMyCommands", since=since)
        after = await ask(emulator, 31_001, "/contacts")  # the cached card was dropped
        assert "press@jitri.org" in after.params["text"]
        assert "lily@jitri.org" not in after.params["text"]

        broken = content.read_text(encoding="utf-8").replace('id = "msp-itt"', 'id = "jitri"', 1)
        content.write_text(broken, encoding="utf-8")
        refused = await ask(emulator, ADMIN_ID, "/reload")
        assert refused.ok, refused.error
        assert "duplicate id: jitri" in refused.params["text"]
        still = await ask(emulator, 31_002, "/contacts")
        assert "press@jitri.org" in still.params["text"]
    finally:
        assert await process.stop() == 0, process.log()


async def test_reload_is_for_admins_only(emulator: BotApiEmulator, tmp_path: Path) -> None:
    process, content = await start_with_content(emulator, tmp_path)
    try:
        content.write_text(
            content.read_text(encoding="utf-8").replace("lily@jitri.org", "x@jitri.org"),
            encoding="utf-8",
        )
        refusal = await ask(emulator, 31_003, "/reload", language_code="ru")
        assert "администратор" in refusal.params["text"]
        contacts = await ask(emulator, 31_003, "/contacts", language_code="en")
        assert "lily@jitri.org" in contacts.params["text"]
    finally:
        assert await process.stop() == 0, process.log()


async def test_help_lists_organizer_commands_to_admins_only(
    emulator: BotApiEmulator, bot: BotProcess
) -> None:
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, "/help", language_code="en")
    await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: "/reload" in c.params["text"],
    )
    texts = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since)]
    assert "/subscribe" in texts[0] and "/broadcast" not in texts[0]
    assert "/broadcast" in texts[1] and "/stats" in texts[1]

    visitor = await ask(emulator, 31_010, "/help")
    await emulator.wait_until_idle(quiet=0.2)
    assert "/subscribe" in visitor.params["text"]
    replies = emulator.calls("sendMessage", chat_id=31_010)
    assert len(replies) == 1 and "/broadcast" not in replies[0].params["text"]


async def test_readers_never_see_a_half_loaded_content(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Many /org jitri while the content is reloaded again and again: every answer is the card."""
    process, content = await start_with_content(emulator, tmp_path)
    try:
        original = content.read_text(encoding="utf-8")
        edited = original.replace("lily@jitri.org", "press@jitri.org")
        since = len(emulator.calls())
        askers = list(range(32_000, 32_020))
        asked = 0

        async def keep_asking() -> None:
            nonlocal asked
            while True:
                for user in askers:
                    emulator.push_message(user, "/org jitri", language_code="en")
                    asked += 1
                await asyncio.sleep(0.1)

        asking = asyncio.create_task(keep_asking())
        try:
            for round_ in range(20):
                content.write_text(edited if round_ % 2 == 0 else original, encoding="utf-8")
                done = await ask(emulator, ADMIN_ID, "/reload", language_code="en")
                assert "Content reloaded" in done.params["text"], done.params["text"]
        finally:
            asking.cancel()
        await emulator.wait_until_idle(quiet=0.5, timeout=60)
        answers = [
            c.params["text"]
            for c in emulator.calls("sendMessage", since=since)
            if c.chat_id in askers
        ]
        assert len(answers) == asked > 200
        wrong = [text for text in answers if "Jiangsu Industrial Technology" not in text]
        assert wrong == [], (len(wrong), wrong[:2])
    finally:
        assert await process.stop() == 0, process.log()


async def test_user_writes_during_a_failing_reload_are_kept(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """The reload fails in the database (an injected trigger, after a slow load); users who
    subscribed meanwhile stay subscribed, and the previous content is still served."""
    process, content = await start_with_content(emulator, tmp_path)
    db_path = tmp_path / "bot.sqlite3"
    try:
        with sqlite3.connect(db_path) as db:
            # Slow every content row down a little, then fail at the very end (the digest).
            db.execute(
                """CREATE TRIGGER slow_reload AFTER INSERT ON organization_i18n BEGIN
                SELECT count(*) FROM (WITH RECURSIVE c(x) AS (
                    SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) SELECT x FROM c);
                END"""
            )
            db.execute(
                """CREATE TRIGGER fail_reload BEFORE INSERT ON content_meta BEGIN
                SELECT RAISE(ABORT, 'injected reload failure'); END"""
            )
        content.write_text(
            content.read_text(encoding="utf-8").replace("lily@jitri.org", "press@jitri.org"),
            encoding="utf-8",
        )
        since = len(emulator.calls())
        emulator.push_message(ADMIN_ID, "/reload", language_code="en")
        await asyncio.sleep(0.1)
        subscribers = list(range(33_000, 33_100))
        for user in subscribers:
            emulator.push_message(user, "/subscribe", language_code="en")
        failed = await emulator.wait_for_call(
            "sendMessage", chat_id=ADMIN_ID, since=since, timeout=30
        )
        assert "reload failed" in failed.params["text"]
        assert "injected reload failure" in failed.params["text"]
        for user in subscribers:
            told = await emulator.wait_for_call("sendMessage", chat_id=user, since=since)
            assert "You are subscribed" in told.params["text"]
        with sqlite3.connect(db_path) as db:
            stored = db.execute(
                "SELECT count(*) FROM users WHERE id BETWEEN 33000 AND 33099 AND subscribed = 1"
            ).fetchone()[0]
        assert stored == len(subscribers)
        still = await ask(emulator, 33_500, "/contacts")
        assert "lily@jitri.org" in still.params["text"]
    finally:
        assert await process.stop() == 0, process.log()
