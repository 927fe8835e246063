"""7. Answers: accuracy of the answer engine on bench/answers.toml, and its latency, per language.

In-process on the real store (temp file, migrations, the bundled content), as the bot opens it.
A question counts as answered when one of its expected texts appears in the facts the reply
would show (the best and up to two more, rendered by bot/answer_view.py as the bot does).
Latency is `store.answers.ask` alone, after one warm-up pass (which loads the index and, for
Chinese, the segmenter).
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

from bench.harness import Metric, Result, percentile, workdir
from bot.answer_view import fact_html
from bot.i18n import Translator, load_catalogs
from bot.telegram_text import plain_text
from storage.content import LANGUAGES
from storage.store import Store

NAME = "answers"
QUESTIONS = Path(__file__).with_name("answers.toml")
FACTS_SHOWN = 3


def load_questions() -> dict[str, list[tuple[str, list[str]]]]:
    """The evaluation set: per language, (question, texts any of which must be in the reply)."""
    data = tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))
    return {lang: [(q, list(expected)) for q, expected in data[lang]] for lang in LANGUAGES}


async def reply_text(store: Store, t: Translator, question: str, lang: str) -> str:
    """The facts the bot's reply would show, as plain text."""
    answer = await store.answers.ask(question, lang, limit=FACTS_SHOWN)
    facts = [answer.best, *answer.others] if answer.best else []
    return "\n".join(plain_text(fact_html(fact, lang, t)) for fact in facts)


async def run(quick: bool) -> Result:
    """Accuracy and p50/p99 per language; targets ≥ 95 % and p99 < 5 ms."""
    rounds = 1 if quick else 3
    iterations = 2 if quick else 20
    questions = load_questions()
    t = Translator(load_catalogs())
    result = Result(NAME)
    missed: list[str] = []
    accuracy: dict[str, float] = {}
    timings: dict[str, list[list[float]]] = {lang: [] for lang in LANGUAGES}
    async with workdir() as tmp:
        store = await Store.open(tmp / "answers.sqlite3")
        try:
            for lang, items in questions.items():
                answered = 0
                for question, expected in items:
                    text = await reply_text(store, t, question, lang)
                    if any(e in text for e in expected):
                        answered += 1
                    else:
                        missed.append(f"{lang}: {question!r} → {text[:80]!r}")
                accuracy[lang] = answered / len(items)
            for _ in range(rounds):
                for lang, items in questions.items():
                    samples = []
                    for _ in range(iterations):
                        for question, _expected in items:
                            started = time.perf_counter()
                            await store.answers.ask(question, lang, limit=FACTS_SHOWN)
                            samples.append((time.perf_counter() - started) * 1000)
                    timings[lang].append(samples)
        finally:
            await store.close()
    for lang in LANGUAGES:
        share = result.add(
            Metric(
                f"{lang} answered ({len(questions[lang])} questions)",
                "%",
                [accuracy[lang] * 100],
                target="≥ 95 %",
            )
        )
        share.met = accuracy[lang] >= 0.95
        result.add(Metric(f"{lang} p50", "ms", [percentile(s, 50) for s in timings[lang]]))
        p99 = result.add(
            Metric(f"{lang} p99", "ms", [percentile(s, 99) for s in timings[lang]], target="< 5 ms")
        )
        p99.met = p99.median < 5.0
    result.notes.append(
        f"{iterations} iterations × every question per language per round; "
        + ("missed: " + "; ".join(missed) if missed else "every question answered")
    )
    result.counts = {"questions": {lang: len(items) for lang, items in questions.items()}}
    return result
