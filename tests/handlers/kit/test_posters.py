"""`python -m bot qr`: a print set whose PNGs decode (with zbar, a real decoder) to the right
deep links, SVGs beside them and an autoescaped index page; operator mistakes are one line."""

from __future__ import annotations

import asyncio
import html
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from bot.config import dump_toml
from storage.content import bundled_content_path
from tests.conftest import BOT_USERNAME, ROOT, TOKEN
from tgemu import BotApiEmulator

# Every test here starts a real process or waits on one (>= 1 s).
pytestmark = pytest.mark.slow

# The deep-link payloads, written by hand: the plain cards, every organization and person of
# the bundled content (ids as in the content file).
PLAIN = {
    "welcome",
    "about",
    "speakers",
    "organizers",
    "orgs",
    "interview",
    "contacts",
    "source",
    "search_tips",
    "help",
    "language",
}
ORGS = {
    "expert-exchange-center",
    "msp-itt",
    "jitri",
    "jiangsu-sci-tech-dept",
    "consulate-shanghai",
    "jiangsu-foreign-experts",
    "jiangsu-foreign-affairs",
    "russian-cci",
    "yangtze-new-materials",
    "dykhanie-kitaya",
}
PEOPLE = {"hu-yidong", "liu-yongzhi", "guo-liping", "oleg-azarov"}
PAYLOADS = PLAIN | {f"org-{o}" for o in ORGS} | {f"person-{p}" for p in PEOPLE}


def expected_url(username: str, payload: str) -> str:
    """The main menu is the bot's plain start link; every other card has its payload."""
    base = f"https://t.me/{username}"
    return base if payload == "welcome" else f"{base}?start={payload}"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def decoded(png: Path) -> str:
    symbols = decode(Image.open(png), symbols=[ZBarSymbol.QRCODE])
    assert len(symbols) == 1, png
    return symbols[0].data.decode()


def test_print_set_decodes_to_every_deep_link(tmp_path: Path) -> None:
    out = tmp_path / "print"
    result = run_cli("qr", "--out", str(out), "--username", "@nanjing_conf_bot")
    assert result.returncode == 0, result.stderr
    assert f"{len(PAYLOADS)} QR codes" in result.stdout
    pngs = {p.stem: p for p in out.glob("*.png")}
    assert set(pngs) == PAYLOADS
    assert {p.stem for p in out.glob("*.svg")} == PAYLOADS
    for payload, png in pngs.items():
        assert decoded(png) == expected_url("nanjing_conf_bot", payload)
        image = Image.open(png)
        # Print size: at least 600 px a side, tagged 300 dpi (5 cm or more on paper).
        assert image.size[0] >= 600
        assert round(image.info["dpi"][0]) == 300
    svg = (out / "org-jitri.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'width="' in svg and "mm" in svg
    index = (out / "index.html").read_text(encoding="utf-8")
    for payload in PAYLOADS:
        url = expected_url("nanjing_conf_bot", payload)
        assert f'href="{url}"' in index
        assert f'src="{payload}.svg"' in index
    # Titles in every language, for the print shop to label each code.
    for title in ("О конференции", "会议简介", "About the conference", "Hu Yidong"):
        assert title in index


def test_titles_are_escaped_in_the_index(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    text = bundled_content_path().read_text(encoding="utf-8")
    name = 'ru = "Китайский международный центр по обмену экспертами"'
    assert name in text
    content.write_text(
        text.replace(name, 'ru = "<script>alert(1)</script> Experts & Co"', 1), encoding="utf-8"
    )
    config = tmp_path / "config.toml"
    config.write_text(
        dump_toml({"storage": {"content": str(content), "path": str(tmp_path / "x.db")}}),
        encoding="utf-8",
    )
    out = tmp_path / "print"
    result = run_cli("qr", "--out", str(out), "--config", str(config), "--username", "abc_bot")
    assert result.returncode == 0, result.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index
    assert html.escape("<script>alert(1)</script> Experts & Co", quote=False) in index
    # The scratch store is not the bot's database: the CLI never touches it.
    assert not (tmp_path / "x.db").exists()


def test_username_unknown_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    config = tmp_path / "config.toml"
    config.write_text(dump_toml({"bot": {"admins": [1]}}), encoding="utf-8")
    result = run_cli("qr", "--out", str(tmp_path / "o"), "--config", str(config), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--username" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("qr", "--out", str(tmp_path / "o"), "--username", "no", env=env)
    assert result.returncode == 2
    assert "not a Telegram username" in result.stderr
    assert not (tmp_path / "o").exists()


async def test_username_is_asked_of_telegram_with_the_token(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        dump_toml({"telegram": {"token": TOKEN, "base_url": emulator.base_url}}), encoding="utf-8"
    )
    out = tmp_path / "print"
    result = await asyncio.to_thread(run_cli, "qr", "--out", str(out), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert emulator.calls("getMe")
    assert decoded(out / "about.png") == f"https://t.me/{BOT_USERNAME}?start=about"
    assert TOKEN.split(":")[1] not in result.stdout + result.stderr
