"""`python -m bot chat`: the real bot, offline, in a terminal; run as a user would, with a pipe."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.chat import render_html

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"</?[a-z][a-z0-9-]*(\s[^>]*)?>", re.IGNORECASE)
ANSI = re.compile(r"\x1b\[")


def _env() -> dict[str, str]:
    # No token, no config from the environment: the chat must need neither.
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "TELEGRAM_BOT_TOKEN" and not k.startswith("BOT_")
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def chat(stdin: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`printf … | python -m bot chat …`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=stdin,
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def _clean(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}; stderr:\n{result.stderr}"
    assert result.stderr == "", result.stderr
    assert not TAG.search(result.stdout), f"raw HTML in:\n{result.stdout}"
    assert "&lt;" not in result.stdout and "&amp;" not in result.stdout
    assert not ANSI.search(result.stdout), "colours only on a terminal"
    return result.stdout


def test_about_and_jitri_in_russian_by_default() -> None:
    out = _clean(chat("/about\n/jitri\n"))
    # Facts from the article.
    assert "9 сентября 2020" in out
    assert "Нанкин" in out
    assert "8000" in out
    assert "lily@jitri.org" in out
    # A transcript: each input echoed before its answer, answers in input order.
    assert out.index("> /about") < out.index("9 сентября 2020") < out.index("> /jitri")
    assert out.index("> /jitri") < out.index("8000")
    assert "[1] " in out  # the cards' buttons are shown, numbered


def test_chinese_with_lang_zh() -> None:
    out = _clean(chat("/about\n/jitri\n", "--lang", "zh"))
    assert "2020年9月9日" in out
    assert "南京" in out
    assert "8000" in out and "lily@jitri.org" in out
    assert "сентября" not in out


def test_english_and_a_question() -> None:
    out = _clean(chat("/start\nNanjing\n", "--lang", "en"))
    assert "Hello!" in out
    assert "9 September 2020" in out
    # The free-text question found the conference by its city.
    after_question = out[out.index("> Nanjing") :]
    assert "Nanjing" in after_question.replace("> Nanjing", "", 1)


def test_pressing_a_numbered_button_opens_the_card_in_place() -> None:
    out = _clean(chat("/start\n1\n", "--lang", "en"))
    menu, pressed = out.split("> 1\n", 1)
    assert re.search(r"\[1\] \S+ About\s+\[2\] \S+ Speakers", menu), menu
    # Button 1 of the menu is "About": the bot edits the menu message into the About card.
    assert "[pressed: ℹ️ About]" in pressed
    assert "[edited]" in pressed
    assert "9 September 2020" in pressed and "Nanjing" in pressed
    assert "Russia Week" in pressed


def test_a_number_without_such_a_button_is_explained_not_sent() -> None:
    out = _clean(chat("/lang\n7\n2\n/start\n", "--lang", "en"))
    assert "[1] Русский  [2] 中文  [3] English" in out
    assert "[no button 7: choose 1-3]" in out
    # Button 2 switched the language to Chinese, so /start greets in Chinese.
    assert "您好！" in out.split("> /start", 1)[1]


def test_unknown_command_gets_the_polite_reply() -> None:
    out = _clean(chat("/nosuchcommand\n", "--lang", "en"))
    assert "I don't know the command /nosuchcommand. /help lists everything I can do." in out


def test_empty_input_exits_at_once() -> None:
    started = time.monotonic()
    result = chat("")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert time.monotonic() - started < 20


def test_exit_ends_the_chat_before_the_next_line() -> None:
    out = _clean(chat("/contacts\nexit\n/about\n", "--lang", "en"))
    assert "lily@jitri.org" in out
    assert "> /about" not in out and "9 September 2020" not in out


def test_a_line_without_newline_at_the_end_is_still_answered() -> None:
    out = _clean(chat("/contacts", "--lang", "ru"))
    assert "lily@jitri.org" in out


def test_config_storage_is_used_but_never_the_network(tmp_path: Path) -> None:
    config = tmp_path / "chat.toml"
    # A real-looking Telegram address and token: chat mode must ignore both.
    config.write_text(
        '[telegram]\ntoken = "123:not-a-real-token"\nbase_url = "https://api.telegram.org/bot"\n'
        '[bot]\ndefault_language = "en"\n[storage]\npath = "chat.sqlite3"\n',
        encoding="utf-8",
    )
    out = _clean(chat("/contacts\n", "--config", str(config)))
    assert "E-mail (JITRI): lily@jitri.org" in out  # English: the config's default language
    # The configured database (relative to the config file) got the user.
    with sqlite3.connect(tmp_path / "chat.sqlite3") as db:
        assert db.execute("SELECT id FROM users").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("[bot]\nadmin = [1]\n", "bot.admin: unknown key"),
        ('[bot]\nadmins = ["abc"]\n', "bot.admins"),
        ('[bot]\ndefault_language = "de"\n', "bot.default_language"),
    ],
)
def test_bad_config_exits_2_with_one_line(tmp_path: Path, content: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    result = chat("/about\n", "--config", str(config))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0] and str(config) in lines[0]


def test_interrupt_ends_the_chat_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"/contacts\n")
        process.stdin.flush()
        seen = b""
        deadline = time.monotonic() + 30
        while b"lily@jitri.org" not in seen and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen += line
        assert b"lily@jitri.org" in seen
        # stdin stays open: the chat is waiting for the next line when Ctrl-C comes.
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
        stderr = process.stderr.read().decode() if process.stderr else ""
        assert code == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_render_html_for_the_terminal() -> None:
    html = (
        '<b>Bold</b> &amp; <i>italic</i>: <a href="https://example.org/x">site</a>, '
        '<code>a &lt; b</code> <a href="https://e.org">https://e.org</a>'
    )
    assert render_html(html) == ("Bold & italic: site (https://example.org/x), a < b https://e.org")
    coloured = render_html("<b>x <i>y</i></b> z", color=True)
    assert coloured == "\x1b[1mx \x1b[3my\x1b[23m\x1b[22m z"
    # Nested bold must not switch bold off early; an unclosed tag is reset at the end.
    assert render_html("<b>a<strong>b</strong>c</b>", color=True) == "\x1b[1mabc\x1b[22m"
    assert render_html("<b>open", color=True).endswith("\x1b[0m")
