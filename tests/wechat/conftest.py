"""The WeChat face as a real process (`python -m bot web` with `[wechat]`), and the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.web.conftest import WebProcess, running, write_site_config
from wxemu import WeChatPlatform

TOKEN = "wechatTestToken42"
# Safe mode: an AppID and EncodingAESKey of the test account (not WeChat's vectors: those
# are checked in test_vectors.py).
APP_ID = "wx1234567890abcdef"
AES_KEY = "TestOnlyKeyForTheEmulatorAndTheFace01234567"
ACCOUNT = "gh_conference0001"
SITE = "https://conference.example.org"


def wechat_config(directory: Path, **wechat: object) -> Path:
    """A site config with a `[wechat]` section (and no Telegram token anywhere)."""
    return write_site_config(directory, wechat={"token": TOKEN, **wechat})


@pytest.fixture(scope="module")
def wechat_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    """`python -m bot web --config …` with `[wechat]` in plain mode."""
    directory = tmp_path_factory.mktemp("wechat")
    config = wechat_config(directory)
    with running(WebProcess(["--config", str(config)], directory / "web.log")) as process:
        yield process
    assert TOKEN not in process.log()


@pytest.fixture
async def platform(wechat_site: WebProcess) -> AsyncIterator[WeChatPlatform]:
    """WeChat, pushing to the plain-mode process."""
    async with WeChatPlatform(f"{wechat_site.url}/wechat", TOKEN, account=ACCOUNT) as emulated:
        yield emulated


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]
