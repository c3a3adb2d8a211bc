"""The status page over a large request log: 10 million rows, answered from the rollups.

Usage: ``uv run python benchmarks/bench_status_store.py [--rows 10000000] [--repeat 5]``.

Fills a fresh SQLite store (``ILTEO_DATABASE_URL`` for PostgreSQL) with ``--rows`` synthetic
``status_requests`` rows spread over 90 days and the public menus, and their hourly and daily
rollups (``bench_status_logging.generate_log_rows``: rows in bulk, rollups summed once, as the
request log's writer keeps them incrementally), plus a few incidents. Then times
``ilteo.status.report.status_report`` with its cache cleared (what ``/status`` and ``/v1/status``
compute) ``--repeat`` times, and the rendering of ``GET /status`` and ``GET /v1/status`` through the
app. Prints JSON with the medians; goal: under 500 ms at 10 M rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_api_load import load_average, machine, reference_dir
from bench_status_logging import generate_log_rows
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.status.models import Incident, RequestLog
from ilteo.status.report import clear_cache, status_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000, help="request-log rows")
    parser.add_argument("--repeat", type=int, default=5, help="timed report builds")
    args = parser.parse_args()
    load_before = load_average()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        settings = Settings(
            env="dev",
            home=Path(tmp) / "home",
            reference_dir=reference_dir(),
            status_monitor=False,
            warm_on_start=False,
        )
        now = datetime.now(UTC)
        generated = generate_log_rows(settings, args.rows, days=90, now=now)
        with session_scope(settings) as session:
            for days, minutes in ((3, 42), (20, 7), (60, 180)):
                opened = now - timedelta(days=days)
                session.add(
                    Incident(
                        menu="reference-search",
                        opened_at=opened,
                        closed_at=opened + timedelta(minutes=minutes),
                        cause="error_rate",
                    )
                )
            stored = session.query(RequestLog).count()
        report_ms = []
        for _ in range(args.repeat):
            clear_cache()
            started = time.perf_counter()
            report = status_report(settings)
            report_ms.append((time.perf_counter() - started) * 1000)
        page_ms, api_ms = [], []
        with TestClient(create_app(settings)) as client:
            for _ in range(args.repeat):
                for path, into in (("/status", page_ms), ("/v1/status", api_ms)):
                    clear_cache()
                    started = time.perf_counter()
                    answer = client.get(path)
                    into.append((time.perf_counter() - started) * 1000)
                    answer.raise_for_status()
    med = statistics.median
    print(
        json.dumps(
            {
                "benchmark": "status.store",
                **machine(),
                "store": "sqlite",
                "load_average_before": load_before,
                "rows_in_log": stored,
                "generated": generated,
                "menus_in_report": len(report.menus),
                "report_ms_median": round(med(report_ms), 1),
                "report_ms_runs": [round(v, 1) for v in report_ms],
                "status_page_ms_median": round(med(page_ms), 1),
                "v1_status_ms_median": round(med(api_ms), 1),
                "goal_ms": 500,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
