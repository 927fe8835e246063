"""Bot API methods for the bot's commands and descriptions."""

from __future__ import annotations

import json
import re
from typing import Any

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState
from tgemu.validation import language_param

MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    """Key for per-scope, per-language command lists."""
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code


class CommandMethods(EmulatorState):
    """setMyCommands & co, setMyDescription & co."""

    def _command_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": lambda p: self._set_description(p, "description"),
            "getMyDescription": lambda p: self._get_description(p, "description"),
            "setMyShortDescription": lambda p: self._set_description(p, "short_description"),
            "getMyShortDescription": lambda p: self._get_description(p, "short_description"),
        }

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
        key = _commands_key(params.get("scope"), language_param(params))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        """getMyCommands."""
        return self._commands.get(_commands_key(params.get("scope"), language_param(params)), [])

    def _m_delete_my_commands(self, params: JsonDict) -> bool:
        """deleteMyCommands."""
        self._commands.pop(_commands_key(params.get("scope"), language_param(params)), None)
        return True

    def _set_description(self, params: JsonDict, kind: str) -> bool:
        """setMyDescription / setMyShortDescription; empty text removes it."""
        limit = MAX_DESCRIPTION if kind == "description" else MAX_SHORT_DESCRIPTION
        text = str(params.get(kind) or "")
        lang = language_param(params)
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        if text:
            self._descriptions[kind][lang] = text
        else:
            self._descriptions[kind].pop(lang, None)
        return True

    def _get_description(self, params: JsonDict, kind: str) -> JsonDict:
        """getMyDescription / getMyShortDescription."""
        return {kind: self._descriptions[kind].get(language_param(params), "")}

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope and language."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    @property
    def descriptions(self) -> dict[str, dict[str, str]]:
        """{'description': {lang: text}, 'short_description': {lang: text}}."""
        return {kind: dict(values) for kind, values in self._descriptions.items()}
