"""`python -m bot wechat-menu` and `python -m bot chat --wechat`, as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.web.conftest import ROOT, write_site_config
from wxemu import WeChatApiEmulator

pytestmark = pytest.mark.slow

APP_ID = "wx00112233445566aa"
APP_SECRET = "theAppSecretOfTheTestAccount0001"


async def _bot(*args: str, stdin: str = "", timeout: float = 60) -> tuple[int, str, str]:  # noqa: ASYNC109
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(timeout):
        out, err = await process.communicate(stdin.encode())
    return int(process.returncode or 0), out.decode(), err.decode()


def _names(menu: dict[str, object]) -> list[str]:
    groups = menu["button"]
    assert isinstance(groups, list)
    return [sub["name"] for group in groups for sub in group["sub_button"]]


async def test_the_menu_is_printed_in_each_language(tmp_path: Path) -> None:
    config = write_site_config(tmp_path, wechat={"token": "menuToken1"})
    seen = {}
    for lang in ("zh", "en", "ru"):
        code, out, err = await _bot("wechat-menu", "--config", str(config), "--lang", lang)
        assert code == 0, err
        menu = json.loads(out)
        keys = [
            sub.get("key")
            for group in menu["button"]
            for sub in group["sub_button"]
            if "key" in sub
        ]
        assert {
            "about",
            "speakers",
            "organizers",
            "org:jitri",
            "contacts",
            "source",
            "news",
        } <= set(keys)
        views = [sub["url"] for g in menu["button"] for sub in g["sub_button"] if "url" in sub]
        assert views == [f"https://conference.example.org/{lang}/"]
        seen[lang] = _names(menu)
    assert "会议概况" in seen["zh"] and "Speakers" in seen["en"] and "Спикеры" in seen["ru"]


async def test_with_credentials_the_menu_is_posted(tmp_path: Path) -> None:
    api = WeChatApiEmulator(APP_ID, APP_SECRET)
    await api.start()
    try:
        config = write_site_config(
            tmp_path,
            wechat={
                "token": "menuToken1",
                "app_id": APP_ID,
                "app_secret": APP_SECRET,
                "api_base_url": api.base_url,
            },
        )
        code, out, err = await _bot("wechat-menu", "--config", str(config))
        assert code == 0, err
        assert len(api.menus) == 1 and "会议概况" in _names(api.menus[0])
        assert APP_SECRET not in out + err
        # A wrong secret: WeChat's refusal in one line, exit 2, the secret never shown.
        bad = write_site_config(
            tmp_path,
            wechat={
                "token": "menuToken1",
                "app_id": APP_ID,
                "app_secret": "notTheSecret0000",
                "api_base_url": api.base_url,
            },
        )
        code, out, err = await _bot("wechat-menu", "--config", str(bad))
        assert code == 2
        assert err.strip().splitlines() == ["error: WeChat token refused: 40125 invalid appsecret"]
        assert "notTheSecret0000" not in out + err
    finally:
        await api.stop()


async def test_chat_wechat_talks_to_the_face_through_the_emulator() -> None:
    script = "/subscribe\nJITRI有多少科研人员？\nEnglish\nHow many researchers does JITRI have?\n/image\n/click contacts\n/quit\n"
    code, out, err = await _bot("chat", "--wechat", stdin=script)
    assert code == 0, err
    assert "您好" in out
    assert "8000 — 研究院科研人员" in out
    assert "OK, I will answer in English" in out
    assert "8,000 — researchers working at JITRI" in out
    assert "I can only read text messages" in out
    assert "Traceback" not in out + err


async def test_an_unreachable_api_is_one_line_without_the_secret(tmp_path: Path) -> None:
    config = write_site_config(
        tmp_path,
        wechat={
            "token": "menuToken1",
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "api_base_url": "http://127.0.0.1:9",  # the discard port: nothing listens
        },
    )
    code, out, err = await _bot("wechat-menu", "--config", str(config))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0], err
    assert APP_SECRET not in out + err and "Traceback" not in err
