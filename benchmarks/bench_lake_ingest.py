"""Time the lake's ingestion and curation of a synthetic country, and the live micro-batch latency.

Usage: ``uv run python benchmarks/bench_lake_ingest.py [--persons 100000] [--repeat 3] [--seed 1]``.
The country is generated once (not timed). Each run is a fresh child process with a fresh home
(so peak RSS is that run's own, from ``wait4``): it ingests every extract, rebuilds the curated
tables, then posts 1,000-row micro-batches of job-seeker registrations through the HTTP API and
times each until its rows are visible through ``ilteo.lake.engine.connect``. Prints JSON with
the median seconds, rows per second per source and stage (read + contract, write, commit),
curation time, micro-batch latency and peak RSS. Needs ``ILTEO_REFERENCE_DIR`` (defaults to
``../shared/data`` beside the checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, sys, time
from pathlib import Path
import polars as pl
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.engine import connect
from ilteo.lake.ingest import ingest_path

country, home, reference = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
settings = Settings(env="dev", home=home, reference_dir=reference)
upgrade(settings)
started = time.monotonic()
results = ingest_path(country, settings=settings)
ingest_seconds = time.monotonic() - started
started = time.monotonic()
curated = curate(settings)
curate_seconds = time.monotonic() - started

from fastapi.testclient import TestClient
from ilteo.api import create_app

records = pl.read_ndjson(
    country / "job_seekers/registrations.jsonl", infer_schema_length=None, n_rows=1000
).to_dicts()
latencies = []
with TestClient(create_app(settings)) as client:
    for attempt in range(6):
        batch = [r | {"registration_id": f"LIVE{attempt}-{i}"} for i, r in enumerate(records)]
        begun = time.monotonic()
        response = client.post("/v1/lake/sources/job_seekers/batches", json={"records": batch})
        assert response.status_code == 201, response.text
        batch_id = response.json()["id"]
        with connect(settings) as con:
            seen = con.execute(
                "SELECT count(*) FROM staged_job_seekers WHERE _batch_id = ?", [batch_id]
            ).fetchone()[0]
        latencies.append(time.monotonic() - begun)
        assert seen == response.json()["accepted_rows"] > 0
Path(sys.argv[4]).write_text(json.dumps({
    "ingest_seconds": ingest_seconds,
    "curate_seconds": curate_seconds,
    "curated_rows": curated.tables,
    "batches": [
        {"source": r.source, "status": r.status, "rows": r.received_rows,
         "accepted": r.accepted_rows, "quarantined": r.quarantined_rows,
         "seconds": r.seconds, "stages": r.stages}
        for r in results
    ],
    "micro_batch_seconds": latencies,
}))
"""


def run_once(country: Path, reference: Path) -> dict[str, object]:
    """Ingest and curate once in a child process; return its report and peak RSS (MiB)."""
    with tempfile.TemporaryDirectory() as home:
        started = time.monotonic()
        report_path = Path(home) / "report.json"
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(country), home, str(reference), str(report_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the run failed with exit code {os.waitstatus_to_exitcode(status)}")
        size = sum(p.stat().st_size for p in Path(home, "lake").rglob("*.parquet"))
        report: dict[str, object] = json.loads(report_path.read_text("utf-8"))
    report["process_seconds"] = seconds
    report["peak_rss_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    report["lake_mib"] = size / 2**20
    return report


def _summarise(args: argparse.Namespace, runs: list[dict[str, object]]) -> dict[str, object]:
    def median(key: str) -> float:
        return statistics.median(float(str(r[key])) for r in runs)

    ingest, curate = median("ingest_seconds"), median("curate_seconds")
    batches = runs[0]["batches"]
    assert isinstance(batches, list)  # noqa: S101 - the child's own output
    rows_total = sum(int(b["rows"]) for b in batches)
    per_source = {}
    for b in batches:
        stages = b["stages"]
        per_source[b["source"]] = {
            "rows": b["rows"],
            "quarantined": b["quarantined"],
            "seconds": round(b["seconds"], 3),
            "rows_per_second": round(b["rows"] / max(b["seconds"], 1e-9)),
            "read_contract_rows_per_second": round(b["rows"] / max(stages["read_contract"], 1e-9)),
            "write_rows_per_second": round(b["rows"] / max(stages["write"], 1e-9)),
            "commit_seconds": stages["commit"],
        }
    latencies = [x for r in runs for x in r["micro_batch_seconds"]]  # type: ignore[attr-defined]
    return {
        "benchmark": "lake_ingest",
        "persons": args.persons,
        "repeat": args.repeat,
        "median_ingest_seconds": round(ingest, 2),
        "median_curate_seconds": round(curate, 2),
        "all_ingest_seconds": [round(float(str(r["ingest_seconds"])), 2) for r in runs],
        "all_curate_seconds": [round(float(str(r["curate_seconds"])), 2) for r in runs],
        "rows_total": rows_total,
        "rows_per_second": round(rows_total / ingest),
        "curate_rows_per_second": round(rows_total / curate),
        "per_source": per_source,
        "curated_rows": runs[0]["curated_rows"],
        "micro_batch_1000_rows_seconds": {
            "first": round(latencies[0], 3),
            "median": round(statistics.median(latencies), 3),
            "max": round(max(latencies), 3),
        },
        "peak_rss_mib": round(max(float(str(r["peak_rss_mib"])) for r in runs), 1),
        "lake_mib": round(float(str(runs[0]["lake_mib"])), 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def main() -> None:
    """Generate the country, run ``--repeat`` times, print the medians as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--country", type=Path, help="reuse (or keep) the country in this folder")
    args = parser.parse_args()
    default_ref = Path(__file__).resolve().parents[2] / "shared" / "data"
    reference = Path(os.environ.get("ILTEO_REFERENCE_DIR", default_ref))

    from ilteo.core.settings import Settings
    from ilteo.synth import ensure_generated

    with tempfile.TemporaryDirectory() as tmp:
        country = args.country or Path(tmp) / "country"
        settings = Settings(env="dev", home=Path(tmp) / "synth", reference_dir=reference)
        ensure_generated(country, args.persons, args.seed, settings=settings)
        runs = [run_once(country, reference) for _ in range(args.repeat)]
    print(json.dumps(_summarise(args, runs), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
