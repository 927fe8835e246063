"""HTTP load from a process of its own:
`python -m bench.web_load URL PATH --connections N --seconds S [--warmup W]`.

N keep-alive HTTP/1.1 connections, each sending the next GET as soon as the previous answer
is read in full, for W seconds of warm-up (not counted) and then S measured seconds. A `{n}` in PATH becomes a new number in every request (no two
requests alike, so no cache can answer them). Prints one JSON line: requests, seconds, latency
percentiles (ms), and non-200 answers. A minimal client on asyncio streams, so the client costs
less CPU than the servers it measures (both share the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import time
from urllib.parse import urlsplit

from bench.percentiles import percentile

_numbers = itertools.count(1)
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


async def _connection(
    host: str, port: int, request: str, deadline: float, latencies: list[float]
) -> int:
    """Requests on one connection until the deadline; returns the count of non-200 answers."""
    reader, writer = await asyncio.open_connection(host, port)
    failures = 0
    fixed = request.encode() if "{n}" not in request else None
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(fixed or request.replace("{n}", str(next(_numbers))).encode())
            head = await reader.readuntil(b"\r\n\r\n")
            found = _LENGTH.search(head)
            if found is None:
                raise RuntimeError(f"no Content-Length in {head[:200]!r}")
            await reader.readexactly(int(found.group(1)))
            latencies.append((time.perf_counter() - started) * 1000)
            if head[9:12] != b"200":
                failures += 1
    finally:
        writer.close()
    return failures


async def load(url: str, path: str, connections: int, seconds: float) -> dict[str, float]:
    """Run the load; the figures as a dict."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Language: ru\r\n\r\n"
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    failures = await asyncio.gather(
        *(_connection(host, port, request, deadline, latencies) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "non_200": sum(failures),
    }


def main() -> None:
    """Parse the arguments, warm up, run the load, print the JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.web_load")
    parser.add_argument("url")
    parser.add_argument("path")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of load not counted")
    args = parser.parse_args()
    figures = asyncio.run(
        _warm_then_load(args.url, args.path, args.connections, args.seconds, args.warmup)
    )
    print(json.dumps(figures), flush=True)


async def _warm_then_load(
    url: str, path: str, connections: int, seconds: float, warmup: float
) -> dict[str, float]:
    # One process for both: a second interpreter's start would cost more than the warm-up.
    if warmup > 0:
        await load(url, path, connections, warmup)
    return await load(url, path, connections, seconds)


if __name__ == "__main__":
    main()
