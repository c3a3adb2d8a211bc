"""Time training the accident risk model and scoring a million workplaces.

Usage::

    uv run python benchmarks/bench_safety.py --repeat 3 --work /tmp/bench-safety

Setup, once (timed apart, reused when ``--work`` already holds it): two synthetic panels of
:mod:`ilteo.safety.panel` written as Parquet in the 300A layout, **train**: 200,000 workplaces x
5 years, **score**: 1,000,000 workplaces x 3 years (the latest year is scored; the two before
give its history). Then, ``--repeat`` times, each in a fresh child process (peak RSS from
``wait4``):

* **train**: read and check the table, build the features, fit the classifier and the count
  model on 2021-2023 and calibrate on 2024 (as ``ilteo safety train`` does), save the model;
* **score**: read and check the 1M table, build the features, predict the latest year with the
  saved model, the effect, injuries averted and the rank, the reasons of the top 500 (exact tree
  SHAP), write the scores as Parquet (as ``ilteo safety score`` does, less the history and
  features files a workplace page reads);
* **baseline** in the same run: the SST-like ranking of the same 1M workplaces by last year's
  rate (read, check, features, sort): what targeting costs without a model.

Prints JSON. Needs ``ILTEO_REFERENCE_DIR`` (defaults to ``../shared/data`` beside the checkout).
Targets (issue 11): scoring 1,000,000 workplaces < 60 s and < 6 GB; training on 5 years of a
200,000-workplace panel < 5 min.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_SETUP = """
import json, sys, time
from pathlib import Path
from ilteo.core.settings import Settings
from ilteo.safety.panel import PanelSpec, simulate
from ilteo.safety.table import write_table
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
out, n, years = Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
started = time.monotonic()
panel = simulate(settings, PanelSpec(workplaces=n, years=years, first_year=2026 - years, seed=7))
write_table(panel, out)
print(json.dumps({"rows": panel.height, "seconds": time.monotonic() - started}))
"""

_TRAIN = """
import json, sys, time
from pathlib import Path
from ilteo.core.settings import Settings
from ilteo.safety import features, model
from ilteo.safety.table import read_table
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
started = time.monotonic()
table = read_table(Path(sys.argv[3]), settings=settings)
feats = features.build(table)
prepared = time.monotonic()
fitted = model.fit(feats, source="bench", synthetic=True)
model.save(fitted, Path(sys.argv[4]))
calibration = fitted.metrics["training"]["calibration"]
print(json.dumps({"rows": fitted.metrics["training"]["rows"], "train_years": fitted.train_years,
                  "prepare_seconds": prepared - started,
                  "fit_seconds": time.monotonic() - prepared,
                  "auc": calibration["auc"], "ece": calibration["ece"]}))
"""

_SCORE = """
import json, sys, time
from pathlib import Path
import polars as pl
from ilteo.core.settings import Settings
from ilteo.safety import features, model
from ilteo.safety.table import read_table
from ilteo.safety.targeting import estimate_effect, with_value
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
started = time.monotonic()
table = read_table(Path(sys.argv[3]), settings=settings)
feats = features.build(table)
rows = feats.filter(pl.col("year") == max(table.years))
fitted = model.load(Path(sys.argv[4]))
p, cases = fitted.predict(rows)
effect = estimate_effect(feats)
scored = (with_value(rows, p, cases, effect).sort("averted", descending=True)
          .with_row_index("rank", offset=1))
reasons = model.explain(fitted, scored.head(500))
scored.select("establishment_id", "rank", "p_serious", "expected_cases", "averted").write_parquet(
    Path(sys.argv[5]))
print(json.dumps({"workplaces": scored.height, "explained": len(reasons),
                  "mean_p": float(scored["p_serious"].mean()),
                  "seconds": time.monotonic() - started}))
"""

_BASELINE = """
import json, sys, time
from pathlib import Path
import polars as pl
from ilteo.core.settings import Settings
from ilteo.safety import features
from ilteo.safety.table import read_table
settings = Settings(env="dev", home=Path(sys.argv[1]), reference_dir=Path(sys.argv[2]))
started = time.monotonic()
table = read_table(Path(sys.argv[3]), settings=settings)
feats = features.build(table)
rows = feats.filter((pl.col("year") == max(table.years)) & (pl.col("employees") >= 20))
ranked = rows.sort("rate_0", descending=True).head(10_000)
print(json.dumps({"workplaces": rows.height, "seconds": time.monotonic() - started}))
"""


def _child(code: str, *args: str) -> tuple[dict[str, Any], float, float]:
    """Run ``code`` in a child Python; return its last JSON line, seconds and peak RSS (MiB)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"child failed ({status}): {output[-2000:]}")
    last = [line for line in output.splitlines() if line.startswith("{")][-1]
    return json.loads(last), seconds, usage.ru_maxrss / 1024


def _machine() -> dict[str, Any]:
    import polars as pl

    mem = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_mib": mem,
        "polars": pl.__version__,
        "platform": platform.platform(),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-safety"))  # noqa: S108
    parser.add_argument("--train-workplaces", type=int, default=200_000)
    parser.add_argument("--score-workplaces", type=int, default=1_000_000)
    args = parser.parse_args()
    reference = os.environ.get(
        "ILTEO_REFERENCE_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    work: Path = args.work
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    train_table = work / f"train-{args.train_workplaces}x5.parquet"
    score_table = work / f"score-{args.score_workplaces}x3.parquet"
    setup: dict[str, Any] = {}
    for path, n, years in ((train_table, args.train_workplaces, 5),
                           (score_table, args.score_workplaces, 3)):  # fmt: skip
        if not path.exists():
            out, seconds, rss = _child(_SETUP, str(home), reference, str(path), str(n), str(years))
            setup[path.name] = {**out, "wall_seconds": seconds, "peak_rss_mib": rss}
    models = work / "models"
    runs: dict[str, list[dict[str, Any]]] = {"train": [], "score": [], "baseline": []}
    for _ in range(args.repeat):
        out, seconds, rss = _child(_TRAIN, str(home), reference, str(train_table), str(models))
        runs["train"].append({**out, "wall_seconds": seconds, "peak_rss_mib": rss})
        out, seconds, rss = _child(
            _SCORE, str(home), reference, str(score_table), str(models), str(work / "scores.pq")
        )
        runs["score"].append({**out, "wall_seconds": seconds, "peak_rss_mib": rss})
        out, seconds, rss = _child(_BASELINE, str(home), reference, str(score_table))
        runs["baseline"].append({**out, "wall_seconds": seconds, "peak_rss_mib": rss})

    def median(kind: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[kind]))

    summary = {
        "train_seconds_median": median("train", "wall_seconds"),
        "train_peak_rss_mib_median": median("train", "peak_rss_mib"),
        "score_seconds_median": median("score", "wall_seconds"),
        "score_peak_rss_mib_median": median("score", "peak_rss_mib"),
        "baseline_seconds_median": median("baseline", "wall_seconds"),
        "baseline_peak_rss_mib_median": median("baseline", "peak_rss_mib"),
    }
    summary["score_vs_baseline"] = summary["score_seconds_median"] / max(
        summary["baseline_seconds_median"], 1e-9
    )
    print(
        json.dumps(
            {"machine": _machine(), "setup": setup, "runs": runs, "summary": summary}, indent=1
        )
    )


if __name__ == "__main__":
    main()
