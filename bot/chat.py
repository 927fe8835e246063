"""`python -m bot chat`: talk to the real bot in a terminal, offline, with no token.

The same Application and handlers as `python -m bot run` serve a Bot API emulator started in
this process; the person at the keyboard is a simulated Telegram user. Each line of standard
input becomes a message (or a button press when it is the number of a button on the bot's
last message; any other number is a question), and every call the bot makes in answer is
printed, rendered for the terminal, before the next line is read, so a piped script gives a
deterministic transcript. On a terminal, lines are read with the standard library's readline:
arrow keys edit the line and recall earlier ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import queue as stdlib_queue
import re
import signal
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings, load_settings
from tgemu import BotApiEmulator, Call

__all__ = ["USER_ID", "ChatOptions", "render_html", "run_chat"]

# The emulator derives the bot's id from the token; nothing here ever reaches Telegram.
OFFLINE_TOKEN = "1000000:offline-chat"
BOT_USERNAME = "conference_offline_bot"
# The person at the keyboard: this Telegram user id (an organizer with --admin).
USER_ID = 1
USER_NAME = "You"
# How long the bot may take to start answering a line, and to finish answering it.
FIRST_CALL_TIMEOUT = 15.0
SETTLE_TIMEOUT = 60.0
# No calls for this long after the first one means the answer is complete.
QUIET = 0.2
# The chat has one user, who is never flood-limited: a piped script must not stall.
CHAT_FLOOD_BURST = 1_000_000
EXIT_WORDS = frozenset({"exit", "quit"})
# Calls that are plumbing, not something the person sees.
SILENT_METHODS = frozenset(
    {
        "getUpdates",
        "getMe",
        "deleteWebhook",
        "getWebhookInfo",
        "sendChatAction",
        "setMyCommands",
        "setMyDescription",
        "setMyShortDescription",
    }
)
_NUMBER = re.compile(r"[0-9]{1,3}")
_EOF = object()


class _OutputClosed(Exception):
    """Standard output is a closed pipe: nobody is reading the chat any more."""


# ANSI styles as (on, off); the off codes undo one attribute, so nesting works.
_STYLES = {
    "b": ("\x1b[1m", "\x1b[22m"),
    "strong": ("\x1b[1m", "\x1b[22m"),
    "i": ("\x1b[3m", "\x1b[23m"),
    "em": ("\x1b[3m", "\x1b[23m"),
    "u": ("\x1b[4m", "\x1b[24m"),
    "ins": ("\x1b[4m", "\x1b[24m"),
    "s": ("\x1b[9m", "\x1b[29m"),
    "strike": ("\x1b[9m", "\x1b[29m"),
    "del": ("\x1b[9m", "\x1b[29m"),
}
_DIM = ("\x1b[2m", "\x1b[22m")


class _TerminalHtml(HTMLParser):
    """Telegram HTML to terminal text: styles as ANSI (or nothing), links as 'text (url)'."""

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.color = color
        self.parts: list[str] = []
        self.depth: dict[str, int] = {}
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.parts)))
        elif tag in _STYLES:
            on, _ = _STYLES[tag]
            key = on
            self.depth[key] = self.depth.get(key, 0) + 1
            if self.color and self.depth[key] == 1:
                self.parts.append(on)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.parts[start:])
            if href and _strip_ansi(text).strip() != href:
                self.parts.append(f" ({href})")
        elif tag in _STYLES:
            on, off = _STYLES[tag]
            if self.depth.get(on, 0) > 0:
                self.depth[on] -= 1
                if self.color and self.depth[on] == 0:
                    self.parts.append(off)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def text(self) -> str:
        self.close()
        if self.color and any(self.depth.values()):
            self.parts.append("\x1b[0m")  # an unclosed tag must not style the whole terminal
        return "".join(self.parts)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def render_html(text: str, *, color: bool = False) -> str:
    """Telegram-flavoured HTML as terminal text; never leaves a tag or an entity behind."""
    parser = _TerminalHtml(color)
    parser.feed(text)
    return parser.text()


@dataclass(frozen=True)
class ChatOptions:
    """What `python -m bot chat` was asked for on its command line."""

    language: str | None = None
    # The chat user is an organizer: /broadcast, /stats and /reload work offline.
    admin: bool = False


@dataclass
class _Button:
    text: str
    data: dict[str, Any]


@dataclass
class _Keyboard:
    message_id: int
    buttons: list[_Button]


class _Terminal:
    """The conversation: input lines in, the bot's calls out."""

    def __init__(
        self, emulator: BotApiEmulator, language: str, out: TextIO, admin: bool = False
    ) -> None:
        self.emulator = emulator
        self.language = language
        self.admin = admin
        self.out = out
        self.color = out.isatty() and "NO_COLOR" not in os.environ
        self.interactive = sys.stdin is not None and sys.stdin.isatty()
        self.keyboard: _Keyboard | None = None

    # ---------------------------------------------------------------- output

    def write(self, text: str = "") -> None:
        self._emit(text + "\n")

    def _emit(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            # The reader went away (`… | head`): stop quietly, and keep Python's final flush
            # at exit from complaining about the same pipe.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())
            raise _OutputClosed from None

    def notice(self, text: str) -> None:
        on, off = _DIM if self.color else ("", "")
        self.write(f"{on}{text}{off}")

    def banner(self) -> None:
        if self.interactive:
            role = "an organizer" if self.admin else "a participant; --admin makes you an organizer"
            self.notice(
                f"Offline chat with the bot (language: {self.language}; you are Telegram user "
                f"{USER_ID}, {role}). Type /start, a command or a question; the number of a "
                "button on the last message presses it; arrow keys edit and recall lines; "
                "exit or Ctrl-D leaves."
            )

    def prompt(self) -> None:
        if self.interactive:
            self._emit(PROMPT)

    # ---------------------------------------------------------------- one line

    async def handle(self, line: str) -> bool:
        """Send one input line to the bot and print the answer; False to end the chat."""
        text = line.strip()
        if not text:
            return True
        if text.lower() in EXIT_WORDS:
            return False
        if not self.interactive:
            self.write(f"> {text}")
        since = self._next_index()
        if self._is_button_number(text):
            if not self._press(int(text)):
                return True
        else:
            self.emulator.push_message(
                USER_ID, text, language_code=self.language, first_name=USER_NAME
            )
        await self._settle(since)
        for call in self.emulator.calls(since=since):
            self._show(call)
        return True

    def _is_button_number(self, text: str) -> bool:
        """Whether `text` names a button of the bot's last message (else it is a question)."""
        return (
            _NUMBER.fullmatch(text) is not None
            and self.keyboard is not None
            and 1 <= int(text) <= len(self.keyboard.buttons)
        )

    def _press(self, number: int) -> bool:
        """Press button `number` of the latest keyboard; False when no bot call follows."""
        assert self.keyboard is not None
        button = self.keyboard.buttons[number - 1]
        data = button.data
        if "callback_data" in data:
            self.notice(f"[pressed: {_plain(button.text)}]")
            self.emulator.push_callback(
                USER_ID,
                str(data["callback_data"]),
                message_id=self.keyboard.message_id,
                language_code=self.language,
                first_name=USER_NAME,
            )
            return True
        if "url" in data:
            self.notice(f"[link: {data['url']}]")
        elif "copy_text" in data:
            self.notice(f"[copied: {data['copy_text'].get('text', '')}]")
        else:
            self.notice("[this button works in Telegram only, not in the terminal]")
        return False

    def _next_index(self) -> int:
        calls = self.emulator.calls()
        return calls[-1].index + 1 if calls else 0

    async def _settle(self, since: int) -> None:
        """Wait for the first call after `since`, then until the bot has been quiet a while."""
        deadline = time.monotonic() + FIRST_CALL_TIMEOUT
        while not any(c.method != "getUpdates" for c in self.emulator.calls(since=since)):
            if time.monotonic() >= deadline:
                self.notice("[no answer from the bot]")
                return
            await asyncio.sleep(0.01)
        with contextlib.suppress(TimeoutError):
            await self.emulator.wait_until_idle(quiet=QUIET, timeout=SETTLE_TIMEOUT)

    # ---------------------------------------------------------------- rendering calls

    def _show(self, call: Call) -> None:
        if call.method in SILENT_METHODS:
            return
        params = call.params
        if not call.ok:
            self.notice(f"[{call.method} failed: {call.error}]")
            return
        if call.method == "sendMessage":
            self._message(params, call.result, edited=False)
        elif call.method == "editMessageText":
            self._message(params, call.result, edited=True)
        elif call.method == "editMessageReplyMarkup":
            self.notice("[buttons changed]")
            self._keyboard(params, call.result)
        elif call.method == "answerCallbackQuery":
            text = params.get("text")
            if text:
                kind = "alert" if params.get("show_alert") else "notice"
                self.notice(f"[{kind}: {text}]")
        elif call.method in ("sendDocument", "sendPhoto"):
            self._file(call.method, params, call.result)
        elif call.method == "deleteMessage":
            self.notice("[message deleted]")
        else:
            self.notice(f"[{call.method}]")

    def _message(self, params: dict[str, Any], result: Any, *, edited: bool) -> None:
        if edited:
            self.notice("[edited]")
        else:
            self.keyboard = None  # numbers press the buttons of the last message only
        self.write(self._render(params, str(params.get("text", ""))))
        self._keyboard(params, result)
        self.write()

    def _file(self, method: str, params: dict[str, Any], result: Any) -> None:
        self.keyboard = None
        message = result if isinstance(result, dict) else {}
        if method == "sendDocument":
            document = message.get("document", {})
            name = document.get("file_name") or "file"
            self.notice(f"[file: {name}, {document.get('file_size', 0)} bytes]")
        else:
            sizes = message.get("photo") or [{}]
            self.notice(f"[photo: {sizes[-1].get('file_size', 0)} bytes]")
        caption = params.get("caption")
        if caption:
            self.write(self._render(params, str(caption)))
        self._keyboard(params, result)
        self.write()

    def _render(self, params: dict[str, Any], text: str) -> str:
        if str(params.get("parse_mode", "")).upper() == "HTML":
            return render_html(text, color=self.color)
        return text

    def _keyboard(self, params: dict[str, Any], result: Any) -> None:
        """Print the inline keyboard, numbered, and remember it as the one to press."""
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if not isinstance(message_id, int):
            return  # an inline message: nothing the terminal user can press
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not rows:
            if self.keyboard is not None and self.keyboard.message_id == message_id:
                self.keyboard = None  # the edit took the buttons away
            return
        buttons: list[_Button] = []
        for row in rows:
            shown = []
            for data in row:
                buttons.append(_Button(str(data.get("text", "")), data))
                label = f"[{len(buttons)}] {_plain(str(data.get('text', '')))}"
                if "url" in data:
                    label += f" ({data['url']})"
                shown.append(label)
            self.write("  ".join(shown))
        self.keyboard = _Keyboard(message_id, buttons)


def _plain(text: str) -> str:
    return " ".join(text.split())


def _chat_settings(settings: Settings | None, workdir: Path, admin: bool) -> Settings:
    """Defaults with a throwaway database, or a copy of the given settings."""
    if settings is None:
        chosen = load_settings(None)
        chosen.storage.path = workdir / "chat.sqlite3"
    else:
        chosen = settings.model_copy(deep=True)
    chosen.bot.flood_burst = CHAT_FLOOD_BURST
    if admin and USER_ID not in chosen.bot.admins:
        chosen.bot.admins = [*chosen.bot.admins, USER_ID]
    # Never the network: whatever the config says, the bot talks to our emulator.
    chosen.telegram.base_url = "http://127.0.0.1/bot"
    return chosen


def _bypass_proxies() -> None:
    """An HTTP(S)_PROXY from the environment must not carry our loopback calls away."""
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in os.environ.get(name, "").split(",") if host.strip()]
        if "127.0.0.1" not in hosts:
            os.environ[name] = ",".join([*hosts, "127.0.0.1"])


PROMPT = "> "


class _LineEditor:
    """Lines typed on a terminal, through readline: arrow keys edit and recall earlier lines.

    input() runs on a daemon thread, one prompt at a time, asked for once the previous answer
    has been printed, so the prompt and the line being edited are never interleaved with it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]) -> None:
        import readline  # noqa: F401  (imported for its effect: input() gains line editing)

        self._prompts: stdlib_queue.SimpleQueue[str] = stdlib_queue.SimpleQueue()
        self._deliver = _deliverer(loop, queue)
        threading.Thread(target=self._read, name="chat-readline", daemon=True).start()

    def ask(self, prompt: str) -> None:
        """Show `prompt` and read the next line into the queue."""
        self._prompts.put(prompt)

    def _read(self) -> None:
        while True:
            prompt = self._prompts.get()
            try:
                line = input(prompt)
            except (EOFError, OSError, ValueError):
                self._deliver(_EOF)
                return
            self._deliver(line)


def _deliverer(
    loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]
) -> Callable[[object], None]:
    def deliver(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    return deliver


def _reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]) -> None:
    """Read piped stdin on a daemon thread (it never blocks exit), one line per queue item."""
    deliver = _deliverer(loop, queue)

    def read() -> None:
        # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside a buffered
        # reader holds its lock, and interpreter shutdown (after Ctrl-C) would abort on it.
        pending = b""
        try:
            fd = sys.stdin.fileno() if sys.stdin is not None else -1
            while fd >= 0:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    deliver(raw.decode("utf-8", errors="replace"))
        except (OSError, ValueError):
            pass
        if pending:
            deliver(pending.decode("utf-8", errors="replace"))
        deliver(_EOF)

    threading.Thread(target=read, name="chat-stdin", daemon=True).start()


async def _converse(terminal: _Terminal) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    editor = None
    if terminal.interactive and terminal.out.isatty():
        editor = _LineEditor(loop, queue)
    else:
        _reader(loop, queue)
    with contextlib.suppress(_OutputClosed), _terminal_restored():
        await _chat_loop(terminal, queue, editor)


@contextlib.contextmanager
def _terminal_restored() -> Iterator[None]:
    """Leave the terminal as we found it, even if Ctrl-C ends the chat inside readline."""
    saved = None
    with contextlib.suppress(termios.error, OSError, ValueError, AttributeError):
        if sys.stdin is not None and sys.stdin.isatty():
            saved = termios.tcgetattr(sys.stdin.fileno())
    try:
        yield
    finally:
        if saved is not None:
            with contextlib.suppress(termios.error, OSError, ValueError):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)


async def _chat_loop(
    terminal: _Terminal, queue: asyncio.Queue[object], editor: _LineEditor | None
) -> None:
    terminal.banner()
    while True:
        if editor is not None:
            editor.ask(PROMPT)
        else:
            terminal.prompt()
        line = await queue.get()
        if line is _EOF:
            if terminal.interactive:
                terminal.write()
            return
        if not await terminal.handle(str(line)):
            return


async def run_chat(settings: Settings | None, options: ChatOptions) -> int:
    """Run the bot against an in-process emulator and chat with it on stdin/stdout."""
    from bot.app import build_application
    from bot.runner import serve

    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")
    _bypass_proxies()
    with tempfile.TemporaryDirectory(prefix="bot-chat-") as workdir:
        chosen = _chat_settings(settings, Path(workdir), options.admin)
        emulator = BotApiEmulator(token=OFFLINE_TOKEN, bot_username=BOT_USERNAME)
        await emulator.start("127.0.0.1", 0)
        try:
            chosen.telegram.base_url = emulator.base_url
            application = build_application(chosen, OFFLINE_TOKEN)
            terminal = _Terminal(
                emulator, options.language or chosen.bot.default_language, sys.stdout, options.admin
            )
            # The same lifecycle as `run`, minus its signal handling (the conversation has its
            # own): the store is closed once, at the end.
            await serve(
                application, until=_until_interrupted(_converse(terminal)), handle_signals=False
            )
        finally:
            await emulator.stop()
    return 0


async def _until_interrupted(conversation: Any) -> None:
    """Run the conversation; Ctrl-C (or SIGTERM) ends it cleanly instead of a traceback."""
    loop = asyncio.get_running_loop()
    task: asyncio.Task[None] = asyncio.ensure_future(conversation)
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, interrupt)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without loop signal handlers
    try:
        await task
    except asyncio.CancelledError:
        if not interrupted:
            raise
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.write("\n")
            sys.stdout.flush()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
