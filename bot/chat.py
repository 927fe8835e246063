"""`python -m bot chat`: talk to the real bot in a terminal, offline, with no token.

The same Application and handlers as `python -m bot run` serve a Bot API emulator started in
this process; the person at the keyboard is a simulated Telegram user. Each line of standard
input becomes a message, or a button press: a number alone presses a button of the bot's last
message, `<message>.<button>` (e.g. `6.1`) one of any recent message (any other number is a
question). Every call the bot makes to the chat user is printed, rendered for the terminal:
a line's answer before the next line is read (so a piped script gives a deterministic
transcript), and what the bot sends on its own (a scheduled broadcast, its progress and
report) when it is sent, between lines too; `wait N` in a script waits N seconds for it.
Every line gets an answer or a notice saying it got none. On a terminal, lines are read with
the standard library's readline: arrow keys edit the line and recall earlier ones.
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
from collections import OrderedDict
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
# `<message>.<button>`: a button of any recent message, e.g. 6.1.
_DOTTED = re.compile(r"([0-9]{1,9})\.([0-9]{1,3})")
# A script's pause: `wait 10` (or `wait 10s`) shows what the bot sends in the next ten seconds.
_WAIT = re.compile(r"wait\s+([0-9]{1,4}(?:\.[0-9]+)?)\s*s?")
MAX_WAIT = 3600.0
# How often what the bot sends on its own is looked for while no line is being answered.
WATCH_INTERVAL = 0.1
# How many recent messages' buttons can still be pressed by `<message>.<button>`.
RECENT_KEYBOARDS = 50
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


class _Terminal:
    """The conversation: input lines in, everything the bot sends the chat user out.

    Output is printed as the bot sends it: a line's answer before the next line is read, and
    what the bot sends on its own (a scheduled broadcast, a progress message, a report) when it
    comes, between lines too. Every message with buttons is labelled with its message number:
    a number alone presses a button of the last message, `<message>.<button>` (e.g. `6.1`) a
    button of any recent one.
    """

    def __init__(
        self, emulator: BotApiEmulator, language: str, out: TextIO, admin: bool = False
    ) -> None:
        self.emulator = emulator
        self.language = language
        self.admin = admin
        self.out = out
        self.color = out.isatty() and "NO_COLOR" not in os.environ
        self.interactive = sys.stdin is not None and sys.stdin.isatty()
        # The next emulator call to show; calls before it have been shown (or were plumbing).
        self.cursor = 0
        # Recent messages' live buttons, oldest first, by message id.
        self.keyboards: OrderedDict[int, list[_Button]] = OrderedDict()
        # Every message id the bot sent this chat, and the latest of them.
        self.messages: set[int] = set()
        self.last_message: int | None = None
        # True while a prompt waits for a line on a terminal: output then starts on a new line.
        self.prompting = False

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
                f"{USER_ID}, {role}). Type /start, a command or a question. Buttons are shown "
                "as `6 ▸ [1] …`: a number alone presses a button of the last message, 6.1 "
                "presses button 1 of message 6. What the bot sends on its own is shown when it "
                "comes; `wait 10` waits ten seconds for it. Arrow keys edit and recall lines; "
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
        self.show_new()  # whatever came while the line was typed goes before its echo
        if not self.interactive:
            self.write(f"> {text}")
        wait = _WAIT.fullmatch(text.lower())
        if wait is not None:
            await self.watch(min(float(wait.group(1)), MAX_WAIT))
            return True
        since = self.emulator.calls()[-1].index + 1 if self.emulator.calls() else 0
        is_button, pressed = self._button_for(text)
        if not is_button:
            pressed = self.emulator.push_message(
                USER_ID, text, language_code=self.language, first_name=USER_NAME
            )
        if pressed is None:
            return True
        update = pressed
        await self._settle(int(update["update_id"]))
        if not self.show_new() and not any(
            self._visible(call) for call in self.emulator.calls(since=since)
        ):
            self.notice("[no answer from the bot]")
        return True

    async def watch(self, seconds: float) -> None:
        """Show what the bot sends for `seconds` (a script's `wait N`)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(WATCH_INTERVAL, left))
            self.show_new()

    def _button_for(self, text: str) -> tuple[bool, dict[str, Any] | None]:
        """Whether `text` names a button, and the callback update pressing it pushed (None if
        the button sends nothing: a link, a copy, a stale one; a notice says so)."""
        single = _NUMBER.fullmatch(text)
        if single is not None:
            if self.last_message is None or self.last_message not in self.keyboards:
                return False, None  # the last message has no buttons: a question
            message_id, number = self.last_message, int(text)
        else:
            dotted = _DOTTED.fullmatch(text)
            if dotted is None or int(dotted.group(1)) not in self.messages:
                return False, None
            message_id, number = int(dotted.group(1)), int(dotted.group(2))
        buttons = self.keyboards.get(message_id)
        if buttons is None:
            self.notice(f"[message {message_id} has no buttons now]")
            return True, None
        if not 1 <= number <= len(buttons):
            if single is not None:
                return False, None  # not one of its buttons: a question ("134")
            self.notice(f"[message {message_id} has buttons 1–{len(buttons)}]")
            return True, None
        return True, self._press(message_id, buttons[number - 1])

    def _press(self, message_id: int, button: _Button) -> dict[str, Any] | None:
        data = button.data
        if "callback_data" in data:
            self.notice(f"[pressed: {_plain(button.text)}]")
            return self.emulator.push_callback(
                USER_ID,
                str(data["callback_data"]),
                message_id=message_id,
                language_code=self.language,
                first_name=USER_NAME,
            )
        if "url" in data:
            self.notice(f"[link: {data['url']}]")
        elif "copy_text" in data:
            self.notice(f"[copied: {data['copy_text'].get('text', '')}]")
        else:
            self.notice("[this button works in Telegram only, not in the terminal]")
        return None

    async def _settle(self, update_id: int) -> None:
        """Wait until the bot has fetched update `update_id` and then been quiet a while,
        showing what it sends meanwhile."""
        deadline = time.monotonic() + FIRST_CALL_TIMEOUT
        while int(self.emulator.stats()["max_delivered_update_id"]) < update_id:
            if time.monotonic() >= deadline:
                self.notice(
                    f"[the bot has not taken this line in {FIRST_CALL_TIMEOUT:.0f} s; "
                    "its answer will show here when it comes]"
                )
                return
            await asyncio.sleep(0.01)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await self.emulator.wait_until_idle(quiet=QUIET, timeout=WATCH_INTERVAL)
                return
            self.show_new()
        self.notice(f"[the bot is still busy after {SETTLE_TIMEOUT:.0f} s; reading on]")

    # ---------------------------------------------------------------- rendering calls

    def show_new(self) -> bool:
        """Print the calls made since the last ones shown; whether any showed something."""
        calls = self.emulator.calls(since=self.cursor)
        if not calls:
            return False
        self.cursor = calls[-1].index + 1
        visible = [call for call in calls if self._visible(call)]
        if visible and self.prompting:
            self._emit("\r\x1b[K" if self.out.isatty() else "\n")
        for call in visible:
            self._show(call)
        if visible and self.prompting:
            self._emit(PROMPT + _typed_so_far())
        return bool(visible)

    @staticmethod
    def _visible(call: Call) -> bool:
        """Whether the chat user sees something of this call (not plumbing, not another chat)."""
        if call.method in SILENT_METHODS:
            return False
        if call.chat_id is not None and call.chat_id != USER_ID:
            return False  # a broadcast to someone else in the database: not this chat
        if call.method == "answerCallbackQuery":
            return bool(call.params.get("text")) or not call.ok
        return True

    def _show(self, call: Call) -> None:
        params = call.params
        if not call.ok:
            self.notice(f"[{call.method} failed: {call.error}]")
            return
        if call.method == "sendMessage":
            self._message(params, call.result, edited=False)
        elif call.method == "editMessageText":
            self._message(params, call.result, edited=True)
        elif call.method == "editMessageReplyMarkup":
            self._markup_changed(params, call.result)
        elif call.method == "answerCallbackQuery":
            kind = "alert" if params.get("show_alert") else "notice"
            self.notice(f"[{kind}: {params.get('text')}]")
        elif call.method in ("sendDocument", "sendPhoto"):
            self._file(call.method, params, call.result)
        elif call.method == "deleteMessage":
            self.keyboards.pop(_int(params.get("message_id")) or 0, None)
            self.notice("[message deleted]")
        else:
            self.notice(f"[{call.method}]")

    def _message(self, params: dict[str, Any], result: Any, *, edited: bool) -> None:
        if edited:
            self.notice("[edited]")
        else:
            self._sent(result)
        self.write(self._render(params, str(params.get("text", ""))))
        self._keyboard(params, result)
        self.write()

    def _sent(self, result: Any) -> None:
        """A new message in the chat: numbers alone now press its buttons (if it has any)."""
        message_id = _int(result.get("message_id")) if isinstance(result, dict) else None
        if message_id is not None:
            self.messages.add(message_id)
            self.last_message = message_id

    def _markup_changed(self, params: dict[str, Any], result: Any) -> None:
        message_id = _int(result.get("message_id")) if isinstance(result, dict) else None
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        where = f" of message {message_id}" if message_id is not None else ""
        if not rows:
            self.notice(f"[buttons{where} removed]")
        else:
            self.notice(f"[buttons{where} changed]")
        self._keyboard(params, result)

    def _file(self, method: str, params: dict[str, Any], result: Any) -> None:
        self._sent(result)
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
        """Print the inline keyboard, labelled with its message and numbered, and keep it."""
        message_id = _int(result.get("message_id")) if isinstance(result, dict) else None
        if message_id is None:
            return  # an inline message: nothing the terminal user can press
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not rows:
            self.keyboards.pop(message_id, None)  # the edit took the buttons away
            return
        buttons: list[_Button] = []
        label = f"{message_id} ▸ "
        for index, row in enumerate(rows):
            shown = []
            for data in row:
                buttons.append(_Button(str(data.get("text", "")), data))
                text = f"[{len(buttons)}] {_plain(str(data.get('text', '')))}"
                if "url" in data:
                    text += f" ({data['url']})"
                shown.append(text)
            lead = label if index == 0 else " " * len(label)
            self.write(lead + "  ".join(shown))
        self.keyboards.pop(message_id, None)
        self.keyboards[message_id] = buttons
        while len(self.keyboards) > RECENT_KEYBOARDS:
            self.keyboards.popitem(last=False)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _typed_so_far() -> str:
    """What the person has typed at the prompt so far (readline's buffer), to show it again."""
    readline = sys.modules.get("readline")
    getter = getattr(readline, "get_line_buffer", None)
    return str(getter()) if callable(getter) else ""


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
        terminal.prompting = terminal.interactive
        line = await _next_line(terminal, queue)
        terminal.prompting = False
        if line is _EOF:
            # What the last line set going (a broadcast's report) is still shown.
            with contextlib.suppress(TimeoutError):
                await terminal.emulator.wait_until_idle(quiet=QUIET, timeout=SETTLE_TIMEOUT)
            terminal.show_new()
            if terminal.interactive:
                terminal.write()
            return
        if not await terminal.handle(str(line)):
            return


async def _next_line(terminal: _Terminal, queue: asyncio.Queue[object]) -> object:
    """The next input line; meanwhile, what the bot sends on its own is shown as it comes."""
    while True:
        try:
            async with asyncio.timeout(WATCH_INTERVAL):
                return await queue.get()
        except TimeoutError:
            terminal.show_new()


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
