"""Questions about the programme: "when is the graphene talk", «где доклад про композиты»,
下午有什么报告, "what's in Hall B at 14:00".

Sessions are answerable units beside the content's facts. This module is the whole surface the
answer engine needs: `ProgrammeIndex(sessions, zone)` built from what storage provides, and
`ask(question, now)` that returns the sessions a question is about, or None when it is not a
programme question (then the engine answers from the facts as before). It uses the engine's
own analysis (answers/analysis.py): Snowball stems for Russian and English, jieba for Chinese,
over every text of a session in every language (original, translations, speakers, track, room).

What makes a question a programme question, so a fact question is never taken over:
- it names a session's topic (words of its title, abstract, speakers or track) together with a
  programme word (talk, доклад, 报告, session, …) or a time or room; or
- it names a room, a clock time ("14:00", "2 pm", "14点") or a part of the day (afternoon,
  вечером, 下午) together with a programme word, or a room with a time; or
- it asks for what is on now or next with a programme word.
Topic words alone (no programme word, time or room) answer only when the facts do not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from answers.analysis import Analyzer, build_lexicon, is_cjk, normalize, stem
from storage.programme import StoredSession

# Words that make a question about the programme (stems are compared, so forms vary freely).
PROGRAMME_WORDS = (
    "talk talks session sessions lecture lectures keynote workshop programme program schedule "
    "agenda presentation presentations panel speech slot "
    "доклад доклады докладов доклада выступление выступления сессия сессии лекция лекции "
    "программа программе расписание секция секции воркшоп мастер-класс панель"
)
CHINESE_PROGRAMME_WORDS = ("报告", "演讲", "讲座", "日程", "议程", "会场", "分会", "环节", "发言")
NOW_WORDS = ("now", "сейчас", "现在", "正在")
NEXT_WORDS = ("next", "следующ", "дальше", "потом", "接下来", "下一个", "之后")
TOMORROW_WORDS = ("tomorrow", "завтра", "明天")
ROOM_WORDS = ("hall", "room", "stage", "зал", "аудитори", "комнат", "厅", "室", "会场")
# Parts of the day: (start hour, end hour).
DAY_PARTS: dict[str, tuple[int, int]] = {
    "morning": (6, 12),
    "утр": (6, 12),
    "上午": (6, 12),
    "早上": (6, 12),
    "afternoon": (12, 18),
    "днем": (12, 18),
    "после обеда": (12, 18),
    "下午": (12, 18),
    "evening": (18, 24),
    "вечер": (18, 24),
    "晚上": (18, 24),
}
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:.h]([0-5]\d)(?!\d)")
_AM_PM = re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_CHINESE_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])\s*点(?:\s*([0-5]?\d)\s*分|半)?")
_RU_CLOCK = re.compile(r"(?<![\d:])в\s+([01]?\d|2[0-3])(?:\s*час)?(?![\d:])")
# Words of a question that say nothing about a topic, in any of the three languages.
QUESTION_WORDS = frozenset(
    stem(word)
    for word in (
        [
            "when",
            "where",
            "what",
            "which",
            "who",
            "is",
            "are",
            "the",
            "a",
            "an",
            "at",
            "in",
            "on",
            "of",
            "about",
            "for",
            "there",
            "any",
            "does",
            "do",
            "когда",
            "где",
            "что",
            "какой",
            "какая",
            "какие",
            "кто",
            "про",
            "о",
            "об",
            "в",
            "на",
            "есть",
            "будет",
            "идет",
            "идёт",
            "today",
            "сегодня",
            "tomorrow",
            "завтра",
        ]
    )
)
CHINESE_QUESTION_WORDS = frozenset(
    {"什么", "哪个", "哪里", "在", "有", "的", "是", "吗", "几点", "什么时候", "哪", "关于", "今天"}
)
SHOWN = 5
# Shortest stem matched by its beginning.
MIN_PREFIX = 5


@dataclass(frozen=True, slots=True)
class ProgrammeAnswer:
    """The sessions a question is about, best first; `topical`: it named their topic."""

    sessions: list[StoredSession]
    topical: bool
    # The question also had a programme word, a room or a time: it is surely about the programme.
    marked: bool


class ProgrammeIndex:
    """The programme's sessions, searchable by topic, room and time (built once per version)."""

    def __init__(self, sessions: Sequence[StoredSession], zone: ZoneInfo) -> None:
        self.zone = zone
        self.sessions = [s for s in sessions if not s.cancelled]
        texts = [text for s in self.sessions for text in _texts(s)]
        self.analyzer = Analyzer(
            build_lexicon(texts, [*CHINESE_PROGRAMME_WORDS, *DAY_PARTS, *NOW_WORDS, *NEXT_WORDS])
        )
        self.terms: list[set[str]] = [
            set(self.analyzer.terms(" ".join(_texts(s)))) for s in self.sessions
        ]
        frequency: Counter[str] = Counter(term for terms in self.terms for term in terms)
        total = max(1, len(self.sessions))
        self.idf = {term: math.log(1 + total / count) for term, count in frequency.items()}
        self.rooms = sorted({s.room for s in self.sessions}, key=len, reverse=True)
        self.programme_stems = {stem(normalize(w)) for w in PROGRAMME_WORDS.split()}

    def ask(self, question: str, now: dt.datetime) -> ProgrammeAnswer | None:
        """The sessions `question` asks about, or None if it is not about the programme."""
        if not self.sessions:
            return None
        folded = normalize(question)
        words = self.analyzer.words(question)
        stems = {term for word in words for term in word.terms}
        marked = bool(stems & self.programme_stems) or any(
            w in folded for w in CHINESE_PROGRAMME_WORDS
        )
        room = self._room(folded)
        clock = _clock(folded)
        part = next((hours for key, hours in DAY_PARTS.items() if key in folded), None)
        day = self._day(folded, now)
        topic = {
            found
            for term in stems
            if term not in QUESTION_WORDS
            and term not in CHINESE_QUESTION_WORDS
            and term not in self.programme_stems
            and term not in CHINESE_PROGRAMME_WORDS
            and not any(term in part for part in DAY_PARTS)
            and not term.isdigit()
            for found in self._expand(term)
        }
        if room:
            topic -= set(self.analyzer.terms(room))
        candidates = list(range(len(self.sessions)))
        if room:
            candidates = [i for i in candidates if self.sessions[i].room == room]
        timed = clock is not None or part is not None
        if clock is not None:
            at = dt.datetime.combine(day, clock, self.zone)
            running = [i for i in candidates if self.sessions[i].start <= at < self.sessions[i].end]
            later = sorted(
                (i for i in candidates if self.sessions[i].start >= at),
                key=lambda i: self.sessions[i].start,
            )
            candidates = running or later[:1]
        elif part is not None:
            begin = dt.datetime.combine(day, dt.time(part[0]), self.zone)
            end = begin + dt.timedelta(hours=part[1] - part[0])
            candidates = [
                i
                for i in candidates
                if self.sessions[i].start < end and self.sessions[i].end > begin
            ]
        if topic:
            scored = [(self._score(i, topic), i) for i in candidates]
            scored = [(score, i) for score, i in scored if score > 0]
            if scored:
                best = max(score for score, _ in scored)
                chosen = [
                    i
                    for score, i in sorted(scored, key=lambda p: (-p[0], p[1]))
                    if score >= best / 2
                ]
                return ProgrammeAnswer(self._ordered(chosen), True, marked or bool(room) or timed)
        if not (marked or room):
            return None
        if not (room or timed):
            if any(w in folded for w in NOW_WORDS):
                candidates = [
                    i for i in candidates if self.sessions[i].start <= now < self.sessions[i].end
                ]
            elif any(w in folded for w in NEXT_WORDS):
                upcoming = [i for i in candidates if self.sessions[i].start > now]
                candidates = sorted(upcoming, key=lambda i: self.sessions[i].start)[:SHOWN]
            else:
                return None
        if room and not timed:
            # A room alone: what is on there now, else next.
            running = [
                i for i in candidates if self.sessions[i].start <= now < self.sessions[i].end
            ]
            upcoming = [i for i in candidates if self.sessions[i].start > now]
            candidates = running or sorted(upcoming, key=lambda i: self.sessions[i].start)[:1]
        if not candidates:
            return ProgrammeAnswer([], False, True)
        return ProgrammeAnswer(self._ordered(candidates), False, True)

    def _expand(self, term: str) -> set[str]:
        """The session terms a question's term stands for: itself, or (5 letters or more) the
        terms it begins or that begin it, since stems of one word's forms may differ in their
        ending («композиты» → композит, «композитные» → композитн)."""
        if term in self.idf:
            return {term}
        if len(term) < MIN_PREFIX or is_cjk(term):
            return set()
        return {
            known
            for known in self.idf
            if len(known) >= MIN_PREFIX and (known.startswith(term) or term.startswith(known))
        }

    def _score(self, index: int, topic: Iterable[str]) -> float:
        terms = self.terms[index]
        return sum(self.idf[t] for t in topic if t in terms)

    def _ordered(self, indexes: Iterable[int]) -> list[StoredSession]:
        chosen = [self.sessions[i] for i in indexes][:SHOWN]
        return sorted(chosen, key=lambda s: (s.start, s.room))

    def _room(self, folded: str) -> str | None:
        """The room the question names: its whole name, or its distinctive last word after a
        room word ("зал B", "B厅" for "Hall B")."""
        for room in self.rooms:
            if normalize(room) in folded:
                return room
        for room in self.rooms:
            parts = normalize(room).split()
            if len(parts) < 2:
                continue
            mark = re.escape(parts[-1])
            for word in ROOM_WORDS:
                if re.search(rf"{word}\w*\s*{mark}(?!\w)|(?<!\w){mark}\s*{word}", folded):
                    return room
        return None

    def _day(self, folded: str, now: dt.datetime) -> dt.date:
        """Tomorrow if asked; else today if the programme has sessions today, else its
        nearest day to come (or its last)."""
        today = now.astimezone(self.zone).date()
        if any(w in folded for w in TOMORROW_WORDS):
            return today + dt.timedelta(days=1)
        days = sorted({s.start.date() for s in self.sessions})
        if today in days:
            return today
        return next((d for d in days if d > today), days[-1])


def _clock(folded: str) -> dt.time | None:
    """A clock time in the question: 14:00, 14.30, 14h00, 2 pm, 14点, 14点半, «в 14»."""
    match = _CLOCK.search(folded)
    if match:
        return dt.time(int(match[1]), int(match[2]))
    match = _AM_PM.search(folded)
    if match:
        hour = int(match[1]) % 12 + (12 if match[2].lower().startswith("p") else 0)
        return dt.time(hour)
    match = _CHINESE_CLOCK.search(folded)
    if match:
        minute = 30 if match[0].endswith("半") else int(match[2] or 0)
        hour = int(match[1])
        if "下午" in folded and hour < 12:
            hour += 12
        return dt.time(hour, minute)
    match = _RU_CLOCK.search(folded)
    if match:
        return dt.time(int(match[1]))
    return None


def _texts(session: StoredSession) -> list[str]:
    return [
        session.title,
        session.subtitle,
        session.abstract,
        session.track or "",
        session.room,
        *session.persons,
        *session.titles.values(),
        *session.abstracts.values(),
    ]
