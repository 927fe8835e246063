"""Bot API methods for text messages: send, edit, delete."""

from __future__ import annotations

import time

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState
from tgemu.validation import (
    MAX_TEXT,
    attach_markup,
    inline_markup,
    parse_text,
    validate_reply_markup,
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class MessageMethods(EmulatorState):
    """sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage."""

    def _message_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
        }

    def _m_send_message(self, params: JsonDict) -> JsonDict:
        """sendMessage."""
        chat_id = self._check_chat(params)
        text, entities = parse_text(params.get("text"), params, MAX_TEXT)
        markup = validate_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat_id)
        message["text"] = text
        if entities:
            message["entities"] = entities
        attach_markup(message, markup)
        return message

    def _m_edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        """editMessageText by chat_id+message_id or inline_message_id."""
        text, entities = parse_text(params.get("text"), params, MAX_TEXT)
        markup = validate_reply_markup(params.get("reply_markup"))
        new = {"text": text, "entities": entities or None, "reply_markup": inline_markup(markup)}
        if "inline_message_id" in params:
            return self._edit_inline(str(params["inline_message_id"]), new)
        message = self._find_message(params, "message to edit not found")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        self._apply_edit(message, new)
        return message

    def _m_edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        """editMessageReplyMarkup; a missing reply_markup removes the keyboard."""
        markup = inline_markup(validate_reply_markup(params.get("reply_markup")))
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

    def _apply_edit(self, message: JsonDict, new: JsonDict) -> None:
        """Update a stored message in place, refusing no-op edits like Telegram."""
        if all(message.get(k) == v for k, v in new.items()):
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

    def sent_messages(self, chat_id: int) -> list[JsonDict]:
        """Current state of the bot's messages in a chat, with an extra 'edited' flag."""
        return [
            {**msg, "edited": "edit_date" in msg}
            for msg in self._messages.get(chat_id, {}).values()
        ]

    def inline_message(self, inline_message_id: str) -> JsonDict | None:
        """Last content the bot set for an inline message."""
        return self._inline_messages.get(inline_message_id)
