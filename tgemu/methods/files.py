"""Bot API methods that send files (sendPhoto, sendDocument), edit captions and copy messages."""

from __future__ import annotations

from typing import Any

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.methods.messages import MessageMethods
from tgemu.validation import attach_markup, inline_markup, parse_caption, validate_reply_markup
from tgemu.wire import UploadedFile

WRONG_FILE = "wrong file identifier/HTTP URL specified"
# Message fields that carry a file and so may have a caption.
MEDIA_FIELDS = ("photo", "document", "sticker", "voice", "video", "audio", "animation")
# Message fields copyMessage reproduces.
COPIED_FIELDS = (*MEDIA_FIELDS, "text", "entities", "location", "caption", "caption_entities")


class FileMethods(MessageMethods):
    """Uploads, file ids and the messages that carry them."""

    def _file_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "sendPhoto": lambda p: self._send_file(p, "photo"),
            "sendDocument": lambda p: self._send_file(p, "document"),
            "editMessageCaption": self._m_edit_message_caption,
            "copyMessage": self._m_copy_message,
        }

    def _send_file(self, params: JsonDict, kind: str) -> JsonDict:
        """sendPhoto / sendDocument with a multipart upload, file_id or URL."""
        chat_id = self._check_chat(params)
        caption, entities = parse_caption(params)
        markup = validate_reply_markup(params.get("reply_markup"))
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
        attach_markup(message, markup)
        return message

    def _store_file(self, value: Any, kind: str) -> JsonDict:
        """Store an uploaded file or resolve a file_id / URL, refusing ids of another kind."""
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            number = next(self._file_ids)
            file_id = f"emu-{kind}-{number}"
            stored: JsonDict = {
                "file_id": file_id,
                "file_unique_id": f"emu-u{number}",
                "file_name": value.filename,
                "mime_type": value.content_type,
                "data": value.data,
                "kind": kind,
            }
            self._files[file_id] = stored
            self._uploads += 1
            return stored
        if isinstance(value, str) and value in self._files:
            known = self._files[value]
            if known["kind"] != kind:
                raise bad_request("type of file mismatch")
            return known
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            number = next(self._file_ids)
            name = value.rsplit("/", 1)[-1] or "file"
            return {
                "file_id": f"emu-{kind}-{number}",
                "file_unique_id": f"emu-u{number}",
                "file_name": name,
                "mime_type": "application/octet-stream",
                "data": b"",
                "kind": kind,
            }
        if value in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        raise bad_request(WRONG_FILE)

    def _m_edit_message_caption(self, params: JsonDict) -> JsonDict | bool:
        """editMessageCaption by chat_id+message_id or inline_message_id; no caption removes it."""
        caption, entities = parse_caption(params)
        markup = validate_reply_markup(params.get("reply_markup"))
        new = {
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": inline_markup(markup),
        }
        if "inline_message_id" in params:
            return self._edit_inline(str(params["inline_message_id"]), new)
        message = self._find_message(params, "message to edit not found")
        if not any(field in message for field in MEDIA_FIELDS):
            raise bad_request("there is no caption in the message to edit")
        self._apply_edit(message, new)
        return message

    def _m_copy_message(self, params: JsonDict) -> JsonDict:
        """copyMessage: a bot's or a user's message into another chat, without a link back."""
        chat_id = self._check_chat(params)
        from_chat_id = params.get("from_chat_id")
        if not isinstance(from_chat_id, int) or from_chat_id not in self._chats:
            raise bad_request("chat not found")
        message_id = params.get("message_id")
        key = message_id if isinstance(message_id, int) else -1
        source = self._messages.get(from_chat_id, {}).get(key) or self._user_messages.get(
            from_chat_id, {}
        ).get(key)
        if source is None:
            raise bad_request("message to copy not found")
        if not any(field in source for field in (*MEDIA_FIELDS, "text", "location")):
            raise bad_request("message can't be copied")
        has_media = any(field in source for field in MEDIA_FIELDS)
        new_caption = None
        if has_media and "caption" in params:
            new_caption = parse_caption(params)
        markup = validate_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat_id)
        message.update({k: source[k] for k in COPIED_FIELDS if k in source})
        if new_caption is not None:
            message.pop("caption", None)
            message.pop("caption_entities", None)
            caption, entities = new_caption
            if caption:
                message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        attach_markup(message, markup)
        return {"message_id": message["message_id"]}

    def file(self, file_id: str) -> JsonDict | None:
        """A file the bot uploaded: {file_id, file_name, data, mime_type, kind}."""
        return self._files.get(file_id)

    @property
    def uploads(self) -> int:
        """How many files the bot uploaded as bytes; sends by file_id or URL do not count."""
        return self._uploads

    def files(self) -> list[JsonDict]:
        """The bot's uploads without their bytes: [{file_id, file_unique_id, kind, ...}]."""
        return [
            {**{k: v for k, v in f.items() if k != "data"}, "size": len(f["data"])}
            for f in self._files.values()
            if f["file_id"].startswith("emu-")
        ]
