"""A full disk: WeChat questions are still answered; a language choice is not claimed saved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import dump_toml
from storage.content import bundled_content_path
from tests.conftest import fill
from tests.web.conftest import WebProcess, running
from tests.wechat.conftest import TOKEN
from wxemu import WeChatPlatform

pytestmark = pytest.mark.slow


async def test_a_full_disk_still_answers_and_says_a_choice_was_not_saved(
    tmp_path: Path, small_disk: Path
) -> None:
    content = tmp_path / "content.toml"
    shutil.copyfile(bundled_content_path(), content)
    config = tmp_path / "config.toml"
    config.write_text(
        dump_toml(
            {
                "storage": {"path": str(small_disk / "bot.sqlite3"), "content": str(content)},
                "wechat": {"token": TOKEN},
            }
        ),
        encoding="utf-8",
    )
    process = WebProcess(["--config", str(config)], tmp_path / "web.log")
    with running(process):
        async with WeChatPlatform(f"{process.url}/wechat", TOKEN) as platform:
            fill(small_disk / "filler")
            user = platform.user()  # a new user: their first contact cannot be written
            shown = await user.say("JITRI有多少科研人员？")
            assert shown is not None and "8000" in shown
            assert await user.say("English") == (
                "🙏 Sorry, I am temporarily unavailable. Please try again in a few minutes."
            )
            (small_disk / "filler").unlink()
            assert await user.say("English") == "OK, I will answer in English from now on."
