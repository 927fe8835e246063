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
BOOKKEEPING = re.compile(r"^\[[a-z]+[A-Z]\w*\]$", re.MULTILINE)


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
    # The bot's own bookkeeping calls (getWebhookInfo at start, …) are not the conversation.
    assert not BOOKKEEPING.search(result.stdout), f"a Bot API call shown in:\n{result.stdout}"
    return result.stdout


@pytest.mark.slow
def test_about_and_jitri_in_russian_by_default() -> None:
    out = _clean(chat("/about\n/jitri\n"))
    # Facts from the article.
    assert "9 сентября 2020" in out
    assert "Нанкин" in out
    assert "8\u00a0000" in out  # the figure as Russian writes it
    assert "lily@jitri.org" in out
    # A transcript: each input echoed before its answer, answers in input order.
    assert out.index("> /about") < out.index("9 сентября 2020") < out.index("> /jitri")
    assert out.index("> /jitri") < out.index("8\u00a0000")
    assert "[1] " in out  # the cards' buttons are shown, numbered


@pytest.mark.slow
def test_chinese_with_lang_zh() -> None:
    out = _clean(chat("/about\n/jitri\n", "--lang", "zh"))
    assert "2020年9月9日" in out
    assert "南京" in out
    assert "8000" in out and "lily@jitri.org" in out
    assert "сентября" not in out


@pytest.mark.slow
def test_english_and_a_question() -> None:
    out = _clean(chat("/start\nNanjing\n", "--lang", "en"))
    assert "Hello!" in out
    assert "9 September 2020" in out
    # The free-text question found the conference by its city.
    after_question = out[out.index("> Nanjing") :]
    assert "Nanjing" in after_question.replace("> Nanjing", "", 1)


@pytest.mark.slow
def test_pressing_a_numbered_button_opens_the_card_in_place() -> None:
    out = _clean(chat("/start\n1\n", "--lang", "en"))
    menu, pressed = out.split("> 1\n", 1)
    assert re.search(r"\[1\] \S+ About\s+\[2\] \S+ Speakers", menu), menu
    # Button 1 of the menu is "About": the bot edits the menu message into the About card.
    assert "[pressed: ℹ️ About]" in pressed
    assert "[edited]" in pressed
    assert "9 September 2020" in pressed and "Nanjing" in pressed
    assert "Russia Week" in pressed


@pytest.mark.slow
def test_a_number_presses_a_button_of_the_last_message() -> None:
    out = _clean(chat("/lang\n2\n/start\n", "--lang", "en"))
    assert "[1] Русский  [2] 中文  [3] English" in out
    # Button 2 switched the language to Chinese, so /start greets in Chinese.
    assert "您好！" in out.split("> /start", 1)[1]


@pytest.mark.slow
def test_a_number_that_is_not_a_button_is_a_question() -> None:
    """JITRI's figures are searchable: 134 researchers, 51 partners (the menu has 7 buttons)."""
    out = _clean(chat("/start\n134\n51\n", "--lang", "en"))
    after_134 = out.split("> 134\n", 1)[1].split("> 51\n", 1)[0]
    assert "no button" not in out
    assert "134 — distinguished researchers" in after_134 and "JITRI" in after_134
    assert "51 — foreign organizations that are JITRI" in out.split("> 51\n", 1)[1]


@pytest.mark.slow
def test_a_number_after_a_message_without_buttons_is_a_question() -> None:
    # An organizer's /help ends with their commands, a message without buttons: the Menu
    # button of the card before it is no longer what a number presses.
    out = _clean(chat("/help\n1\n", "--lang", "en", "--admin"))
    after = out.split("> 1\n", 1)[1]
    assert "[pressed:" not in after
    assert "“1”" in after  # searched for, as a question


@pytest.mark.slow
def test_admin_flag_makes_the_chat_user_an_organizer() -> None:
    refused = _clean(chat("/stats\n", "--lang", "en"))
    assert "administrators only" in refused
    out = _clean(chat("/stats\n", "--lang", "en", "--admin"))
    assert "Statistics" in out and "administrators only" not in out


@pytest.mark.slow
def test_a_piped_script_is_never_flood_limited(tmp_path: Path) -> None:
    config = tmp_path / "chat.toml"
    config.write_text(
        '[bot]\nflood_burst = 2\nflood_window = 60\n[storage]\npath = "chat.sqlite3"\n',
        encoding="utf-8",
    )
    script = "/contacts\n" * 20
    started = time.monotonic()
    out = _clean(chat(script, "--config", str(config), "--lang", "en", timeout=120))
    assert out.count("lily@jitri.org") == 20
    assert "lot of messages" not in out and "no answer" not in out
    assert time.monotonic() - started < 90


@pytest.mark.slow
def test_log_lines_go_to_the_log_file_not_the_transcript(tmp_path: Path) -> None:
    log = tmp_path / "chat.log"
    out = _clean(chat("/contacts\n", "--lang", "en", "--log", str(log)))
    assert "lily@jitri.org" in out
    assert " INFO " not in out and " WARNING " not in out
    assert "is up" in log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_unknown_command_gets_the_polite_reply() -> None:
    out = _clean(chat("/nosuchcommand\n", "--lang", "en"))
    assert "I don't know the command /nosuchcommand. /help lists everything I can do." in out


@pytest.mark.slow
def test_empty_input_exits_at_once() -> None:
    started = time.monotonic()
    result = chat("")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_exit_ends_the_chat_before_the_next_line() -> None:
    out = _clean(chat("/contacts\nexit\n/about\n", "--lang", "en"))
    assert "lily@jitri.org" in out
    assert "> /about" not in out and "9 September 2020" not in out


@pytest.mark.slow
def test_a_line_without_newline_at_the_end_is_still_answered() -> None:
    out = _clean(chat("/contacts", "--lang", "ru"))
    assert "lily@jitri.org" in out


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


def _read_until(fd: int, needle: bytes, seen: bytearray, timeout: float = 30) -> None:
    import select

    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{needle!r} never came; output:\n{seen.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed
                chunk = b""
            assert chunk, f"output ended before {needle!r}:\n{seen.decode(errors='replace')}"
            seen += chunk


@pytest.mark.slow
def test_arrow_up_recalls_the_last_line_on_a_terminal() -> None:
    """On a real terminal (a pty) the chat reads lines with readline: ↑ brings /contacts back."""
    import pty

    main, child = pty.openpty()
    env = {**_env(), "TERM": "xterm", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"],
        cwd=ROOT,
        env=env,
        stdin=child,
        stdout=child,
        stderr=subprocess.PIPE,
        close_fds=True,
    )
    os.close(child)
    seen = bytearray()
    try:
        _read_until(main, b"Ctrl-D leaves", seen)
        _read_until(main, b"> ", seen)
        os.write(main, b"/contacts\r")
        first = bytearray()
        _read_until(main, b"lily@jitri.org", first)
        # Keys typed before the next prompt reach a terminal that readline is not reading yet.
        _read_until(main, b"\n> ", first)
        os.write(main, b"\x1b[A\r")  # arrow up, Enter
        after = bytearray()
        # Without line editing the escape code itself would be sent, and searched for.
        _read_until(main, b"\n> ", after)
        shown = after.decode(errors="replace")
        assert "(JITRI): lily@jitri.org" in shown, shown  # the /contacts card again
        assert "[A" not in shown, shown
        os.write(main, b"\x04")  # Ctrl-D on an empty line ends the chat
        assert process.wait(timeout=30) == 0
        stderr = process.stderr.read().decode() if process.stderr else ""
        assert "Traceback" not in stderr, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


# ---------------------------------------------------------------- issue 25: the chat's rough edges


class _Session:
    """`python -m bot chat` driven a line at a time, as a person at a pipe would: each line is
    written only once the answer to the previous one has been read."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", *args],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.fd = self.process.stdout.fileno()
        self.seen = bytearray()
        self.read = 0  # how much of `seen` earlier answers took

    def send(self, line: str, until: str, timeout: float = 30) -> str:
        """Type `line`; return what was printed from its echo until `until` appeared."""
        assert self.process.stdin is not None
        start = len(self.seen)
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()
        return self.wait_for(until, start, timeout)

    def wait_for(self, text: str, begin: int, timeout: float = 30) -> str:
        """What was printed from `begin` on, once `text` is in it."""
        while text.encode() not in self.seen[begin:]:
            chunk = bytearray()
            _read_until(self.fd, b"\n", chunk, timeout)
            self.seen += chunk
        return self.seen[begin:].decode()

    def close(self) -> str:
        """End the input; everything printed, checked like a piped transcript."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        rest = self.process.stdout.read()
        code = self.process.wait(timeout=60)
        stderr = self.process.stderr.read().decode() if self.process.stderr else ""
        out = (self.seen + rest).decode()
        return _clean(subprocess.CompletedProcess([], code, out, stderr))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _keyboard_of(text: str) -> tuple[int, dict[str, int]]:
    """(message number, {button text: number}) of the last keyboard printed in `text`."""
    label = list(re.finditer(r"^(\d+) ▸ ", text, re.MULTILINE))[-1]
    block = text[label.start() :].split("\n\n", 1)[0]
    buttons = {
        name.strip(): int(number)
        for number, name in re.findall(r"\[(\d+)\] (.+?)(?=\s+\[\d+\] |\n|$)", block)
    }
    return int(label.group(1)), buttons


def _button(buttons: dict[str, int], words: str) -> int:
    return next(number for name, number in buttons.items() if words in name)


@pytest.mark.slow
def test_a_second_session_on_the_same_database_answers_every_line(tmp_path: Path) -> None:
    """The inbox keeps the update ids of the first session: the second must not reuse them."""
    config = tmp_path / "chat.toml"
    config.write_text('[storage]\npath = "chat.sqlite3"\n', encoding="utf-8")
    first = _clean(chat("/start\n/contacts\n", "--config", str(config), "--lang", "en"))
    assert first.count("lily@jitri.org") == 1
    started = time.monotonic()
    second = _clean(chat("/contacts\n/about\n/jitri\n", "--config", str(config), "--lang", "en"))
    assert time.monotonic() - started < 30
    assert "no answer" not in second and "has not taken" not in second
    assert second.index("> /contacts") < second.index("lily@jitri.org") < second.index("> /about")
    assert "9 September 2020" in second.split("> /about", 1)[1]
    assert "8,000" in second.split("> /jitri", 1)[1]


@pytest.mark.slow
def test_a_scheduled_broadcast_its_progress_and_report_are_shown_when_sent() -> None:
    out = _clean(
        chat(
            "/subscribe\n/schedule +3s Hello from the organizers\n1\nwait 8\n",
            "--lang",
            "en",
            "--admin",
        )
    )
    confirm = out.split("> 1\n", 1)[1].split("> wait 8\n", 1)[0]
    # Pressed before the time: the toast says when, and that nothing goes out before then.
    assert "[pressed: ⏰ At " in confirm and "to subscribers (now 1)" in confirm
    assert "is scheduled for" in confirm and "nothing is sent before then" in confirm
    assert "progress follows below" not in confirm
    assert "Hello from the organizers" not in confirm  # not yet sent
    later = out.split("> wait 8\n", 1)[1]
    # Sent on its own while the script waited: the message itself, then the report.
    assert "Hello from the organizers" in later
    assert "Broadcast #1 finished: 1 recipient" in later
    assert "Delivered: 1" in later
    assert later.index("Hello from the organizers") < later.index("Broadcast #1 finished")


@pytest.mark.slow
def test_test_to_myself_keeps_the_drafts_buttons_pressable_by_message_number() -> None:
    session = _Session("--lang", "en", "--admin")
    try:
        session.send("/subscribe", "/unsubscribe")
        preview = session.send("/broadcast Hi everyone", "Cancel")
        draft, buttons = _keyboard_of(preview)
        tested = session.send(str(_button(buttons, "Test to myself")), "Unsubscribe")
        assert "A test message has been sent to you." in tested
        message, test_buttons = _keyboard_of(tested)
        assert message != draft and list(test_buttons) == ["🔕 Unsubscribe"]
        # The test message is now the last one; its number and button say so. The draft's
        # Send is still reachable as <message>.<button>.
        sent = session.send(
            f"{draft}.{_button(buttons, 'Send to 1 subscriber')}", "Cancelled:", timeout=60
        )
        assert "[pressed: 📣 Send to 1 subscriber]" in sent
        assert f"[buttons of message {draft} removed]" in sent
        assert "Broadcast #1 finished: 1 recipient\n✅ Delivered: 1" in sent
        # Pressing "1" after the test would have unsubscribed the organizer; they still are.
        assert "Subscribers: 1" in session.send("/stats", "Blocked the bot")
        session.close()
    finally:
        session.kill()


@pytest.mark.slow
def test_a_button_number_of_a_message_without_buttons_says_so() -> None:
    out = _clean(chat("/contacts\n/help\n2.9\n2.1\n", "--lang", "en", "--admin"))
    # Message 2 is the /contacts card (one button, Menu); /help came after it.
    assert "2 ▸ [1] ☰ Menu" in out
    assert "[message 2 has buttons 1–1]" in out.split("> 2.9\n", 1)[1].split("> 2.1\n", 1)[0]
    pressed = out.split("> 2.1\n", 1)[1]
    assert "[pressed: ☰ Menu]" in pressed and "Choose a section below" in pressed


@pytest.mark.slow
def test_cancel_cancels_a_draft_waiting_for_its_send() -> None:
    out = _clean(chat("/subscribe\n/broadcast Hello\n/cancel\n/cancel\n/news\n", "--admin"))
    after = out.split("> /cancel\n", 1)[1]
    assert "Отменено, ничего не отправлено: рассылка #1." in after
    assert "Сейчас нет рассылки в работе." in after.split("> /cancel\n", 1)[1]
    assert "Hello" not in out.split("> /news\n", 1)[1]


@pytest.mark.slow
def test_a_broadcast_that_would_reach_nobody_is_not_offered_nor_sent() -> None:
    session = _Session("--lang", "en", "--admin")
    try:
        session.send("/subscribe", "/unsubscribe")
        preview = session.send("/broadcast Nobody will read this", "Cancel")
        draft, buttons = _keyboard_of(preview)
        send = _button(buttons, "Send to 1 subscriber")
        session.send("/unsubscribe", "subscribe")
        # The subscriber left: the preview's Send button would now reach nobody.
        refused = session.send(f"{draft}.{send}", "[alert:")
        assert "would reach nobody: there are no subscribers right now. Nothing was sent" in refused
        again = session.send("/broadcast Still nobody", "Cancel")
        _, offered = _keyboard_of(again)
        assert not any("subscriber" in name for name in offered), offered
        assert any("everyone who started the bot (1)" in name for name in offered)
        news = session.send("/news", "No news yet")
        assert "Nobody will read this" not in news
        session.close()
    finally:
        session.kill()


@pytest.mark.slow
def test_schedule_alone_shows_a_working_example_in_every_language() -> None:
    for lang, example in (("en", "For example: /schedule "), ("ru", "Например: /schedule ")):
        out = _clean(chat("/schedule\n", "--lang", lang, "--admin"))
        line = out[out.index(example) :].splitlines()[0]
        assert re.fullmatch(rf"{example}\d\d:00 \S.*[^.]", line), line
        assert "HH:MM …" not in out and ".." not in out


@pytest.mark.slow
def test_a_scheduled_broadcast_whose_audience_is_empty_when_due_says_so_and_is_not_news() -> None:
    out = _clean(chat("/schedule +2s Nobody here\n1\nwait 6\n/news\n", "--lang", "en", "--admin"))
    due = out.split("> wait 6\n", 1)[1].split("> /news\n", 1)[0]
    assert "Broadcast #1 reached nobody: its audience was empty when it came due" in due
    assert "finished" not in due and "began on time" not in due
    assert "No news yet" in out.split("> /news\n", 1)[1]
