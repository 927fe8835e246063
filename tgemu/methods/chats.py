"""Bot API methods about the bot itself and its chats: getMe, logOut, close, sendChatAction."""

from __future__ import annotations

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState

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


class ChatMethods(EmulatorState):
    """The bot's identity and chat actions."""

    def _chat_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "getMe": lambda p: self.bot_user,
            "logOut": lambda p: True,
            "close": lambda p: True,
            "sendChatAction": self._m_send_chat_action,
        }

    def _m_send_chat_action(self, params: JsonDict) -> bool:
        """sendChatAction."""
        self._check_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True
