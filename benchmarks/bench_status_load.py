"""A realistic mix under load for 5 minutes, and whether ``/v1/status`` tells the same story.

Usage: ``uv run python benchmarks/bench_status_load.py [--users 20] [--rate 1] [--duration 300]``.

Starts a real ``ilteo serve`` (its own process, fresh home, real reference data, request log on,
monitor off so probes do not mix in) and runs locust headless from a second process on loopback
(``benchmarks/locustfile_status.py``): ``--users`` people each making ``--rate`` requests per
second (``constant_throughput``) — 50 % citizen pages, 35 % Open API reads, 15 % MCP tool calls,
with a data steward's API key. Then it reads ``/v1/status`` (after the log's flush) and compares,
per public service menu, the number of requests and failures the page reports for the last 24 hours
(minus what it reported before the run) with the number locust sent, and the page's server mean
time with locust's mean time (locust's includes the client and the loopback, so it is the larger).

Prints JSON: the stated rate, locust's totals (requests, failures, error rate, p50, p99, mean) per
request name, and per menu: locust count, status count, their ratio, locust and server mean ms.
The claim checked: every menu's count on the status page is within 10 % of locust's.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from bench_api_load import load_average, machine, serve

from ilteo.status.menus import menu_for_route, menu_for_tool

LOCUSTFILE = Path(__file__).with_name("locustfile_status.py")


def status_counts(url: str) -> dict[str, dict[str, Any]]:
    """Per public menu: the 24-hour window of ``/v1/status``."""
    report = httpx.get(f"{url}/v1/status", timeout=60).json()
    found = {}
    for menu in report["menus"]:
        window = next(w for w in menu["windows"] if w["window"] == "24h")
        found[menu["id"]] = window
    return found


def menus_of(name: str) -> list[str]:
    """The service menus one locust request lands in (an MCP tool call: /mcp and the tool's)."""
    if name.startswith("mcp:"):
        menus = [menu_for_route("POST", "/mcp")]
        tool = name.removeprefix("mcp:")
        if tool not in ("initialize", "initialized"):
            menus.append(menu_for_tool(tool))
        return menus
    method, _, template = name.partition(" ")
    return [menu_for_route(method, template)]


def read_locust(prefix: Path) -> list[dict[str, str]]:
    """The per-request-name rows of locust's ``_stats.csv``."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20, help="simulated people")
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second per person")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    env = {"ILTEO_STATUS_MONITOR": "false", "ILTEO_WARM_ON_START": "true"}
    load_before = load_average()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp) / "home", args.workers, env) as server,
    ):
        for path in ("/", "/reference?q=간호사", "/status", "/v1/reference/occupations?q=간호사"):
            httpx.get(server.url + path, timeout=120)  # warm the caches
        time.sleep(3)  # the request log flushes every second
        before = status_counts(server.url)
        prefix = Path(tmp) / "locust"
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s",
            "--host", server.url, "--csv", str(prefix), "--only-summary",
        ]  # fmt: skip
        started = time.monotonic()
        subprocess.run(
            command,
            env={**os.environ, "ILTEO_API_KEY": server.key, "ILTEO_LOAD_RATE": str(args.rate)},
            check=False,  # locust exits 1 when any request failed; the failures are reported
            capture_output=True,
        )
        elapsed = time.monotonic() - started
        time.sleep(8)  # flush, and let the report's few-second cache expire
        after = status_counts(server.url)
        rows = read_locust(prefix)
    sent: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    mean_by_menu: dict[str, list[tuple[int, float]]] = {}
    by_name = {}
    total = {}
    for row in rows:
        name, count = row["Name"], int(row["Request Count"])
        stats = {
            "requests": count,
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p99_ms": float(row["99%"]),
            "mean_ms": round(float(row["Average Response Time"]), 1),
        }
        if name == "Aggregated":
            total = stats
            continue
        by_name[f"{row['Type']} {name}" if not name.startswith(("GET", "mcp")) else name] = stats
        for menu in menus_of(name):
            sent[menu] += count
            failed[menu] += stats["failures"]
            mean_by_menu.setdefault(menu, []).append((count, stats["mean_ms"]))
    comparison = {}
    for menu, count in sorted(sent.items()):
        if menu not in after:
            continue  # not a public menu: not on the page
        reported = after[menu]["requests"] - before.get(menu, {}).get("requests", 0)
        pairs = mean_by_menu[menu]
        comparison[menu] = {
            "locust_requests": count,
            "status_requests": reported,
            "ratio": round(reported / count, 3) if count else None,
            "within_10_percent": bool(count) and abs(reported - count) <= 0.10 * count,
            "locust_failures": failed[menu],
            "status_failures": after[menu]["failures"] - before.get(menu, {}).get("failures", 0),
            "locust_mean_ms": round(
                sum(c * m for c, m in pairs) / max(1, sum(c for c, _ in pairs)), 1
            ),
            "status_server_mean_ms": after[menu]["server_avg_ms"],
        }
    print(
        json.dumps(
            {
                "benchmark": "status.load",
                **machine(),
                "stated_rate_per_second": args.users * args.rate,
                "users": args.users,
                "duration_s": args.duration,
                "elapsed_s": round(elapsed, 1),
                "workers": args.workers,
                "load_average_before": load_before,
                "locust_total": total,
                "error_rate": round(total.get("failures", 0) / max(1, total.get("requests", 0)), 4),
                "by_request": by_name,
                "by_menu": comparison,
                "all_within_10_percent": all(c["within_10_percent"] for c in comparison.values()),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
