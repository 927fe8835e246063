"""Webhooks: setWebhook, getWebhookInfo, deleteWebhook and delivery to a real local receiver."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest

from tests.tgemu.support import USER, Api, assert_error
from tgemu import BotApiEmulator, EmulatorClient

SECRET = "s3cr3t_Token-1"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records every request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.statuses: deque[int] = deque()  # answers to give first; then 200
        self.delay = 0.0
        self.active = 0
        self.max_active = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            self.requests.append((dict(request.headers), await request.json()))
            if self.delay:
                await asyncio.sleep(self.delay)
            status = self.statuses.popleft() if self.statuses else 200
            return web.Response(status=status)
        finally:
            self.active -= 1

    @property
    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.requests]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture(autouse=True)
def fast_retries(emu: BotApiEmulator) -> None:
    emu.webhook_retry_delay = 0.02
    emu.webhook_retry_max_delay = 0.1


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_delivery_with_secret_header(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.max_connections == 40
    assert info.pending_update_count == 0 and info.has_custom_certificate is False
    assert info.last_error_date is None and info.last_error_message is None
    pushed = emu.push_message(USER, "hello")
    await emu.wait_webhook_idle(timeout=3)
    [(headers, body)] = receiver.requests
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
    assert headers["Content-Type"].startswith("application/json")
    assert body == pushed
    update = telegram.Update.de_json(body, bot)
    assert update.message is not None and update.message.text == "hello"
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert emu.webhook_deliveries()[0]["status"] == 200


async def test_delivery_without_secret_has_no_header(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url)
    emu.push_message(USER, "hello")
    await emu.wait_webhook_idle(timeout=3)
    [(headers, _)] = receiver.requests
    assert "X-Telegram-Bot-Api-Secret-Token" not in headers


async def test_retries_until_2xx_and_reports_the_error(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.statuses.extend([500, 502])
    assert await bot.set_webhook(receiver.url)
    pushed = emu.push_message(USER, "hello")
    await emu.wait_webhook_idle(timeout=3)
    assert receiver.update_ids == [pushed["update_id"]] * 3
    log = emu.webhook_deliveries()
    assert [(d["attempt"], d["status"]) for d in log] == [(1, 500), (2, 502), (3, 200)]
    assert log[0]["error"] == "Wrong response from the webhook: 500 Internal Server Error"
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert info.last_error_date is not None


async def test_pending_while_the_receiver_fails(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.statuses.extend([500] * 1000)
    assert await bot.set_webhook(receiver.url)
    emu.push_message(USER, "a")
    emu.push_message(USER, "b")
    with pytest.raises(TimeoutError):
        await emu.wait_webhook_idle(timeout=0.3)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 2
    # One chat at a time: "b" waits until "a" got its 2xx.
    assert set(receiver.update_ids) == {emu.webhook_deliveries()[0]["update_id"]}
    receiver.statuses.clear()
    await emu.wait_webhook_idle(timeout=3)
    assert [body["message"]["text"] for _, body in receiver.requests][-2:] == ["a", "b"]


async def test_connection_errors_are_retried(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    assert await bot.set_webhook(f"http://127.0.0.1:{free_port()}/hook")
    emu.push_message(USER, "hello")
    with pytest.raises(TimeoutError):
        await emu.wait_webhook_idle(timeout=0.3)
    log = emu.webhook_deliveries()
    assert len(log) >= 2 and all(d["status"] is None for d in log)
    assert log[0]["error"] == "Can't connect to the webhook"
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Can't connect to the webhook"


async def test_new_url_takes_over_pending_updates(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(f"http://127.0.0.1:{free_port()}/hook")
    pushed = emu.push_message(USER, "hello")
    await asyncio.sleep(0.1)
    assert await bot.set_webhook(receiver.url)
    await emu.wait_webhook_idle(timeout=3)
    assert receiver.update_ids == [pushed["update_id"]]


async def test_get_updates_conflicts_while_webhook_is_set(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.statuses.extend([500] * 1000)
    assert await bot.set_webhook(receiver.url)
    with pytest.raises(
        telegram.error.Conflict, match=r"(?i)can't use getUpdates method while webhook is active"
    ):
        await bot.get_updates()
    emu.push_message(USER, "x")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates() == 0
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_raw_conflict_answer(emu: BotApiEmulator, api: Api, receiver: Receiver) -> None:
    assert (await api("setWebhook", url=receiver.url))[0] == 200
    assert_error(
        await api("getUpdates"),
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


async def test_delete_webhook_keeps_pending_updates_for_polling(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.statuses.extend([500] * 1000)
    assert await bot.set_webhook(receiver.url)
    emu.push_message(USER, "kept")
    assert await bot.delete_webhook()
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["kept"]


async def test_allowed_updates(emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver) -> None:
    assert await bot.set_webhook(receiver.url, allowed_updates=["callback_query"])
    assert (await bot.get_webhook_info()).allowed_updates == ("callback_query",)
    emu.push_message(USER, "not wanted")
    callback = emu.push_callback(USER, "wanted")
    await emu.wait_webhook_idle(timeout=3)
    assert receiver.update_ids == [callback["update_id"]]


async def test_at_most_max_connections_at_once(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.delay = 0.15
    assert await bot.set_webhook(receiver.url, max_connections=2)
    assert (await bot.get_webhook_info()).max_connections == 2
    for user in range(6):
        emu.push_message(5000 + user, "hi")
    await emu.wait_webhook_idle(timeout=5)
    assert len(receiver.requests) == 6
    assert receiver.max_active == 2


async def test_one_chat_is_delivered_in_order_one_at_a_time(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.delay = 0.05
    assert await bot.set_webhook(receiver.url, max_connections=10)
    texts = [f"m{i}" for i in range(4)]
    for text in texts:
        emu.push_message(USER, text)
    await emu.wait_webhook_idle(timeout=5)
    assert [body["message"]["text"] for _, body in receiver.requests] == texts
    assert receiver.max_active == 1


async def test_drop_pending_updates_on_set(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    emu.push_message(USER, "old")
    assert await bot.set_webhook(receiver.url, drop_pending_updates=True)
    fresh = emu.push_message(USER, "new")
    await emu.wait_webhook_idle(timeout=3)
    assert receiver.update_ids == [fresh["update_id"]]


@pytest.mark.parametrize(
    ("url", "description"),
    [
        ("http://example.com/hook", "Bad Request: bad webhook: An HTTPS URL must be provided"),
        (
            "https://example.com:8080/hook",
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        ("ftp://example.com/hook", "Bad Request: invalid webhook URL specified"),
        ("not a url", "Bad Request: invalid webhook URL specified"),
    ],
)
async def test_url_rejections(api: Api, url: str, description: str) -> None:
    assert_error(await api("setWebhook", url=url), 400, description)


@pytest.mark.parametrize(
    ("secret", "description"),
    [
        ("a+b", "Bad Request: secret token contains unallowed characters"),
        ("with space", "Bad Request: secret token contains unallowed characters"),
        ("секрет", "Bad Request: secret token contains unallowed characters"),
        ("a" * 257, "Bad Request: secret token is too long"),
    ],
)
async def test_secret_rejections(
    api: Api, receiver: Receiver, secret: str, description: str
) -> None:
    assert_error(await api("setWebhook", url=receiver.url, secret_token=secret), 400, description)


async def test_limits_that_pass(bot: telegram.Bot, receiver: Receiver) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="a" * 256)
    # Telegram clamps max_connections into 1..100 rather than refusing it.
    assert await bot.set_webhook(receiver.url, max_connections=500)
    assert (await bot.get_webhook_info()).max_connections == 100
    assert await bot.set_webhook(receiver.url, max_connections=0)
    assert (await bot.get_webhook_info()).max_connections == 1
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://192.0.2.1/hook")


async def test_control_api_raw_duplicates_and_log(
    emu: BotApiEmulator, bot: telegram.Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    update = {
        "update_id": 777,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": USER, "type": "private", "first_name": "U"},
            "from": {"id": USER, "is_bot": False, "first_name": "U"},
            "text": "twice",
        },
    }
    async with EmulatorClient(emu.url) as client:
        pushed = await client.push_raw([update, update])
        assert pushed["last_update_id"] == 777
        await client.wait_webhook_idle(timeout=3)
        assert receiver.update_ids == [777, 777]
        report = await client.webhook_deliveries()
        assert report["pending"] == 0
        assert [(d["update_id"], d["status"]) for d in report["deliveries"]] == [
            (777, 200),
            (777, 200),
        ]
        assert (await client.webhook_deliveries(since=1))["deliveries"][0]["index"] == 1
        assert SECRET not in str(report)
        receiver.statuses.extend([500] * 1000)
        await client.push_messages([{"user_id": USER, "text": "stuck"}])
        with pytest.raises(TimeoutError, match="1 pending"):
            await client.wait_webhook_idle(timeout=0.3)


async def test_webhook_info_through_raw_http(
    emu: BotApiEmulator, http: aiohttp.ClientSession, api: Api, receiver: Receiver
) -> None:
    code, body = await api("getWebhookInfo")
    assert code == 200
    assert body["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    await api("setWebhook", url=receiver.url, max_connections=3)
    _, body = await api("getWebhookInfo")
    assert body["result"] == {
        "url": receiver.url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 3,
    }
