"""Issue 22 offline: `python -m bot chat --admin` runs the whole loop with one person, who
asks as a participant and answers as the organizer (Telegram user 1 is both)."""

from __future__ import annotations

import pytest

from tests.bot.test_chat import _clean, chat

pytestmark = pytest.mark.slow


def test_ask_answer_and_receive_in_one_offline_chat() -> None:
    script = "\n".join(
        (
            "Is there a shuttle from the airport?",
            "1",  # 🙋 Ask the organizers (the first button under "not in the article")
            "1",  # ✍️ Answer (the notice the organizer gets is the last message)
            "Yes, every hour from Terminal 2.",
            "/questions",
            "quit",
        )
    )
    out = _clean(chat(script + "\n", "--admin", "--lang", "en", timeout=120))
    assert "Ask the organizers" in out
    assert "Your question was sent to the organizers" in out
    assert "Question #1" in out and "Is there a shuttle from the airport?" in out
    assert "Send your answer to question #1" in out
    # The asker's side: the organizers' answer, marked and quoting the question.
    answer_at = out.index("Answer from the organizers (not from the article)")
    assert "Yes, every hour from Terminal 2." in out[answer_at:]
    # The organizer's side: delivered, the copy marked answered, the queue empty.
    assert "Your answer to question #1 was delivered" in out
    assert "Answered by You" in out
    assert "No open questions" in out
