"""Bot API error answers and the JSON shapes every emulator module shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Any]


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
