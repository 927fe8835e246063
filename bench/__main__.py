"""`python -m bench [--quick] [--only NAME ...] [--json PATH]`: run the benchmarks, print a
table."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import Metric, Result, fmt, machine

# In the order they run; each is bench/<name>.py with NAME and run(quick).
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one round: checks the scripts work"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args(argv)


# Quick mode's tiny sizes and single round measure that the scripts work, not the targets.
NOT_JUDGED = "not judged in quick mode"


def verdict(metric: Metric, quick: bool) -> str:
    """The table's "met" cell: yes, NO, nothing without a target, never a guess in quick mode."""
    if metric.met is None:
        return ""
    if quick:
        return NOT_JUDGED
    return "yes" if metric.met else "**NO**"


def report(results: list[Result], quick: bool = False) -> str:
    """A Markdown table: figure, median, min–max, rounds, target, met."""
    lines = [
        "| benchmark | figure | median | min–max | rounds | target | met |",
        "| --- | --- | ---: | --- | ---: | --- | --- |",
    ]
    for result in results:
        for m in result.metrics:
            spread = f"{fmt(min(m.samples))}–{fmt(max(m.samples))}" if m.samples else ""
            met = verdict(m, quick)
            lines.append(
                f"| {result.name} | {m.name} | {fmt(m.median)} {m.unit} | {spread} "
                f"| {len(m.samples)} | {m.target} | {met} |"
            )
    notes = [f"- {r.name}: {note}" for r in results for note in r.notes]
    return "\n".join(lines + (["", *notes] if notes else []))


async def run_all(names: list[str], quick: bool) -> list[Result]:
    results = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        result: Result = await module.run(quick)
        print(f"== {name} done in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    info = machine()
    started = time.monotonic()
    results = asyncio.run(run_all(names, args.quick))
    elapsed = time.monotonic() - started
    print("Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    print(f"Mode: {'quick' if args.quick else 'full'}; wall time {elapsed:.0f}s\n")
    print(report(results, args.quick))
    if args.json:
        payload: dict[str, Any] = {
            "machine": info,
            "quick": args.quick,
            "elapsed_s": elapsed,
            "results": [
                {
                    "name": r.name,
                    "notes": r.notes,
                    "counts": r.counts,
                    "metrics": [
                        {**m.as_dict(), "met": None if args.quick else m.met} for m in r.metrics
                    ],
                }
                for r in results
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
