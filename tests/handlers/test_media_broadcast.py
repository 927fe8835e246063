"""Photo and document broadcasts, and language audiences, end to end through the emulator.

The admin's file reaches Telegram once (the admin's own upload); the bot sends it on by the
file_id Telegram issued, so the emulator counts no upload from the bot at all.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.broadcasting import (
    Bot,
    button_data,
    callbacks,
    confirm,
    outbox_states,
    preview_id,
    say,
    subscribe_users,
    wait_for_report,
)
from tests.conftest import ADMIN_ID
from tgemu import BotApiEmulator, Call

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


async def media_draft(emulator: BotApiEmulator, kind: str, caption: str) -> tuple[int, Call]:
    """The admin sends a photo/document with `caption`; the draft id and the control message."""
    since = len(emulator.calls())
    emulator.push_media(ADMIN_ID, kind, caption=caption)
    control = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
    )
    return preview_id(control), control


def sent_files(emulator: BotApiEmulator, method: str, user_id: int, since: int = 0) -> list[Call]:
    return [c for c in emulator.calls(method, chat_id=user_id, since=since) if c.ok]


async def test_photo_broadcast_reaches_everyone_with_no_upload(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    users = {9101: "en", 9102: "ru", 9103: "zh-hans"}
    await subscribe_users(emulator, users)
    since = len(emulator.calls())
    broadcast_id, control = await media_draft(
        emulator, "photo", "/broadcast The poster <final> & signed"
    )
    # The preview is the photo itself, as recipients will see it, with the unsubscribe button.
    (shown,) = sent_files(emulator, "sendPhoto", ADMIN_ID, since)
    file_id = shown.params["photo"]
    assert shown.file_source == "file_id"
    assert file_id.startswith("user-photo-")
    assert shown.params["caption"] == "The poster &lt;final&gt; &amp; signed"
    assert callbacks(shown) == ["sub:off"]
    assert "3 subscribers" in control.params["text"]

    progress = await confirm(emulator, broadcast_id, control)
    report = await wait_for_report(emulator, progress)
    assert "3 recipients" in report["text"]
    for user in users:
        (got,) = sent_files(emulator, "sendPhoto", user, since)
        assert got.params["photo"] == file_id
        assert got.file_source == "file_id"
        assert got.params["caption"] == "The poster &lt;final&gt; &amp; signed"
        assert callbacks(got) == ["sub:off"]
        assert emulator.calls("sendMessage", chat_id=user, since=since) == []
    assert emulator.uploads == 0
    assert outbox_states(db_path, broadcast_id) == {"sent": 3}
    # /news shows the photo itself, after its date.
    before = len(emulator.calls())
    await say(emulator, 9101, "/news")
    await emulator.wait_until_idle(quiet=0.2)
    (again,) = sent_files(emulator, "sendPhoto", 9101, before)
    assert again.params["photo"] == file_id
    assert emulator.uploads == 0


async def test_document_as_a_composition_step_and_a_language_audience(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    users = {9201: "ru", 9202: "zh-hans", 9203: "en", 9204: "ru-RU"}
    await subscribe_users(emulator, users)
    since = len(emulator.calls())
    (ask,) = await say(emulator, ADMIN_ID, "/broadcast")
    assert "Step 1 of 3" in ask.params["text"]
    emulator.push_media(ADMIN_ID, "document", caption="Программа в PDF")
    await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=ask.index + 1)
    await say(emulator, ADMIN_ID, "/skip")
    replies = await say(emulator, ADMIN_ID, "Programme as a PDF")
    control = replies[-1]
    (document,) = sent_files(emulator, "sendDocument", ADMIN_ID, since)
    assert document.params["caption"] == "Программа в PDF"
    file_id = document.params["document"]
    broadcast_id = preview_id(control)
    assert button_data(control, "ru").startswith("bc:ru:")
    # The audience buttons show each language's subscriber count.
    labels = [b["text"] for row in control.params["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Русский (2)" in label for label in labels), labels
    assert any("中文 (1)" in label for label in labels), labels

    progress = await confirm(emulator, broadcast_id, control, action="ru")
    report = await wait_for_report(emulator, progress)
    assert "2 recipients" in report["text"]
    for user in (9201, 9204):
        (got,) = sent_files(emulator, "sendDocument", user, since)
        assert got.params["document"] == file_id
        assert callbacks(got) == ["sub:off"]
    for user in (9202, 9203):
        assert emulator.calls("sendDocument", chat_id=user, since=since) == []
        assert emulator.calls("sendMessage", chat_id=user, since=since) == []
    assert emulator.uploads == 0


async def test_caption_over_telegram_s_limit_is_refused(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    since = len(emulator.calls())
    emulator.push_media(ADMIN_ID, "photo", caption="/broadcast " + "я" * 1025)
    answer = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=since)
    assert "1025 characters" in answer.params["text"]
    assert "1024" in answer.params["text"]
    (ask,) = await say(emulator, ADMIN_ID, "/broadcast")
    emulator.push_media(ADMIN_ID, "photo", caption="x" * 1025)
    refusal = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=ask.index + 1)
    assert "1025 characters" in refusal.params["text"]
    # Exactly at the limit is fine (the caption stays within Telegram's own check).
    emulator.push_media(ADMIN_ID, "photo", caption="x" * 1024)
    step = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=refusal.index + 1)
    assert "Step 2 of 3" in step.params["text"]
    await emulator.wait_until_idle(quiet=0.2)
    assert emulator.calls("sendPhoto", since=since) == []
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT lang, media_kind, length(body) FROM broadcast_texts").fetchall()
    assert rows == [("ru", "photo", 1024)]


async def test_scheduled_photo_from_a_caption(emulator: BotApiEmulator, fast: Bot) -> None:
    await subscribe_users(emulator, {9301: "en"})
    since = len(emulator.calls())
    broadcast_id, control = await media_draft(emulator, "photo", "/schedule +2s Poster")
    assert "waits until" in control.params["text"]
    progress = await confirm(emulator, broadcast_id, control)
    report = await wait_for_report(emulator, progress)
    assert "on time" in report["text"]
    (got,) = sent_files(emulator, "sendPhoto", 9301, since)
    assert got.params["caption"] == "Poster"
    assert emulator.uploads == 0


async def test_strangers_cannot_broadcast_a_photo(emulator: BotApiEmulator, fast: Bot) -> None:
    _, db_path = fast
    since = len(emulator.calls())
    emulator.push_media(9401, "photo", caption="/broadcast Buy now")
    answer = await emulator.wait_for_call("sendMessage", chat_id=9401, since=since)
    assert "administrators only" in answer.params["text"]
    await emulator.wait_until_idle(quiet=0.2)
    assert emulator.calls("sendPhoto", since=since) == []
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0
