"""Time the one window's triage of one request, warm, and the memory of a process that runs it.

Usage::

    uv run python benchmarks/bench_desk.py [--calls 300] [--home DIR]

Each run is a fresh child process (so its peak RSS is its own): it loads the models (classifier,
Kiwi, e5, the knowledge base) with one warm-up triage, then triages ``--calls`` texts of the
labelled set (every register: SMS-short to long narratives, in a fixed shuffled order) through
:func:`ilteo.desk.triage.triage` and reports p50/p95/max milliseconds, the cold start (models
loaded and the first triage), and the peak RSS. Emoji-only texts (refused by the triage) are
left out. Targets (issue 10): p95 < 150 ms warm, models loaded once
per process, < 1.5 GB. The classifier is trained into ``--home``'s cache on the first run ever
(not timed here: run once before measuring). Prints JSON.
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


def _texts(calls: int) -> list[str]:
    folder = Path(__file__).resolve().parents[1] / "src" / "ilteo" / "desk" / "data" / "labelled"
    texts = [
        json.loads(line)["text"]
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts = [t for t in texts if any(ch.isalnum() for ch in t)]  # emoji-only is refused
    rng = np.random.default_rng(11)
    order = rng.permutation(len(texts))
    return [texts[int(order[i % len(texts)])] for i in range(calls)]


def _child(home: str, calls: int) -> None:
    from ilteo.core.settings import Settings
    from ilteo.desk.classify import classifier
    from ilteo.desk.triage import triage

    settings = Settings(env="dev", home=Path(home), reference_dir=None)
    texts = _texts(calls)
    started = time.perf_counter()
    triage(settings, texts[0])
    cold = time.perf_counter() - started
    times = []
    for text in texts:
        began = time.perf_counter()
        triage(settings, text)
        times.append((time.perf_counter() - began) * 1000)
    print(json.dumps({
        "calls": calls,
        "cold_seconds": round(cold, 2),
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "max_ms": round(float(np.max(times)), 1),
        "model_version": classifier(settings).version,
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 0),
    }))  # fmt: skip


def main() -> None:
    """Run the child process and print its figures with its peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--home", default=str(Path(tempfile.gettempdir()) / "ilteo-bench-desk"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("ILTEO_ENV", "dev")
    if args.child:
        _child(args.home, args.calls)
        return
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "--home", args.home, "--calls", str(args.calls)],
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child failed: {status}")
    report = json.loads(out)
    report["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
