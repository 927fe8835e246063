"""The hook through which the WeChat face's questions reach the organizers' report.

The unanswered-question report (branch `organizers`, issue "organizers learn what people could
not find") is not on main yet; the face calls `QuestionHook` once per question (a retried
MsgId is not asked again), and the process wires it to that report when it lands. Until then
the process passes none and nothing is stored: a question is kept only where the report keeps
Telegram's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

FACE = "wechat"


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """One question as the report needs it: who asked (the openid), what, and the verdict."""

    face: str
    user: str
    text: str
    language: str
    answered: bool


QuestionHook = Callable[[AskedQuestion], Awaitable[None]]
