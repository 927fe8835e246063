"""`python -m bench [--quick] [--only NAME ...] [--jobs N] [--json PATH]`: run the benchmarks,
print a table.

A full run times: one benchmark at a time, on a machine left alone. A quick run only checks
that every script works (its figures are not judged), so it runs QUICK_JOBS benchmarks at once,
the ones that mostly wait on the clock first.
"""

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
# Benchmarks at once in quick mode (each is mostly processes waiting on each other and on the
# clock: three keep two cores busy), and the ones that wait longest, started first.
QUICK_JOBS = 3
CLOCK_BOUND = ("scheduled", "reminders", "web", "pacing")


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
    parser.add_argument(
        "--jobs",
        type=int,
        help=f"benchmarks at once (quick mode only; default {QUICK_JOBS} quick, 1 full)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.jobs is None:
        args.jobs = QUICK_JOBS if args.quick else 1
    elif args.jobs < 1:
        parser.error("--jobs: at least 1")
    elif args.jobs > 1 and not args.quick:
        parser.error("--jobs: a full run is timed, one benchmark at a time (use --quick)")
    return args


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


async def run_all(names: list[str], quick: bool, jobs: int = 1) -> list[Result]:
    """Each benchmark's result, in the order of `names`; `jobs` of them at a time."""
    gate = asyncio.Semaphore(jobs)

    async def one(name: str) -> Result:
        async with gate:
            module = importlib.import_module(f"bench.{name}")
            started = time.monotonic()
            print(f"== {name} ...", file=sys.stderr, flush=True)
            result: Result = await module.run(quick)
            elapsed = time.monotonic() - started
            print(f"== {name} done in {elapsed:.1f}s", file=sys.stderr, flush=True)
            return result

    # The semaphore admits waiters in order: when several run at once, the clock-bound ones
    # queue first; one at a time, they run in the table's order.
    order = names
    if jobs > 1:
        order = sorted(names, key=lambda n: CLOCK_BOUND.index(n) if n in CLOCK_BOUND else 99)
    tasks = {name: asyncio.create_task(one(name), name=f"bench-{name}") for name in order}
    try:
        await asyncio.gather(*tasks.values())
    finally:
        for task in tasks.values():
            task.cancel()
    return [tasks[name].result() for name in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    info = machine()
    started = time.monotonic()
    results = asyncio.run(run_all(names, args.quick, args.jobs))
    elapsed = time.monotonic() - started
    print("Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    mode = "quick" if args.quick else "full"
    at_once = f", {args.jobs} benchmarks at once" if args.jobs > 1 else ""
    print(f"Mode: {mode}{at_once}; wall time {elapsed:.0f}s\n")
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
