"""Issue 22 end to end: a participant asks the organizers, an admin answers, the asker gets it.

The bot runs as a real process against the emulator, with two admins; everything is
asserted on what users and admins see (and, for durability, on the database file).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.broadcasting import message_id, press, say
from tests.conftest import ADMIN_ID, BotProcess, assert_token_not_logged, callbacks, write_config
from tgemu import BotApiEmulator, Call

# Every test runs the bot as a real process.
pytestmark = pytest.mark.slow

SECOND_ADMIN = 900_002
ASKER = 5101
STRANGER = 5199
# Nothing in the article answers this (the bundled content has no transport facts).
UNKNOWN = "Is there a shuttle from the airport?"

Bot = tuple[BotProcess, Path]


async def start(emulator: BotApiEmulator, tmp_path: Path, **bot: object) -> Bot:
    db_path = tmp_path / "bot.sqlite3"
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        db_path,
        bot={"admins": [ADMIN_ID, SECOND_ADMIN], **bot},
    )
    process = BotProcess(emulator, config)
    await process.start()
    return process, db_path


@pytest.fixture
async def organizers(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Bot]:
    """The bot with two admins; its stop must be clean and its log free of tracebacks."""
    process, db_path = await start(emulator, tmp_path)
    # Both admins have a private chat with the bot (they pressed Start once).
    for admin in (ADMIN_ID, SECOND_ADMIN):
        await say(emulator, admin, "/start")
    yield process, db_path
    if process.process is not None and process.process.returncode is None:
        assert await process.stop() == 0, process.log()
    assert "Traceback" not in process.log(), process.log()
    assert_token_not_logged(process)


def data_starting(call: Call | dict[str, Any], prefix: str) -> str:
    return next(d for d in callbacks(call) if d.startswith(prefix))


async def wait_sent(
    emulator: BotApiEmulator,
    chat_id: int,
    since: int,
    needle: str,
    method: str = "sendMessage",
    timeout: float = 10,  # noqa: ASYNC109
) -> Call:
    def has(call: Call) -> bool:
        text = str(call.params.get("text") or call.params.get("caption") or "")
        return needle in text

    return await emulator.wait_for_call(
        method, chat_id=chat_id, since=since, predicate=has, timeout=timeout
    )


async def ask_unknown(emulator: BotApiEmulator, text: str = UNKNOWN) -> tuple[int, Call]:
    """The asker types a question the article does not answer: its message id and the reply."""
    since = len(emulator.calls())
    update = emulator.push_message(ASKER, text, language_code="en", first_name="Alice")
    reply = await emulator.wait_for_call("sendMessage", chat_id=ASKER, since=since)
    return int(update["message"]["message_id"]), reply


async def send_to_organizers(emulator: BotApiEmulator, reply: Call) -> dict[int, Call]:
    """Press Ask the organizers; each admin's notice (the message with Answer/Dismiss)."""
    since = len(emulator.calls())
    ask = data_starting(reply, "ask:")
    emulator.push_callback(ASKER, ask, message_id=message_id(reply), first_name="Alice")
    await wait_sent(emulator, ASKER, since, "sent to the organizers")
    notices = {}
    for admin in (ADMIN_ID, SECOND_ADMIN):
        notices[admin] = await emulator.wait_for_call(
            "sendMessage",
            chat_id=admin,
            since=since,
            predicate=lambda c: any(d.startswith("q:a:") for d in callbacks(c)),
        )
    await emulator.wait_until_idle(quiet=0.2)  # the press is answered after the notices
    return notices


def db_row(db_path: Path, sql: str, *params: object) -> tuple[Any, ...] | None:
    with sqlite3.connect(db_path) as db:
        row = db.execute(sql, params).fetchone()
    return tuple(row) if row is not None else None


def answer_texts(emulator: BotApiEmulator, since: int = 0) -> list[str]:
    """What the asker received from the organizers (successful sends only)."""
    return [
        str(c.params.get("text") or c.params.get("caption"))
        for c in emulator.calls(since=since)
        if c.method in ("sendMessage", "sendPhoto")
        and c.chat_id == ASKER
        and c.ok
        and "Answer from the organizers" in str(c.params.get("text") or c.params.get("caption"))
    ]


async def test_the_whole_loop_ask_answer_deliver(emulator: BotApiEmulator, organizers: Bot) -> None:
    _, db_path = organizers
    question_message, reply = await ask_unknown(emulator)
    # "Not in the article", with the button to ask a human.
    assert "Ask the organizers" in json.dumps(reply.params["reply_markup"], ensure_ascii=False)
    notices = await send_to_organizers(emulator, reply)
    for admin, notice in notices.items():
        text = notice.params["text"]
        assert "Question #1" in text and "English" in text and "#en" in text
        assert "from Alice" in text and UNKNOWN in text
        assert str(ASKER) not in text  # admins see the first name and language, not the id
        assert [d.split(":")[1] for d in callbacks(notice)] == ["a", "d"], admin
    # Written before the asker was told; exactly as typed, with no name.
    row = db_row(db_path, "SELECT text, state, lang FROM asked_questions")
    assert row == (UNKNOWN, "open", "en")
    assert db_row(db_path, "SELECT count(*) FROM asked_questions WHERE text LIKE '%Alice%'") == (0,)

    since = len(emulator.calls())
    answer = data_starting(notices[ADMIN_ID], "q:a:")
    await press(emulator, ADMIN_ID, answer, message_id=message_id(notices[ADMIN_ID]))
    prompt = await wait_sent(emulator, ADMIN_ID, since, "Send your answer to question #1")
    assert callbacks(prompt) == ["q:x"]
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, "Yes: every hour from Terminal 2 <free>", first_name="Olga")
    delivered = await wait_sent(emulator, ASKER, since, "Answer from the organizers")
    text = delivered.params["text"]
    assert "not from the article" in text
    assert UNKNOWN in text  # the question quoted
    assert "Yes: every hour from Terminal 2 &lt;free&gt;" in text
    reply_to = delivered.params["reply_parameters"]
    reply_to = json.loads(reply_to) if isinstance(reply_to, str) else reply_to
    assert reply_to["message_id"] == question_message
    await wait_sent(emulator, ADMIN_ID, since, "was delivered")
    # The other admin's copy now says who answered, and its buttons are gone (but the FAQ one).
    await emulator.wait_until_idle(quiet=0.3)
    copy = next(
        m
        for m in emulator.sent_messages(SECOND_ADMIN)
        if m["message_id"] == message_id(notices[SECOND_ADMIN])
    )
    assert "Answered by Olga" in copy["text"]
    assert [d.split(":")[:2] for d in callbacks(copy)] == [["faq", "t"]]
    assert db_row(db_path, "SELECT state, delivery FROM asked_questions") == ("answered", "sent")
    # The second admin pressing Answer now is told it is answered, and nothing is sent.
    since = len(emulator.calls())
    late = await press(emulator, SECOND_ADMIN, data_starting(notices[SECOND_ADMIN], "q:a:"))
    assert "Answered by Olga" in late.params["text"]
    await emulator.wait_until_idle(quiet=0.2)
    assert answer_texts(emulator, since) == []


async def test_two_admins_racing_produce_exactly_one_answer(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    _, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    for admin in (ADMIN_ID, SECOND_ADMIN):
        since = len(emulator.calls())
        await press(emulator, admin, data_starting(notices[admin], "q:a:"))
        await wait_sent(emulator, admin, since, "Send your answer")
    since = len(emulator.calls())
    # Both send their answer at the same moment.
    emulator.push_message(ADMIN_ID, "First answer", first_name="Olga")
    emulator.push_message(SECOND_ADMIN, "Second answer", first_name="Ivan")
    await wait_sent(emulator, ASKER, since, "Answer from the organizers")
    await emulator.wait_until_idle(quiet=0.5)
    answers = answer_texts(emulator, since)
    assert len(answers) == 1
    winner = ADMIN_ID if "First answer" in answers[0] else SECOND_ADMIN
    loser = SECOND_ADMIN if winner == ADMIN_ID else ADMIN_ID
    told = [c.params["text"] for c in emulator.calls("sendMessage", chat_id=loser, since=since)]
    assert any("already answered or dismissed" in text for text in told), told
    assert any(
        "was delivered" in c.params["text"]
        for c in emulator.calls("sendMessage", chat_id=winner, since=since)
    )
    assert db_row(db_path, "SELECT closed_by FROM asked_questions") == (winner,)


async def test_only_admins_answer_dismiss_or_list_and_forged_buttons_do_nothing(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    _, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    real = data_starting(notices[ADMIN_ID], "q:a:")
    token = real.rsplit(":", 1)[1]
    since = len(emulator.calls())
    for data in (real, f"q:d:{token}", f"q:r:{token}", "q:p:0", "q:x", f"faq:t:{token}"):
        refused = await press(emulator, STRANGER, data)
        assert "administrators only" in refused.params["text"], data
    for command in ("/questions", "/unanswered", "/unanswered csv"):
        replies = await say(emulator, STRANGER, command)
        assert "administrators only" in replies[0].params["text"]
    # A stranger's text is never taken as an answer.
    emulator.push_message(STRANGER, "Here is my fake answer")
    await emulator.wait_until_idle(quiet=0.3)
    assert answer_texts(emulator, since) == []
    assert emulator.calls("sendDocument", since=since) == []
    assert db_row(db_path, "SELECT state FROM asked_questions") == ("open",)
    # An admin's forged or mangled data is answered as stale and changes nothing.
    for forged in ("q:a:" + "A" * 22, "q:d:123", "q:a:" + token + "x", "ask:" + "B" * 22):
        answer = await press(emulator, ADMIN_ID, forged)
        assert "out of date" in answer.params["text"], forged
    assert db_row(db_path, "SELECT state FROM asked_questions") == ("open",)
    # Dismiss by an admin: the question closes, the other admin's copy says so.
    dismissed = await press(emulator, SECOND_ADMIN, f"q:d:{token}")
    assert "dismissed" in dismissed.params["text"]
    assert db_row(db_path, "SELECT state, closed_by FROM asked_questions") == (
        "dismissed",
        SECOND_ADMIN,
    )
    replies = await say(emulator, ADMIN_ID, "/questions")
    assert "No open questions" in replies[0].params["text"]


async def test_ask_command_limits_and_hostile_text_reaches_admins_intact(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    hostile = (
        "<b>bold</b> <script>alert(1)</script> &amp; "
        "\u202eRTL override\u202c \u05e9\u05dc\u05d5\u05dd zero\u200bwidth\u200d "
    )
    hostile = (hostile * 60)[: 4096 - len("/ask ")].rstrip()
    assert len(hostile) > 4000
    since = len(emulator.calls())
    emulator.push_message(ASKER, f"/ask {hostile}", first_name="<i>Eve</i>")
    await wait_sent(emulator, ASKER, since, "sent to the organizers")
    await emulator.wait_until_idle(quiet=0.3)
    # The admin's notice arrives in pieces Telegram accepts, the text intact and escaped.
    shown = "".join(m["text"] for m in emulator.sent_messages(ADMIN_ID)[-3:] if "text" in m)
    assert hostile in shown.replace("\n", "") or hostile in shown
    assert "&lt;i&gt;Eve" not in shown and "<i>Eve</i>" in shown  # the name as plain text
    # Usage, and the per-user limit on open questions.
    usage = await say(emulator, ASKER, "/ask")
    assert "/ask" in usage[0].params["text"]
    for n in (2, 3):
        replies = await say(emulator, ASKER, f"/ask Question number {n}")
        assert "sent to the organizers" in replies[0].params["text"]
    refused = await say(emulator, ASKER, "/ask One more")
    assert "already have 3 questions" in refused[0].params["text"]
    await asyncio.sleep(1.2)  # the organizer's notices (one a second) are out
    listing = await say(emulator, ADMIN_ID, "/questions")
    page = next(c for c in listing if "Open questions" in c.params["text"])
    text = page.params["text"]
    assert "Open questions: 3" in text and text.index("#1") < text.index("#2") < text.index("#3")
    assert [d.split(":")[1] for d in callbacks(page)] == ["a", "d", "a", "d", "a", "d"]


async def test_kill_between_answer_and_delivery_delivers_once_after_restart(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    process, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, data_starting(notices[ADMIN_ID], "q:a:"))
    await wait_sent(emulator, ADMIN_ID, since, "Send your answer")
    # Marking the admins' copies (before the delivery) hangs: the bot dies right there.
    emulator.set_latency(5, "editMessageText")
    emulator.push_message(ADMIN_ID, "Answer that must not be lost", first_name="Olga")
    for _ in range(200):
        if db_row(db_path, "SELECT delivery FROM asked_questions") == ("pending",):
            break
        await asyncio.sleep(0.02)
    assert db_row(db_path, "SELECT delivery FROM asked_questions") == ("pending",)
    await process.kill()
    emulator.set_latency(0, "editMessageText")
    assert answer_texts(emulator) == []
    await process.start()
    await wait_sent(emulator, ASKER, since, "Answer that must not be lost", timeout=40)
    await emulator.wait_until_idle(quiet=0.5)
    assert len(answer_texts(emulator)) == 1
    assert db_row(db_path, "SELECT delivery FROM asked_questions") == ("sent",)


async def test_kill_during_the_request_is_reported_and_sent_again_only_on_press(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    process, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, data_starting(notices[ADMIN_ID], "q:a:"))
    await wait_sent(emulator, ADMIN_ID, since, "Send your answer")
    emulator.set_latency(3, "sendMessage")
    emulator.push_message(ADMIN_ID, "Answer in flight", first_name="Olga")
    for _ in range(300):
        if db_row(db_path, "SELECT delivery FROM asked_questions") == ("sending",):
            break
        await asyncio.sleep(0.02)
    await process.kill()
    emulator.set_latency(0, "sendMessage")
    await asyncio.sleep(3.5)  # whatever the emulator does with the orphaned request
    in_flight = len(answer_texts(emulator))
    assert in_flight <= 1
    since = len(emulator.calls())
    await process.start()
    warning = await wait_sent(emulator, ADMIN_ID, since, "may or may not have arrived", timeout=40)
    await emulator.wait_until_idle(quiet=0.5)
    # Not resent on its own: at most once per press.
    assert len(answer_texts(emulator)) == in_flight
    assert db_row(db_path, "SELECT delivery FROM asked_questions") == ("uncertain",)
    resend = data_starting(warning, "q:r:")
    await press(emulator, ADMIN_ID, resend, message_id=message_id(warning))
    await wait_sent(emulator, ASKER, since, "Answer in flight")
    again = await press(emulator, ADMIN_ID, resend)
    assert "delivered or is being sent" in again.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert len(answer_texts(emulator)) == in_flight + 1


async def test_photo_answer_and_a_blocked_asker(emulator: BotApiEmulator, organizers: Bot) -> None:
    _, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, data_starting(notices[ADMIN_ID], "q:a:"))
    await wait_sent(emulator, ADMIN_ID, since, "Send your answer")
    emulator.push_media(ADMIN_ID, "photo", caption="The shuttle stop is here")
    photo = await wait_sent(emulator, ASKER, since, "The shuttle stop is here", method="sendPhoto")
    assert "Answer from the organizers" in photo.params["caption"]
    # A second question; the asker blocks the bot before the answer.
    since = len(emulator.calls())
    await say(emulator, ASKER, "/ask Where do I leave my luggage?")
    notice = await emulator.wait_for_call(
        "sendMessage",
        chat_id=ADMIN_ID,
        since=since,
        predicate=lambda c: "luggage" in c.params["text"] and bool(callbacks(c)),
    )
    emulator.block_chat(ASKER)
    await press(emulator, ADMIN_ID, data_starting(notice, "q:a:"))
    emulator.push_message(ADMIN_ID, "At the desk")
    await wait_sent(emulator, ADMIN_ID, since, "blocked the bot")
    assert db_row(db_path, "SELECT delivery FROM asked_questions WHERE id = 2") == ("blocked",)


async def test_helpful_not_helpful_and_the_unanswered_report(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    # An answered question carries the pair; its state shows and changes.
    answered = (await say(emulator, ASKER, "Who is Azarov?"))[0]
    assert callbacks(answered)[-3:] == ["fb:up", "fb:dn", "card:welcome"]
    down = await press(emulator, ASKER, "fb:dn", message_id=message_id(answered))
    assert "ask the organizers" in down.params["text"].lower()
    await emulator.wait_until_idle(quiet=0.2)
    shown = next(
        m for m in emulator.sent_messages(ASKER) if m["message_id"] == message_id(answered)
    )
    datas = callbacks(shown)
    assert datas[0].startswith("ask:") and datas[-2] == "fb:ok"
    again = await press(emulator, ASKER, "fb:ok", message_id=message_id(answered))
    assert "Already noted" in again.params["text"]
    # Not found, twice in similar words, once in Russian.
    await ask_unknown(emulator, "Is there a shuttle from the airport?")
    await ask_unknown(emulator, "airport shuttle??")
    await say(emulator, ASKER, "Есть ли трансфер из аэропорта?", language_code="ru")
    report = (await say(emulator, ADMIN_ID, "/unanswered"))[0].params["text"]
    assert "2× " in report and "airport shuttle??" in report
    assert "(+1 other wordings)" in report
    assert "Who is Azarov?" in report and "not helpful 1" in report
    assert "Русский" in report and "трансфер" in report
    # Changed to Helpful: no longer in the report.
    helpful = next(d for d in datas if d.startswith("fb:up"))
    await press(emulator, ASKER, helpful, message_id=message_id(answered))
    report = (await say(emulator, ADMIN_ID, "/unanswered"))[0].params["text"]
    assert "Azarov" not in report
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, "/unanswered csv")
    document = await emulator.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=since)
    stored = emulator.file(document.result["document"]["file_id"])
    assert stored is not None
    rows = list(csv.DictReader(io.StringIO(stored["data"].decode())))
    by_wording = {r["wording"]: r for r in rows}
    shuttle = by_wording["airport shuttle??"]
    assert (shuttle["language"], shuttle["count"], shuttle["not_in_article"]) == ("en", "2", "2")
    assert shuttle["other_wordings"] == "Is there a shuttle from the airport?"
    assert by_wording["Есть ли трансфер из аэропорта?"]["language"] == "ru"
    assert "Who is Azarov?" not in by_wording  # taken back by "Helpful"


async def test_teach_the_bot_a_faq_entry_answered_by_the_engine(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    process, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, data_starting(notices[ADMIN_ID], "q:a:"))
    await wait_sent(emulator, ADMIN_ID, since, "Send your answer")
    emulator.push_message(ADMIN_ID, "Yes, every hour from Terminal 2.", first_name="Olga")
    await wait_sent(emulator, ADMIN_ID, since, "was delivered")
    await emulator.wait_until_idle(quiet=0.3)
    copy = next(
        m
        for m in emulator.sent_messages(ADMIN_ID)
        if m["message_id"] == message_id(notices[ADMIN_ID])
    )
    teach = data_starting(copy, "faq:t:")
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, teach)
    step = await wait_sent(emulator, ADMIN_ID, since, "FAQ #1, Русский")
    steps = [
        "Есть ли трансфер из аэропорта?\nКак добраться из аэропорта",
        "Да, каждый час от терминала 2.",
        "机场有接驳车吗？",
        "有，每小时一班，从2号航站楼出发。",
    ]
    for text in steps:
        since = len(emulator.calls())
        emulator.push_message(ADMIN_ID, text)
        step = await emulator.wait_for_call(
            "sendMessage",
            chat_id=ADMIN_ID,
            since=since,
            predicate=lambda c: "FAQ #1" in c.params["text"],
        )
    assert "English" in step.params["text"]  # the question in English: Skip keeps it
    since = len(emulator.calls())
    await press(emulator, ADMIN_ID, data_starting(step, "faq:d:"))
    await wait_sent(emulator, ADMIN_ID, since, "saved")
    # Answered by the engine, marked as the organizers', in each language.
    for text, code, expected in (
        ("airport shuttle?", "en", "every hour from Terminal 2"),
        ("трансфер из аэропорта", "ru", "каждый час от терминала 2"),
        ("机场接驳车", "zh-hans", "每小时一班"),
    ):
        replies = await say(emulator, 5300, text, language_code=code)
        assert expected in replies[0].params["text"], (text, replies[0].params["text"])
        assert "📌" in replies[0].params["text"]
    # Inline mode shares it too: first, marked as the organizers', their words as written.
    since = len(emulator.calls())
    emulator.push_inline_query(5300, "airport shuttle", language_code="en")
    inline = await emulator.wait_for_call("answerInlineQuery", since=since)
    assert inline.ok, inline.error
    first = inline.params["results"][0]
    assert "From the organizers" in first["title"]
    assert "every hour from Terminal 2" in first["description"]
    shared = first["input_message_content"]
    assert "📌" in shared["message_text"] and "every hour from Terminal 2" in shared["message_text"]
    assert shared["parse_mode"] == "HTML"
    assert (
        first["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/conference_test_bot"
    )
    # The article's facts stay as they are; /source says which answers are the organizers'.
    facts = (await say(emulator, 5300, "Who is Azarov?"))[0].params["text"]
    assert "📌" not in facts
    source = (await say(emulator, 5300, "/source"))[0].params["text"]
    assert "“From the organizers” are written by the organizers" in source
    # /faq lists it for everyone; the entry survives /reload and a restart.
    listing = (await say(emulator, 5300, "/faq"))[0].params["text"]
    assert "every hour from Terminal 2" in listing
    await say(emulator, ADMIN_ID, "/reload")
    await process.restart()
    replies = await say(emulator, 5301, "airport shuttle?")
    assert "every hour from Terminal 2" in replies[0].params["text"]
    # Admins remove it; then it is no longer answered.
    admin_list = (await say(emulator, ADMIN_ID, "/faq"))[0]
    removed = await press(emulator, ADMIN_ID, data_starting(admin_list, "faq:r:"))
    assert removed.ok
    await emulator.wait_until_idle(quiet=0.3)
    replies = await say(emulator, 5302, "airport shuttle?")
    assert "every hour" not in replies[0].params["text"]
    assert db_row(db_path, "SELECT count(*) FROM faq_entries") == (0,)


async def test_retention_deletes_closed_questions(emulator: BotApiEmulator, tmp_path: Path) -> None:
    process, db_path = await start(emulator, tmp_path, question_retention_days=0.00002)
    try:
        await say(emulator, ASKER, "/ask First")
        await say(emulator, ASKER, "/ask Second")
        token = db_row(db_path, "SELECT token FROM asked_questions WHERE id = 1")
        assert token is not None
        await press(emulator, ADMIN_ID, f"q:d:{token[0]}")
        await asyncio.sleep(2.5)  # 0.00002 days is 1.7 s
        await say(emulator, ADMIN_ID, "/questions")
        assert db_row(db_path, "SELECT id FROM asked_questions ORDER BY id") == (2,)
    finally:
        assert await process.stop() == 0
    assert "Traceback" not in process.log(), process.log()


async def test_a_burst_of_questions_reaches_the_organizers_as_a_digest(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    _, db_path = organizers
    since = len(emulator.calls())
    askers = list(range(5401, 5409))
    for user in askers:
        emulator.push_message(user, f"/ask Question from {user}")
    for user in askers:
        await wait_sent(emulator, user, since, "sent to the organizers")
    await asyncio.sleep(2.5)  # one notice a second per chat at most
    await emulator.wait_until_idle(quiet=0.3)
    messages = [
        c for c in emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since) if callbacks(c)
    ]
    assert 1 <= len(messages) <= 4, [m.params["text"] for m in messages]
    shown = "\n".join(m.params["text"] for m in messages)
    answers = [d for m in messages for d in callbacks(m) if d.startswith("q:a:")]
    listed = [u for u in askers if f"Question from {u}" in shown]
    # Every question is stored; each one is shown with its buttons, or counted in "…and N more".
    assert db_row(db_path, "SELECT count(*) FROM asked_questions") == (len(askers),)
    assert len(answers) == len(listed)
    assert "New questions" in shown
    more = [int(w) for w in shown.replace("…and ", "\n").split() if w.isdigit()]
    assert len(listed) == len(askers) or more


async def test_questions_go_to_the_organizers_group_when_configured(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    group = -100_777
    emulator.add_chat(group, "supergroup")  # the organizers' group, with the bot in it
    process, _ = await start(emulator, tmp_path, organizers_chat=group)
    try:
        await say(emulator, ADMIN_ID, "/start")
        since = len(emulator.calls())
        await say(emulator, ASKER, "/ask Can I bring a guest?")
        notice = await emulator.wait_for_call(
            "sendMessage", chat_id=group, since=since, predicate=lambda c: bool(callbacks(c))
        )
        assert "Can I bring a guest?" in notice.params["text"]
        assert emulator.calls("sendMessage", chat_id=ADMIN_ID, since=since) == []
        # A member of the group who is no admin cannot answer.
        since = len(emulator.calls())
        emulator.push_callback(STRANGER, data_starting(notice, "q:a:"), chat_id=group)
        refused = await emulator.wait_for_call("answerCallbackQuery", since=since)
        assert "administrators only" in refused.params["text"]
        since = len(emulator.calls())
        emulator.push_callback(
            ADMIN_ID, data_starting(notice, "q:a:"), message_id=message_id(notice), chat_id=group
        )
        await wait_sent(emulator, ADMIN_ID, since, "Send your answer")  # in the private chat
        emulator.push_message(ADMIN_ID, "Yes, with a badge.")
        await wait_sent(emulator, ASKER, since, "Yes, with a badge.")
    finally:
        assert await process.stop() == 0
    assert "Traceback" not in process.log(), process.log()


async def test_an_admin_answering_late_is_told_and_nothing_is_sent(
    emulator: BotApiEmulator, organizers: Bot
) -> None:
    _, db_path = organizers
    _, reply = await ask_unknown(emulator)
    notices = await send_to_organizers(emulator, reply)
    for admin in (SECOND_ADMIN, ADMIN_ID):  # both start writing; the first admin answers first
        since = len(emulator.calls())
        await press(emulator, admin, data_starting(notices[admin], "q:a:"))
        await wait_sent(emulator, admin, since, "Send your answer")
    since = len(emulator.calls())
    emulator.push_message(ADMIN_ID, "The first answer", first_name="Olga")
    await wait_sent(emulator, ADMIN_ID, since, "was delivered")
    emulator.push_message(SECOND_ADMIN, "A late answer", first_name="Ivan")
    told = await wait_sent(emulator, SECOND_ADMIN, since, "already answered or dismissed by Olga")
    assert "not sent" in told.params["text"]
    await emulator.wait_until_idle(quiet=0.3)
    assert [t for t in answer_texts(emulator, since) if "late" in t] == []
    assert len(answer_texts(emulator, since)) == 1
    # The late admin's next message is an ordinary question again.
    after = (await say(emulator, SECOND_ADMIN, "Who is Azarov?"))[0]
    assert "Azarov" in after.params["text"]
    assert db_row(db_path, "SELECT closed_by_name FROM asked_questions") == ("Olga",)
