"""A local Telegram Bot API emulator: an aiohttp server plus a Python API for tests.

It speaks the real wire format (PTB talks to it over HTTP), validates requests as strictly
as Telegram does, records every call and can inject faults (blocks, 429s, 5xx, latency,
dropped connections). An HTTP control API under /_emu/ serves other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tgemu.telegram_html import HtmlParseError, parse_html, utf16_len

__all__ = ["ApiError", "BotApiEmulator", "Call", "UploadedFile"]

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_TEXT = 200
MAX_INLINE_RESULTS = 50
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_COMMANDS = 100
MAX_BUTTONS = 100
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Telegram leaves these out unless allowed_updates asks for them explicitly.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Form fields that are plain strings on the wire; every other field is JSON-encoded by PTB.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "language_code",
        "url",
        "next_offset",
        "action",
        "secret_token",
        "ip_address",
        "emoji",
        "message_effect_id",
        "business_connection_id",
        "switch_pm_text",
        "switch_pm_parameter",
        "title",
        "name",
        # A file_id may look numeric; it must stay a string.
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
    }
)
_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?")


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(reason: str) -> ApiError:
    """Build a 400 error with Telegram's prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Call:
    """One request the bot made, as decoded and answered by the emulator."""

    index: int
    method: str
    params: JsonDict
    at: float
    status: int
    result: Any = None
    error: str | None = None

    @property
    def chat_id(self) -> int | None:
        """The integer chat_id parameter, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == 200


@dataclass
class _Faults:
    """Injected faults; all keyed by canonical method name."""

    latency: dict[str | None, float] = field(default_factory=dict)
    fail_next: dict[str, deque[tuple[int, str]]] = field(default_factory=dict)
    drop_next: Counter[str] = field(default_factory=Counter)
    rate_deadline: float = 0.0
    rate_methods: frozenset[str] | None = None


class _Dropped(Exception):
    """The connection was closed on purpose; no response must be written."""


class BotApiEmulator:
    """In-process Bot API server with strict validation, fault injection and call recording."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "conference_test_bot",
        *,
        strict_chats: bool = True,
        bot_first_name: str = "Conference Test Bot",
    ) -> None:
        self.token = token
        self.strict_chats = strict_chats
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._stopping = False
        self._handlers = self._build_handlers()
        self._canonical = {name.lower(): name for name in self._handlers}
        self._canonical["getupdates"] = "getUpdates"
        self._known_methods = frozenset(self._canonical.values())
        # Chats and users.
        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        # Updates.
        self._updates: deque[JsonDict] = deque()
        self._update_ids = itertools.count(1000)
        self._last_pushed_id = 0
        self._max_delivered_id = 0
        self._updates_event = asyncio.Event()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._polled = asyncio.Event()
        self._get_updates_count = 0
        self._webhook: JsonDict | None = None
        # Messages and queries.
        self._message_ids: dict[int, int] = {}
        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._inline_messages: dict[str, JsonDict] = {}
        self._files: dict[str, JsonDict] = {}
        self._file_ids = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}
        self._inline_queries: dict[str, bool] = {}
        self._inline_answers: dict[str, JsonDict] = {}
        self._query_ids = itertools.count(1)
        # Bot settings.
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._descriptions: dict[str, dict[str, str]] = {"description": {}, "short_description": {}}
        # Calls, indexed so that lookups never scan everything.
        self._calls: list[Call] = []
        self._calls_offset = 0  # global index of self._calls[0], moves on reset_calls
        self._by_method: dict[str, list[Call]] = {}
        self._by_chat: dict[int, list[Call]] = {}
        self._stats: dict[str, Counter[int]] = {}
        self._call_event = asyncio.Event()
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._faults = _Faults()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving HTTP on host:port (port 0 picks a free one)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._add_control_routes(app)
        # handler_cancellation off (default) keeps long polls alive; access log off for speed.
        # A short shutdown_timeout: pending long polls must not delay stop().
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host = host
        self._port = int(self._runner.addresses[0][1])
        self._stopping = False

    async def stop(self) -> None:
        """Release long polls and shut the server down."""
        self._stopping = True
        self._updates_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return self._port

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What PTB's base_url wants: http://127.0.0.1:PORT/bot."""
        return f"{self.url}/bot"

    # ------------------------------------------------------------------ chats and faults

    def add_chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> None:
        """Make a chat known without an update."""
        if chat_id not in self._chats:
            self._chats[chat_id] = self._chat_object(chat_id, chat_type, title, None)

    def add_chats(self, chat_ids: Iterable[int], chat_type: str = "private") -> None:
        """Bulk add_chat."""
        for chat_id in chat_ids:
            self.add_chat(chat_id, chat_type)

    def block_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 403 'bot was blocked by the user'."""
        self.add_chat(chat_id)
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        self._blocked.discard(chat_id)

    def deactivate_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 403 'user is deactivated'."""
        self.add_chat(chat_id)
        self._deactivated.add(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """Sends to this chat answer 400 'chat not found'."""
        self._chats.pop(chat_id, None)
        self._blocked.discard(chat_id)
        self._deactivated.discard(chat_id)

    def rate_limit(self, retry_after: int, methods: set[str] | None = None) -> None:
        """Answer 429 to matching calls for retry_after seconds (None: all but getUpdates)."""
        self._faults.rate_deadline = time.monotonic() + retry_after
        self._faults.rate_methods = (
            None if methods is None else frozenset(self.canonical_method(m) for m in methods)
        )

    def fail_next(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        description: str = "Internal Server Error",
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error."""
        queue = self._faults.fail_next.setdefault(self.canonical_method(method), deque())
        queue.extend([(status, description)] * times)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers of `method` (None: all but getUpdates) by `seconds`."""
        key = None if method is None else self.canonical_method(method)
        if seconds <= 0:
            self._faults.latency.pop(key, None)
        else:
            self._faults.latency[key] = seconds

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next `times` calls of `method`."""
        self._faults.drop_next[self.canonical_method(method)] += times

    def clear_faults(self) -> None:
        """Remove every injected fault except chat blocks."""
        self._faults = _Faults()

    def canonical_method(self, method: str) -> str:
        """Canonical camelCase name of a method; ValueError for unknown ones."""
        try:
            return self._canonical[method.lower()]
        except KeyError:
            raise ValueError(f"unknown Bot API method {method!r}") from None

    # ------------------------------------------------------------------ pushing updates

    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw update (update_id is assigned) and wake long polls."""
        full = {"update_id": next(self._update_ids), **update}
        self._updates.append(full)
        self._last_pushed_id = full["update_id"]
        self._updates_event.set()
        return full

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
    ) -> JsonDict:
        """Push a text message from a user; a leading /command gets a bot_command entity."""
        message = self._user_message(
            user_id, chat_id, chat_type, title, language_code, first_name, username
        )
        message["text"] = text
        match = _BOT_COMMAND_RE.match(text)
        if match:
            length = utf16_len(match.group(0))
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push_update({"message": message})

    def push_media(
        self,
        user_id: int,
        kind: str,
        *,
        language_code: str = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """Push a message without text: sticker, photo, voice, document or location."""
        message = self._user_message(
            user_id, chat_id, chat_type, None, language_code, first_name, username
        )
        message.update(self._media_payload(kind))
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message})

    def push_edited_message(
        self,
        user_id: int,
        message_id: int,
        text: str,
        *,
        language_code: str = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> JsonDict:
        """Push an edited_message update for an earlier user message."""
        message = self._user_message(user_id, chat_id, chat_type, None, language_code, None, None)
        message.update(message_id=message_id, text=text, edit_date=int(time.time()))
        return self.push_update({"edited_message": message})

    def push_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        language_code: str = "en",
        first_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """Push a callback_query pressed on the bot's message `message_id` (if stored)."""
        user = self._user(user_id, language_code, first_name, username)
        chat_key = user_id if chat_id is None else chat_id
        if chat_key not in self._chats:
            self._register_chat(chat_key, "private" if chat_key > 0 else "group", None, user)
        stored = self._messages.get(chat_key, {}).get(message_id or 0)
        if stored is not None:
            message = dict(stored)
        else:
            message = {
                "message_id": message_id or 1,
                "date": int(time.time()),
                "chat": self._chats[chat_key],
                "from": self.bot_user,
                "text": "",
            }
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = False
        callback = {
            "id": query_id,
            "from": user,
            "chat_instance": str(chat_key),
            "data": data,
            "message": message,
        }
        return self.push_update({"callback_query": callback})

    def push_inline_query(
        self,
        user_id: int,
        query: str,
        *,
        language_code: str = "en",
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> JsonDict:
        """Push an inline_query; its id is valid until answered once."""
        user = self._user(user_id, language_code, None, None)
        query_id = str(next(self._query_ids))
        self._inline_queries[query_id] = False
        inline: JsonDict = {"id": query_id, "from": user, "query": query, "offset": offset}
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.push_update({"inline_query": inline})

    def push_my_chat_member(
        self,
        user_id: int,
        new_status: str,
        *,
        old_status: str | None = None,
        language_code: str = "en",
    ) -> JsonDict:
        """Push my_chat_member for a private chat; 'kicked' also blocks the chat like Telegram."""
        user = self._user(user_id, language_code, None, None)
        if user_id not in self._chats:
            self._register_chat(user_id, "private", None, user)
        if old_status is None:
            old_status = "member" if new_status == "kicked" else "kicked"
        if new_status == "kicked":
            self._blocked.add(user_id)
        elif new_status == "member":
            self._blocked.discard(user_id)
        member_update = {
            "chat": self._chats[user_id],
            "from": user,
            "date": int(time.time()),
            "old_chat_member": self._member(old_status),
            "new_chat_member": self._member(new_status),
        }
        return self.push_update({"my_chat_member": member_update})

    def expire_query(self, query_id: str) -> None:
        """Make a callback or inline query id invalid as if its timeout expired."""
        self._callback_queries.pop(query_id, None)
        self._inline_queries.pop(query_id, None)

    def push_from_spec(self, spec: JsonDict) -> JsonDict:
        """Push one update described by a control-API dict ({kind: ..., user_id: ..., ...})."""
        kind = spec.get("kind", "message")
        user_id = int(spec.get("user_id", 0))
        lang = str(spec.get("language_code", "en"))
        chat_id = spec.get("chat_id")
        if kind == "message":
            return self.push_message(
                user_id,
                str(spec["text"]),
                language_code=lang,
                chat_id=chat_id,
                # Negative ids are groups unless told otherwise.
                chat_type=spec.get(
                    "chat_type", "private" if chat_id is None or chat_id > 0 else "supergroup"
                ),
                title=spec.get("title"),
            )
        if kind == "callback":
            return self.push_callback(
                user_id,
                str(spec["data"]),
                message_id=spec.get("message_id"),
                chat_id=chat_id,
                language_code=lang,
            )
        if kind == "inline_query":
            return self.push_inline_query(user_id, str(spec.get("query", "")), language_code=lang)
        if kind == "media":
            return self.push_media(user_id, str(spec["media"]), language_code=lang, chat_id=chat_id)
        if kind == "my_chat_member":
            return self.push_my_chat_member(user_id, str(spec["new_status"]), language_code=lang)
        if kind == "raw":
            return self.push_update(dict(spec["update"]))
        raise ValueError(f"unknown update kind {kind!r}")

    # ------------------------------------------------------------------ reading back

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def calls(
        self, method: str | None = None, chat_id: int | None = None, since: int = 0
    ) -> list[Call]:
        """Recorded calls in order, filtered by method and/or chat_id, index >= since."""
        if method is None and chat_id is None:
            source = self._calls
        elif chat_id is None:
            source = self._by_method.get(self.canonical_method(method or ""), [])
        else:
            source = self._by_chat.get(chat_id, [])
        canonical = None if method is None else self.canonical_method(method)
        start = bisect_left(source, since, key=lambda c: c.index) if since else 0
        return [c for c in itertools.islice(source, start, None) if canonical in (None, c.method)]

    def sent_messages(self, chat_id: int) -> list[JsonDict]:
        """Current state of the bot's messages in a chat, with an extra 'edited' flag."""
        return [
            {**msg, "edited": "edit_date" in msg}
            for msg in self._messages.get(chat_id, {}).values()
        ]

    def inline_message(self, inline_message_id: str) -> JsonDict | None:
        """Last content the bot set for an inline message."""
        return self._inline_messages.get(inline_message_id)

    def inline_answer(self, inline_query_id: str) -> JsonDict | None:
        """The parameters the bot answered an inline query with."""
        return self._inline_answers.get(inline_query_id)

    def file(self, file_id: str) -> JsonDict | None:
        """A file the bot uploaded: {file_id, file_name, data, mime_type}."""
        return self._files.get(file_id)

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope and language."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    @property
    def descriptions(self) -> dict[str, dict[str, str]]:
        """{'description': {lang: text}, 'short_description': {lang: text}}."""
        return {kind: dict(values) for kind, values in self._descriptions.items()}

    @property
    def webhook(self) -> JsonDict | None:
        """The setWebhook parameters, or None."""
        return self._webhook

    def stats(self) -> JsonDict:
        """Counts per method and status, pending updates and getUpdates count."""
        return {
            "calls": {m: {str(s): n for s, n in c.items()} for m, c in self._stats.items()},
            "total_calls": self._calls_offset + len(self._calls),
            "pending_updates": len(self._updates),
            "last_update_id": self._last_pushed_id,
            "max_delivered_update_id": self._max_delivered_id,
            "get_updates": self._get_updates_count,
        }

    def reset_calls(self) -> None:
        """Forget recorded calls and stats; call indexes keep increasing."""
        self._calls_offset += len(self._calls)
        self._calls = []
        self._by_method.clear()
        self._by_chat.clear()
        self._stats.clear()

    async def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented test API
        since: int = 0,
    ) -> Call:
        """First call matching method/chat/predicate with index >= since, waiting if needed."""
        canonical = self.canonical_method(method)
        cursor = since
        try:
            async with asyncio.timeout(timeout):
                while True:
                    # Clear before scanning so a call recorded after the scan wakes us.
                    self._call_event.clear()
                    for call in self.calls(canonical, chat_id, since=cursor):
                        if predicate is None or predicate(call):
                            return call
                    cursor = self._calls_offset + len(self._calls)
                    await self._call_event.wait()
        except TimeoutError:
            recent = ", ".join(
                f"#{c.index} {c.method}(chat={c.chat_id}) -> {c.status}"
                + (f" {c.error}" if c.error else "")
                for c in self._calls[-10:]
            )
            raise TimeoutError(
                f"no {canonical} call (chat_id={chat_id}, since={since}) within {timeout}s; "
                f"recent calls: [{recent}]"
            ) from None

    async def wait_for_polling(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Resolve once the bot has issued at least one getUpdates."""
        async with asyncio.timeout(timeout):
            await self._polled.wait()

    async def wait_until_idle(self, quiet: float = 0.2, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Wait until all pushed updates were fetched and no calls happened for `quiet` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            delivered = self._max_delivered_id >= self._last_pushed_id
            idle_for = now - self._last_activity
            if delivered and self._inflight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"emulator not idle after {timeout}s: delivered={delivered}, "
                    f"in-flight={self._inflight}, idle for {idle_for:.3f}s"
                )
            await asyncio.sleep(min(max(quiet - idle_for, 0.01), deadline - now))

    # ------------------------------------------------------------------ HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        """Entry point for /bot<token>/<method>."""
        raw_method = request.match_info["method"]
        method = self._canonical.get(raw_method.lower(), raw_method)
        self._inflight += method != "getUpdates"
        params: JsonDict = {}
        status, result, error, parameters = 200, None, None, None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method not in self._known_methods:
                raise ApiError(404, "Not Found")
            params = await _read_params(request)
            await self._apply_faults(method, request)
            result = await self._dispatch(method, params, request)
        except ApiError as exc:
            status, error, parameters = exc.status, exc.description, exc.parameters
        except _Dropped:
            self._record(method, params, 0, None, "connection dropped")
            # The transport is already closed; aiohttp discards whatever we return.
            return web.Response(status=204)
        finally:
            self._inflight -= method != "getUpdates"
        self._record(method, params, status, result, error)
        if status == 200:
            body: JsonDict = {"ok": True, "result": result}
        else:
            body = {"ok": False, "error_code": status, "description": error}
            if parameters:
                body["parameters"] = parameters
        return web.Response(
            body=json.dumps(body, ensure_ascii=False).encode(),
            status=status,
            content_type="application/json",
        )

    async def _apply_faults(self, method: str, request: web.Request) -> None:
        """Latency, drops, forced failures and rate limits, in that order."""
        faults = self._faults
        explicit = method != "getUpdates"
        delay = faults.latency.get(method) or (faults.latency.get(None) if explicit else None)
        if delay:
            await asyncio.sleep(delay)
        if faults.drop_next[method] > 0:
            faults.drop_next[method] -= 1
            if request.transport is not None:
                request.transport.close()
            raise _Dropped
        queue = faults.fail_next.get(method)
        if queue:
            status, description = queue.popleft()
            raise ApiError(status, description)
        if faults.rate_deadline:
            remaining = faults.rate_deadline - time.monotonic()
            if remaining <= 0:
                faults.rate_deadline, faults.rate_methods = 0.0, None
            elif (faults.rate_methods is None and explicit) or (
                faults.rate_methods is not None and method in faults.rate_methods
            ):
                retry = math.ceil(remaining)
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )

    async def _dispatch(self, method: str, params: JsonDict, request: web.Request) -> Any:
        """Run the method handler."""
        if method == "getUpdates":
            return await self._get_updates(params, request)
        return self._handlers[method](params)

    def _record(
        self, method: str, params: JsonDict, status: int, result: Any, error: str | None
    ) -> None:
        """Append a Call and update the indexes and stats."""
        call = Call(
            self._calls_offset + len(self._calls),
            method,
            params,
            time.monotonic(),
            status,
            result,
            error,
        )
        self._calls.append(call)
        self._by_method.setdefault(method, []).append(call)
        chat_id = call.chat_id
        if chat_id is not None:
            self._by_chat.setdefault(chat_id, []).append(call)
        counter = self._stats.get(method)
        if counter is None:
            counter = self._stats[method] = Counter()
        counter[status] += 1
        if method != "getUpdates":
            self._last_activity = call.at
        self._call_event.set()

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, params: JsonDict, request: web.Request) -> list[JsonDict]:
        """Long polling with offset confirmation, like Telegram."""
        self._get_updates_count += 1
        self._polled.set()
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(_int(params.get("offset"), 0))
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else None
        limit = min(max(_int(params.get("limit"), 100), 1), 100)
        timeout = max(_int(params.get("timeout"), 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        # A newer poll takes over: wake older waiters so they can answer 409.
        self._updates_event.set()
        deadline = time.monotonic() + timeout
        while True:
            self._updates_event.clear()
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            batch = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._updates_event.wait()
        transport = request.transport
        if batch and (transport is None or transport.is_closing()):
            return []  # the client went away; these updates count as not delivered
        if batch:
            self._max_delivered_id = max(self._max_delivered_id, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return batch

    def _confirm(self, offset: int) -> None:
        """Forget updates before offset (negative: keep only the last -offset)."""
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        elif offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()

    def _deliverable(self, limit: int) -> list[JsonDict]:
        """Up to limit allowed updates, oldest first."""
        allowed = self._allowed_updates
        updates = self._updates
        # A disallowed update at the head can never be delivered (Telegram would not even have
        # stored it), so drop it; it counts as fetched for wait_until_idle.
        while updates and not _is_allowed(_update_type(updates[0]), allowed):
            self._max_delivered_id = max(self._max_delivered_id, updates.popleft()["update_id"])
        batch: list[JsonDict] = []
        for update in updates:
            if _is_allowed(_update_type(update), allowed):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    # ------------------------------------------------------------------ method handlers

    def _build_handlers(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "getMe": lambda p: self.bot_user,
            "logOut": lambda p: True,
            "close": lambda p: True,
            "deleteWebhook": self._m_delete_webhook,
            "setWebhook": self._m_set_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "answerCallbackQuery": self._m_answer_callback_query,
            "answerInlineQuery": self._m_answer_inline_query,
            "sendChatAction": self._m_send_chat_action,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": lambda p: self._set_description(p, "description"),
            "getMyDescription": lambda p: self._get_description(p, "description"),
            "setMyShortDescription": lambda p: self._set_description(p, "short_description"),
            "getMyShortDescription": lambda p: self._get_description(p, "short_description"),
            "sendPhoto": lambda p: self._send_file(p, "photo"),
            "sendDocument": lambda p: self._send_file(p, "document"),
        }

    def _m_delete_webhook(self, params: JsonDict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self._webhook = None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
            self._max_delivered_id = self._last_pushed_id
        return True

    def _m_set_webhook(self, params: JsonDict) -> bool:
        """setWebhook; an empty url removes it."""
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {k: v for k, v in params.items() if k != "certificate"} if url else None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, params: JsonDict) -> JsonDict:
        """getWebhookInfo."""
        url = self._webhook["url"] if self._webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_send_message(self, params: JsonDict) -> JsonDict:
        """sendMessage."""
        chat_id = self._check_chat(params)
        text, entities = _parse_text(params.get("text"), params, MAX_TEXT)
        markup = _validate_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat_id)
        message["text"] = text
        if entities:
            message["entities"] = entities
        _attach_markup(message, markup)
        return message

    def _m_edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        """editMessageText by chat_id+message_id or inline_message_id."""
        text, entities = _parse_text(params.get("text"), params, MAX_TEXT)
        markup = _validate_reply_markup(params.get("reply_markup"))
        new = {"text": text, "entities": entities or None, "reply_markup": _inline(markup)}
        if "inline_message_id" in params:
            return self._edit_inline(str(params["inline_message_id"]), new)
        message = self._find_message(params, "message to edit not found")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        self._apply_edit(message, new)
        return message

    def _m_edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        """editMessageReplyMarkup; a missing reply_markup removes the keyboard."""
        markup = _inline(_validate_reply_markup(params.get("reply_markup")))
        if "inline_message_id" in params:
            return self._edit_inline(str(params["inline_message_id"]), {"reply_markup": markup})
        message = self._find_message(params, "message to edit not found")
        self._apply_edit(message, {"reply_markup": markup})
        return message

    def _m_delete_message(self, params: JsonDict) -> bool:
        """deleteMessage."""
        message = self._find_message(params, "message to delete not found")
        del self._messages[message["chat"]["id"]][message["message_id"]]
        return True

    def _m_answer_callback_query(self, params: JsonDict) -> bool:
        """answerCallbackQuery; each query may be answered once."""
        query_id = str(params.get("callback_query_id", ""))
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not _URL_RE.match(str(url)):
            raise bad_request("URL_INVALID")
        if self._callback_queries.get(query_id) is not False:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        self._callback_queries[query_id] = True
        return True

    def _m_answer_inline_query(self, params: JsonDict) -> bool:
        """answerInlineQuery with full validation of results."""
        query_id = str(params.get("inline_query_id", ""))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            _validate_inline_result(result, seen)
        if self._inline_queries.get(query_id) is not False:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        self._inline_queries[query_id] = True
        self._inline_answers[query_id] = params
        return True

    def _m_send_chat_action(self, params: JsonDict) -> bool:
        """sendChatAction."""
        self._check_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _m_set_my_commands(self, params: JsonDict) -> bool:
        """setMyCommands with Telegram's command/description rules."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for item in commands:
            if not isinstance(item, dict) or not _COMMAND_RE.match(str(item.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = item.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = _commands_key(params.get("scope"), _language(params))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        """getMyCommands."""
        return self._commands.get(_commands_key(params.get("scope"), _language(params)), [])

    def _m_delete_my_commands(self, params: JsonDict) -> bool:
        """deleteMyCommands."""
        self._commands.pop(_commands_key(params.get("scope"), _language(params)), None)
        return True

    def _set_description(self, params: JsonDict, kind: str) -> bool:
        """setMyDescription / setMyShortDescription; empty text removes it."""
        limit = MAX_DESCRIPTION if kind == "description" else MAX_SHORT_DESCRIPTION
        text = str(params.get(kind) or "")
        lang = _language(params)
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        if text:
            self._descriptions[kind][lang] = text
        else:
            self._descriptions[kind].pop(lang, None)
        return True

    def _get_description(self, params: JsonDict, kind: str) -> JsonDict:
        """getMyDescription / getMyShortDescription."""
        return {kind: self._descriptions[kind].get(_language(params), "")}

    def _send_file(self, params: JsonDict, kind: str) -> JsonDict:
        """sendPhoto / sendDocument with a multipart upload, file_id or URL."""
        chat_id = self._check_chat(params)
        caption, entities = _parse_caption(params)
        markup = _validate_reply_markup(params.get("reply_markup"))
        stored = self._store_file(params.get(kind), kind)
        message = self._new_bot_message(chat_id)
        if kind == "photo":
            message["photo"] = [
                {
                    "file_id": stored["file_id"],
                    "file_unique_id": stored["file_unique_id"],
                    "width": 640,
                    "height": 480,
                    "file_size": len(stored["data"]),
                }
            ]
        else:
            message["document"] = {
                "file_id": stored["file_id"],
                "file_unique_id": stored["file_unique_id"],
                "file_name": stored["file_name"],
                "mime_type": stored["mime_type"],
                "file_size": len(stored["data"]),
            }
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        _attach_markup(message, markup)
        return message

    def _store_file(self, value: Any, kind: str) -> JsonDict:
        """Store an uploaded file or resolve a file_id / URL."""
        if isinstance(value, UploadedFile):
            number = next(self._file_ids)
            file_id = f"emu-{kind}-{number}"
            stored: JsonDict = {
                "file_id": file_id,
                "file_unique_id": f"emu-u{number}",
                "file_name": value.filename,
                "mime_type": value.content_type,
                "data": value.data,
            }
            self._files[file_id] = stored
            return stored
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            number = next(self._file_ids)
            name = value.rsplit("/", 1)[-1] or "file"
            return {
                "file_id": f"emu-{kind}-{number}",
                "file_unique_id": f"emu-u{number}",
                "file_name": name,
                "mime_type": "application/octet-stream",
                "data": b"",
            }
        if value in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ helpers

    def _check_chat(self, params: JsonDict) -> int:
        """Resolve chat_id, raising what Telegram raises for unknown/blocked chats."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id in self._deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._chats:
            if self.strict_chats:
                raise bad_request("chat not found")
            self.add_chat(chat_id, "private" if chat_id > 0 else "group")
        return chat_id

    def _find_message(self, params: JsonDict, not_found: str) -> JsonDict:
        """The bot's stored message addressed by chat_id + message_id."""
        chat_id = self._check_chat(params)
        message_id = params.get("message_id")
        message = self._messages.get(chat_id, {}).get(
            message_id if isinstance(message_id, int) else -1
        )
        if message is None:
            raise bad_request(not_found)
        return message

    def _apply_edit(self, message: JsonDict, new: JsonDict) -> None:
        """Update a stored message in place, refusing no-op edits like Telegram."""
        current = {
            "text": message.get("text"),
            "entities": message.get("entities"),
            "reply_markup": message.get("reply_markup"),
        }
        if all(current[k] == v for k, v in new.items()):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        for key, value in new.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())

    def _edit_inline(self, inline_message_id: str, new: JsonDict) -> bool:
        """Edit an inline message; any id is accepted since inline sends are not tracked."""
        current = self._inline_messages.get(inline_message_id)
        if current is not None and all(current.get(k) == v for k, v in new.items()):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        merged = {**(current or {}), **new}
        self._inline_messages[inline_message_id] = merged
        return True

    def _new_bot_message(self, chat_id: int) -> JsonDict:
        """Allocate a message id and store a new bot message skeleton."""
        message_id = self._next_message_id(chat_id)
        message: JsonDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chats[chat_id],
            "from": self.bot_user,
        }
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and shared between the user and the bot."""
        message_id = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = message_id
        return message_id

    def _user(
        self, user_id: int, language_code: str, first_name: str | None, username: str | None
    ) -> JsonDict:
        """The User object for an update sender (remembered and updated)."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
            self._users[user_id] = user
        elif first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username
        user["language_code"] = language_code
        return dict(user)

    def _register_chat(
        self, chat_id: int, chat_type: str, title: str | None, user: JsonDict | None
    ) -> JsonDict:
        """Create or refresh a chat object."""
        chat = self._chat_object(chat_id, chat_type, title, user)
        self._chats[chat_id] = chat
        return chat

    @staticmethod
    def _chat_object(
        chat_id: int, chat_type: str, title: str | None, user: JsonDict | None
    ) -> JsonDict:
        """A Telegram Chat dict."""
        if chat_type == "private":
            chat: JsonDict = {"id": chat_id, "type": "private"}
            chat["first_name"] = (user or {}).get("first_name") or title or f"User{chat_id}"
            if user and "username" in user:
                chat["username"] = user["username"]
            return chat
        return {"id": chat_id, "type": chat_type, "title": title or f"Chat {chat_id}"}

    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        title: str | None,
        language_code: str,
        first_name: str | None,
        username: str | None,
    ) -> JsonDict:
        """A Message skeleton sent by a user; registers the chat."""
        user = self._user(user_id, language_code, first_name, username)
        if chat_id is None:
            if chat_type != "private":
                raise ValueError("group chats need an explicit (negative) chat_id")
            chat_id = user_id
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != chat_type or (chat_type == "private" and first_name):
            chat = self._register_chat(chat_id, chat_type, title, user)
        return {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }

    def _media_payload(self, kind: str) -> JsonDict:
        """Message fields for a user-sent media kind."""
        number = next(self._file_ids)
        ids = {"file_id": f"user-{kind}-{number}", "file_unique_id": f"uu{number}"}
        payloads: dict[str, JsonDict] = {
            "sticker": {
                "sticker": {
                    **ids,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                }
            },
            "photo": {"photo": [{**ids, "width": 640, "height": 480}]},
            "voice": {"voice": {**ids, "duration": 2, "mime_type": "audio/ogg"}},
            "document": {"document": {**ids, "file_name": "file.pdf"}},
            "location": {"location": {"latitude": 32.06, "longitude": 118.79}},
        }
        if kind not in payloads:
            raise ValueError(f"unknown media kind {kind!r}")
        return payloads[kind]

    def _member(self, status: str) -> JsonDict:
        """A ChatMember dict for the bot with the given status."""
        member: JsonDict = {"status": status, "user": self.bot_user}
        if status == "kicked":
            member["until_date"] = 0
        return member

    # ------------------------------------------------------------------ HTTP: control API

    def _add_control_routes(self, app: web.Application) -> None:
        """Routes under /_emu/ for other processes (benchmarks)."""
        app.router.add_post("/_emu/updates", self._ctl_updates)
        app.router.add_get("/_emu/calls", self._ctl_calls)
        app.router.add_get("/_emu/stats", self._ctl_stats)
        app.router.add_post("/_emu/chats", self._ctl_chats)
        app.router.add_post("/_emu/faults", self._ctl_faults)
        app.router.add_post("/_emu/reset_calls", self._ctl_reset_calls)

    async def _ctl_updates(self, request: web.Request) -> web.Response:
        """Bulk push: {"updates": [{kind, user_id, text, ...}, ...]}."""
        body = await request.json()
        try:
            pushed = [self.push_from_spec(spec) for spec in body.get("updates", [])]
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": repr(exc)}, status=400)
        last = pushed[-1]["update_id"] if pushed else None
        return web.json_response({"ok": True, "pushed": len(pushed), "last_update_id": last})

    async def _ctl_calls(self, request: web.Request) -> web.Response:
        """Recorded calls; params included only with ?params=1."""
        query = request.query
        method = query.get("method") or None
        chat_id = int(query["chat_id"]) if query.get("chat_id") else None
        since = int(query.get("since") or 0)
        with_params = query.get("params") in ("1", "true")
        try:
            calls = self.calls(method, chat_id, since=since)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        rows = []
        for call in calls:
            row: JsonDict = {
                "index": call.index,
                "method": call.method,
                "chat_id": call.chat_id,
                "at": call.at,
                "status": call.status,
            }
            if call.error:
                row["error"] = call.error
            if with_params:
                row["params"] = _jsonable(call.params)
            rows.append(row)
        return web.json_response(rows)

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        """Counters."""
        return web.json_response(self.stats())

    async def _ctl_chats(self, request: web.Request) -> web.Response:
        """Bulk add_chat: {"chat_ids": [...], "chat_type": "private"}."""
        body = await request.json()
        ids = [int(i) for i in body.get("chat_ids", [])]
        self.add_chats(ids, body.get("chat_type", "private"))
        return web.json_response({"ok": True, "added": len(ids)})

    async def _ctl_faults(self, request: web.Request) -> web.Response:
        """Inject faults: block/unblock/deactivate/forget, rate_limit, fail_next, latency..."""
        body = await request.json()
        try:
            self._apply_fault_spec(body)
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": repr(exc)}, status=400)
        return web.json_response({"ok": True})

    def _apply_fault_spec(self, body: JsonDict) -> None:
        """Apply a control-API fault dict."""
        if body.get("clear"):
            self.clear_faults()
        for key, action in (
            ("block", self.block_chat),
            ("unblock", self.unblock_chat),
            ("deactivate", self.deactivate_chat),
            ("forget", self.forget_chat),
        ):
            for chat_id in body.get(key, []):
                action(int(chat_id))
        if "rate_limit" in body:
            spec = body["rate_limit"]
            methods = spec.get("methods")
            self.rate_limit(int(spec["retry_after"]), set(methods) if methods else None)
        if "fail_next" in body:
            spec = body["fail_next"]
            self.fail_next(
                spec["method"],
                int(spec.get("status", 500)),
                int(spec.get("times", 1)),
                spec.get("description", "Internal Server Error"),
            )
        if "latency" in body:
            spec = body["latency"]
            self.set_latency(float(spec["seconds"]), spec.get("method"))
        if "drop_next" in body:
            spec = body["drop_next"]
            self.drop_next(spec["method"], int(spec.get("times", 1)))

    async def _ctl_reset_calls(self, request: web.Request) -> web.Response:
        """Forget recorded calls."""
        self.reset_calls()
        return web.json_response({"ok": True})


# ---------------------------------------------------------------------- module helpers


@dataclass(frozen=True)
class UploadedFile:
    """A file received in a multipart request."""

    filename: str
    content_type: str
    data: bytes


async def _read_params(request: web.Request) -> JsonDict:
    """Decode query string + form/multipart/JSON body into typed parameters."""
    params: JsonDict = {k: _decode_field(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return _normalize(params)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _decode_field(key, value)
            elif isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = UploadedFile(value.filename, value.content_type, data)
    return _normalize(params)


def _decode_field(key: str, value: str) -> Any:
    """Form values are JSON-encoded unless the field is a plain string."""
    if key in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalize(params: JsonDict) -> JsonDict:
    """Coerce ids that may arrive as strings into ints."""
    for key in ("chat_id", "message_id", "user_id"):
        value = params.get(key)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            params[key] = int(value)
    return params


def _int(value: Any, default: int) -> int:
    """Lenient int conversion for numeric parameters."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("wrong integer parameter") from None


def _language(params: JsonDict) -> str:
    """Validated language_code parameter ('' or two letters)."""
    lang = str(params.get("language_code") or "")
    if lang and not _LANG_RE.match(lang):
        raise bad_request("LANGUAGE_CODE_INVALID")
    return lang


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    """Key for per-scope, per-language command lists."""
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code


def _update_type(update: JsonDict) -> str:
    """The payload key of an update."""
    return next((k for k in update if k != "update_id"), "")


def _is_allowed(kind: str, allowed: frozenset[str] | None) -> bool:
    """Whether an update type passes the allowed_updates filter."""
    if allowed is None:
        return kind not in DEFAULT_EXCLUDED_UPDATES
    return kind in allowed


def _parse_text(
    text: Any, params: JsonDict, limit: int, *, parse_mode_key: str = "parse_mode"
) -> tuple[str, list[JsonDict]]:
    """Validate message text like Telegram: entities, emptiness and length."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    plain, entities = _apply_parse_mode(text, params.get(parse_mode_key), params.get("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message is too long")
    return plain, entities


def _parse_caption(params: JsonDict) -> tuple[str, list[JsonDict]]:
    """Validate an optional caption (empty is fine, max 1024)."""
    caption = params.get("caption")
    if caption is None:
        return "", []
    plain, entities = _apply_parse_mode(
        str(caption), params.get("parse_mode"), params.get("caption_entities")
    )
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def _apply_parse_mode(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
    """Apply parse_mode (HTML validated strictly; Markdown taken as-is) or explicit entities."""
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        return parsed.text, parsed.entities
    if mode not in ("", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    if entities is not None and not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    return text, list(entities or [])


def _validate_reply_markup(markup: Any) -> JsonDict | None:
    """Validate inline and reply keyboards; returns the markup dict or None."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        if sum(len(r) for r in rows) > MAX_BUTTONS:
            raise bad_request("BUTTONS_TOO_MUCH")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    """One inline button: text plus exactly one action, with data/url limits."""
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request(prefix + "Text must be non-empty")
    actions = [k for k in BUTTON_ACTIONS if button.get(k) is not None]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + f"exactly one optional field must be used, got {actions}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def _validate_inline_result(result: Any, seen: set[str]) -> None:
    """One InlineQueryResult: id rules, article fields, message content and markup."""
    if not isinstance(result, dict) or not isinstance(result.get("type"), str):
        raise bad_request("can't parse InlineQueryResult JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result["type"] == "article":
        if not str(result.get("title") or "").strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        if not isinstance(result.get("input_message_content"), dict):
            raise bad_request("can't parse InputMessageContent: Object expected")
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        _parse_text(content["message_text"], content, MAX_TEXT)
    if "caption" in result:
        _parse_caption(result)
    _validate_reply_markup(result.get("reply_markup"))


def _inline(markup: JsonDict | None) -> JsonDict | None:
    """Only inline keyboards are attached to (and compared on) messages."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def _attach_markup(message: JsonDict, markup: JsonDict | None) -> None:
    """Echo an inline keyboard in the returned message like Telegram does."""
    inline = _inline(markup)
    if inline is not None:
        message["reply_markup"] = inline


def _jsonable(params: JsonDict) -> JsonDict:
    """Params with uploads summarized so they can be sent as JSON."""
    return {
        k: ({"file_name": v.filename, "size": len(v.data)} if isinstance(v, UploadedFile) else v)
        for k, v in params.items()
    }
