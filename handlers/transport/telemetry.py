"""What the Telegram face counts for `GET /metrics` (bot/metrics.py serves them).

Counters and a histogram of the official Prometheus client, in its default registry. Labels
are closed sets chosen here (update types, outcomes, verdicts), never user input and never a
secret: a label value comes from a literal in our code or from Telegram's update type names.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PREFIX = "conference_bot"

UPDATES_RECEIVED = Counter(
    f"{PREFIX}_updates_received",
    "Updates accepted from Telegram (stored in the inbox, or fed from memory in an outage)",
    ["type"],
)
UPDATES_HANDLED = Counter(
    f"{PREFIX}_updates_handled",
    "Updates whose handlers finished (outcome=done) or were abandoned at shutdown",
    ["type", "outcome"],
)
# Accepted → handlers finished: the time a user waits for the answer, our side of it.
REPLY_LATENCY = Histogram(
    f"{PREFIX}_reply_latency_seconds",
    "Seconds from an update's arrival to its handlers finishing (reply sent)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ANSWERS = Counter(
    f"{PREFIX}_answers",
    "Questions asked in plain text or /search, by the answer engine's verdict",
    ["verdict"],
)
OUTBOX_OUTCOMES = Counter(
    f"{PREFIX}_broadcast_messages",
    "Broadcast outbox rows recorded, by outcome (sent is the send rate: rate() of it)",
    ["outcome"],
)
FLOOD_WAITS = Counter(
    f"{PREFIX}_telegram_429",
    "429 Too Many Requests answers from Telegram, by who met them",
    ["path"],
)
RETRIES = Counter(
    f"{PREFIX}_telegram_retries",
    "Requests to Telegram sent again, by cause",
    ["path", "cause"],
)

# The answer engine's verdicts (answers/engine.py Verdict), each shown from the start.
VERDICTS = ("answered", "not_in_article", "small_talk", "empty")
for _verdict in VERDICTS:
    ANSWERS.labels(_verdict)
for _path in ("reply", "broadcast"):
    FLOOD_WAITS.labels(_path)
for _outcome in ("sent", "failed", "blocked", "uncertain", "pending"):
    OUTBOX_OUTCOMES.labels(_outcome)
RETRIES.labels("reply", "429")
RETRIES.labels("broadcast", "error")


def update_type(update: object) -> str:
    """The update's kind as Telegram names it (message, callback_query, …), or "other"."""
    for name in (
        "message",
        "edited_message",
        "callback_query",
        "inline_query",
        "my_chat_member",
        "chat_member",
        "channel_post",
    ):
        if getattr(update, name, None) is not None:
            return name
    return "other"
