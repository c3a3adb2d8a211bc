"""Time the sign-in drop-off report query on a large audit table (fresh SQLite store).

Usage: ``uv run python benchmarks/bench_funnel_report.py [--events 1000000] [--repeat 5]``.
Inserts ``--events`` funnel events (every path, two thirds ``started``, one third ``finished``)
spread evenly over the two years before a fixed clock, in bulk (``executemany`` in chunks), plus
``--other`` non-funnel audit events (sign-in results, default: as many as the funnel events) so
the ``event`` filter has something to skip, as in a real audit log. Then times
:func:`ilteo.identity.funnel_report.sign_in_report` for 12 and 104 weeks, first with the indexes
the model declares (``at``, ``event`` and the composite ``(event, at)`` of migration 0012), then
as a baseline with the composite index dropped.
Prints JSON of medians over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from ilteo.core.db import engine_for, session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.funnel import PATHS
from ilteo.identity.funnel_report import sign_in_report
from ilteo.identity.models import AuditEntry

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
CHUNK = 50_000


def _rows(count: int, funnel: bool) -> list[dict[str, object]]:
    step = SPAN / max(count, 1)
    rows: list[dict[str, object]] = []
    for i in range(count):
        at = NOW - SPAN + step * i
        if funnel:
            event = "funnel.finished" if i % 3 == 2 else "funnel.started"
            detail: dict[str, object] = {"path": PATHS[(i // 3) % len(PATHS)]}
        else:
            event = "sign_in.ok" if i % 2 else "sign_in.refused"
            detail = {"method": "password"}
        rows.append({"at": at, "event": event, "detail": detail})
    return rows


def _insert(settings: Settings, events: int, other: int) -> float:
    started = time.perf_counter()
    for funnel, count in ((True, events), (False, other)):
        rows = _rows(count, funnel)
        for offset in range(0, len(rows), CHUNK):
            with session_scope(settings) as session:
                session.execute(insert(AuditEntry), rows[offset : offset + CHUNK])
    return time.perf_counter() - started


def _time_report(settings: Settings, weeks: int, repeat: int) -> tuple[float, int]:
    timings = []
    started_total = 0
    for _ in range(repeat):
        with session_scope(settings) as session:
            started = time.perf_counter()
            report = sign_in_report(session, weeks=weeks, now=NOW)
            timings.append(time.perf_counter() - started)
        started_total = sum(c.started or 0 for w in report.weeks for c in w.paths)
    return statistics.median(timings) * 1000, started_total


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="funnel events to insert")
    parser.add_argument("--other", type=int, default=None, help="other audit events (= events)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case")
    args = parser.parse_args()
    other = args.events if args.other is None else args.other
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(env="dev", home=Path(home))
        upgrade(settings)
        insert_s = _insert(settings, args.events, other)
        with engine_for(settings).begin() as connection:
            connection.execute(text("ANALYZE"))
        results: dict[str, object] = {}
        for label in ("model_indexes", "without_event_at_index"):
            if label == "without_event_at_index":
                with engine_for(settings).begin() as connection:
                    connection.execute(text("DROP INDEX ix_identity_audit_event_at"))
                    connection.execute(text("ANALYZE"))
            for weeks in (12, 104):
                median_ms, counted = _time_report(settings, weeks, args.repeat)
                results[f"{label}.weeks_{weeks}_median_ms"] = round(median_ms, 1)
                results[f"{label}.weeks_{weeks}_started_published"] = counted
        engine_for(settings).dispose()
    print(
        json.dumps(
            {
                "benchmark": "funnel_report",
                "store": "sqlite",
                "funnel_events": args.events,
                "other_audit_events": other,
                "span_days": SPAN.days,
                "repeat": args.repeat,
                "insert_s": round(insert_s, 1),
                **results,
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
