"""The benchmark table: a quick run states no verdict it cannot measure."""

from __future__ import annotations

from bench.__main__ import report
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
