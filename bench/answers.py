"""7. Answers: accuracy of the answer engine on its evaluation sets, and its latency, per language.

Two sets, reported separately: bench/answers.toml (the engine's own set, written with it) and
bench/answers_holdout.toml (written from the content alone by someone who had not read the engine,
its set or its vocabulary; the engine is never tuned to it phrase by phrase).

In-process on the real store (temp file, migrations, the bundled content), as the bot opens it.
A question counts as answered when one of its expected texts appears in the facts the reply
would show (the best and up to two more, rendered by wording/answer_view.py as the bot does).
Latency is `engine.ask` alone, after one warm-up pass (which loads the index and, for
Chinese, the segmenter).

The honesty set (bench/answers_scope.toml, issue 21) measures the verdict per language: out of
scope declined (recall: of the out-of-scope questions; precision: of every question declined,
counting the answerable questions of both sets declined by mistake), small talk recognized
(recall and precision the same way), and follow-ups answered about the first turn's subject.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

from answers.engine import AnswerEngine, Verdict
from bench.harness import Metric, Result, workdir
from bench.percentiles import percentile
from bot.services import answer_engine, open_store
from storage.content import LANGUAGES
from wording.answer_view import fact_html
from wording.i18n import Translator, load_catalogs
from wording.text import plain_text

NAME = "answers"
QUESTIONS = Path(__file__).with_name("answers.toml")
HOLDOUT = Path(__file__).with_name("answers_holdout.toml")
SETS = {"own": QUESTIONS, "held-out": HOLDOUT}
SCOPE = Path(__file__).with_name("answers_scope.toml")
FACTS_SHOWN = 3

Questions = dict[str, list[tuple[str, list[str]]]]


def load_questions(path: Path = QUESTIONS) -> Questions:
    """An evaluation set: per language, (question, texts any of which must be in the reply)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {lang: [(q, list(expected)) for q, expected in data[lang]] for lang in LANGUAGES}


async def reply_lines(engine: AnswerEngine, t: Translator, question: str, lang: str) -> list[str]:
    """The facts the bot's reply would show, as plain text, the answering one first."""
    answer = await engine.ask(question, lang, limit=FACTS_SHOWN)
    facts = [answer.best, *answer.others] if answer.best else []
    return [plain_text(fact_html(fact, lang, t)) for fact in facts]


async def reply_text(engine: AnswerEngine, t: Translator, question: str, lang: str) -> str:
    """The facts the bot's reply would show, as plain text."""
    return "\n".join(await reply_lines(engine, t, question, lang))


def load_scope(path: Path = SCOPE) -> dict[str, dict[str, list[Any]]]:
    """The honesty set: per language, out_of_scope and small_talk questions, and followups."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {lang: data[lang] for lang in LANGUAGES}


async def verdicts(engine: AnswerEngine, questions: list[str], lang: str) -> list[Verdict]:
    """The engine's verdict on each question, each asked alone (no conversation)."""
    return [(await engine.ask(q, lang, limit=FACTS_SHOWN)).verdict for q in questions]


async def followup_reply(
    engine: AnswerEngine, t: Translator, turns: tuple[str, str], lang: str
) -> str:
    """The second turn's reply (plain text) in a conversation that asked the first."""
    conversation = object()
    await engine.ask(turns[0], lang, limit=FACTS_SHOWN, conversation=conversation)
    answer = await engine.ask(turns[1], lang, limit=FACTS_SHOWN, conversation=conversation)
    facts = [answer.best, *answer.others] if answer.best else []
    return "\n".join(plain_text(fact_html(fact, lang, t)) for fact in facts)


def _share(hit: int, total: int) -> float:
    return hit / total * 100 if total else 100.0


async def _honesty(
    engine: AnswerEngine,
    t: Translator,
    scope: dict[str, dict[str, list[Any]]],
    answerable: dict[str, list[str]],
    missed: list[str],
) -> dict[str, dict[str, float]]:
    """Per language: decline and small-talk precision/recall, follow-ups right (all in %)."""
    figures = {}
    for lang in LANGUAGES:
        part = scope[lang]
        out = await verdicts(engine, part["out_of_scope"], lang)
        talk = await verdicts(engine, part["small_talk"], lang)
        fair = await verdicts(engine, answerable[lang], lang)
        declined = sum(v is Verdict.NOT_IN_ARTICLE for v in out)
        wrongly_declined = sum(v is Verdict.NOT_IN_ARTICLE for v in (*fair, *talk))
        talked = sum(v is Verdict.SMALL_TALK for v in talk)
        wrongly_talked = sum(v is Verdict.SMALL_TALK for v in (*fair, *out))
        missed += [
            f"{lang} answered out of scope: {q!r}"
            for q, v in zip(part["out_of_scope"], out, strict=True)
            if v is not Verdict.NOT_IN_ARTICLE
        ]
        missed += [
            f"{lang} small talk missed: {q!r} ({v})"
            for q, v in zip(part["small_talk"], talk, strict=True)
            if v is not Verdict.SMALL_TALK
        ]
        missed += [
            f"{lang} answerable declined: {q!r}"
            for q, v in zip(answerable[lang], fair, strict=True)
            if v is Verdict.NOT_IN_ARTICLE
        ]
        right = 0
        for first, second, expected in part["followups"]:
            text = await followup_reply(engine, t, (first, second), lang)
            if any(e in text for e in expected):
                right += 1
            else:
                missed.append(f"{lang} follow-up {first!r} → {second!r}: {text[:60]!r}")
        figures[lang] = {
            "declined recall": _share(declined, len(out)),
            "declined precision": _share(declined, declined + wrongly_declined),
            "small talk recall": _share(talked, len(talk)),
            "small talk precision": _share(talked, talked + wrongly_talked),
            "follow-ups right": _share(right, len(part["followups"])),
        }
    return figures


async def _accuracy(
    engine: AnswerEngine, t: Translator, questions: Questions, label: str, missed: list[str]
) -> dict[str, tuple[float, float]]:
    """Per language: the share answered in the reply, and the share answered by its first fact."""
    shares = {}
    for lang, items in questions.items():
        answered = first = 0
        for question, expected in items:
            lines = await reply_lines(engine, t, question, lang)
            text = "\n".join(lines)
            if any(e in text for e in expected):
                answered += 1
                first += any(e in lines[0] for e in expected)
            else:
                missed.append(f"{label} {lang}: {question!r} → {text[:80]!r}")
        shares[lang] = (answered / len(items), first / len(items))
    return shares


async def run(quick: bool) -> Result:
    """Accuracy per language per set and p50/p99 per language; targets ≥ 95 % and p99 < 5 ms."""
    rounds = 1 if quick else 3
    iterations = 2 if quick else 20
    sets = {label: load_questions(path) for label, path in SETS.items()}
    scope = load_scope()
    t = Translator(load_catalogs())
    result = Result(NAME)
    missed: list[str] = []
    accuracy: dict[str, dict[str, tuple[float, float]]] = {}
    timings: dict[str, list[list[float]]] = {lang: [] for lang in LANGUAGES}
    # The engine's own CPU time per question (the thread's, so time the machine gave other
    # processes is not counted): the wall time's tail on a shared machine is mostly waiting.
    cpu: dict[str, list[list[float]]] = {lang: [] for lang in LANGUAGES}
    async with workdir() as tmp:
        store = await open_store(tmp / "answers.sqlite3")
        engine = answer_engine(store)
        try:
            for label, questions in sets.items():
                accuracy[label] = await _accuracy(engine, t, questions, label, missed)
            answerable = {
                lang: [q for questions in sets.values() for q, _ in questions[lang]]
                for lang in LANGUAGES
            }
            honesty = await _honesty(engine, t, scope, answerable, missed)
            for _ in range(rounds):
                for lang in LANGUAGES:
                    samples = []
                    cpu_samples = []
                    for _ in range(iterations):
                        for questions in sets.values():
                            for question, _expected in questions[lang]:
                                started = time.perf_counter()
                                used = time.thread_time()
                                await engine.ask(question, lang, limit=FACTS_SHOWN)
                                cpu_samples.append((time.thread_time() - used) * 1000)
                                samples.append((time.perf_counter() - started) * 1000)
                    timings[lang].append(samples)
                    cpu[lang].append(cpu_samples)
        finally:
            await store.close()
    for label, questions in sets.items():
        for lang in LANGUAGES:
            in_reply, first = accuracy[label][lang]
            share = result.add(
                Metric(
                    f"{label} {lang} answered ({len(questions[lang])} questions)",
                    "%",
                    [in_reply * 100],
                    target="≥ 95 %",
                )
            )
            share.met = in_reply >= 0.95
            result.add(Metric(f"{label} {lang} answered by the first fact", "%", [first * 100]))
    for lang in LANGUAGES:
        for name, value in honesty[lang].items():
            metric = result.add(Metric(f"{lang} {name}", "%", [value], target="≥ 90 %"))
            metric.met = value >= 90.0
    for lang in LANGUAGES:
        result.add(Metric(f"{lang} p50", "ms", [percentile(s, 50) for s in timings[lang]]))
        p99 = result.add(
            Metric(f"{lang} p99", "ms", [percentile(s, 99) for s in timings[lang]], target="< 5 ms")
        )
        p99.met = p99.median < 5.0
        result.add(Metric(f"{lang} engine CPU p99", "ms", [percentile(s, 99) for s in cpu[lang]]))
    result.notes.append(
        f"{iterations} iterations × every question of both sets per language per round; "
        + ("missed: " + "; ".join(missed) if missed else "every question answered")
    )
    result.counts = {
        "questions": {
            label: {lang: len(items) for lang, items in questions.items()}
            for label, questions in sets.items()
        },
        "honesty": {
            lang: {part: len(items) for part, items in scope[lang].items()} for lang in LANGUAGES
        },
    }
    return result
