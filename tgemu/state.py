"""The emulated Telegram world every part shares: chats, users, messages, updates, calls."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aiohttp import web

from tgemu.errors import ApiError, JsonDict, bad_request

if TYPE_CHECKING:
    from tgemu.calls import Call


class EmulatorState:
    """State and the helpers that several method groups use."""

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
        # Method names, filled in by the server once it knows its handlers.
        self._canonical: dict[str, str] = {}
        self._known_methods: frozenset[str] = frozenset()
        # Chats and users.
        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        # Updates.
        self._updates: deque[JsonDict] = deque()
        # The id the next pushed update gets. Telegram's sequence outlives any one process: a
        # client that confirms an offset beyond it (its database holds ids from an earlier
        # emulator) moves it on, see UpdateQueue._catch_up.
        self._next_update_id = 1000
        # Pending updates whose ids the emulator chose (not a test), oldest first.
        self._assigned_ids: set[int] = set()
        self._last_pushed_id = 0
        self._max_delivered_id = 0
        self._updates_event = asyncio.Event()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._polled = asyncio.Event()
        self._get_updates_count = 0
        self._webhook: JsonDict | None = None
        self._webhook_wakeup = asyncio.Event()  # set on every push; wakes webhook delivery
        # Messages and queries.
        self._message_ids: dict[int, int] = {}
        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._inline_messages: dict[str, JsonDict] = {}
        self._files: dict[str, JsonDict] = {}
        self._file_ids = itertools.count(1)
        self._uploads = 0
        # Users' messages, by chat and id, so that copyMessage can find them.
        self._user_messages: dict[int, dict[int, JsonDict]] = {}
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

    def canonical_method(self, method: str) -> str:
        """Canonical camelCase name of a method; ValueError for unknown ones."""
        try:
            return self._canonical[method.lower()]
        except KeyError:
            raise ValueError(f"unknown Bot API method {method!r}") from None

    def add_chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> None:
        """Make a chat known without an update."""
        if chat_id not in self._chats:
            self._chats[chat_id] = self._chat_object(chat_id, chat_type, title, None)

    def add_chats(self, chat_ids: Iterable[int], chat_type: str = "private") -> None:
        """Bulk add_chat."""
        for chat_id in chat_ids:
            self.add_chat(chat_id, chat_type)

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
        message: JsonDict = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        self._user_messages.setdefault(chat_id, {})[message["message_id"]] = message
        return message
