"""Preflight's reading of what answered at `telegram.base_url` (issue 25, item 13): a server
that is reached but is not a Bot API server, a getMe without a bot user, a pydantic prefix, the
program's name in usage lines. Each is the real `python -m bot run` against a real HTTP server.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from tests.bot.test_first_run import _bot, _one_line
from tests.conftest import ROOT, write_config

# Every test starts a real process (the site, or the bot against a server).
pytestmark = pytest.mark.slow

HTML = "<html><head><title>501 Not Implemented</title></head><body>nginx</body></html>"


async def _serve(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


@pytest.fixture
async def web_server() -> AsyncIterator[str]:
    """A web server, not a Bot API server: 501 and an HTML page to every POST."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=501, text=HTML, content_type="text/html")

    async for url in _serve(answer):
        yield url


@pytest.fixture
async def no_is_bot() -> AsyncIterator[str]:
    """A Bot API look-alike whose getMe result lacks `is_bot` (some emulators omit it)."""

    async def answer(request: web.Request) -> web.Response:
        user = {"id": 42, "first_name": "Look-alike", "username": "lookalike_bot"}
        return web.json_response({"ok": True, "result": user})

    async for url in _serve(answer):
        yield url


async def test_a_web_server_at_base_url_is_reached_but_not_a_bot_api_server(
    web_server: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.toml", web_server, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "telegram.base_url:" in line and web_server in line
    assert "not a Bot API server" in line and "HTTP 501 Not Implemented" in line
    assert "cannot reach" not in line and "no network" not in line
    assert "<html" not in line and "nginx" not in line


async def test_a_getme_without_is_bot_is_one_line(no_is_bot: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", no_is_bot, tmp_path / "bot.sqlite3")
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "telegram.base_url" in line and no_is_bot in line
    assert "without a valid bot user" in line and "is_bot" in line


async def test_a_validator_message_has_no_pydantic_prefix(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml", "https://api.telegram.org/nope", tmp_path / "bot.sqlite3"
    )
    code, _, stderr = await _bot("bot", "run", "--config", str(config))
    line = _one_line(code, stderr)
    assert "telegram.base_url: must end with /bot" in line
    assert "Value error" not in line


def test_usage_names_the_program_as_it_was_started() -> None:
    script = Path(sys.executable).parent / "conference-bot"
    if not script.exists():
        pytest.skip("the conference-bot script is not installed in this environment")
    shown = subprocess.run(
        [str(script), "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.startswith("usage: conference-bot ")
    module = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert module.stdout.startswith("usage: python -m bot ")
