"""Admin broadcast flow and /stats, end to end through the emulator."""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3
from pathlib import Path

from tests.broadcasting import (
    Bot,
    callbacks,
    confirm,
    draft,
    message_id,
    outbox_states,
    press,
    received,
    report_counts,
    say,
    start_bot,
    subscribe_users,
    user_flags,
    wait_for_report,
)
from tests.conftest import ADMIN_ID
from tgemu import BotApiEmulator

STRANGER = 6666


async def test_non_admins_are_refused_and_nothing_happens(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    await subscribe_users(emulator, {7001: "en"})
    since = len(emulator.calls())
    for command in ("/broadcast Buy now", "/broadcast", "/stats", "/stats csv", "/skip", "/cancel"):
        replies = await say(emulator, STRANGER, command, language_code="en")
        assert len(replies) == 1
        assert "administrators only" in replies[0].params["text"]
    answer = await press(emulator, STRANGER, "bc:send:1")
    assert "administrators only" in answer.params["text"]
    # A stranger's plain text is still just a search.
    replies = await say(emulator, STRANGER, "JITRI", language_code="en")
    assert "administrators" not in replies[0].params["text"]
    assert emulator.calls("sendMessage", chat_id=7001, since=since) == []
    assert emulator.calls("sendDocument", since=since) == []
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0


async def test_preview_confirm_delivers_to_subscribers_only(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    subscribers = {7101: "en", 7102: "ru", 7103: "zh-hans"}
    await subscribe_users(emulator, subscribers)
    await subscribe_users(emulator, {7104: "en"})
    await say(emulator, 7104, "/unsubscribe")
    await say(emulator, 7105, "/start")  # never subscribed
    await subscribe_users(emulator, {7106: "en"})
    emulator.push_my_chat_member(7106, "kicked")
    await emulator.wait_until_idle(quiet=0.2)

    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Programme <updated> & final")
    # The preview shows the message exactly as subscribers will get it, then the buttons.
    admin_msgs = emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since)
    assert admin_msgs[0].params["text"] == "Programme &lt;updated&gt; &amp; final"
    assert callbacks(admin_msgs[0]) == ["sub:off"]
    assert callbacks(control) == [
        f"bc:send:{broadcast_id}",
        f"bc:all:{broadcast_id}",
        f"bc:test:{broadcast_id}",
        f"bc:cancel:{broadcast_id}",
    ]
    assert "3 subscribers" in control.params["text"]
    assert all(len(d.encode()) <= 64 for d in callbacks(control))
    # Nothing is sent before confirmation.
    assert all(received(emulator, u, since) == [] for u in range(7101, 7107))

    progress = await confirm(emulator, broadcast_id, control)
    report = await wait_for_report(emulator, progress)
    assert report_counts(report["text"]) == {
        "Delivered": 3,
        "Failed": 0,
        "Uncertain (timed out)": 0,
        "Blocked the bot": 0,
        "Cancelled": 0,
    }
    assert "3 recipients" in report["text"]
    for user in subscribers:
        assert received(emulator, user, since) == ["Programme &lt;updated&gt; &amp; final"]
    for user in (7104, 7105, 7106):
        assert emulator.calls("sendMessage", chat_id=user, since=since) == []
    assert outbox_states(db_path, broadcast_id) == {"sent": 3}
    # The confirm buttons are gone; a second press is answered, not acted on.
    control_now = next(
        m for m in emulator.sent_messages(ADMIN_ID) if m["message_id"] == message_id(control)
    )
    assert callbacks(control_now) == []
    again = await press(
        emulator, ADMIN_ID, f"bc:send:{broadcast_id}", message_id=message_id(control)
    )
    assert "already been sent" in again.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert all(len(received(emulator, u, since)) == 1 for u in subscribers)


async def test_cancel_and_forged_buttons(emulator: BotApiEmulator, fast: Bot) -> None:
    await subscribe_users(emulator, {7201: "en"})
    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Never mind")
    answer = await press(
        emulator, ADMIN_ID, f"bc:cancel:{broadcast_id}", message_id=message_id(control)
    )
    assert answer.ok
    cancelled = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=answer.index,
        predicate=lambda c: "cancelled" in c.params["text"],
    )
    assert "cancelled" in cancelled.params["text"]
    late = await press(emulator, ADMIN_ID, f"bc:send:{broadcast_id}")
    assert "already been sent or cancelled" in late.params["text"]
    for forged in ("bc:send:999999", "bc:send:abc", "bc:launch:1", f"bc:send:{broadcast_id}:x"):
        answer = await press(emulator, ADMIN_ID, forged)
        assert "out of date" in answer.params["text"] or "already" in answer.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert emulator.calls("sendMessage", chat_id=7201, since=since) == []


async def test_test_to_myself_and_send_to_all(emulator: BotApiEmulator, fast: Bot) -> None:
    _, db_path = fast
    await subscribe_users(emulator, {7301: "en"})
    await say(emulator, 7302, "/start")  # a user who never subscribed
    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Everyone: the hall has moved")
    answer = await press(
        emulator, ADMIN_ID, f"bc:test:{broadcast_id}", message_id=message_id(control)
    )
    assert "test message" in answer.params["text"]
    test = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=answer.index)
    assert test.params["text"] == "Everyone: the hall has moved"
    assert callbacks(test) == ["sub:off"]
    assert emulator.calls("sendMessage", chat_id=7301, since=since) == []

    progress = await confirm(emulator, broadcast_id, control, action="all")
    report = await wait_for_report(emulator, progress)
    # Everyone who started the bot: both users and the admin.
    assert "3 recipients" in report["text"]
    assert received(emulator, 7301, since) == ["Everyone: the hall has moved"]
    assert received(emulator, 7302, since) == ["Everyone: the hall has moved"]
    assert outbox_states(db_path, broadcast_id) == {"sent": 3}


async def test_guided_flow_per_language_with_hostile_input(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    users = {7401: "ru", 7402: "zh-hans", 7403: "en", 7404: "de"}
    await subscribe_users(emulator, users)
    since = len(emulator.calls())

    ask = await say(emulator, ADMIN_ID, "/broadcast")
    assert "Step 1 of 3" in ask[0].params["text"] and "Русский" in ask[0].params["text"]
    broadcast_id = int(callbacks(ask[0])[0].rsplit(":", 1)[1])
    assert callbacks(ask[0]) == [f"bc:skip:{broadcast_id}", f"bc:cancel:{broadcast_id}"]
    # A sticker, an over-long text and another command do not derail the flow.
    emulator.push_media(ADMIN_ID, "sticker")
    nudge = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=ask[0].index + 1)
    assert "I need the broadcast text" in nudge.params["text"]
    too_long = await say(emulator, ADMIN_ID, "x" * 4001)
    assert "4001 characters, the limit is 4000" in too_long[0].params["text"]
    about = await say(emulator, ADMIN_ID, "/about")
    assert "Step" not in about[0].params["text"]

    await say(emulator, ADMIN_ID, "Русский <текст>")
    ask_en = await press(emulator, ADMIN_ID, f"bc:skip:{broadcast_id}")  # skip Chinese by button
    assert ask_en.ok
    en = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=ask_en.index,
        predicate=lambda c: "Step 3 of 3" in c.params["text"],
    )
    assert "English" in en.params["text"]
    replies = await say(emulator, ADMIN_ID, "English text")
    previews = [c.params["text"] for c in replies[:-1]]
    assert previews == ["Русский &lt;текст&gt;", "English text"]
    control = replies[-1]
    assert callbacks(control)[0] == f"bc:send:{broadcast_id}"
    assert "Русский, English" in control.params["text"]

    progress = await confirm(emulator, broadcast_id, control)
    await wait_for_report(emulator, progress)
    assert received(emulator, 7401, since) == ["Русский &lt;текст&gt;"]
    assert received(emulator, 7403, since) == ["English text"]
    # No Chinese text: the default language (ru) stands in; German speakers get it too.
    assert received(emulator, 7402, since) == ["Русский &lt;текст&gt;"]
    assert received(emulator, 7404, since) == ["Русский &lt;текст&gt;"]
    # After the flow, the admin's text is a search again.
    replies = await say(emulator, ADMIN_ID, "JITRI")
    assert "Step" not in replies[0].params["text"]


async def test_guided_flow_cancel_and_nothing_given(emulator: BotApiEmulator, fast: Bot) -> None:
    _, db_path = fast
    await subscribe_users(emulator, {7501: "en"})
    since = len(emulator.calls())
    await say(emulator, ADMIN_ID, "/broadcast")
    await say(emulator, ADMIN_ID, "draft text")
    cancelled = await say(emulator, ADMIN_ID, "/cancel")
    assert "cancelled" in cancelled[0].params["text"]
    nothing = await say(emulator, ADMIN_ID, "/cancel")
    assert "No broadcast is being prepared" in nothing[0].params["text"]
    # The text after /cancel is a search, not a broadcast.
    replies = await say(emulator, ADMIN_ID, "JITRI")
    assert not any(d.startswith("bc:") for c in replies for d in callbacks(c))

    await say(emulator, ADMIN_ID, "/broadcast")
    await say(emulator, ADMIN_ID, "/skip")
    await say(emulator, ADMIN_ID, "/skip")
    none = await say(emulator, ADMIN_ID, "/skip")
    assert "No text was given" in none[0].params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert emulator.calls("sendMessage", chat_id=7501, since=since) == []
    assert user_flags(db_path, 7501) == (1, 0)


async def test_formatting_is_kept_and_long_drafts_refused(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    await subscribe_users(emulator, {7601: "en"})
    since = len(emulator.calls())
    # The admin typed bold and a link with Telegram's formatting (entities, not HTML).
    text = "/broadcast Big news: see site"
    emulator.add_chat(ADMIN_ID)
    emulator.push_update(
        {
            "message": {
                "message_id": 500,
                "date": 1_700_000_000,
                "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Admin"},
                "from": {
                    "id": ADMIN_ID,
                    "is_bot": False,
                    "first_name": "Admin",
                    "language_code": "en",
                },
                "text": text,
                "entities": [
                    {"type": "bot_command", "offset": 0, "length": 10},
                    {"type": "bold", "offset": 11, "length": 8},
                    {"type": "text_link", "offset": 25, "length": 4, "url": "https://example.com/"},
                ],
            }
        }
    )
    control = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
    )
    broadcast_id = int(callbacks(control)[0].rsplit(":", 1)[1])
    progress = await confirm(emulator, broadcast_id, control)
    await wait_for_report(emulator, progress)
    expected = '<b>Big news</b>: see <a href="https://example.com/">site</a>'
    assert received(emulator, 7601, since) == [expected]
    message = emulator.sent_messages(7601)[-1]
    assert message["text"] == "Big news: see site"
    assert {e["type"] for e in message["entities"]} == {"bold", "text_link"}

    # 4000 characters are fine, 4001 are refused with the limit; Chinese counts per character.
    ok = await say(emulator, ADMIN_ID, "/broadcast " + "新" * 4000)
    assert any(d.startswith("bc:send:") for d in callbacks(ok[-1]))
    refused = await say(emulator, ADMIN_ID, "/broadcast " + "新" * 4001)
    assert len(refused) == 1
    assert "4001 characters, the limit is 4000" in refused[0].params["text"]


async def test_progress_message_stop_and_stats(emulator: BotApiEmulator, tmp_path: Path) -> None:
    # A slow rate so the progress message shows intermediate counts and the stop button, and
    # the stop (after two progress edits, ~6 s) comes well before the 60 messages (~12 s) are out.
    process, db_path = await start_bot(emulator, tmp_path, messages_per_second=5)
    try:
        users = {8000 + i: ("ru" if i % 2 else "en") for i in range(60)}
        await subscribe_users(emulator, users)
        emulator.block_chat(8000)
        since = len(emulator.calls())
        broadcast_id, control = await draft(emulator, "Slow news")
        progress = await confirm(emulator, broadcast_id, control)
        edit = await emulator.wait_for_call(
            "editMessageText",
            chat_id=ADMIN_ID,
            predicate=lambda c: (
                c.params.get("message_id") == progress and "Pending" in c.params["text"]
            ),
            timeout=10,
        )
        assert f"Broadcast #{broadcast_id}" in edit.params["text"]
        assert callbacks(edit) == [f"bc:stop:{broadcast_id}"]
        counts = report_counts(edit.params["text"])
        assert (
            counts["Sent"] + counts["Failed"] + counts["Blocked the bot"] + counts["Pending"] == 60
        )
        # Edits are rate-limited: at most one per 3 s (plus the final report).
        await emulator.wait_for_call(
            "editMessageText",
            chat_id=ADMIN_ID,
            predicate=lambda c: c.params.get("message_id") == progress and c.index > edit.index,
            timeout=10,
        )
        answer = await press(emulator, ADMIN_ID, f"bc:stop:{broadcast_id}", message_id=progress)
        assert "Stopping" in answer.params["text"]
        report = await wait_for_report(emulator, progress, word="stopped")
        final = report_counts(report["text"])
        states = outbox_states(db_path, broadcast_id)
        assert final["Delivered"] == states["sent"] > 0
        assert final["Not sent"] == states["cancelled"] > 0
        assert final["Blocked the bot"] == states.get("blocked", 0) == 1
        assert sum(states.values()) == 60
        edits = [
            c
            for c in emulator.calls("editMessageText", chat_id=ADMIN_ID)
            if c.params.get("message_id") == progress
        ]
        gaps = [b.at - a.at for a, b in itertools.pairwise(edits[:-1])]
        assert all(gap >= 2.9 for gap in gaps), gaps
        assert callbacks(report) == []
        await emulator.wait_until_idle(quiet=0.5)
        assert sum(len(received(emulator, u, since)) for u in users) == states["sent"]

        stats = await say(emulator, ADMIN_ID, "/stats")
        text = stats[0].params["text"]
        assert "Users: 61" in text  # 60 subscribers and the admin
        assert "Subscribers: 59" in text and "Blocked the bot: 1" in text
        assert "• English — users: 30, subscribers: 29" in text  # the admin and 29 reachable
        assert "• Русский — users: 30, subscribers: 30" in text
        assert f"#{broadcast_id} (stopped): 60 in all, {states['sent']} delivered" in text

        since = len(emulator.calls())
        emulator.push_message(ADMIN_ID, "/stats csv")
        document = await emulator.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=since)
        stored = emulator.file(document.result["document"]["file_id"])
        assert stored is not None
        rows = list(csv.DictReader(io.StringIO(stored["data"].decode())))
        assert [r["id"] for r in rows] == [str(broadcast_id)]
        assert rows[0]["status"] == "stopped"
        assert int(rows[0]["sent"]) == states["sent"]
        assert int(rows[0]["blocked"]) == 1
        assert int(rows[0]["cancelled"]) == states["cancelled"]
    finally:
        assert await process.stop() == 0, process.log()
    assert "Traceback" not in process.log()
