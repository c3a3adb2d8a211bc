"""Evaluate the early-warning detector on synthetic countries with and without AI shocks.

Generates two synthetic countries with the same persons and seed, one without shocks and one with
the shocks of :data:`SHOCKS` (different KSCO levels, sizes and start months), builds each lake and
its monthly indicators in a temporary home, runs :func:`ilteo.monitor.warnings.detect_all`, and
writes ``early_warning.md`` and ``early_warning.json`` beside this script:

- recall: a shock is found when an alert opens, on a group that overlaps its KSCO codes, on
  separations up, hires down or jobseeker's allowance claims up, in its start month or within the
  6 months after it; the delay is the months from the start to the first such alert;
- false alarms per 1,000 tested cell-months on the shock-free country (a cell is a group at one
  level and one measure; only cell-months the detector actually tested are counted);
- recall by group size (insured employment of the shocked codes the month before the start).

The detector's threshold comes from a simulation (``calibrate_threshold``), not from these data.

Run: ``uv run python evals/monitor/early_warning.py --persons 200000 --seed 7``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.pipeline import build_lake
from ilteo.monitor.indicators import available_months, build_indicators, read_indicators
from ilteo.monitor.warnings import LEVELS, DetectorConfig, detect_all
from ilteo.synth import Shock, generate

HERE = Path(__file__).resolve().parent
#: The injected shocks: (codes, start, separation multiplier, hire multiplier).
SHOCKS: tuple[tuple[tuple[str, ...], str, float, float], ...] = (
    (("2222",), "2024-07", 1.6, 0.7),
    (("3212",), "2024-10", 1.5, 0.8),
    (("5101",), "2025-01", 1.8, 0.6),
    (("4421",), "2025-03", 2.0, 0.6),
    (("8730",), "2024-09", 2.0, 0.5),
    (("2946",), "2025-04", 2.0, 0.6),
    (("7531",), "2025-06", 2.0, 0.5),
    (("41",), "2025-02", 1.3, 0.85),
    (("272",), "2024-12", 1.8, 0.7),
)
#: An alert counts for a shock when it opens at most this many months after the start.
WINDOW_MONTHS = 6
SIZE_BINS = ((0, 300), (300, 600), (600, 1500), (1500, 10**9))
WATCHED = {("separations", "up"), ("hires", "down"), ("jsa_claims", "up"), ("sep_hire", "up")}


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _overlaps(group: dict[str, str], codes: tuple[str, ...]) -> bool:
    ksco = next((v for k, v in group.items() if k.startswith("ksco")), "")
    return any(code.startswith(ksco) or ksco.startswith(code) for code in codes)


def _country(
    root: Path,
    name: str,
    persons: int,
    seed: int,
    shocks: list[Shock],
    reference: Path,
    *,
    reuse: bool = False,
) -> tuple[Settings, Path, dict[str, float]]:
    settings = Settings(env="dev", home=root / f"home-{name}", reference_dir=reference)
    out = root / f"country-{name}"
    timings: dict[str, float] = {}
    if reuse and available_months(settings) and (out / "ground_truth").is_dir():
        return settings, out, {"reused": 1.0}  # --keep and --reuse: the kept build
    upgrade(settings)
    started = time.perf_counter()
    generate(out, persons, seed, shocks=shocks, settings=settings)
    timings["generate_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    build_lake(out, settings)
    timings["lake_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    build_indicators(settings)
    timings["indicators_s"] = round(time.perf_counter() - started, 1)
    return settings, out, timings


def _false_alarms(cells: pl.DataFrame) -> dict[str, Any]:
    tested = int(cells.get_column("tested").sum())
    onsets = int(cells.get_column("onset").sum())
    by_level = {}
    for (level,), part in cells.group_by("level", maintain_order=True):
        t, o = int(part.get_column("tested").sum()), int(part.get_column("onset").sum())
        by_level[str(level)] = {
            "tested_cell_months": t,
            "alarms": o,
            "per_1000": round(1000 * o / t, 3) if t else None,
        }
    return {
        "tested_cell_months": tested,
        "alarms": onsets,
        "per_1000": round(1000 * onsets / tested, 3) if tested else None,
        "by_level": by_level,
    }


def _shock_rows(settings: Settings, cells: pl.DataFrame, shocks: list[dict[str, Any]]) -> list:
    onsets = cells.filter(pl.col("onset")).select("level", "group", "measure", "direction", "month")
    unit = read_indicators(settings, by=("ksco",), suppress=False)
    rows = []
    for shock in shocks:
        codes = tuple(shock["occupations"])
        start = date.fromisoformat(shock["start"])
        before = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
        size = int(
            unit.filter(
                (pl.col("month") == before)
                & pl.any_horizontal(*(pl.col("ksco").str.starts_with(c) for c in codes))
            )
            .get_column("employment")
            .sum()
        )
        hits = []
        for row in onsets.iter_rows(named=True):
            delay = _months_between(start, row["month"])
            if (row["measure"], row["direction"]) not in WATCHED:
                continue
            if 0 <= delay <= WINDOW_MONTHS and _overlaps(json.loads(row["group"]), codes):
                hits.append({**row, "delay": delay, "month": row["month"].isoformat()[:7]})
        hits.sort(key=lambda h: (h["delay"], list(LEVELS).index(h["level"])))
        first = hits[0] if hits else None
        rows.append(
            {
                "occupations": list(codes),
                "start": start.isoformat()[:7],
                "separation": shock["separation"],
                "hire": shock["hire"],
                "employment_before": size,
                "detected": first is not None,
                "delay_months": first["delay"] if first else None,
                "first_alert": first,
                "alerts_in_window": len(hits),
            }
        )
    return rows


def _unrelated(cells: pl.DataFrame, shocks: list[dict[str, Any]]) -> int:
    count = 0
    for row in cells.filter(pl.col("onset")).iter_rows(named=True):
        group = json.loads(row["group"])
        if not any(_overlaps(group, tuple(s["occupations"])) for s in shocks):
            count += 1
    return count


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def run(persons: int, seed: int, keep: Path | None = None, reuse: bool = False) -> dict[str, Any]:
    """Run the evaluation and return the results (also written as md and json)."""
    reference = Path(os.environ.get("ILTEO_REFERENCE_DIR", HERE.parents[2] / "shared" / "data"))
    shocks = [
        Shock(occupations=codes, start=start, separation=sep, hire=hire)
        for codes, start, sep, hire in SHOCKS
    ]
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="ilteo-early-warning-")) if keep is None else keep
    try:
        free_settings, _, free_times = _country(
            root, "free", persons, seed, [], reference, reuse=reuse
        )
        free = detect_all(free_settings)
        shock_settings, shock_out, shock_times = _country(
            root, "shock", persons, seed, shocks, reference, reuse=reuse
        )
        shocked = detect_all(shock_settings)
        truth = json.loads((shock_out / "ground_truth" / "shocks.json").read_text())
        rows = _shock_rows(shock_settings, shocked.cells, truth)
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    detected = [r for r in rows if r["detected"]]
    by_size = []
    for lo, hi in SIZE_BINS:
        part = [r for r in rows if lo <= r["employment_before"] < hi]
        if part:
            by_size.append(
                {
                    "employment": f"{lo}-{hi - 1}" if hi < 10**9 else f"≥{lo}",
                    "shocks": len(part),
                    "detected": sum(r["detected"] for r in part),
                }
            )
    found_sizes = [r["employment_before"] for r in detected]
    false = _false_alarms(free.cells)
    recall = len(detected) / len(rows)
    return {
        "title": "Early warning of abnormal movement per cell (synthetic countries)",
        "synthetic": True,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": (
            f"uv run python evals/monitor/early_warning.py --persons {persons} --seed {seed}"
        ),
        "persons": persons,
        "seed": seed,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "detector": {
            **asdict(DetectorConfig()),
            "levels": {k: list(v) for k, v in LEVELS.items()},
            "phi_shock_free": {k: round(v, 3) for k, v in free.phi.items()},
        },
        "targets": {"recall": 0.9, "false_alarms_per_1000": 1.0},
        "recall": round(recall, 3),
        "median_delay_months": _median([r["delay_months"] for r in detected]),
        "false_alarms_shock_free": false,
        "unrelated_alarms_shocked": _unrelated(shocked.cells, truth),
        "smallest_detected_employment": min(found_sizes) if found_sizes else None,
        "largest_missed_employment": max(
            (r["employment_before"] for r in rows if not r["detected"]), default=None
        ),
        "recall_by_size": by_size,
        "shocks": rows,
        "timings": {
            "shock_free": free_times,
            "shocked": shock_times,
            "total_s": round(time.perf_counter() - started, 1),
        },
        "passed": bool(
            recall >= 0.9 and false["per_1000"] is not None and false["per_1000"] <= 1.0
        ),
    }


def _markdown(result: dict[str, Any]) -> str:
    false = result["false_alarms_shock_free"]
    lines = [
        f"# {result['title']}",
        "",
        "합성 데이터 결과입니다 / **Synthetic data**: these figures come from `ilteo synth` "
        "countries, not from real records.",
        "",
        f"- Date: {result['date']}",
        f"- Command: `{result['command']}`",
        f"- Machine: {result['machine']['platform']}, Python {result['machine']['python']}, "
        f"{result['machine']['cpus']} CPUs; total {result['timings']['total_s']} s",
        f"- Detector: Poisson mid-p scores, one-sided CUSUM k={result['detector']['k']}, "
        f"h={result['detector']['h']} (from simulation, `calibrate_threshold`), cells with an "
        f"expected count below {result['detector']['min_expected']} not tested; levels "
        + ", ".join(f"{k} ({' x '.join(v)})" for k, v in result["detector"]["levels"].items()),
        "",
        "## Summary",
        "",
        "| Figure | Value | Target |",
        "|---|---|---|",
        f"| Recall of injected shocks | {result['recall']:.2f} "
        f"({sum(r['detected'] for r in result['shocks'])}/{len(result['shocks'])}) | ≥ 0.9 |",
        f"| False alarms per 1,000 tested cell-months (shock-free country) | "
        f"{false['per_1000']} ({false['alarms']} in {false['tested_cell_months']:,}) | ≤ 1 |",
        f"| Median delay, start → first alert (months) | {result['median_delay_months']} | — |",
        f"| Alarms on unshocked groups in the shocked country | "
        f"{result['unrelated_alarms_shocked']} | — |",
        f"| Smallest shocked group found (insured jobs) | "
        f"{result['smallest_detected_employment']} | — |",
        "",
        f"Targets met: **{'yes' if result['passed'] else 'no'}**.",
        "",
        "## False alarms by level (shock-free country)",
        "",
        "| Level | Tested cell-months | Alarms | Per 1,000 |",
        "|---|---|---|---|",
    ]
    for level, v in false["by_level"].items():
        lines.append(f"| {level} | {v['tested_cell_months']:,} | {v['alarms']} | {v['per_1000']} |")
    lines += [
        "",
        "## Recall by group size",
        "",
        "| Insured jobs before the shock | Shocks | Detected |",
        "|---|---|---|",
    ]
    for b in result["recall_by_size"]:
        lines.append(f"| {b['employment']} | {b['shocks']} | {b['detected']} |")
    lines += [
        "",
        "## Shocks",
        "",
        "| KSCO | Start | sep x | hire x | Insured jobs | Detected | Delay | First alert |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["shocks"]:
        first = r["first_alert"]
        where = (
            f"{first['level']} {first['group']} {first['measure']} {first['month']}"
            if first
            else "—"
        )
        lines.append(
            f"| {','.join(r['occupations'])} | {r['start']} | {r['separation']} | {r['hire']} | "
            f"{r['employment_before']} | {'yes' if r['detected'] else 'no'} | "
            f"{r['delay_months'] if r['delay_months'] is not None else '—'} | {where} |"
        )
    lines += [
        "",
        "A shock counts as found when an alert opens on a group overlapping its codes (any level)"
        " on separations up, hires down, JSA claims up or the two combined (`sep_hire`), "
        f"0-{WINDOW_MONTHS} months after its start. Limit of detectability: see the smallest "
        "group found and the misses above; groups much smaller than that are not reliably "
        "found at these shock sizes.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep the homes in this folder")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse the countries built there"
    )
    args = parser.parse_args()
    result = run(args.persons, args.seed, args.keep, args.reuse and args.keep is not None)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "early_warning.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n"
    )
    (args.out / "early_warning.md").write_text(_markdown(result))
    print(_markdown(result))


if __name__ == "__main__":
    main()
