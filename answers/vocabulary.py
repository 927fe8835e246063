"""The answer engine's vocabulary: how people ask, per language (answers/vocabulary/*.toml).

Words, never facts: question phrases say what kind of answer is wanted, filler is dropped,
synonym groups make different words meet, meanings make words of different languages meet,
concept words name the role a fact plays, and a transliteration table lets Latin-typed names
meet Cyrillic ones. Small talk (greetings, thanks, "who are you"), the words that refer back
to the last answer's subject, and the cues of questions such an article cannot answer are
vocabulary too. Validated like the content.
"""

from __future__ import annotations

import hashlib
import tomllib
from enum import StrEnum
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from storage.content import LANGUAGES, ContentError

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MeaningName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$", max_length=40)]


class AnswerKind(StrEnum):
    """What a question asks for, and what a fact can answer."""

    NUMBER = "number"
    DATE = "date"
    PLACE = "place"
    PERSON = "person"
    ORGANIZATION = "organization"
    DEFINITION = "definition"
    CONTACT = "contact"
    STATEMENT = "statement"


class Concept(StrEnum):
    """The role a fact plays in the content file; its vocabulary words are indexed with it."""

    EVENT = "event"
    DATE = "date"
    PLACE = "place"
    FOUNDED = "founded"
    FIGURE = "figure"
    PERSON = "person"
    CHAIR = "chair"
    SPEAKER = "speaker"
    ORGANIZER = "organizer"
    PARTICIPANT = "participant"
    MEDIA = "media"
    INTERVIEW = "interview"
    CONTACT = "contact"
    SOURCE = "source"
    FORMAT = "format"
    CONTEXT = "context"
    PRESENTED = "presented"
    OTHER_PARTICIPANTS = "other_participants"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Questions(_Model):
    number: list[Word] = Field(default_factory=list)
    date: list[Word] = Field(default_factory=list)
    place: list[Word] = Field(default_factory=list)
    person: list[Word] = Field(default_factory=list)
    organization: list[Word] = Field(default_factory=list)
    definition: list[Word] = Field(default_factory=list)
    contact: list[Word] = Field(default_factory=list)
    statement: list[Word] = Field(default_factory=list)
    # Question words that ask for nothing in particular ("what", "какой", 什么).
    other: list[Word] = Field(default_factory=list)

    def phrases(self) -> list[tuple[str, AnswerKind | None]]:
        """Every phrase with the kind it asks for (None: just a question word)."""
        pairs: list[tuple[str, AnswerKind | None]] = [
            (phrase, kind) for kind in AnswerKind for phrase in getattr(self, kind.value)
        ]
        return pairs + [(phrase, None) for phrase in self.other]


class Words(_Model):
    filler: list[Word] = Field(default_factory=list)
    synonyms: list[Annotated[list[Word], Field(min_length=2)]] = Field(default_factory=list)


class Grammar(_Model):
    """How the language builds a noun phrase, to find the head of a figure's label."""

    # Where the head noun stands: first in Russian and English ("стартапы, работающие…"),
    # last in Chinese ("…服务的公司").
    head: Literal["first", "last"] = "first"
    # Filler words that join parts of one phrase ("вузы и учреждения") rather than end it.
    conjunctions: list[Word] = Field(default_factory=list)
    # Endings of verb forms: a word the index does not know that ends so is weaker evidence
    # of a question about something else ("оказывают", "published") than an unknown noun.
    verb_endings: list[Word] = Field(default_factory=list)


class TalkKind(StrEnum):
    """What a small-talk message is: each gets its own short reply."""

    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    IDENTITY = "identity"
    HELP = "help"
    ACK = "ack"
    # A message with no words at all: a lone emoji, a sticker's emoji, punctuation.
    EMOJI = "emoji"


class Talk(_Model):
    """Small-talk phrases by kind; `address` words may stand beside them ("thanks, bot")."""

    greeting: list[Word] = Field(min_length=1)
    thanks: list[Word] = Field(min_length=1)
    goodbye: list[Word] = Field(min_length=1)
    identity: list[Word] = Field(min_length=1)
    help: list[Word] = Field(min_length=1)
    ack: list[Word] = Field(min_length=1)
    address: list[Word] = Field(default_factory=list)

    def phrases(self) -> list[tuple[str, TalkKind]]:
        """Every phrase with its kind (`emoji` has no phrases: it is the absence of words)."""
        return [
            (phrase, kind)
            for kind in TalkKind
            if kind is not TalkKind.EMOJI
            for phrase in getattr(self, kind.value)
        ]


class FollowUp(_Model):
    """Words that refer back to the last answer's subject (pronouns, "there")."""

    refer: list[Word] = Field(min_length=1)


class Unanswerable(_Model):
    """Words marking a question about what such an article does not give (future, prices…)."""

    cues: list[Word] = Field(min_length=1)


class Vocabulary(_Model):
    """One language's vocabulary file."""

    questions: Questions
    words: Words
    grammar: Grammar = Field(default_factory=Grammar)
    concepts: dict[Concept, list[Word]] = Field(default_factory=dict)
    # Words by what they mean, under a name shared by the three files: the words of one
    # meaning in all languages are synonyms. Every fact is indexed in all three languages, but
    # a translation does not always use the word its original does: the English of a fact
    # may say "work in" where its Russian and Chinese say "cover the fields of", so "what
    # fields do they cover" meets it only through the other languages' words.
    meanings: dict[MeaningName, list[Word]] = Field(default_factory=dict)
    transliteration: dict[Annotated[str, StringConstraints(min_length=1, max_length=1)], str] = (
        Field(default_factory=dict)
    )
    talk: Talk
    followup: FollowUp
    unanswerable: Unanswerable


Vocabularies = dict[str, Vocabulary]


def meanings(vocabularies: Vocabularies) -> dict[str, list[str]]:
    """Each meaning's words in all languages: one synonym group each."""
    groups: dict[str, list[str]] = {}
    for vocabulary in vocabularies.values():
        for name, words in vocabulary.meanings.items():
            groups.setdefault(name, []).extend(words)
    return groups


def load_vocabularies() -> tuple[Vocabularies, str]:
    """Every bundled vocabulary file, validated, with one digest of them all."""
    digest = hashlib.sha256()
    vocabularies: Vocabularies = {}
    for lang in LANGUAGES:
        path = resources.files("answers") / "vocabulary" / f"{lang}.toml"
        raw = path.read_bytes()
        digest.update(raw)
        try:
            vocabularies[lang] = Vocabulary.model_validate(tomllib.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError) as error:
            raise ContentError(f"vocabulary file {lang}.toml: {error}") from None
    return vocabularies, digest.hexdigest()
