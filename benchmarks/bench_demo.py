"""Time ``ilteo demo`` from start to its first page: cold (empty home) and warm (cached).

Usage: ``uv run python benchmarks/bench_demo.py [--persons 20000] [--repeat 3]``. Prints JSON with
the median seconds to the first ``200 OK`` of ``/`` and of ``/reference?q=소프트웨어``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ok(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def run_once(home: Path, persons: int, timeout: float) -> dict[str, float]:
    """Start the demo with ``home``; return seconds to the first page and to a search result."""
    port = _free_port()
    env = dict(os.environ, ILTEO_HOME=str(home), ILTEO_PORT=str(port), ILTEO_ENV="dev")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ilteo.cli", "demo", "--persons", str(persons)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        if not _wait_ok(base + "/", started + timeout):
            raise RuntimeError("the demo did not serve / in time")
        first_page = time.monotonic() - started
        _wait_ok(f"{base}/reference?q={quote('소프트웨어')}", started + timeout)
        first_search = time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return {"first_page_s": round(first_page, 2), "first_search_s": round(first_search, 2)}


def main() -> None:
    """Run cold and warm starts ``--repeat`` times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(run_once(Path(tmp), args.persons, args.timeout))
            warm.append(run_once(Path(tmp), args.persons, args.timeout))

    def median(runs: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 2)

    print(
        json.dumps(
            {
                "benchmark": "demo_time_to_first_page",
                "persons": args.persons,
                "repeat": args.repeat,
                "cold_first_page_s": median(cold, "first_page_s"),
                "cold_first_search_s": median(cold, "first_search_s"),
                "warm_first_page_s": median(warm, "first_page_s"),
                "warm_first_search_s": median(warm, "first_search_s"),
                "runs": {"cold": cold, "warm": warm},
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
