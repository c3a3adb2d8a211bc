"""Validate the KSCO AI-exposure index: rank agreement, crosswalk coverage, exposed employment.

Computes, with :mod:`ilteo.monitor.validation`:

- Spearman's rho of the combined KSCO score with each source carried to KSCO (n, 95% Fisher-z
  interval, and the leave-one-out rho);
- crosswalk coverage of the 494 KSCO 8 unit groups by confidence band, method and major group;
- the employment-weighted share of insured jobs in highly exposed occupations (top 20% of KSCO
  units by combined score; ILO 2025 gradients 1-4 and gradient 4) in the last month of the lake,
  nationally and by sex, age band and KSCO major group.

On a given home (``--home DIR``, its lake and monthly indicators built) or, by default, on a
demo-sized synthetic country (20,000 persons, seed 42) built in a temporary home. Writes
``exposure_validation.md`` and ``exposure_validation.json`` beside this script.

Run: ``uv run python evals/monitor/exposure_validation.py [--home DIR]``.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.validation import (
    crosswalk_coverage,
    exposed_employment_share,
    ksco_rank_agreement,
    to_plain,
)

HERE = Path(__file__).resolve().parent
PERSONS = 20_000
SEED = 42


def _reference() -> Path:
    return Path(os.environ.get("ILTEO_REFERENCE_DIR", HERE.parents[2] / "shared" / "data"))


def _demo_home(root: Path) -> tuple[Settings, dict[str, float]]:
    """A synthetic country of :data:`PERSONS` persons, its lake and indicators, in ``root``."""
    from ilteo.lake.pipeline import build_lake
    from ilteo.monitor.indicators import build_indicators
    from ilteo.synth import generate

    settings = Settings(env="dev", home=root / "home", reference_dir=_reference())
    upgrade(settings)
    times: dict[str, float] = {}
    started = time.perf_counter()
    generate(root / "country", PERSONS, SEED, settings=settings)
    times["generate_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    build_lake(root / "country", settings)
    times["lake_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    build_indicators(settings)
    times["indicators_s"] = round(time.perf_counter() - started, 1)
    return settings, times


def run(home: Path | None) -> dict[str, Any]:
    """Compute the three checks and return them (also written as md and json by :func:`main`)."""
    started = time.perf_counter()
    root: Path | None = None
    times: dict[str, float] = {}
    try:
        if home is None:
            root = Path(tempfile.mkdtemp(prefix="ilteo-exposure-validation-"))
            settings, times = _demo_home(root)
            data = f"synthetic demo country: {PERSONS:,} persons, seed {SEED} (ilteo synth)"
            command = "uv run python evals/monitor/exposure_validation.py"
        else:
            settings = Settings(env="dev", home=home, reference_dir=_reference())
            data = f"the lake of the home {home}"
            command = f"uv run python evals/monitor/exposure_validation.py --home {home}"
        agreement = ksco_rank_agreement(settings)
        coverage = crosswalk_coverage(settings)
        share = exposed_employment_share(settings)
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
    times["total_s"] = round(time.perf_counter() - started, 1)
    return to_plain(
        {
            "title": "Validation of the KSCO AI-exposure index",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command,
            "data": data,
            "synthetic": share.synthetic,
            "machine": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "timings": times,
            "rank_agreement": asdict(agreement),
            "crosswalk_coverage": asdict(coverage),
            "exposed_employment": asdict(share),
            "caveat": CAVEAT,
        }
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _share_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Group | Insured jobs | Known KSCO | Top 20% | Share | ILO 1-4 | Share | ILO 4 | Share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['employment']:,} | {r['known_employment']:,} | "
            f"{r['high_employment']:,} | {_pct(r['high_share'])} | "
            f"{r['gradient_employment']:,} | {_pct(r['gradient_share'])} | "
            f"{r['gradient4_employment']:,} | {_pct(r['gradient4_share'])} |"
        )
    return lines


def _markdown(result: dict[str, Any]) -> str:
    agreement = result["rank_agreement"]
    coverage = result["crosswalk_coverage"]
    share = result["exposed_employment"]
    synthetic = (
        "합성 데이터 결과입니다 / **Synthetic data**: the employment figures come from an "
        "`ilteo synth` country, not from real records; they show the method, not Korea."
        if result["synthetic"]
        else "Data: " + result["data"]
    )
    lines = [
        f"# {result['title']}",
        "",
        synthetic,
        "",
        f"- Date: {result['date']}",
        f"- Command: `{result['command']}`",
        f"- Data: {result['data']}",
        f"- Machine: {result['machine']['platform']}, Python {result['machine']['python']}, "
        f"{result['machine']['cpus']} CPUs; total {result['timings']['total_s']} s",
        "- Method: `docs/monitor-validation.md`; code: `src/ilteo/monitor/validation.py`",
        "",
        "## 1. Rank agreement (Spearman) of the combined KSCO index with each source",
        "",
        f"Over the KSCO units linked to ISCO-08 units the source covers "
        f"({agreement['ksco_profiled']} of {agreement['ksco_units']} KSCO units have a profile). "
        f"{agreement['method']}.",
        "",
        "| Source | Version | Weight | n | rho | 95% CI | rho without the source |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for s in agreement["sources"]:
        lines.append(
            f"| {s['name']} (`{s['source']}`) | {s['version']} | {s['weight']:.3f} | {s['n']} | "
            f"{s['rho']:.3f} | {s['ci_low']:.3f} to {s['ci_high']:.3f} | "
            f"{s['rho_without']:.3f} |"
        )
    lines += [
        "",
        "The combined score contains each source, so rho is partly the source's own weight; the "
        "last column compares the source with the combined score of the other sources only.",
        "",
        "## 2. Crosswalk coverage (KSCO 8 → ISCO-08)",
        "",
        f"{coverage['note']}. KSCO 8 unit groups: {coverage['ksco_units']}; linked: "
        f"{coverage['linked']}; with an exposure profile: {coverage['profiled']}; ISCO-08 unit "
        f"groups reached: {coverage['isco_reached']} of {coverage['isco_units']}; links: "
        f"{coverage['links']}; one-to-many KSCO units: {coverage['one_to_many']}; many-to-one "
        f"ISCO units: {coverage['many_to_one']}.",
        "",
        "| Confidence band of the best link | KSCO units |",
        "|---|---:|",
    ]
    for key, count in coverage["by_band"].items():
        lines.append(f"| {coverage['band_labels'][key]} | {count} |")
    lines += ["", "| Method of the best link | KSCO units |", "|---|---:|"]
    for key, count in coverage["by_method"].items():
        lines.append(f"| {key} | {count} |")
    lines += [
        "",
        f"| Major group | Units | Linked | Profiled | Best link ≥ "
        f"{coverage['confidence_threshold']} |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in coverage["by_major"]:
        lines.append(
            f"| {m['major']} {m['title_ko']} / {m['title_en']} | {m['units']} | {m['linked']} | "
            f"{m['profiled']} | {m['confident']} |"
        )
    if coverage["unprofiled"]:
        lines += ["", "Units without a profile:", ""]
        lines += [f"- {code}: {why}" for code, why in coverage["unprofiled"].items()]
    lines += [
        "",
        f"## 3. Employment-weighted share of highly exposed insured jobs, {share['month'][:7]}",
        "",
        f"{share['method']}. Top 20%: {share['high_units']} of {share['profiled_units']} "
        f"profiled KSCO units; ILO 2025 gradients 1-4: {share['gradient_units']} units; "
        f"gradient 4: {share['gradient4_units']} units.",
        "",
        *_share_lines([share["national"]]),
        "",
        "### By sex",
        "",
        *_share_lines(share["by_sex"]),
        "",
        "### By age band",
        "",
        *_share_lines(share["by_age_band"]),
        "",
        "### By KSCO major group",
        "",
        *_share_lines(share["by_major"]),
        "",
        "## What these figures do not establish",
        "",
        result["caveat"],
        "",
        "The population is insured wage jobs in the employment-insurance records, not all "
        "employed persons (the self-employed, most public officials and other uninsured workers "
        "are outside it). These shares are not comparable with the Bank of Korea or ILO "
        "figures, which use other populations, classifications and indices.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=None, help="a home whose lake and indicators are built"
    )
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    result = run(args.home)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "exposure_validation.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "exposure_validation.md").write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))


if __name__ == "__main__":
    main()
