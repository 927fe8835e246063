"""The web site as a real process (`python -m bot web`), and plain HTTP to talk to it."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.config import dump_toml
from storage.content import bundled_content_path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ru", "zh", "en")
BOT_USERNAME = "conference_site_bot"
BASE_URL = "https://conference.example.org"
_LISTENING = re.compile(r"Web site at (http://\S+)")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class WebProcess:
    """`python -m bot web …` in a subprocess; requests go to the URL it logs."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 20) -> None:
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        env = {k: v for k, v in env.items() if not k.startswith("BOT_")}
        env["PYTHONUNBUFFERED"] = "1"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "web", "--port", "0", *self.args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.log())
            if found:
                self.url = found.group(1).rstrip("/")
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the web site did not start; log:\n{self.log()}")

    def stop(self) -> int:
        """SIGINT, like Ctrl+C; the exit must be clean."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(15)
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        """GET a raw path (sent exactly as given, percent-escapes and all)."""
        return request(self.url, "GET", path, headers)


def request(url: str, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
    """One HTTP request on a fresh connection; redirects are not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=15)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def write_site_config(directory: Path, **sections: dict[str, object]) -> Path:
    """A config for the site: its own database and a copy of the content file (editable)."""
    content = directory / "content.toml"
    shutil.copyfile(bundled_content_path(), content)
    config: dict[str, dict[str, object]] = {
        "telegram": {"username": BOT_USERNAME},
        "bot": {"default_language": "ru"},
        "storage": {"path": str(directory / "site.sqlite3"), "content": str(content)},
        "web": {"base_url": BASE_URL},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path = directory / "config.toml"
    path.write_text(dump_toml(config), encoding="utf-8")
    return path


@contextlib.contextmanager
def running(process: WebProcess) -> Iterator[WebProcess]:
    """Start the process; afterwards it must stop cleanly and have logged no traceback."""
    process.start()
    try:
        yield process
    finally:
        code = process.stop()
        assert code == 0, process.log()
        assert "Traceback" not in process.log(), process.log()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    """`python -m bot web` with no config: bundled content, a temporary database."""
    directory = tmp_path_factory.mktemp("site")
    with running(WebProcess([], directory / "web.log")) as process:
        yield process


@pytest.fixture(scope="module")
def configured_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    """`python -m bot web --config …`: a known database, bot username and public base URL."""
    directory = tmp_path_factory.mktemp("configured")
    config = write_site_config(directory)
    with running(WebProcess(["--config", str(config)], directory / "web.log")) as process:
        yield process
