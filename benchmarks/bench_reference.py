"""Time ``ilteo.reference.load_all``: cold (empty cache) and warm (validated Parquet cache).

Usage: ``uv run python benchmarks/bench_reference.py [--repeat 3] [--warm 5]``. Reads the reference
data from ``ILTEO_REFERENCE_DIR`` (default ``../shared/data`` beside the checkout) and prints JSON
with the median seconds of each phase, plus the first and a warm occupation search.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ilteo.core.settings import Settings
from ilteo.reference import load_all, search_occupations

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data"


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="cold runs (each in a new home)")
    parser.add_argument("--warm", type=int, default=5, help="warm runs after each cold run")
    args = parser.parse_args()
    reference = Path(os.environ.get("ILTEO_REFERENCE_DIR", DEFAULT_REFERENCE))
    cold, warm, first_search, warm_search = [], [], [], []
    tables = rows = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as home:
            settings = Settings(env="dev", home=Path(home), reference_dir=reference)
            started = time.perf_counter()
            results = load_all(settings)
            cold.append(time.perf_counter() - started)
            tables, rows = len(results), sum(r.rows for r in results)
            warm += [_timed(lambda s=settings: load_all(s)) for _ in range(args.warm)]
            first_search.append(
                _timed(lambda s=settings: search_occupations("소프트웨어", settings=s))
            )
            warm_search += [
                _timed(lambda s=settings: search_occupations("software", settings=s))
                for _ in range(args.warm)
            ]
    print(
        json.dumps(
            {
                "benchmark": "reference.load_all",
                "python": platform.python_version(),
                "tables": tables,
                "rows": rows,
                "cold_load_all_s": round(statistics.median(cold), 3),
                "warm_load_all_s": round(statistics.median(warm), 3),
                "first_search_s": round(statistics.median(first_search), 3),
                "warm_search_s": round(statistics.median(warm_search), 4),
                "runs": {"cold": args.repeat, "warm": len(warm)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
