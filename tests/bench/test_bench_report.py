"""The benchmark table: a quick run states no verdict it cannot measure."""

from __future__ import annotations

import pytest

from bench.__main__ import QUICK_JOBS, parse_args, report, run_all
from bench.harness import Metric, Result


def _results() -> list[Result]:
    return [
        Result(
            "pacing",
            [
                Metric("busiest 1-s window", "msg", [31.0], target="≤ 30", met=False),
                Metric("long-run rate", "msg/s", [29.0], target="≥ 29", met=True),
                Metric("recipients", "", [45.0]),
            ],
        )
    ]


def test_quick_mode_does_not_judge_targets() -> None:
    table = report(_results(), quick=True)
    assert "NO" not in table and "| yes |" not in table
    assert table.count("not judged in quick mode") == 2  # the figure without a target: blank


def test_full_mode_judges_targets() -> None:
    table = report(_results())
    assert "| **NO** |" in table and "| yes |" in table
    assert "not judged" not in table


def test_a_full_run_is_one_benchmark_at_a_time() -> None:
    """Full figures are judged, so a full run never shares the machine with itself."""
    assert parse_args([]).jobs == 1
    assert parse_args(["--quick"]).jobs == QUICK_JOBS > 1
    assert parse_args(["--quick", "--jobs", "1"]).jobs == 1
    for wrong in (["--jobs", "2"], ["--quick", "--jobs", "0"]):
        with pytest.raises(SystemExit) as refused:
            parse_args(wrong)
        assert refused.value.code == 2


@pytest.mark.slow  # the answer engine's evaluation sets, in-process (~2 s)
async def test_benchmarks_run_at_once_report_in_the_table_order() -> None:
    """The in-process benchmarks (no bot to start), two at a time: results in the given order,
    whichever finished first (search is the quicker of the two)."""
    results = await run_all(["answers", "search"], quick=True, jobs=2)
    assert [r.name for r in results] == ["answers", "search"]
    assert all(r.metrics for r in results)
