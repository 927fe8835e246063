"""`GET /metrics` on the process's web server: counts that agree with the emulator's, no secret."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import TOKEN, BotProcess, write_config
from tests.deploy.test_deploy import DASHBOARD_METRICS
from tests.handlers.transport.test_webhook import PATH, SECRET, Telegram, free_port
from tgemu import BotApiEmulator

pytestmark = pytest.mark.slow

REPLICA_SECRET = "replica-Secret-Key-0123456789"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if head.split("{", 1)[0] == name and found == labels:
            return float(value)
    return 0.0


async def scrape(port: int) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def test_metrics_agree_with_the_emulator_and_carry_no_secret(
    emulator: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Replica credentials in the environment, as an operator gives them (never to be shown).
    monkeypatch.setenv("LITESTREAM_SECRET_ACCESS_KEY", REPLICA_SECRET)
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        webhook={
            "url": f"http://127.0.0.1:{port}{PATH}",
            "listen": "127.0.0.1",
            "port": port,
            "secret_token": SECRET,
        },
        metrics={"enabled": True},
        backup={"replica_url": f"file://{tmp_path / 'replica'}"},
    )
    bot = BotProcess(emulator, config)
    telegram = Telegram(emulator, port)
    await bot.start()
    try:
        users = list(range(50_000_000, 50_000_030))
        for user in users:
            status, _ = await telegram.post(telegram.message(user, "/about"))
            assert status == 200
        # Questions: answered, and one the article does not answer.
        for text in ("Who is Azarov?", "zqxv plorbest vrantik"):
            assert (await telegram.post(telegram.message(users[0], text)))[0] == 200
        # Hostile and malformed deliveries: 400, never a 500 (fault 4).
        deep = b"[" * 200_000 + b"]" * 200_000
        assert (await telegram.post(None, raw=deep))[0] == 400
        nested = b'{"update_id": 7, "message": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001
        assert (await telegram.post(None, raw=nested))[0] == 400
        assert (await telegram.post(None, raw=b"{not json"))[0] == 400
        await emulator.wait_until_idle(quiet=0.5)
        text = await scrape(port)
    finally:
        await telegram.close()
        assert await bot.stop() == 0, bot.log()
    replies = {c.chat_id for c in emulator.calls("sendMessage") if c.ok}
    assert set(users) <= replies
    pushed = len(users) + 2
    assert sample(text, "conference_bot_updates_received_total", type="message") == pushed
    assert (
        sample(text, "conference_bot_updates_handled_total", type="message", outcome="done")
        == pushed
    )
    assert sample(text, "conference_bot_reply_latency_seconds_count") == pushed
    assert sample(text, "conference_bot_answers_total", verdict="answered") >= 1
    assert sample(text, "conference_bot_answers_total", verdict="not_in_article") >= 1
    assert sample(text, "conference_bot_web_requests_total", route="webhook", status="200") == (
        pushed
    )
    assert sample(text, "conference_bot_web_requests_total", route="webhook", status="400") == 3
    assert sample(text, "conference_bot_replication_configured") == 1
    assert sample(text, "conference_bot_replication_up") == 1
    assert sample(text, "conference_bot_outbox_rows", state="pending") == 0
    # Every family the sample Grafana dashboard queries is served.
    served = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    assert served >= DASHBOARD_METRICS, DASHBOARD_METRICS - served
    # No secret anywhere in the exposition: not the token, the webhook secret, the replica key.
    for secret in (TOKEN, TOKEN.split(":", 1)[1], SECRET, REPLICA_SECRET):
        assert secret not in text
    assert "Traceback" not in bot.log(), bot.log()
    assert REPLICA_SECRET not in bot.log()


async def test_metrics_are_off_by_default(emulator: BotApiEmulator, tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        tmp_path / "bot.sqlite3",
        web={"enabled": True, "port": port},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            assert response.status == 404
    finally:
        assert await bot.stop() == 0


async def test_metrics_alone_on_the_web_address_count_a_broadcast(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Polling mode, no site: /metrics is served alone on the [web] address; scraped during a
    broadcast and after it, the outcome counters agree with what the emulator delivered."""
    from tests.broadcasting import confirm, draft, seed_subscribers, wait_for_report

    users = {51_000_000 + i: "en" for i in range(150)}
    db = tmp_path / "bot.sqlite3"
    await seed_subscribers(db, users)
    emulator.add_chats(users)
    port = free_port()
    config = write_config(
        tmp_path / "config.toml",
        emulator.base_url,
        db,
        web={"enabled": False, "port": port},
        metrics={"enabled": True},
        broadcast={"messages_per_second": 100},
    )
    bot = BotProcess(emulator, config)
    await bot.start()
    try:
        broadcast_id, control = await draft(emulator, "Counted")
        progress = await confirm(emulator, broadcast_id, control)
        during = await scrape(port)  # mid-broadcast: it answers, and rows are still pending
        assert sample(during, "conference_bot_outbox_rows", state="pending") > 0
        await wait_for_report(emulator, progress)
        after = await scrape(port)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/") as response,
        ):
            assert response.status == 404  # no site here, only the process's own routes
    finally:
        assert await bot.stop() == 0, bot.log()
    delivered = [
        c
        for c in emulator.calls("sendMessage")
        if c.ok and c.chat_id in users and c.params.get("text") == "Counted"
    ]
    assert len(delivered) == len(users)
    assert sample(after, "conference_bot_broadcast_messages_total", outcome="sent") == len(users)
    assert sample(after, "conference_bot_outbox_rows", state="sent") == len(users)
    assert sample(after, "conference_bot_outbox_rows", state="pending") == 0
    assert sample(after, "conference_bot_replication_configured") == 0
    assert sample(after, "conference_bot_web_requests_total", route="/metrics", status="200") >= 1
