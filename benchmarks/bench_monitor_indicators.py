"""Time the monthly indicator build, adding one month, and exposure lookups.

Usage::

    uv run python benchmarks/bench_monitor_indicators.py --persons 1000000 --repeat 3 \\
        --work /tmp/bench-monitor

Setup, once per size (timed apart as ``setup_seconds``, reused when ``--work`` already holds
it): a synthetic country of ``--persons`` persons over 37 months (2023-01 to 2026-01, seed 42) and
its whole lake (``ilteo.lake.pipeline.build_lake``: ingest, curate, link). Then, ``--repeat``
times, each in a fresh child process (peak RSS from ``wait4``):

* **full**: the indicators of the first 36 months from nothing (``build_indicators(until=
  2025-12)`` after removing ``lake/monitor``);
* **add one month**: ``build_indicators()`` on top of that: month 37 arrives, 36 are kept.

Exposure lookups: ``ksco_profile`` for every KSCO unit group in random order, after one warm-up
pass, in the benchmark process (p50/p95/max milliseconds), and the baseline in the same run:
reading one month's whole indicator file. Prints JSON. Needs ``ILTEO_REFERENCE_DIR`` (defaults to
``../shared/data`` beside the checkout). Targets (issue 7): full < 120 s and < 8 GB; one month
< 15 s; lookup p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_BUILD = """
import json, sys
from datetime import date
from pathlib import Path
from ilteo.core.settings import Settings
from ilteo.monitor.indicators import build_indicators
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
until = date.fromisoformat(sys.argv[3]) if sys.argv[3] != "-" else None
build = build_indicators(settings, until=until)
print(json.dumps({"computed": len(build.computed), "reused": len(build.reused),
                  "rows": build.rows, "seconds": build.seconds}))
"""

_SETUP = """
import json, sys, time
from pathlib import Path
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.pipeline import build_lake
from ilteo.synth import generate
home, reference, country = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
persons = int(sys.argv[4])
settings = Settings(env="dev", home=home, reference_dir=reference)
upgrade(settings)
started = time.monotonic()
if not (country / "ground_truth" / "manifest.json").exists():
    generate(country, persons, 42, months=37, settings=settings, overwrite=True)
synth = time.monotonic() - started
build_lake(country, settings)
print(json.dumps({"synth_seconds": synth, "lake_seconds": time.monotonic() - started - synth}))
"""


def _child(code: str, *args: str) -> tuple[dict[str, Any], float, float]:
    """Run ``code`` in a child Python; return its last JSON line, seconds and peak RSS (MiB)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed: {' '.join(args)}")
    return json.loads(output.strip().splitlines()[-1]), seconds, usage.ru_maxrss / 1024


def _lookups(home: Path, reference: Path) -> dict[str, Any]:
    from ilteo.core.errors import NotFoundError
    from ilteo.core.settings import Settings
    from ilteo.monitor.indicators import _month_path, available_months
    from ilteo.monitor.ksco import ksco_index, ksco_profile

    settings = Settings(env="dev", home=home, reference_dir=reference)
    started = time.monotonic()
    index = ksco_index(settings)
    cold = time.monotonic() - started
    codes = sorted({*index.profiles, *index.unprofiled, "9999", "12"})
    random.Random(7).shuffle(codes)  # noqa: S311 - an order, not a secret
    timings: list[float] = []
    for round_ in range(2):
        for code in codes:
            t0 = time.perf_counter()
            with contextlib.suppress(NotFoundError):
                ksco_profile(settings, code)
            if round_:
                timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    import polars as pl

    month = available_months(settings)[-1]
    baseline: list[float] = []
    for _ in range(5):
        t0 = time.perf_counter()
        pl.read_parquet(_month_path(settings, month))
        baseline.append((time.perf_counter() - t0) * 1000)
    return {
        "index_cold_seconds": round(cold, 2),
        "lookups": len(timings),
        "p50_ms": round(timings[len(timings) // 2], 4),
        "p95_ms": round(timings[int(len(timings) * 0.95)], 4),
        "max_ms": round(timings[-1], 4),
        "baseline_read_one_month_ms": round(statistics.median(baseline), 2),
    }


def _http_lookups(home: Path) -> dict[str, Any]:
    """``GET /v1/monitor/exposure/{code}`` against a real ``ilteo serve`` (one worker, API key).

    Every KSCO unit group, 30 ISCO and 30 SOC/O*NET-SOC codes and a few unknown ones, in random
    order, after one warm-up pass over the same codes; one client, sequential requests.
    """
    import httpx

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_api_load import serve

    from ilteo.core.settings import Settings
    from ilteo.monitor.ksco import ksco_index

    index = ksco_index(
        Settings(
            env="dev",
            home=home,
            reference_dir=Path(
                os.environ.get(
                    "ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"
                )
            ),
        )
    )
    paths = [
        f"/v1/monitor/exposure/{code}" for code in sorted({*index.profiles, *index.unprofiled})
    ]
    isco = sorted({link.isco08 for p in index.profiles.values() for link in p.linked})[:30]
    paths += [f"/v1/monitor/exposure/{code}?system=isco08" for code in isco]
    paths += [
        f"/v1/monitor/exposure/{code}"
        for code in (
            "15-1252",
            "15-1252.00",
            "13-2011",
            "43-4051",
            "29-1141",
            "41-2031",
            "11-1021",
            "43-9061",
            "15-2051",
            "27-3043",
            "9999",
            "00-0000",
            "12",
        )
    ]
    random.Random(11).shuffle(paths)  # noqa: S311 - an order, not a secret
    timings: list[float] = []
    statuses: dict[int, int] = {}
    with serve(home / "http", 1, {"ILTEO_API_RATE_PER_MINUTE": "1000000"}) as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            for round_ in range(2):
                for path in paths:
                    t0 = time.perf_counter()
                    status = client.get(path).status_code
                    if round_:
                        timings.append((time.perf_counter() - t0) * 1000)
                        statuses[status] = statuses.get(status, 0) + 1
    timings.sort()
    return {
        "requests": len(timings),
        "statuses": statuses,
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p95_ms": round(timings[int(len(timings) * 0.95)], 2),
        "max_ms": round(timings[-1], 2),
    }


def bench(persons: int, repeat: int, reference: Path, work: Path) -> dict[str, Any]:
    """Set up one lake, then time full builds and one-month additions ``repeat`` times."""
    root = work / str(persons)
    home, country = root / "home", root / "country"
    marker = root / "setup.json"
    if marker.exists():
        setup = json.loads(marker.read_text())
    else:
        root.mkdir(parents=True, exist_ok=True)
        setup, seconds, rss = _child(_SETUP, str(home), str(reference), str(country), str(persons))
        setup.update(seconds=round(seconds, 1), peak_rss_mib=round(rss))
        marker.write_text(json.dumps(setup))
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        shutil.rmtree(home / "lake" / "monitor", ignore_errors=True)
        full, full_s, full_rss = _child(_BUILD, str(home), str(reference), "2025-12-01")
        more, more_s, more_rss = _child(_BUILD, str(home), str(reference), "-")
        runs.append(
            {
                "full_seconds": round(full_s, 2),
                "full_build_seconds": full["seconds"],
                "full_peak_rss_mib": round(full_rss),
                "full_months": full["computed"],
                "rows": full["rows"],
                "add_month_seconds": round(more_s, 2),
                "add_month_build_seconds": more["seconds"],
                "add_month_peak_rss_mib": round(more_rss),
                "add_month_computed": more["computed"],
                "add_month_reused": more["reused"],
            }
        )
    median = {
        key: statistics.median(run[key] for run in runs)
        for key in (
            "full_seconds",
            "full_peak_rss_mib",
            "add_month_seconds",
            "add_month_peak_rss_mib",
        )
    }
    return {
        "persons": persons,
        "setup": setup,
        "runs": runs,
        "median": median,
        "lookups": _lookups(home, reference),
        "http_lookups": _http_lookups(root),
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-monitor"))  # noqa: S108
    args = parser.parse_args()
    reference = Path(
        os.environ.get(
            "ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    results = [bench(n, args.repeat, reference, args.work) for n in args.persons]
    print(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
