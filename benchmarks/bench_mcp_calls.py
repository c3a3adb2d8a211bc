"""Time MCP tool calls over streamable HTTP with the official SDK client: p50 and p99 per call.

Usage: ``uv run python benchmarks/bench_mcp_calls.py [--calls 500] [--repeat 3]``.

Each run starts ``ilteo serve`` as its own process on a fresh home with the real reference data,
exactly as ``bench_api_load.py`` does (access log on, rate limiter on, a data steward's API key
with the largest per-key limits). One ``mcp`` client session over streamable HTTP at ``/mcp``,
the key in ``Authorization: Bearer``, then, one after another (no concurrency):

- ``tools/list`` ``--calls`` times;
- ``tools/call`` of ``search_occupations`` (``{"query": "소프트웨어", "limit": 20}``)
  ``--calls`` times;
- ``tools/call`` of ``get_occupation`` (``{"system": "ksco8", "code": "2222"}``) ``--calls`` times.

A few warm-up calls load the reference cache first. Every timed call must succeed (no tool
error). Prints JSON with the medians over runs of p50/p99 (ms) per kind of call, plus the time to
open a session (``initialize``).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from bench_api_load import load_average, machine, serve
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from mcp import Client

CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "search_occupations": ("search_occupations", {"query": "소프트웨어", "limit": 20}),
    "get_occupation": ("get_occupation", {"system": "ksco8", "code": "2222"}),
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _timed(n: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _one_run(url: str, key: str, calls: int) -> dict[str, list[float]]:
    headers = {"Authorization": f"Bearer {key}"}
    timings: dict[str, list[float]] = {}
    async with create_mcp_http_client(headers=headers) as http:
        started = time.perf_counter()
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            timings["initialize"] = [(time.perf_counter() - started) * 1000]

            async def list_tools() -> None:
                listed = await client.list_tools()
                assert listed.tools, "no tools listed"  # noqa: S101 - a benchmark sanity check

            def call_of(name: str, arguments: dict[str, Any]) -> Callable[[], Awaitable[None]]:
                async def call() -> None:
                    result = await client.call_tool(name, arguments)
                    assert not result.is_error, result.content  # noqa: S101 - sanity check

                return call

            for name, arguments in CALLS.values():  # warm-up: loads the reference cache
                for _ in range(3):
                    await call_of(name, arguments)()
            timings["tools_list"] = await _timed(calls, list_tools)
            for label, (name, arguments) in CALLS.items():
                timings[label] = await _timed(calls, call_of(name, arguments))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500, help="sequential calls per kind")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each on a new server")
    args = parser.parse_args()
    for noisy in ("httpx", "mcp"):  # one INFO line per request would drown the JSON
        logging.getLogger(noisy).setLevel(logging.WARNING)
    runs: list[dict[str, list[float]]] = []
    loads = []
    for _ in range(args.repeat):
        loads.append(load_average())
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "home") as server:
            runs.append(anyio.run(_one_run, server.url, server.key, args.calls))
    med = statistics.median
    results: dict[str, dict[str, float]] = {}
    for kind in ("tools_list", *CALLS):
        results[kind] = {
            "p50_ms": round(med(_pct(run[kind], 0.50) for run in runs), 2),
            "p99_ms": round(med(_pct(run[kind], 0.99) for run in runs), 2),
            "mean_ms": round(med(statistics.fmean(run[kind]) for run in runs), 2),
        }
    results["initialize"] = {"median_ms": round(med(run["initialize"][0] for run in runs), 2)}
    print(
        json.dumps(
            {
                "benchmark": "mcp.calls",
                **machine(),
                "transport": "streamable HTTP (official mcp SDK client, one session per run)",
                "server": "ilteo serve (uvicorn, 1 process, access log on, rate limiter on)",
                "auth": "a data steward's API key with the largest per-key limits",
                "calls_per_kind": args.calls,
                "repeat": args.repeat,
                "arguments": {label: args_ for label, (_, args_) in CALLS.items()},
                "load_average_before_runs": loads,
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
