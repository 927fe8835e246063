"""Small talk: greetings, thanks, goodbyes, "who are you", "help", a lone emoji.

A message is small talk when, once its small-talk phrases (answers/vocabulary/*.toml `[talk]`)
are taken out, nothing is left but punctuation, emoji, the words that only address the bot
("thanks, bot") and filler. "привет, где прошла конференция?" keeps a question and is answered
as one; "привет!", "thanks a lot 🙏", 你好 and "👍" are small talk. Phrases of every language
are read in every language (a Russian speaker writes "ok", a Chinese one "hello").
"""

from __future__ import annotations

import re

from answers.analysis import CJK_RUN, normalize
from answers.vocabulary import TalkKind, Vocabularies

# Letters and digits: a message with none of them is non-verbal (an emoji, "?!", a sticker's).
_WORDY = re.compile(r"[^\W_]")


class SmallTalk:
    """Tells small talk from questions, by the vocabularies' `[talk]` phrases."""

    def __init__(self, vocabularies: Vocabularies) -> None:
        kinds: dict[str, TalkKind] = {}
        ignorable: set[str] = set()
        for vocabulary in vocabularies.values():
            for phrase, kind in vocabulary.talk.phrases():
                kinds.setdefault(normalize(phrase), kind)
            ignorable.update(normalize(word) for word in vocabulary.talk.address)
            ignorable.update(normalize(word) for word in vocabulary.words.filler)
        self._kinds = kinds
        ordered = sorted((*kinds, *ignorable), key=len, reverse=True)
        latin = [re.escape(p) for p in ordered if not CJK_RUN.search(p)]
        chinese = [re.escape(p) for p in ordered if CJK_RUN.search(p)]
        # Latin and Cyrillic phrases as whole words; Chinese ones anywhere (no spaces).
        self._phrase = re.compile(
            "|".join(
                [
                    *([f"(?<![^\\W_])(?:{'|'.join(latin)})(?![^\\W_])"] if latin else []),
                    *([f"(?:{'|'.join(chinese)})"] if chinese else []),
                ]
            )
            or "(?!)"
        )

    def kind(self, text: str) -> TalkKind | None:
        """The kind of small talk `text` is, or None if it asks or says something else."""
        folded = normalize(text.strip())
        if not folded:
            return None
        if not _WORDY.search(folded):
            return TalkKind.EMOJI
        found: TalkKind | None = None
        rest = []
        position = 0
        for match in self._phrase.finditer(folded):
            rest.append(folded[position : match.start()])
            position = match.end()
            kind = self._kinds.get(match.group())
            # The most telling kind wins: "hi, who are you?" asks who the bot is.
            if kind is not None and (found is None or _RANK[kind] > _RANK[found]):
                found = kind
        rest.append(folded[position:])
        if found is None or _WORDY.search("".join(rest)):
            return None
        return found


# Which kind a message mixing several is answered as: a question about the bot beats a greeting.
_RANK = {
    TalkKind.EMOJI: 0,
    TalkKind.ACK: 1,
    TalkKind.GREETING: 2,
    TalkKind.GOODBYE: 3,
    TalkKind.THANKS: 4,
    TalkKind.HELP: 5,
    TalkKind.IDENTITY: 6,
}
