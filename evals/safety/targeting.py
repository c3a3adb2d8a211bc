"""Risk model and inspection targeting against SST-like and industry x size targeting (issue 11).

Data: the synthetic workplace-year panel of :mod:`ilteo.safety.panel`, calibrated to the Korean
accident statistics by industry x size (``kr_accidents``) and **labelled synthetic** in every
output. The panel goes through the same path a real file would: written in the OSHA 300A column
layout, read back and checked by :func:`ilteo.safety.table.read_table`, then
:func:`ilteo.safety.evaluation.evaluate` (train on the years before the test year, the last one
calibrating; test on the last year with a known next-year outcome). On real files the same
command is ``ilteo safety evaluate --table FILE``.

Runs, all in one process: the main panel (``--workplaces`` x 5 years, seed 42) with its
calibration check against the statistics; then ``--seeds`` more panels of ``--small`` workplaces
for the spread of the headline ratio (injuries averted by the model / by SST-like targeting).
Writes ``targeting.md``, ``targeting.json`` and ``reliability.svg`` beside itself.

Run: ``ILTEO_REFERENCE_DIR=/work/shared/data uv run python evals/safety/targeting.py``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _run(settings: Any, workplaces: int, seed: int, work: Path) -> tuple[dict[str, Any], Any]:
    from ilteo.safety.evaluation import evaluate
    from ilteo.safety.panel import PanelSpec, simulate
    from ilteo.safety.table import read_table, write_table

    panel = simulate(settings, PanelSpec(workplaces=workplaces, years=5, seed=seed))
    path = write_table(panel, work / f"panel-{workplaces}-{seed}.parquet")
    table = read_table(path, settings=settings)
    table.source = f"synthetic panel, {workplaces:,} workplaces x 5 years, seed {seed}"
    return evaluate(table, seed=seed), panel


def main() -> None:
    """Run the evaluation and write its results."""
    from ilteo.core.settings import Settings
    from ilteo.monitor.charts import render_svg
    from ilteo.safety.evaluation import render_markdown
    from ilteo.safety.model import reliability_spec
    from ilteo.safety.panel import calibration_check

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workplaces", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    reference = Path(
        os.environ.get("ILTEO_REFERENCE_DIR", HERE.parents[2].parent / "shared" / "data")
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = Settings(env="dev", home=work / "home", reference_dir=reference)
        main_result, panel = _run(settings, args.workplaces, 42, work)
        check = calibration_check(settings, panel).to_dicts()
        spread = []
        for seed in range(1, args.seeds + 1):
            result, _ = _run(settings, args.small, seed, work)
            by = {s["strategy"]: s for s in result["strategies"]}
            spread.append(
                {
                    "seed": seed,
                    "workplaces": args.small,
                    "averted_vs_sst": by["averted"]["averted_vs_sst"],
                    "industry_size_vs_sst": by["industry_size"]["averted_vs_sst"],
                    "true_averted_vs_sst": by["averted"]["true_averted"]
                    / max(by["sst"]["true_averted"], 1e-9),
                    "auc": result["model"]["test"]["auc"],
                    "ece": result["model"]["test"]["ece"],
                }
            )
    out = {
        "command": "uv run python evals/safety/targeting.py " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "seconds": round(time.monotonic() - started, 1),
        "main": main_result,
        "calibration_check": check,
        "spread": spread,
        "spread_summary": {
            "averted_vs_sst_median": statistics.median(s["averted_vs_sst"] for s in spread),
            "averted_vs_sst_min": min(s["averted_vs_sst"] for s in spread),
            "averted_vs_sst_max": max(s["averted_vs_sst"] for s in spread),
        }
        if spread
        else {},
    }
    (HERE / "targeting.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")
    lines = [
        render_markdown(main_result).rstrip(),
        "",
        "## 통계와의 보정 / Against the statistics",
        "",
        "| size | workers | serious | panel rate | statistics rate |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in check:
        lines.append(
            f"| {row['size']} | {row['workers']:,} | {row['serious']:,} | "
            f"{row['panel_rate']:.3%} | {row['statistics_rate']:.3%} |"
        )
    if spread:
        lines += [
            "",
            f"## 다른 씨앗 / Other seeds ({args.small:,} workplaces each)",
            "",
            "| seed | averted vs SST | industry x size vs SST | true averted vs SST | AUC |",
            "|---:|---:|---:|---:|---:|",
        ]
        for s in spread:
            lines.append(
                f"| {s['seed']} | {s['averted_vs_sst']:.2f}x | {s['industry_size_vs_sst']:.2f}x "
                f"| {s['true_averted_vs_sst']:.2f}x | {s['auc']:.3f} |"
            )
    lines += [
        "",
        f"Command: `{out['command']}` ({out['date']}, {out['seconds']} s, "
        f"{out['machine']['cpus']} CPUs)",
        "",
    ]
    (HERE / "targeting.md").write_text("\n".join(lines), "utf-8")
    spec = reliability_spec(
        main_result["model"]["test"],
        title=f"보정 / calibration {main_result['test_year']} → {main_result['outcome_year']} "
        "(합성 / synthetic)",
    )
    (HERE / "reliability.svg").write_text(render_svg(spec), "utf-8")
    print(json.dumps(out["spread_summary"]))


if __name__ == "__main__":
    main()
