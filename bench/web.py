"""7. Web site: pages/s and p99 latency under 50 connections, against a bare aiohttp handler.

Our site (`python -m bot web`, bundled content, its own database) and a bare aiohttp "hello"
server (bench/bare_web.py) run as processes of their own; the load comes from a third process
(bench/web_load.py) over loopback with 50 keep-alive connections. Each round measures the bare
handler, then `/ru/about` (a card page), `/zh/search?q=…` (one query, as when many readers
follow the same printed link: answered once per content version) and searches that are all
different (the answer engine on every request), after a short warm-up of each.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path
from urllib.parse import quote

from bench.harness import ROOT, Metric, Result, _child_env, workdir

NAME = "web"
CONNECTIONS = 50
CARD_PATH = "/ru/about"
SEARCH_PATH = "/zh/search?q=" + quote("江苏省 科研人员")
# Every request a query never asked before: the answer engine's own cost, no cache.
FRESH_SEARCH_PATH = "/zh/search?q=" + quote("江苏省 科研人员 ") + "{n}"
_READY = re.compile(r"(?:READY|Web site at) (http://[\d.:]+)")


async def _server(argv: list[str], log: Path) -> tuple[asyncio.subprocess.Process, str]:
    """Start a server process; return it with the URL it announced."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=_child_env(), stdout=out, stderr=out
        )
    for _ in range(400):
        found = _READY.search(_text(log))
        if found:
            return process, found.group(1)
        if process.returncode is not None:
            break
        await asyncio.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{argv} did not start:\n{_text(log)[-3000:]}")


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _load(url: str, path: str, seconds: float, warmup: float) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.web_load",
        url,
        path,
        "--connections",
        str(CONNECTIONS),
        "--seconds",
        str(seconds),
        "--warmup",
        str(warmup),
        cwd=ROOT,
        env=_child_env(),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed on {path}")
    figures: dict[str, float] = json.loads(out.decode())
    if figures["non_200"] or not figures["requests"]:
        raise AssertionError(f"{path}: {figures}")
    return figures


async def run(quick: bool) -> Result:
    """Bare hello vs card page vs search: requests/s, p99, and the card page's ratio."""
    # Quick mode checks every page kind loads without an error; its figures are not judged.
    seconds, warmup, rounds = (0.4, 0.1, 1) if quick else (5.0, 1.0, 3)
    result = Result(NAME)
    samples: dict[str, list[float]] = {
        "hello": [],
        "card": [],
        "search": [],
        "card_p99": [],
        "search_p99": [],
        "fresh": [],
        "fresh_p99": [],
        "hello_p99": [],
        "ratio": [],
    }
    requests: dict[str, int] = {"hello": 0, "card": 0, "search": 0, "fresh": 0}
    async with workdir() as tmp:
        (site, site_url), (bare, bare_url) = await asyncio.gather(
            _server([sys.executable, "-m", "bot", "web", "--port", "0"], tmp / "site.log"),
            _server([sys.executable, "-m", "bench.bare_web", "--port", "0"], tmp / "bare.log"),
        )
        try:
            for _ in range(rounds):
                for key, url, path in (
                    ("hello", bare_url, "/"),
                    ("card", site_url, CARD_PATH),
                    ("search", site_url, SEARCH_PATH),
                    ("fresh", site_url, FRESH_SEARCH_PATH),
                ):
                    figures = await _load(url, path, seconds, warmup)
                    samples[key].append(figures["rate"])
                    samples[f"{key}_p99"].append(figures["p99_ms"])
                    requests[key] += int(figures["requests"])
                samples["ratio"].append(samples["card"][-1] / samples["hello"][-1])
        finally:
            await _stop(site)
            await _stop(bare)
    result.add(Metric("bare aiohttp hello", "req/s", samples["hello"]))
    result.add(Metric("bare aiohttp hello p99", "ms", samples["hello_p99"]))
    result.add(Metric(f"card page {CARD_PATH}", "pages/s", samples["card"]))
    card_p99 = result.add(Metric(f"{CARD_PATH} p99", "ms", samples["card_p99"], target="< 20 ms"))
    card_p99.met = card_p99.median < 20
    ratio = result.add(Metric("card page ÷ bare hello", "×", samples["ratio"], target="≥ 0.5"))
    ratio.met = ratio.median >= 0.5
    result.add(Metric("search /zh/search?q=…", "pages/s", samples["search"]))
    search_p99 = result.add(Metric("search p99", "ms", samples["search_p99"], target="< 20 ms"))
    search_p99.met = search_p99.median < 20
    result.add(Metric("search, every query new (no cache)", "pages/s", samples["fresh"]))
    result.add(Metric("search, every query new p99", "ms", samples["fresh_p99"]))
    result.notes.append(
        f"{CONNECTIONS} keep-alive connections from a separate process, {seconds:g} s per "
        f"measurement after {warmup:g} s of warm-up; search path {SEARCH_PATH}"
    )
    result.counts = {"requests": requests}
    return result
