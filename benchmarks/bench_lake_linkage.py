"""Time ``ilteo lake link`` (persons and workplaces) and measure its peak memory and quality.

Usage::

    uv run python benchmarks/bench_lake_linkage.py --persons 20000 200000 --repeat 3

For each size: generate a synthetic country (seed 42, or reuse ``--countries DIR/<persons>``),
ingest and curate it once (timed apart, as ``prep_seconds``), then link it ``--repeat`` times,
each time in a fresh child process on a fresh copy of the curated lake (so the model is trained
every run and peak RSS is that run's own, from ``wait4``). Precision and recall of the last run,
and of the exact-key baseline on the same records, come from ``ilteo.lake.evaluation``. Prints
JSON. Needs ``ILTEO_REFERENCE_DIR`` (defaults to ``../shared/data`` beside the checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_LINK = """
import json, sys
from pathlib import Path
from ilteo.core.settings import Settings
from ilteo.lake.linkage import link
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
print(json.dumps(link(settings, run_id="bench").model_dump(mode="json")))
"""

_PREP = """
import json, sys, time
from pathlib import Path
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.ingest import ingest_path
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
upgrade(settings)
started = time.monotonic()
ingest_path(Path(sys.argv[3]), settings=settings)
curate(settings)
print(json.dumps({"seconds": time.monotonic() - started}))
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


def _country(persons: int, reference: Path, countries: Path) -> Path:
    out = countries / str(persons)
    if not (out / "ground_truth" / "manifest.json").exists():
        from ilteo.core.settings import Settings
        from ilteo.synth import generate

        settings = Settings(env="dev", home=countries / "home", reference_dir=reference)
        generate(out, persons, 42, settings=settings, overwrite=True)
    return out


def bench(persons: int, repeat: int, reference: Path, countries: Path) -> dict[str, Any]:
    """Prepare one country, link it ``repeat`` times, evaluate the last run."""
    from ilteo.core.settings import Settings
    from ilteo.lake.linkage import linkage_report

    country = _country(persons, reference, countries)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        prep, _, prep_rss = _child(_PREP, str(base), str(reference), str(country))
        runs = []
        for i in range(repeat):
            home = Path(tmp) / f"run{i}"
            shutil.copytree(base, home)
            result, seconds, rss = _child(_LINK, str(home), str(reference))
            runs.append({"seconds": seconds, "rss": rss, "result": result})
        settings = Settings(env="dev", home=home, reference_dir=reference)
        reports = linkage_report(settings, truth=country)
    last = runs[-1]["result"]
    records = last["person"]["records"] + last["workplace"]["records"]
    seconds = statistics.median(r["seconds"] for r in runs)
    quality = {}
    for kind, report in reports.items():
        assert report is not None  # noqa: S101 - evaluated just above
        quality[kind] = {
            method: {k: report[method][k] for k in ("precision", "recall", "f1", "pairs")}
            for method in ("model", "baseline")
        }
    return {
        "persons": persons,
        "records": {"person": last["person"]["records"], "workplace": last["workplace"]["records"]},
        "median_seconds": round(seconds, 2),
        "all_seconds": [round(r["seconds"], 2) for r in runs],
        "records_per_second": round(records / seconds),
        "peak_rss_mib": round(max(r["rss"] for r in runs), 1),
        "seconds_by_kind": {k: last[k]["seconds"] for k in ("person", "workplace")},
        "links_by_method": {k: last[k]["links_by_method"] for k in ("person", "workplace")},
        "prep_seconds": round(prep["seconds"], 2),
        "prep_peak_rss_mib": round(prep_rss, 1),
        "quality": quality,
    }


def main() -> None:
    """Benchmark every ``--persons`` size and print the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, nargs="+", default=[20_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--countries", type=Path, default=None, help="reuse countries here")
    args = parser.parse_args()
    default_ref = Path(__file__).resolve().parents[2] / "shared" / "data"
    reference = Path(os.environ.get("ILTEO_REFERENCE_DIR", default_ref))
    with tempfile.TemporaryDirectory() as tmp:
        countries = args.countries or Path(tmp)
        results = [bench(n, args.repeat, reference, countries) for n in args.persons]
    print(
        json.dumps(
            {
                "benchmark": "lake_linkage",
                "repeat": args.repeat,
                "results": results,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
