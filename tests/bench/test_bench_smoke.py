"""The benchmarks still run: `python -m bench --quick` end to end, with sane numbers.

Timings are not asserted (CI machines vary); what is asserted is that every benchmark
finished, reached everyone it addressed, and produced finite positive figures.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Every test here starts a real process or waits on one (>= 1 s).
# The quick run is bounded by its own subprocess timeout (270 s), not by the suite's 120 s per
# test, which a loaded machine exceeds while the module's first test sets the run up.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = (
    "answers",
    "search",
    "startup",
    "throughput",
    "latency",
    "questions",
    "pacing",
    "memory",
    "burst",
    "web",
    "scheduled",
    "reminders",
    "crash",
    "wechat",
)
# Figures that are signed by nature: a reminder's lateness is negative when it went early.
SIGNED = ("reminder lateness", "earliest reminder before")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One quick run of every benchmark, as the JSON it writes."""
    out = tmp_path_factory.mktemp("bench") / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=270,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "| benchmark | figure |" in completed.stdout
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _result(report: dict[str, Any], name: str) -> dict[str, Any]:
    (result,) = [r for r in report["results"] if r["name"] == name]
    return result


def _metric(result: dict[str, Any], prefix: str) -> dict[str, Any]:
    (metric,) = [m for m in result["metrics"] if m["name"].startswith(prefix)]
    return metric


def test_every_benchmark_ran_with_finite_positive_figures(report: dict[str, Any]) -> None:
    assert report["quick"] is True
    assert [r["name"] for r in report["results"]] == list(BENCHMARKS)
    assert int(report["machine"]["cores"]) >= 1
    for name in BENCHMARKS:
        result = _result(report, name)
        assert result["metrics"], name
        for metric in result["metrics"]:
            assert metric["rounds"] >= 1
            # Counts of what must not happen (early sends, uploads, losses) are rightly 0.
            floor = 0 if metric["target"].startswith("0") else 1e-12
            for value in metric["samples"]:
                # Counts of events (updates lost or answered twice in a crash) may be zero.
                counted = metric["unit"] == "updates"
                assert math.isfinite(value), (name, metric["name"], value)
                if metric["name"].startswith(SIGNED):
                    continue
                assert value >= (0 if counted else floor), (name, metric["name"], value)
            assert metric["min"] <= metric["median"] <= metric["max"]


def test_throughput_answered_every_user_for_every_contender(report: dict[str, Any]) -> None:
    result = _result(report, "throughput")
    count = result["counts"]["updates_per_round"]
    assert count == 600
    assert result["counts"]["answered"] == {"ours": [600], "bare": [600], "floor": [600]}
    ours = _metric(result, "ours: 600")["median"]
    bare = _metric(result, "bare PTB: 600")["median"]
    assert _metric(result, "ours ÷ bare PTB")["median"] == pytest.approx(ours / bare)
    ours_cpu = _metric(result, "ours: CPU")["median"]
    floor_cpu = _metric(result, "floor: CPU")["median"]
    assert _metric(result, "ours ÷ floor")["median"] == pytest.approx(ours_cpu / floor_cpu)


def test_search_finds_known_words_and_misses_absent_ones(report: dict[str, Any]) -> None:
    result = _result(report, "search")
    hits = result["counts"]["hits"]
    # Words of the bundled content (city and province in three languages) and absent fruit.
    for query in (
        "Nanjing",
        "南京",
        "Нанкин конференция",
        "conference Jiangsu",
        "江苏省",
        "материалы",  # the chat answers it (issue 25): the row must count what the chat shows
        "新材料",
        "new materials",
    ):
        assert hits[query] >= 1, query
    for query in ("apple", "苹果", "яблоко"):
        assert hits[query] == 0, query
    for lang in ("ru", "zh", "en"):
        assert _metric(result, f"{lang} p50")["median"] <= _metric(result, f"{lang} p99")["median"]


def test_answers_asked_every_question_of_the_set(report: dict[str, Any]) -> None:
    result = _result(report, "answers")
    sets = result["counts"]["questions"]
    assert set(sets) == {"own", "held-out"}
    for label, counts in sets.items():
        assert set(counts) == {"ru", "zh", "en"}
        assert all(count >= 40 for count in counts.values()), (label, counts)
        for lang in ("ru", "zh", "en"):
            assert _metric(result, f"{label} {lang} answered (")["median"] >= 95


def test_startup_answered_each_start(report: dict[str, Any]) -> None:
    result = _result(report, "startup")
    assert result["counts"]["answered_starts"] == 2
    assert _metric(result, "first start")["median"] < 60


def test_broadcasts_reached_every_recipient(report: dict[str, Any]) -> None:
    pacing = _result(report, "pacing")
    assert pacing["counts"]["reached"] == pacing["counts"]["recipients"] == [45, 300]
    # 45 recipients at 30 msg/s: never more than the configured 30 in one second.
    assert _metric(pacing, "busiest 1-s window")["max"] <= 30 / 30
    latency = _result(report, "latency")
    assert latency["counts"]["idle_probes"] == 20
    assert latency["counts"]["probes_during_broadcast"][0] >= 1
    memory = _result(report, "memory")
    assert memory["counts"]["reached"] == [100, 1000]
    assert _metric(memory, "peak RSS, 100 subscribers")["median"] > 10


def test_crash_with_a_backlog_lost_nothing(report: dict[str, Any]) -> None:
    result = _result(report, "crash")
    assert result["counts"]["updates_per_round"] == 300
    # Killed mid-burst: some replies had gone out, not all of them.
    assert 0 < result["counts"]["answered_before_kill"][0] < 300
    assert _metric(result, "kill -9")["samples"] == [0]
    # Only replies that went out before the kill can go out twice.
    (twice,) = _metric(result, "answered twice")["samples"]
    assert 0 <= twice <= result["counts"]["answered_before_kill"][0]


def test_web_benchmark_loaded_every_page_kind_without_errors(report: dict[str, Any]) -> None:
    """The load generator counts non-200 answers as a failure, so figures mean served pages."""
    result = _result(report, "web")
    assert set(result["counts"]["requests"]) == {"hello", "card", "search", "fresh"}
    assert all(count > 0 for count in result["counts"]["requests"].values())
    assert _metric(result, "card page ÷ bare hello")["target"] == "≥ 0.5"


def test_scheduled_photo_reached_everyone_after_its_time_without_uploads(
    report: dict[str, Any],
) -> None:
    scheduled = _result(report, "scheduled")
    assert scheduled["counts"]["recipients"] == [45, 300, 300, 300]
    assert scheduled["counts"]["lost"] == [0]
    assert _metric(scheduled, "photos sent before the due time")["max"] == 0
    assert _metric(scheduled, "files uploaded by the bot")["max"] == 0


def test_answers_measured_the_honesty_set(report: dict[str, Any]) -> None:
    """Out of scope, small talk and follow-ups: ≥ 20 items each per language, ≥ 90 % each."""
    result = _result(report, "answers")
    parts = result["counts"]["honesty"]
    assert set(parts) == {"ru", "zh", "en"}
    for lang, counts in parts.items():
        assert set(counts) == {"out_of_scope", "small_talk", "followups"}
        assert all(count >= 20 for count in counts.values()), (lang, counts)
        for figure in ("declined recall", "small talk recall", "follow-ups right"):
            assert _metric(result, f"{lang} {figure}")["median"] >= 90, (lang, figure)


def test_reminders_reached_every_follower_once_before_the_start(report: dict[str, Any]) -> None:
    result = _result(report, "reminders")
    assert result["counts"]["followers"] == [30]
    assert result["counts"]["reminders_sent_missed_other"] == [30, 0, 0]
    for figure in ("followers not reminded", "followers reminded twice", "reminders after"):
        assert _metric(result, figure)["max"] == 0, figure


def test_wechat_answered_every_question_of_every_user(report: dict[str, Any]) -> None:
    result = _result(report, "wechat")
    # Quick mode: 50 users x 2 questions, each reply checked by the WeChat emulator.
    assert result["counts"]["wechat_answered"] == [100.0]
