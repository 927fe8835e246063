"""The organizers' FAQ answers in WeChat as in Telegram: first, and marked as theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services import open_store
from tests.web.conftest import WebProcess, running
from tests.wechat.conftest import TOKEN, wechat_config
from wxemu import WeChatPlatform

pytestmark = pytest.mark.slow

# A clearly fictional organizers' answer, written into the test's own database.
QUESTION = "会议有没有停车场"
ANSWER = 'Test answer: parking is <b>free</b>, see <a href="https://example.org/p?a=1&amp;b=2">the map</a>.'


async def test_an_organizers_answer_comes_first_with_its_link(tmp_path: Path) -> None:
    config = wechat_config(tmp_path)
    store = await open_store(tmp_path / "site.sqlite3", tmp_path / "content.toml")
    try:
        await store.faq.create(1, "zh", QUESTION, ANSWER)
    finally:
        await store.close()
    with running(WebProcess(["--config", str(config)], tmp_path / "web.log")) as process:
        async with WeChatPlatform(f"{process.url}/wechat", TOKEN) as platform:
            shown = await platform.user().say("会议有停车场吗？")
    assert shown is not None
    first, second = shown.split("\n")[:2]
    assert first == "📌 来自主办方"
    assert second == (
        'Test answer: parking is free, see <a href="https://example.org/p?a=1&b=2">the map</a>.'
    )
