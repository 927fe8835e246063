"""`python -m bot run` with `[web] enabled` and `[wechat]`: one process, both messengers.

WeChat users are counted in the organizers' /stats, by the language they are answered in, and
a WeChat user whose message WeChat retried is counted once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID, ask, running_bot
from tests.wechat.conftest import TOKEN
from wxemu import WeChatPlatform
from wxemu import messages as wx

pytestmark = pytest.mark.slow


def _site_url(log: str) -> str:
    found = re.search(r"Web site at (http://\S+)/", log)
    assert found, log
    return found.group(1)


async def test_run_answers_wechat_and_counts_its_users_in_stats(tmp_path: Path) -> None:
    async with running_bot(
        tmp_path, web={"enabled": True, "port": 0}, wechat={"token": TOKEN}
    ) as bot:
        url = f"{_site_url(bot.log())}/wechat"
        async with WeChatPlatform(url, TOKEN) as platform:
            chinese, english = platform.user(), platform.user()
            shown = await chinese.say("JITRI有多少科研人员？")
            assert shown is not None and "8000" in shown
            # One message delivered three times (WeChat's retries) counts one user.
            body = wx.text(chinese.openid, platform.account, "会议", wx.next_msg_id())
            for _ in range(3):
                await platform.deliver(body, chinese.openid)
            assert "English" in (await english.say("English") or "")
            # Not in the article: noted for the organizers' report, once for three deliveries.
            weather = wx.text(
                english.openid, platform.account, "Nanjing weather forecast", wx.next_msg_id()
            )
            for _ in range(3):
                delivery = await platform.deliver(weather, english.openid)
                assert delivery.shown is not None and delivery.shown.startswith("🤷")
        # Telegram still answers in the same process.
        about = await ask(bot.emulator, 5551, "/about")
        assert about.params["text"]
        stats = (await ask(bot.emulator, ADMIN_ID, "/stats")).params["text"]
        # The admin writes in English (Telegram's language_code "en").
        assert "WeChat users: 2" in stats
        assert "• WeChat, English: 1" in stats and "• WeChat, 中文: 1" in stats
        report = (await ask(bot.emulator, ADMIN_ID, "/unanswered")).params["text"]
        assert "Nanjing weather forecast" in report
        assert "1× <i>Nanjing weather forecast</i> · not in the article 1," in report
    assert TOKEN not in bot.log()
