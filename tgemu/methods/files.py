"""Bot API methods that send files: sendPhoto, sendDocument."""

from __future__ import annotations

from typing import Any

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState
from tgemu.validation import attach_markup, parse_caption, validate_reply_markup
from tgemu.wire import UploadedFile


class FileMethods(EmulatorState):
    """Uploads, file ids and the messages that carry them."""

    def _file_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "sendPhoto": lambda p: self._send_file(p, "photo"),
            "sendDocument": lambda p: self._send_file(p, "document"),
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

    def file(self, file_id: str) -> JsonDict | None:
        """A file the bot uploaded: {file_id, file_name, data, mime_type}."""
        return self._files.get(file_id)
