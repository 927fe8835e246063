"""The update queue: pushing updates as users would, and getUpdates long polling."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

from aiohttp import web

from tgemu.errors import ApiError, JsonDict
from tgemu.state import EmulatorState
from tgemu.telegram_html import utf16_len
from tgemu.validation import int_param

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# Telegram leaves these out unless allowed_updates asks for them explicitly.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?")


def update_type(update: JsonDict) -> str:
    """The payload key of an update."""
    return next((k for k in update if k != "update_id"), "")


def is_allowed(kind: str, allowed: frozenset[str] | None) -> bool:
    """Whether an update type passes the allowed_updates filter."""
    if allowed is None:
        return kind not in DEFAULT_EXCLUDED_UPDATES
    return kind in allowed


class UpdateQueue(EmulatorState):
    """Updates pushed by tests, delivered by getUpdates."""

    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw update and wake long polls and webhook delivery.

        The update_id is assigned unless the update brings one: a test may push the same
        update_id twice, as Telegram does when it repeats a webhook delivery.
        """
        if "update_id" in update:
            full = dict(update)
        else:
            full = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
            self._assigned_ids.add(full["update_id"])
        self._updates.append(full)
        self._last_pushed_id = max(self._last_pushed_id, int(full["update_id"]))
        self._updates_event.set()
        self._webhook_wakeup.set()
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
            return self.push_media(
                user_id,
                str(spec["media"]),
                language_code=lang,
                chat_id=chat_id,
                caption=spec.get("caption"),
            )
        if kind == "my_chat_member":
            return self.push_my_chat_member(user_id, str(spec["new_status"]), language_code=lang)
        if kind == "raw":
            return self.push_update(dict(spec["update"]))
        raise ValueError(f"unknown update kind {kind!r}")

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

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

    async def _get_updates(self, params: JsonDict, request: web.Request) -> list[JsonDict]:
        """Long polling with offset confirmation, like Telegram."""
        self._get_updates_count += 1
        self._polled.set()
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = int_param(params.get("offset"), 0)
        self._catch_up(offset)
        self._confirm(offset)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else None
        limit = min(max(int_param(params.get("limit"), 100), 1), 100)
        timeout = max(int_param(params.get("timeout"), 0), 0)
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

    def _catch_up(self, offset: int) -> None:
        """A client confirming ids this emulator never gave out has seen an earlier emulator's
        (its database remembers them): continue the sequence after them, as Telegram's single
        sequence would, instead of handing out ids the client takes for ones it already has.
        Pending updates the emulator numbered and nobody has fetched yet are renumbered; ids a
        test chose are left alone."""
        if offset <= self._next_update_id:
            return
        self._next_update_id = offset
        renumbered: set[int] = set()
        for update in self._updates:
            if update["update_id"] in self._assigned_ids:
                update["update_id"] = self._next_update_id
                renumbered.add(self._next_update_id)
                self._next_update_id += 1
        self._assigned_ids = renumbered
        if renumbered:
            self._last_pushed_id = max(self._last_pushed_id, max(renumbered))
            # Keep the queue in id order: a test's own ids may now sort before these.
            ordered = sorted(self._updates, key=lambda update: int(update["update_id"]))
            self._updates.clear()
            self._updates.extend(ordered)

    def _confirm(self, offset: int) -> None:
        """Forget updates before offset (negative: keep only the last -offset)."""
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                self._assigned_ids.discard(updates.popleft()["update_id"])
        elif offset > 0:
            while updates and updates[0]["update_id"] < offset:
                self._assigned_ids.discard(updates.popleft()["update_id"])

    def _deliverable(self, limit: int) -> list[JsonDict]:
        """Up to limit allowed updates, oldest first."""
        allowed = self._allowed_updates
        updates = self._updates
        # A disallowed update at the head can never be delivered (Telegram would not even have
        # stored it), so drop it; it counts as fetched for wait_until_idle.
        while updates and not is_allowed(update_type(updates[0]), allowed):
            self._max_delivered_id = max(self._max_delivered_id, updates.popleft()["update_id"])
        batch: list[JsonDict] = []
        for update in updates:
            if is_allowed(update_type(update), allowed):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

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
            "document": {
                "document": {**ids, "file_name": "file.pdf", "mime_type": "application/pdf"}
            },
            "location": {"location": {"latitude": 32.06, "longitude": 118.79}},
        }
        if kind not in payloads:
            raise ValueError(f"unknown media kind {kind!r}")
        if kind != "location":
            # The bot may send a user's file on by its file_id, as on Telegram.
            # Kept with the name and type Telegram reports, so a sendDocument by this id works.
            fields = next(iter(payloads[kind].values()))
            fields = fields[-1] if isinstance(fields, list) else fields  # a photo's sizes
            self._files[ids["file_id"]] = {
                **ids,
                "kind": kind,
                "data": b"",
                "file_name": fields.get("file_name"),
                "mime_type": fields.get("mime_type"),
            }
        return payloads[kind]

    def _member(self, status: str) -> JsonDict:
        """A ChatMember dict for the bot with the given status."""
        member: JsonDict = {"status": status, "user": self.bot_user}
        if status == "kicked":
            member["until_date"] = 0
        return member
