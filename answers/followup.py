"""What the last answer in a conversation was about, for questions that refer back to it.

Per conversation (a private chat; any hashable key a face chooses), only the card key of the
subject the last answer or the last pressed card was about ("person:oleg-azarov"): nothing
else of the user, in memory only, forgotten after `ttl` seconds and bounded to `size`
conversations (the least recently used is dropped first). A restart forgets everything.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

# Defaults: a follow-up comes within minutes; a busy bot has at most this many live chats.
TTL_SECONDS = 600.0
SIZE = 10_000


class Conversations:
    """conversation key -> (subject card, when it was noted), bounded and expiring."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        size: int = SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._subjects: OrderedDict[Hashable, tuple[str, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._subjects)

    def note(self, conversation: Hashable, card: str) -> None:
        """Remember that `conversation` is now about `card`."""
        self._subjects.pop(conversation, None)
        self._subjects[conversation] = (card, self._clock())
        while len(self._subjects) > self.size:
            self._subjects.popitem(last=False)

    def subject(self, conversation: Hashable) -> str | None:
        """The card `conversation` was last about, if noted less than `ttl` seconds ago."""
        noted = self._subjects.get(conversation)
        if noted is None:
            return None
        card, when = noted
        if self._clock() - when > self.ttl:
            del self._subjects[conversation]
            return None
        return card

    def forget(self, conversation: Hashable) -> None:
        """Drop what `conversation` was about."""
        self._subjects.pop(conversation, None)
