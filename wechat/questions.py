"""The hook through which the WeChat face's questions reach the organizers' report.

The face calls `QuestionHook` once per question (a retried MsgId is not asked again; small
talk is no question), with the engine's verdict. The process (bot/wechat_face.py) wires it to
the unanswered-question report (/unanswered, storage/unanswered.py): a question the article
does not answer is noted there exactly as Telegram's are, the text and its language, no user.
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
