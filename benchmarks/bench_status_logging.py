"""Per-request overhead of the status request log, and a fast generator of synthetic log rows.

Usage: ``uv run python benchmarks/bench_status_logging.py [--requests 20000] [--repeat 3]``
or ``uv run python benchmarks/bench_status_logging.py --generate 200000 [--days 90]``.

Overhead: the same app is built twice in process (a fresh SQLite home with the real reference
data, ``ILTEO_REFERENCE_DIR``, default ``../shared/data`` beside the checkout), once with
``status_log`` on and once off, and called directly through ASGI (no sockets, no HTTP client: the
app's own cost is all that is timed) ``--requests`` times in turn on ``/healthz`` and on one
reference read (``/v1/reference/occupations/ksco8/2222``). The anonymous rate limit is raised so
no call is refused. With the log on, buffered rows are flushed after each run (untimed: the writer
runs in its own thread in production). Prints JSON: per target and mode the median over
``--repeat`` runs of the mean ms per request, and the difference (the logging overhead; goal
< 1 ms).

Generation: :func:`generate_log_rows` bulk-inserts synthetic ``status_requests`` rows over the
last ``days`` days and the matching hourly and daily rollups (computed in memory once), for the
status page benchmark at 10 million rows; ``--generate N`` runs it once and prints rows/second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.status import histogram
from ilteo.status.logs import REQUEST_COLUMNS, _add_group, _Sums, day_start, flush_now
from ilteo.status.models import RequestLog, Rollup

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
TARGETS = ("/healthz", "/v1/reference/occupations/ksco8/2222")
#: Menus and a route of each, with a typical median time (ms), for synthetic rows.
DEFAULT_MENUS: tuple[tuple[str, str, float], ...] = (
    ("home", "/", 8.0),
    ("reference-search", "/v1/reference/occupations", 15.0),
    ("reference-detail", "/v1/reference/occupations/{system}/{code}", 6.0),
    ("reference-datasets", "/v1/reference/datasets", 4.0),
    ("open-api-docs", "/v1/openapi.json", 3.0),
    ("open-mcp", "/mcp", 25.0),
    ("sign-in", "/sign-in", 40.0),
    ("account", "/account", 20.0),
    ("api-keys", "/account/api-keys", 20.0),
    ("sign-in-report", "/v1/identity/sign-in-report", 30.0),
    ("service-status", "/v1/status", 12.0),
    ("ops", "/healthz", 1.0),
)


def _settings(home: Path, *, log: bool) -> Settings:
    return Settings(
        env="dev",
        home=home,
        reference_dir=REFERENCE_DIR,
        status_log=log,
        status_monitor=False,
        warm_on_start=False,
        api_anonymous_rate_per_minute=10_000_000,
    )


async def _call(app: Any, path: str) -> int:
    """One GET through the app's ASGI interface; the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": ("192.0.2.10", 50000),
        "server": ("bench", 80),
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _run(app: Any, path: str, requests: int) -> float:
    for _ in range(50):  # warm-up: caches, lazy route tables
        await _call(app, path)
    started = time.perf_counter()
    for _ in range(requests):
        status = await _call(app, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return (time.perf_counter() - started) * 1000.0 / requests


def measure_overhead(requests: int, repeat: int) -> dict[str, Any]:
    """Median ms per request with the log on and off, per target, and their difference."""
    from ilteo.api import create_app

    home = Path(tempfile.mkdtemp(prefix="ilteo-bench-log-"))
    upgrade(_settings(home, log=True))
    apps = {mode: create_app(_settings(home, log=mode == "on")) for mode in ("off", "on")}
    results: dict[str, Any] = {}
    for path in TARGETS:
        runs: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(repeat):
            for mode in ("off", "on"):  # interleaved, so drift hits both alike
                runs[mode].append(asyncio.run(_run(apps[mode], path, requests)))
                flush_now(apps[mode])
        off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
        results[path] = {
            "ms_per_request_off": round(off, 4),
            "ms_per_request_on": round(on, 4),
            "overhead_ms": round(on - off, 4),
            "runs_ms": {mode: [round(v, 4) for v in values] for mode, values in runs.items()},
        }
    with session_scope(_settings(home, log=True)) as session:
        logged = session.query(RequestLog).count()
    return {
        "targets": results,
        "middleware_only": measure_middleware(_settings(home, log=True), requests, repeat),
        "rows_logged": logged,
    }


def measure_middleware(settings: Settings, requests: int, repeat: int) -> dict[str, Any]:
    """The middleware alone around a stub app that answers at once: its own cost, precisely."""
    from fastapi import FastAPI
    from fastapi.routing import APIRoute

    from ilteo.status.logs import RequestLogMiddleware, RequestLogWriter

    router_app = FastAPI()

    @router_app.get("/healthz")
    def healthz() -> dict[str, str]:  # pragma: no cover - only its route object is used
        return {}

    route = next(r for r in router_app.routes if isinstance(r, APIRoute))

    async def stub(scope: Any, receive: Any, send: Any) -> None:
        scope["route"] = route
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    writer = RequestLogWriter(settings)
    wrapped = RequestLogMiddleware(stub, writer=writer, root=router_app)
    runs: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(repeat):
        for mode, app in (("off", stub), ("on", wrapped)):
            runs[mode].append(asyncio.run(_run(app, "/healthz", requests)))
            writer.flush()
    off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
    return {
        "ms_per_request_off": round(off, 5),
        "ms_per_request_on": round(on, 5),
        "overhead_ms": round(on - off, 5),
    }


def generate_log_rows(
    settings: Settings,
    rows: int,
    days: int = 90,
    menus: Sequence[tuple[str, str, float]] = DEFAULT_MENUS,
    *,
    now: datetime | None = None,
    failure_rate: float = 0.01,
    chunk: int = 50_000,
    seed: int = 6,
) -> dict[str, Any]:
    """Bulk-insert ``rows`` synthetic request rows over the last ``days`` days, and their rollups.

    Rows are spread evenly in time over the menus (each ``(menu id, route template, median ms)``),
    with log-normal durations around each median and ``failure_rate`` of 503s. Rows go in with Core
    ``insert`` executemany in chunks; the hourly and daily rollups are summed in memory once and
    written at the end (inserted, or added to rollups already stored for the same periods).

    Returns:
        Rows and rollups written, seconds taken and rows per second.
    """
    upgrade(settings)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    end = (now or datetime.now(UTC)).astimezone(UTC)
    span = days * 86_400.0
    groups: dict[tuple[str, str, str, datetime], _Sums] = {}
    day_of_hour: dict[datetime, datetime] = {}
    started = time.perf_counter()
    done = 0
    while done < rows:
        size = min(chunk, rows - done)
        batch = []
        for i in range(size):
            menu, route, median = menus[(done + i) % len(menus)]
            at = end - timedelta(seconds=span * (done + i + rng.random()) / rows)
            duration = median * math.exp(rng.gauss(0.0, 0.6))
            failed = rng.random() < failure_rate
            batch.append(
                (at, menu, route, "GET", 503 if failed else 200, duration, 2048, "0" * 16,
                 "server", failed)
            )  # fmt: skip
            hour = at.replace(minute=0, second=0, microsecond=0)
            day = day_of_hour.get(hour)
            if day is None:
                day = day_of_hour[hour] = day_start(hour)
            for key in ((menu, "server", "hour", hour), (menu, "server", "day", day)):
                sums = groups.get(key)
                if sums is None:
                    sums = groups[key] = _Sums(hist=histogram.empty())
                sums.requests += 1
                sums.failures += failed
                sums.sum_ms += duration
                sums.hist[histogram.bin_index(duration)] += 1  # type: ignore[index]
        with session_scope(settings) as session:
            session.execute(
                insert(RequestLog), [dict(zip(REQUEST_COLUMNS, row, strict=True)) for row in batch]
            )
        done += size
    with session_scope(settings) as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        stored = {
            (m, k, g, s.astimezone(UTC) if s.tzinfo else s.replace(tzinfo=UTC))
            for m, k, g, s in session.execute(
                select(Rollup.menu, Rollup.kind, Rollup.grain, Rollup.start).where(
                    Rollup.kind == "server", Rollup.start >= end - timedelta(days=days + 1)
                )
            )
        }
        fresh = [key for key in groups if key not in stored]
        for key in (key for key in groups if key in stored):
            _add_group(session, key, groups[key], postgres=postgres)
        values = [
            {
                "menu": menu, "kind": kind, "grain": grain, "start": start,
                "requests": sums.requests, "failures": sums.failures, "timeouts": 0,
                "sum_ms": sums.sum_ms, "hist": sums.hist,
            }
            for (menu, kind, grain, start) in fresh
            for sums in (groups[(menu, kind, grain, start)],)
        ]  # fmt: skip
        for i in range(0, len(values), chunk):
            session.execute(insert(Rollup), values[i : i + chunk])
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "rollups": len(groups),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "store": settings.sqlalchemy_url.split(":", 1)[0],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Measure the logging overhead, or generate synthetic rows; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generate", type=int, default=0, help="rows to generate instead")
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    machine = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    if args.generate:
        home = Path(tempfile.mkdtemp(prefix="ilteo-bench-rows-"))
        database_url = os.environ.get("ILTEO_DATABASE_URL")
        settings = Settings(env="dev", home=home, database_url=database_url)
        result = generate_log_rows(settings, args.generate, days=args.days)
    else:
        result = measure_overhead(args.requests, args.repeat)
        result["requests"] = args.requests
        result["repeat"] = args.repeat
    print(json.dumps({**result, **machine}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
