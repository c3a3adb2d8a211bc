"""Time one benefits check (warm) and the scan's rules over a million persons.

Usage::

    uv run python benchmarks/bench_benefits.py [--checks 300] [--persons 1000000]
    uv run python benchmarks/bench_benefits.py --lake HOME [--as-of 2025-12-31] [--repeat 3]
        [--notify]

- ``check_ms``: :func:`ilteo.benefits.check.check` of varied people (the issue's example with
  random birth dates, wages, separation reasons and days), warm; target p95 < 100 ms.
- ``scan_rules``: the scan's OpenFisca part over ``--persons`` persons (random facts as input
  arrays through :func:`ilteo.benefits.scan.evaluate`), in a child process so its peak RSS is its
  own. The lake query in front of it is not part of this figure (it is timed by
  ``ilteo benefits scan`` on a built lake). Target for the whole scan of 1,000,000: < 3 min, < 8 GB.
- ``--lake HOME``: the whole :func:`ilteo.benefits.scan.scan` (lake queries, every rule, the
  findings) over the lake of ``HOME`` (its outreach list included when one is written), each run
  in a fresh child process: wall seconds from the start of the child to its end (imports
  included), the scan's own seconds, peak RSS (``os.wait4``) and the findings per rule; medians
  over ``--repeat`` runs. With ``--notify`` each run then writes the notices of its findings
  (:func:`ilteo.benefits.notices.write_notices`: texts, portal and outbox deliveries) into a fresh
  SQLite store and writes them again (a rescan: nothing new), timed apart from the scan.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import numpy as np

REASONS = ["business_closure", "dismissal_business", "contract_expiry", "retirement_age",
           "voluntary_justified", "voluntary", "dismissal_misconduct"]  # fmt: skip


def _checks(count: int, rng: np.random.Generator) -> dict[str, float]:
    from ilteo.benefits.check import check

    def person(i: int) -> dict[str, object]:
        separation = date(2026, 2, 27) - timedelta(days=int(rng.integers(0, 300)))
        return {
            "as_of": "2026-03-02",
            "person": {"birth_date": f"{int(rng.integers(1960, 2002))}-06-01", "disabled": False,
                       "household_size": int(rng.integers(1, 6)),
                       "household_income_ratio_to_median": float(rng.uniform(0.2, 1.5)),
                       "household_assets_krw": int(rng.integers(0, 600_000_000))},
            "employment": {"insured_periods": [{"start": "2015-03-01",
                                                "end": separation.isoformat()}],
                           "paid_days_last_18_months": int(rng.integers(100, 500)),
                           "separation_date": separation.isoformat(),
                           "separation_reason": REASONS[i % len(REASONS)],
                           "wages_last_3_months_krw": int(rng.integers(3_000_000, 30_000_000)),
                           "days_last_3_months": 90, "daily_contract_hours": 8},
        }  # fmt: skip

    check(person(0))  # warm
    times = []
    for i in range(count):
        data = person(i)
        started = time.perf_counter()
        check(data)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50": round(float(np.percentile(times, 50)), 2),
        "p95": round(float(np.percentile(times, 95)), 2),
        "checks": count,
    }


def _child(persons: int) -> None:
    from ilteo.benefits.scan import evaluate

    rng = np.random.default_rng(7)
    started = time.perf_counter()
    cols = {
        "age": rng.integers(20, 70, persons).astype(np.int32),
        "age_at_separation": rng.integers(20, 70, persons).astype(np.int32),
        "age_at_last_acquisition": rng.integers(18, 66, persons).astype(np.int32),
        "disabled": np.zeros(persons, dtype=bool),
        "insured_unit_days_18m": rng.integers(30, 500, persons).astype(np.int32),
        "insured_period_days": rng.integers(100, 9000, persons).astype(np.int32),
        "separation_reason": rng.integers(1, len(REASONS) + 1, persons).astype(np.int16),
        "wages_last_3_months": rng.integers(2_000_000, 40_000_000, persons).astype(np.int32),
        "days_last_3_months": np.full(persons, 91, dtype=np.int32),
        "separated": np.ones(persons, dtype=bool),
        "days_since_separation": rng.integers(0, 400, persons).astype(np.int32),
    }
    built = time.perf_counter()
    answer = evaluate(cols, persons, "2026-03-02")
    done = time.perf_counter()
    print(json.dumps({
        "persons": persons,
        "inputs_seconds": round(built - started, 2),
        "rules_seconds": round(done - built, 2),
        "eligible": int(answer["eligible"].sum()),
    }))  # fmt: skip


def _scan_child(home: str, as_of: str, notify: bool) -> None:
    import tempfile
    from pathlib import Path

    from ilteo.benefits.scan import scan
    from ilteo.core.settings import Settings

    settings = Settings(
        env="dev",
        home=Path(home),
        reference_dir=Path(os.environ.get("ILTEO_REFERENCE_DIR", "/work/shared/data")),
    )
    result = scan(settings, date.fromisoformat(as_of))
    summary = result.summary()
    report: dict[str, object] = {
        "scan_seconds": round(result.seconds, 2),
        "separated": summary["separated"],
        "wages_reported": summary["wages_reported"],
        "rules": summary["rules"],
        "notes": summary["notes"],
    }
    if notify:
        report.update(_notify(settings, result, Path(tempfile.mkdtemp(prefix="bench-notices-"))))
    print(json.dumps(report))


def _notify(settings: object, result: object, folder: object) -> dict[str, object]:
    """Write the scan's notices into a fresh SQLite store, then again (nothing new)."""
    from ilteo.benefits.notices import write_notices
    from ilteo.core.db import session_scope, upgrade

    own = settings.model_copy(  # type: ignore[attr-defined]
        update={"database_url": f"sqlite:///{folder}/ops.db"}
    )
    upgrade(own)
    started = time.perf_counter()
    with session_scope(own) as session:
        first = write_notices(session, own, result)
    written = time.perf_counter()
    with session_scope(own) as session:
        again = write_notices(session, own, result)
    done = time.perf_counter()
    return {
        "notices_created": first.created,
        "deliveries": first.deliveries,
        "notices_seconds": round(written - started, 2),
        "rescan_existing": again.existing,
        "rescan_created": again.created,
        "rescan_seconds": round(done - written, 2),
    }


def _whole_scan(home: str, as_of: str, repeat: int, notify: bool) -> dict[str, object]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--scan-child", home, "--as-of", as_of]
            + (["--notify"] if notify else []),
            stdout=subprocess.PIPE,
            text=True,
        )
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"scan child failed: {status}")
        run = json.loads(out)
        run["wall_seconds"] = round(wall, 2)
        run["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
        runs.append(run)
    return {
        "lake": home,
        "as_of": as_of,
        "repeat": repeat,
        "median_wall_seconds": round(float(np.median([r["wall_seconds"] for r in runs])), 2),
        "median_scan_seconds": round(float(np.median([r["scan_seconds"] for r in runs])), 2),
        "median_peak_rss_mib": round(float(np.median([r["peak_rss_mib"] for r in runs])), 1),
        "runs": runs,
    }


def main() -> None:
    """Run the measurements asked for and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--lake", help="a home whose built lake the whole scan runs over")
    parser.add_argument("--as-of", default="2025-12-31", help="the scan day (with --lake)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the whole scan")
    parser.add_argument(
        "--notify", action="store_true", help="also write the notices (fresh SQLite store)"
    )
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--scan-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    if args.scan_child:
        _scan_child(args.scan_child, args.as_of, args.notify)
        return
    if args.lake:
        os.environ.setdefault("ILTEO_ENV", "dev")
        print(json.dumps(_whole_scan(args.lake, args.as_of, args.repeat, args.notify), indent=2))
        return
    os.environ.setdefault("ILTEO_ENV", "dev")
    report: dict[str, object] = {"check_ms": _checks(args.checks, np.random.default_rng(3))}
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(args.persons)], stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child failed: {status}")
    scan = json.loads(out)
    scan["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    report["scan_rules"] = scan
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
