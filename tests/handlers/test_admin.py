"""Admin broadcast flow and /stats, end to end through the emulator."""

from __future__ import annotations

import csv
import io
import itertools
import re
import sqlite3
from pathlib import Path

import pytest

from tests.broadcasting import (
    Bot,
    button_data,
    callbacks,
    confirm,
    draft,
    message_id,
    outbox_states,
    press,
    preview_id,
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
from tgemu.telegram_html import parse_html

STRANGER = 6666


@pytest.mark.slow
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


@pytest.mark.slow
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
    token = button_data(control, "send").rsplit(":", 1)[1]
    assert callbacks(control) == [
        f"bc:send:{token}",
        f"bc:all:{token}",
        f"bc:ru:{token}",
        f"bc:zh:{token}",
        f"bc:en:{token}",
        f"bc:test:{token}",
        f"bc:cancel:{token}",
    ]
    assert len(token) >= 22 and str(broadcast_id) != token  # unguessable, not the sequence
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
        emulator, ADMIN_ID, button_data(control, "send"), message_id=message_id(control)
    )
    assert "already been sent" in again.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert all(len(received(emulator, u, since)) == 1 for u in subscribers)


@pytest.mark.slow
async def test_cancel_and_forged_buttons(emulator: BotApiEmulator, fast: Bot) -> None:
    await subscribe_users(emulator, {7201: "en"})
    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Never mind")
    answer = await press(
        emulator, ADMIN_ID, button_data(control, "cancel"), message_id=message_id(control)
    )
    assert answer.ok
    cancelled = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=answer.index,
        predicate=lambda c: "cancelled" in c.params["text"],
    )
    assert "cancelled" in cancelled.params["text"]
    late = await press(emulator, ADMIN_ID, button_data(control, "send"))
    assert "already been sent or cancelled" in late.params["text"]
    forgeries = ("bc:send:999999", "bc:send:abc", "bc:launch:1", f"bc:send:{broadcast_id}")
    for forged in (*forgeries, button_data(control, "send") + ":x", "bc:send:" + "A" * 22):
        answer = await press(emulator, ADMIN_ID, forged)
        assert "out of date" in answer.params["text"] or "already" in answer.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert emulator.calls("sendMessage", chat_id=7201, since=since) == []


@pytest.mark.slow
async def test_test_to_myself_and_send_to_all(emulator: BotApiEmulator, fast: Bot) -> None:
    _, db_path = fast
    await subscribe_users(emulator, {7301: "en"})
    await say(emulator, 7302, "/start")  # a user who never subscribed
    since = len(emulator.calls())
    broadcast_id, control = await draft(emulator, "Everyone: the hall has moved")
    answer = await press(
        emulator, ADMIN_ID, button_data(control, "test"), message_id=message_id(control)
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


@pytest.mark.slow
async def test_guided_flow_per_language_with_hostile_input(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    users = {7401: "ru", 7402: "zh-hans", 7403: "en", 7404: "de"}
    await subscribe_users(emulator, users)
    since = len(emulator.calls())

    ask = await say(emulator, ADMIN_ID, "/broadcast")
    assert "Step 1 of 3" in ask[0].params["text"] and "Русский" in ask[0].params["text"]
    token = callbacks(ask[0])[0].rsplit(":", 1)[1]
    assert callbacks(ask[0]) == [f"bc:skip:{token}", f"bc:cancel:{token}"]
    # A sticker, an over-long text and another command do not derail the flow.
    emulator.push_media(ADMIN_ID, "sticker")
    nudge = await emulator.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=ask[0].index + 1)
    assert "I need the broadcast text" in nudge.params["text"]
    too_long = await say(emulator, ADMIN_ID, "x" * 4001)
    assert "4001 characters, the limit is 4000" in too_long[0].params["text"]
    about = await say(emulator, ADMIN_ID, "/about")
    assert "Step" not in about[0].params["text"]

    await say(emulator, ADMIN_ID, "Русский <текст>")
    ask_en = await press(emulator, ADMIN_ID, f"bc:skip:{token}")  # skip Chinese by button
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
    assert callbacks(control)[0] == f"bc:send:{token}"
    broadcast_id = preview_id(control)
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


@pytest.mark.slow
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


@pytest.mark.slow
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
    progress = await confirm(emulator, preview_id(control), control)
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


@pytest.mark.slow
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
        token = button_data(control, "send").rsplit(":", 1)[1]
        assert callbacks(edit) == [f"bc:stop:{token}"]
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
        answer = await press(emulator, ADMIN_ID, f"bc:stop:{token}", message_id=progress)
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
        # Every state on its own, adding up to the total (uncertain and cancelled included).
        line = next(li for li in text.splitlines() if li.startswith(f"#{broadcast_id} "))
        assert line == (
            f"#{broadcast_id} (stopped): 60 in all = {states['sent']} delivered"
            f" + {states.get('failed', 0)} failed + {states.get('uncertain', 0)} uncertain"
            f" + 1 blocked + {states['cancelled']} cancelled + 0 pending"
        )

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


def announcement() -> tuple[str, list[dict[str, object]]]:
    """A realistic long announcement as an organizer types it in Telegram: 2,339 visible
    characters, a bold title, 25 links (URLs with & and "), italics over the last 8 paragraphs."""
    paragraphs = ["Программа конференции: обновления"]
    links: list[tuple[int, int, str]] = []  # (paragraph, position in it, url)
    for n in range(12):
        words = []
        for k in range(3 if n < 1 else 2):
            if len(links) < 25:
                url = (
                    f"https://example.org/p?id={n}&part={k}"
                    if k % 2 == 0
                    else f'https://example.org/q?text="{n}"&lang=ru'
                )
                links.append((n + 1, len(" ".join(words)) + (1 if words else 0), url))
                words.append(f"ссылка{n}{k}")
            words.append("подробности участия в секции по новым материалам")
        paragraphs.append(" ".join(words))
    text = "\n\n".join(paragraphs)
    pad = 2339 - len(text)
    assert pad > 0
    paragraphs[-1] += " " + "и" * (pad - 1)
    text = "\n\n".join(paragraphs)
    assert len(text) == 2339 and len(text.encode("utf-16-le")) // 2 == 2339
    starts = [sum(len(p) + 2 for p in paragraphs[:i]) for i in range(len(paragraphs))]
    entities: list[dict[str, object]] = [
        {"type": "bold", "offset": 0, "length": len(paragraphs[0])}
    ]
    for paragraph, position, url in links:
        offset = starts[paragraph] + position
        length = len(text[offset:].split(" ", 1)[0])
        entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    italic_from = starts[len(paragraphs) - 8]
    entities.append({"type": "italic", "offset": italic_from, "length": len(text) - italic_from})
    assert len([e for e in entities if e["type"] == "text_link"]) == 25
    return text, entities


@pytest.mark.slow
async def test_a_long_formatted_announcement_previews_and_arrives_exactly(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    _, db_path = fast
    users = {7701: "ru", 7702: "en"}
    await subscribe_users(emulator, users)
    body, entities = announcement()
    command = "/broadcast "
    since = len(emulator.calls())
    update = emulator.push_message(ADMIN_ID, command + body, language_code="en")
    update["message"]["entities"] = [
        {"type": "bot_command", "offset": 0, "length": len(command) - 1},
        *({**e, "offset": int(e["offset"]) + len(command)} for e in entities),  # type: ignore[call-overload]
    ]
    control = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: any(d.startswith("bc:send:") for d in callbacks(c)),
    )
    assert all(c.ok for c in emulator.calls(since=since) if c.method != "getUpdates")
    preview_call = emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since)[0]
    preview = next(
        m for m in emulator.sent_messages(ADMIN_ID) if m["message_id"] == message_id(preview_call)
    )
    # The preview is the announcement as typed: same text, every link and the italics.
    assert preview["text"] == body
    shown = sorted((e["type"], e["offset"], e["length"], e.get("url")) for e in preview["entities"])
    typed = sorted((e["type"], e["offset"], e["length"], e.get("url")) for e in entities)
    assert shown == typed

    progress = await confirm(emulator, preview_id(control), control)
    await wait_for_report(emulator, progress)
    for user in users:
        got = emulator.sent_messages(user)[-1]
        # Exactly what the organizer saw in the preview.
        assert (got["text"], got["entities"]) == (preview["text"], preview["entities"])
    assert outbox_states(db_path, preview_id(control)) == {"sent": 2}
    news = await say(emulator, 7701, "/news", language_code="ru")
    item = news[-1]
    assert item.ok and body.split("\n\n")[1] in parse_html(item.params["text"]).text


@pytest.mark.slow
async def test_stats_show_every_state_and_add_up_in_every_language(
    emulator: BotApiEmulator, fast: Bot
) -> None:
    """A finished broadcast whose outbox holds every final state: each one is on the /stats
    line, uncertain apart from failed and cancelled included, and the parts add up."""
    _, db_path = fast
    states = {"sent": 5, "failed": 1, "uncertain": 2, "blocked": 3, "cancelled": 4}
    with sqlite3.connect(db_path) as db:
        cursor = db.execute(
            """INSERT INTO broadcasts (author_id, author_language, status, audience, total,
                created_at, queued_at, finished_at, token)
            VALUES (?, 'en', 'done', 'subscribers', 15, 0, 0, 0, 'abcdefghijklmnopqrstuv')""",
            (ADMIN_ID,),
        )
        broadcast_id = cursor.lastrowid
        user = itertools.count(60_000)
        for state, count in states.items():
            db.executemany(
                "INSERT INTO outbox (broadcast_id, user_id, lang, state) VALUES (?, ?, 'en', ?)",
                [(broadcast_id, next(user), state) for _ in range(count)],
            )
    words = {
        "en": ("delivered", "failed", "uncertain", "blocked", "cancelled", "pending"),
        "ru": ("доставлено", "ошибок", "неизвестно", "заблокировали", "отменено", "в очереди"),
        "zh": ("已送达", "失败", "不确定", "已屏蔽", "已取消", "待发送"),
    }
    for language, labels in words.items():
        replies = await say(emulator, ADMIN_ID, "/stats", language_code=language)
        line = next(
            li for li in replies[0].params["text"].splitlines() if li.startswith(f"#{broadcast_id}")
        )
        numbers = [int(n) for n in re.findall(r"\d+", line)][1:]  # after the id
        assert numbers == [15, 5, 1, 2, 3, 4, 0], (language, line)
        assert numbers[0] == sum(numbers[1:])
        assert all(label in line for label in labels), (language, line)
