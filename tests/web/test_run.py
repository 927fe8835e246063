"""`python -m bot run` with `[web] enabled`: one process serves Telegram and the site."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.content import bundled_content_path
from tests.conftest import ADMIN_ID, BOT_USERNAME, ROOT, ask, running_bot, write_config
from tests.web.conftest import request
from tests.web.html_page import parse
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow


def _site_url(log: str) -> str:
    found = re.search(r"Web site at (http://\S+)/", log)
    assert found, log
    return found.group(1)


async def _get(url: str, path: str) -> tuple[int, str]:
    reply = await asyncio.to_thread(request, url, "GET", path)
    return reply.status, reply.text


async def test_run_serves_the_site_from_the_same_process_and_database(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    shutil.copyfile(bundled_content_path(), content)
    async with running_bot(
        tmp_path, web={"enabled": True, "port": 0}, storage={"content": str(content)}
    ) as bot:
        url = _site_url(bot.log())
        assert await _get(url, "/healthz") == (200, "ok")
        # The username comes from Telegram (getMe), not from the config.
        status, html = await _get(url, "/en/org/jitri")
        assert status == 200
        assert f"https://t.me/{BOT_USERNAME}?start=org-jitri" in parse(html).links

        old = "The main venue of the conference was in Nanjing."
        assert old in (await _get(url, "/en/about"))[1]
        content.write_text(
            content.read_text(encoding="utf-8").replace(old, "The main venue was CHANGED."),
            encoding="utf-8",
        )
        reply = await ask(bot.emulator, ADMIN_ID, "/reload")
        assert "reloaded" in reply.params["text"]
        deadline = time.monotonic() + 5
        while "CHANGED" not in (await _get(url, "/en/about"))[1]:
            assert time.monotonic() < deadline, "the site still shows the old content"
            await asyncio.sleep(0.1)


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _busy_port() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def test_web_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with _busy_port() as listener:
        port = listener.getsockname()[1]
        result = _cli("web", "--port", str(port))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert "Traceback" not in result.stderr


async def test_run_on_a_busy_web_port_is_one_line_and_exit_2(
    tmp_path: Path, emulator: BotApiEmulator
) -> None:
    with _busy_port() as listener:
        port = listener.getsockname()[1]
        config = write_config(
            tmp_path / "config.toml",
            emulator.base_url,
            tmp_path / "bot.sqlite3",
            web={"enabled": True, "port": port},
        )
        result = await asyncio.to_thread(_cli, "run", "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_web_config_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    for text, problem in (
        ("[web]\nport = 99999\n", "web.port"),
        ('[web]\nbase_url = "example.org"\n', "web.base_url"),
        ("[web]\nbogus = 1\n", "web.bogus: unknown key"),
        ('[telegram]\nusername = "a b"\n', "telegram.username"),
    ):
        config.write_text(text, encoding="utf-8")
        result = _cli("web", "--config", str(config))
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and problem in result.stderr, result.stderr
    assert _cli("web", "--port", "70000").returncode == 2


def test_web_help_works_without_config() -> None:
    result = _cli("web", "--help")
    assert result.returncode == 0 and "--port" in result.stdout
