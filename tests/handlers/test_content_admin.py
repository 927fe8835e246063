"""/reload: organizers correct the content file and the bot serves it without a restart."""

from __future__ import annotations

from pathlib import Path

from storage.content import bundled_content_path
from tests.conftest import ADMIN_ID, BotProcess, ask, write_config
from tgemu import BotApiEmulator


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
