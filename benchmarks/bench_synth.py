"""Time ``ilteo synth`` (the room's ``generate``) and measure its peak memory.

Usage: ``uv run python benchmarks/bench_synth.py [--persons 1000000] [--repeat 3] [--seed 1]``.
Each run is a fresh child process (so peak RSS is that run's own, from ``wait4``). Prints JSON
with the median seconds, persons per second, rows per second of every output file, and peak RSS.
Needs ``ILTEO_REFERENCE_DIR`` (defaults to ``../shared/data`` beside the checkout).
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
import json, sys
from pathlib import Path
from ilteo.core.settings import Settings
from ilteo.synth import generate
settings = Settings(env="dev", reference_dir=Path(sys.argv[3]))
manifest = generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[4]), settings=settings)
print(json.dumps({k: v["rows"] for k, v in manifest["files"].items()}))
"""


def run_once(persons: int, seed: int, reference: Path) -> dict[str, object]:
    """Generate once in a child process; return seconds, rows per file and peak RSS (MiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, tmp + "/out", str(persons), str(reference), str(seed)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"generation failed with exit code {proc.returncode}")
        size = sum(p.stat().st_size for p in Path(tmp, "out").rglob("*") if p.is_file())
    return {
        "seconds": seconds,
        "rows": json.loads(output.strip().splitlines()[-1]),
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        "output_mib": size / 2**20,
    }


def main() -> None:
    """Run ``--repeat`` generations and print the medians as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    default_ref = Path(__file__).resolve().parents[2] / "shared" / "data"
    reference = Path(os.environ.get("ILTEO_REFERENCE_DIR", default_ref))
    runs = [run_once(args.persons, args.seed, reference) for _ in range(args.repeat)]
    seconds = statistics.median(float(str(r["seconds"])) for r in runs)
    rows = runs[0]["rows"]
    assert isinstance(rows, dict)  # noqa: S101 - the child's own output
    result = {
        "benchmark": "synth",
        "persons": args.persons,
        "repeat": args.repeat,
        "median_seconds": round(seconds, 2),
        "all_seconds": [round(float(str(r["seconds"])), 2) for r in runs],
        "persons_per_second": round(args.persons / seconds),
        "rows_total": sum(rows.values()),
        "rows_per_second": {k: round(v / seconds) for k, v in sorted(rows.items())},
        "peak_rss_mib": round(max(float(str(r["peak_rss_mib"])) for r in runs), 1),
        "output_mib": round(float(str(runs[0]["output_mib"])), 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
