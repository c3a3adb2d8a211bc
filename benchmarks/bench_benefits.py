"""Time one benefits check (warm) and the scan's rules over a million persons.

Usage::

    uv run python benchmarks/bench_benefits.py [--checks 300] [--persons 1000000]

- ``check_ms``: :func:`ilteo.benefits.check.check` of varied people (the issue's example with
  random birth dates, wages, separation reasons and days), warm; target p95 < 100 ms.
- ``scan_rules``: the scan's OpenFisca part over ``--persons`` persons (random facts as input
  arrays through :func:`ilteo.benefits.scan.evaluate`), in a child process so its peak RSS is its
  own. The lake query in front of it is not part of this figure (it is timed by
  ``ilteo benefits scan`` on a built lake). Target for the whole scan of 1,000,000: < 3 min, < 8 GB.
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


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
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
