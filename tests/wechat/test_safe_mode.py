"""Safe mode (AES) end to end, the language choice across a real restart, config mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import ROOT, WebProcess, running
from tests.wechat.conftest import ACCOUNT, AES_KEY, APP_ID, TOKEN, wechat_config
from wxemu import WeChatPlatform
from wxemu import messages as wx

pytestmark = pytest.mark.slow


async def test_safe_mode_reads_and_answers_encrypted(tmp_path: Path) -> None:
    config = wechat_config(tmp_path, app_id=APP_ID, encoding_aes_key=AES_KEY)
    with running(WebProcess(["--config", str(config)], tmp_path / "web.log")) as process:
        url = f"{process.url}/wechat"
        async with WeChatPlatform(
            url, TOKEN, account=ACCOUNT, app_id=APP_ID, encoding_aes_key=AES_KEY
        ) as platform:
            user = platform.user()
            shown = await user.say("JITRI有多少科研人员？")
            assert shown is not None and "8000" in shown.split("\n")[0]
            assert user.last is not None and user.last.xml.startswith("<xml>")
            # A body signed with another token, encrypted with our key: refused.
            other = WeChatPlatform(
                url, "someOtherToken", account=ACCOUNT, app_id=APP_ID, encoding_aes_key=AES_KEY
            )
            async with other:
                body = wx.text(user.openid, ACCOUNT, "JITRI", wx.next_msg_id())
                query, envelope = other.signed_query(body, user.openid)
                assert (await other.post(query, envelope))[0] == 403
            # Another account's AppID inside the ciphertext: refused as a bad signature.
            foreign = WeChatPlatform(
                url, TOKEN, account=ACCOUNT, app_id="wx0000000000000000", encoding_aes_key=AES_KEY
            )
            async with foreign:
                query, envelope = foreign.signed_query(body, user.openid)
                assert (await foreign.post(query, envelope))[0] == 403
        # WeChat's plain server check works in safe mode too.
        async with WeChatPlatform(url, TOKEN) as plain:
            assert await plain.verify("42424242") == (200, "42424242")
    log = process.log()
    assert AES_KEY not in log and TOKEN not in log


async def test_the_language_choice_survives_kill_9(tmp_path: Path) -> None:
    """Written before the reply confirming it: a crash right after the reply keeps it."""
    config = wechat_config(tmp_path)
    openid = "oRestartUser000000000000000"
    crashed = WebProcess(["--config", str(config)], tmp_path / "web-crashed.log")
    crashed.start()
    try:
        async with WeChatPlatform(f"{crashed.url}/wechat", TOKEN) as platform:
            assert "English" in (await platform.user(openid).say("English") or "")
    finally:
        crashed.kill()  # SIGKILL, at once after the confirmation
    # A fresh log: the new process's URL is read from it.
    with running(WebProcess(["--config", str(config)], tmp_path / "web.log")) as process:
        async with WeChatPlatform(f"{process.url}/wechat", TOKEN) as platform:
            shown = await platform.user(openid).say("JITRI")
            assert shown is not None and "JITRI" in shown
            assert not any("\u4e00" <= c <= "\u9fff" for c in shown.split("<a")[0])


@pytest.mark.parametrize(
    ("wechat", "named", "secret"),
    [
        ({}, "wechat.token", None),
        ({"token": "ab"}, "wechat.token", "ab"),
        ({"token": "goodToken1", "encoding_aes_key": "short"}, "encoding_aes_key", "short"),
        ({"token": "goodToken1", "encoding_aes_key": AES_KEY}, "app_id", AES_KEY),
        ({"token": "goodToken1", "path": "no-slash"}, "wechat.path", None),
        ({"token": "goodToken1", "colour": "red"}, "wechat.colour", None),
    ],
)
def test_a_wechat_mistake_is_one_line_and_exit_2(
    tmp_path: Path, wechat: dict[str, object], named: str, secret: str | None
) -> None:
    from tests.web.conftest import write_site_config

    config = write_site_config(tmp_path, wechat=wechat)
    for command in ("web", "run"):
        result = subprocess.run(
            [sys.executable, "-m", "bot", command, "--config", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"},
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and named in lines[0], result.stderr
        assert "Traceback" not in result.stderr
        if secret is not None:
            assert secret not in result.stderr
