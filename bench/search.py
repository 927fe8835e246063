"""6. Search: latency of answering a question on the real store, in-process, per language.

Times what the chat, /search and inline mode do with a question: the answer engine
(the engine's `ask`: question reading, stemming, the answer index, the substring fallback
when nothing answers). Opens the store on a temp file (migrations and the bundled content, as
the bot does), warms it up, then times every query many times. Hits are the facts the answer
shows, in the query's own language; a miss shows none.
"""

from __future__ import annotations

import time

from bench.harness import Metric, Result, workdir
from bench.percentiles import percentile
from bot.services import answer_engine, open_store

NAME = "search"
# The answer engine's latency target, as in bench/answers.py.
P99_TARGET_MS = 5.0

# (language the answer is titled in, query). Words taken from the bundled content.
QUERIES: dict[str, list[str]] = {
    "ru": ["материалы", "Нанкин конференция", "новых материалов Цзянсу", "интервью", "яблоко"],
    "zh": ["新材料", "南京", "江苏省", "会议 合作", "苹果"],
    "en": ["new materials", "Nanjing", "conference Jiangsu", "interview", "apple"],
}


async def run(quick: bool) -> Result:
    """p50/p99 per language; target p99 < 5 ms, the answer engine's (bench/answers.py): the
    row times the same call (it timed the substring search alone, 2 ms, before issue 25)."""
    iterations = 20 if quick else 400
    rounds = 1 if quick else 3
    result = Result(NAME)
    per_language: dict[str, tuple[list[float], list[float]]] = {lang: ([], []) for lang in QUERIES}
    found: dict[str, int] = {}
    async with workdir() as tmp:
        store = await open_store(tmp / "search.sqlite3")
        engine = answer_engine(store)
        try:
            for lang, query_list in QUERIES.items():
                for query in query_list:
                    answer = await engine.ask(query, lang)
                    found[query] = (answer.best is not None) + len(answer.others)
            for _ in range(rounds):
                for lang, query_list in QUERIES.items():
                    timings: list[float] = []
                    for _ in range(iterations):
                        for query in query_list:
                            started = time.perf_counter()
                            await engine.ask(query, lang)
                            timings.append((time.perf_counter() - started) * 1000)
                    per_language[lang][0].append(percentile(timings, 50))
                    per_language[lang][1].append(percentile(timings, 99))
        finally:
            await store.close()
    for lang, (p50s, p99s) in per_language.items():
        result.add(Metric(f"{lang} p50", "ms", p50s))
        p99 = result.add(Metric(f"{lang} p99", "ms", p99s, target=f"< {P99_TARGET_MS:g} ms"))
        p99.met = p99.median < P99_TARGET_MS
    result.notes.append(
        f"{iterations} iterations × {len(QUERIES['en'])} queries per language per round; "
        "hits per query: " + ", ".join(f"{q!r}={n}" for q, n in found.items())
    )
    result.counts = {"hits": found, "timed_per_language": iterations * rounds * 5}
    return result
