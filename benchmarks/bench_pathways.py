"""Time the all-pairs transition matrix, ``similar_occupations`` and a whole plan with courses.

Usage::

    uv run python benchmarks/bench_pathways.py [--calls 200]

The all-pairs precompute (profiles built first - the e5 text embeddings take ~40 s the first time
and are then read from ``cache_dir/pathways`` - then every origin → target score of ilteo's model,
float32) runs in a child process so its peak RSS is its own, read with ``wait4``.
Targets (issue 8): all pairs < 30 s and < 2 GB; one full recommendation with courses p95 < 50 ms
warm: ``recommend`` (targets through the three filters, explanations, local demand when a lake is
there, three courses per target), from random O*NET-SOC codes and random KSCO 8 unit groups, with a
random 시도 each call. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ilteo.core.settings import Settings
from ilteo.lake.codes import SIDO
from ilteo.pathways.plan import ksco_onet, recommend
from ilteo.pathways.profiles import occupation_profiles
from ilteo.pathways.transitions import all_pairs, similar_occupations

REFERENCE = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
HOME = Path(tempfile.gettempdir()) / "ilteo-bench-pathways"


def _settings() -> Settings:
    return Settings(env="dev", home=HOME, reference_dir=REFERENCE)


def _child() -> None:
    settings = _settings()
    warm = any((settings.cache_dir / "pathways").glob("text-*.npy"))
    started = time.perf_counter()
    occupation_profiles(settings)
    profiles = time.perf_counter() - started
    started = time.perf_counter()
    pairs = all_pairs(settings)
    seconds = time.perf_counter() - started
    report = {
        "profiles_seconds": round(profiles, 2),
        "text_cache_on_disk": warm,
        "pairs_seconds": round(seconds, 3),
        "shape": list(pairs.shape),
    }
    print(json.dumps(report))


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child()
        return
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child"], stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child failed: {status}")
    report = json.loads(out)
    report["pairs_peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux reports KiB
    settings = _settings()
    index = occupation_profiles(settings)
    codes = [o.code for o in index.occupations]
    similar_occupations(settings, codes[0])  # warm
    rng = np.random.default_rng(7)
    times = []
    for code in rng.choice(codes, size=args.calls):
        started = time.perf_counter()
        similar_occupations(settings, str(code), top=10)
        times.append((time.perf_counter() - started) * 1000)
    report["similar_occupations_ms"] = {
        "p50": round(float(np.percentile(times, 50)), 3),
        "p95": round(float(np.percentile(times, 95)), 3),
        "calls": args.calls,
    }
    report["recommend_ms"] = _recommend(settings, codes, args.calls, rng)
    print(json.dumps(report, indent=2))


def _recommend(
    settings: Settings, codes: list[str], calls: int, rng: np.random.Generator
) -> dict[str, object]:
    index = occupation_profiles(settings)
    ksco = sorted({link.code for o in index.occupations for link in o.ksco})
    ksco = [k for k in ksco if ksco_onet(index, k)]
    regions = [s.code for s in SIDO]
    recommend(settings, "2222", region="11")  # warm (exposures, wages, course index)
    times: dict[str, list[float]] = {"onet": [], "ksco8": []}
    for i in range(calls):
        system = "onet" if i % 2 == 0 else "ksco8"
        code = str(rng.choice(codes if system == "onet" else ksco))
        started = time.perf_counter()
        recommend(settings, code, system=system, region=str(rng.choice(regions)))
        times[system].append((time.perf_counter() - started) * 1000)
    every = times["onet"] + times["ksco8"]
    return {
        "p50": round(float(np.percentile(every, 50)), 3),
        "p95": round(float(np.percentile(every, 95)), 3),
        "p95_onet": round(float(np.percentile(times["onet"], 95)), 3),
        "p95_ksco8": round(float(np.percentile(times["ksco8"], 95)), 3),
        "calls": calls,
        "top": 5,
        "courses_per_target": 3,
    }


if __name__ == "__main__":
    main()
