"""The evaluation: the risk model and targeting against two baselines, on a time split.

:func:`evaluate` takes any establishment-year table (the synthetic panel, the lake, or a supplied
OSHA 300A-layout file) and runs the same steps: features; train on the years before the test year
(the last training year calibrates); on the test year, calibration metrics and a reliability
chart; the inspection effect from randomised inspections before the test year; then K workplaces
chosen by each strategy of :mod:`ilteo.safety.targeting`, each with the same random share, and
for each: capture@K (the share of the test year's next-year serious cases at the chosen
workplaces), the injuries an inspection would avert there (next-year cases x effect), and, on the
synthetic panel only, the injuries truly averted (the simulation's own expected cases x its true
effect). All by industry section and size band too. ``oracle`` (the K workplaces that did have the
most cases) bounds what any strategy could capture.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.safety import features as feature_table
from ilteo.safety.model import ROUNDS, calibration_metrics, fit
from ilteo.safety.panel import SYNTHETIC_LABEL
from ilteo.safety.table import Table
from ilteo.safety.targeting import (
    RANDOM_SHARE,
    STRATEGIES,
    Effect,
    estimate_effect,
    group_rates,
    select,
    with_value,
)

__all__ = ["DEFAULT_K_SHARE", "evaluate", "render_markdown", "score_frame"]

#: Default K: this share of the test year's workplaces (about what a year's inspections cover).
DEFAULT_K_SHARE: Final = 0.01
ProgressCallback = Callable[[int, int, str], None]


def score_frame(
    rows: pl.DataFrame,
    p: np.ndarray[Any, Any],
    cases: np.ndarray[Any, Any],
    effect: Effect,
    rates: pl.DataFrame,
) -> pl.DataFrame:
    """Rows with the model's value and every baseline's ranking key."""
    return (
        with_value(rows, p, cases, effect)
        .with_columns(pl.col("rate_0").alias("sst_rate"))
        .join(rates, on=["sector", "size_class"], how="left")
    )


def evaluate(
    table: Table,
    *,
    k: int | None = None,
    random_share: float = RANDOM_SHARE,
    test_year: int | None = None,
    seed: int = 0,
    rounds: int = ROUNDS,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Evaluate on ``table`` (see the module's description); a JSON-ready result.

    Raises:
        InvalidInputError: No year to test on, no earlier year to train on, or a bad K.
    """
    if not 0 <= random_share < 1:
        raise InvalidInputError("random_share는 0 이상 1 미만 / random share must be in [0, 1)")
    steps = 4
    tick = progress or (lambda done, total, label: None)
    tick(0, steps, "features")
    feats = feature_table.build(table)
    labelled_years = sorted(
        set(feats.filter(pl.col("serious_next").is_not_null())["year"].to_list())
    )
    if test_year is None and labelled_years:
        test_year = labelled_years[-1]
    train_years = [y for y in labelled_years if test_year is not None and y < test_year]
    if test_year is None or test_year not in labelled_years or not train_years:
        raise InvalidInputError(
            "시험 연도 앞에 학습할 연도가 필요합니다 / need a test year with known next-year "
            f"outcomes and at least one earlier year to train on; years with outcomes: "
            f"{labelled_years}, test year: {test_year}",
            fields={"test_year": "invalid"},
        )
    tick(1, steps, "model")
    model = fit(
        feats, train_years=train_years, source=table.source, synthetic=table.synthetic,
        seed=seed, rounds=rounds,
    )  # fmt: skip
    test = feats.filter((pl.col("year") == test_year) & pl.col("serious_next").is_not_null())
    tick(2, steps, "scores")
    p, cases = model.predict(test)
    y = test["serious_next"].to_numpy()
    metrics = calibration_metrics(p, y)
    effect = estimate_effect(feats, years=train_years)
    scored = score_frame(test, p, cases, effect, group_rates(feats, train_years))
    if k is None:
        k = max(10, round(DEFAULT_K_SHARE * test.height))
    if not 1 <= k <= test.height:
        raise InvalidInputError(
            f"K는 1에서 {test.height:,} 사이 / K must be between 1 and {test.height:,} (the "
            f"workplaces of {test_year})",
            fields={"k": "out-of-range"},
        )
    tick(3, steps, "targeting")
    total_cases = float(test["cases_next"].sum())
    synthetic = table.synthetic and "sim_effect" in scored.columns
    strategies: list[dict[str, Any]] = []
    selections: dict[str, pl.DataFrame] = {}
    for name in STRATEGIES:
        chosen = select(scored, k, name, random_share=random_share, seed=seed)
        selections[name] = chosen
        strategies.append(_summary(name, chosen, total_cases, synthetic))
    oracle = (
        scored.sort("cases_next", descending=True)
        .head(k)
        .with_columns(pl.lit("oracle").alias("reason"))
    )
    selections["oracle"] = oracle
    strategies.append(_summary("oracle", oracle, total_cases, synthetic))
    base = next(s for s in strategies if s["strategy"] == "sst")
    for row in strategies:
        row["averted_vs_sst"] = row["averted"] / base["averted"] if base["averted"] > 0 else None
    tick(4, steps, "done")
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": table.source,
        "synthetic": table.synthetic,
        "label": SYNTHETIC_LABEL if table.synthetic else None,
        "industry_system": table.industry_system,
        "warnings": list(table.warnings),
        "years": list(table.years),
        "train_years": train_years,
        "test_year": test_year,
        "outcome_year": test_year + 1,
        "workplaces": test.height,
        "next_year_cases": total_cases,
        "k": k,
        "random_share": random_share,
        "seed": seed,
        "effect": effect.to_json(),
        "model": {
            "version": model.version,
            "training": model.metrics.get("training"),
            "test": metrics,
        },
        "strategies": strategies,
        "by_sector": _by_group(selections, scored, "sector", synthetic),
        "by_size": _by_group(selections, scored, "size_class", synthetic),
    }


def _summary(name: str, chosen: pl.DataFrame, total: float, synthetic: bool) -> dict[str, Any]:
    cases = float(chosen["cases_next"].sum())
    averted = float((chosen["cases_next"] * chosen["effect"]).sum())
    row: dict[str, Any] = {
        "strategy": name,
        "selected": chosen.height,
        "random": int((chosen["reason"] == "random").sum()),
        "cases_captured": cases,
        "capture": cases / total if total else None,
        "deaths_captured": float(chosen["deaths_next"].sum()),
        "averted": averted,
        "model_expected_averted": float(chosen["averted"].sum()),
        "median_employees": float(chosen["employees"].median() or 0.0),  # type: ignore[arg-type]
    }
    if synthetic:
        row["true_averted"] = float((chosen["sim_expected_next"] * chosen["sim_effect"]).sum())
    return row


def _by_group(
    selections: dict[str, pl.DataFrame], scored: pl.DataFrame, key: str, synthetic: bool
) -> list[dict[str, Any]]:
    totals = scored.group_by(key).agg(
        pl.len().alias("workplaces"), pl.col("cases_next").sum().alias("cases")
    )
    out = totals
    for name, chosen in selections.items():
        agg = chosen.group_by(key).agg(
            pl.len().alias(f"{name}_selected"),
            pl.col("cases_next").sum().alias(f"{name}_captured"),
            (pl.col("cases_next") * pl.col("effect")).sum().alias(f"{name}_averted"),
        )
        out = out.join(agg, on=key, how="left")
    out = out.fill_null(0).sort("cases", descending=True)
    return [dict(r) for r in out.iter_rows(named=True)]


def render_markdown(result: dict[str, Any]) -> str:
    """The evaluation as Markdown (Korean and English)."""
    lines = ["# 산재 위험 예측·감독 대상 선정 평가 / Risk model and inspection targeting", ""]
    if result["synthetic"]:
        lines += [f"> **{result['label']}**", ""]
    effect = result["effect"]
    test = result["model"]["test"]
    lines += [
        f"- 자료 / data: `{result['source']}` ({result['industry_system'].upper()}), "
        f"years {result['years'][0]}-{result['years'][-1]}",
        f"- 학습 / trained on feature years {result['train_years']} (the last calibrates); "
        f"tested on {result['test_year']} predicting {result['outcome_year']}: "
        f"{result['workplaces']:,} workplaces, {result['next_year_cases']:,.0f} serious cases",
        f"- K = {result['k']:,} inspections, {result['random_share']:.0%} drawn at random",
        f"- 감독 효과 / inspection effect: {effect['overall']:.1%} "
        + (
            "(estimated from " + f"{effect['random_inspections']:,} randomised inspections, "
            f"shrunk towards the prior {effect['prior']:.1%})"
            if effect["estimated"]
            else f"(the published prior: {effect['source']})"
        ),
        "",
        "## 보정 / Calibration (test year)",
        "",
    ]
    if test.get("auc") is not None:
        lines += [
            f"AUC {test['auc']:.3f} · Brier {test['brier']:.4f} (skill {test['brier_skill']:.3f}) "
            f"· log loss {test['log_loss']:.4f} · ECE {test['ece']:.4f} · mean predicted "
            f"{test['mean_predicted']:.2%} vs observed {test['base_rate']:.2%}",
            "",
            "| 예측 / predicted | 실제 / observed | n |",
            "|---:|---:|---:|",
        ]
        lines += [
            f"| {b['predicted']:.2%} | {b['observed']:.2%} | {b['n']:,} |" for b in test["bins"]
        ]
    lines += ["", "## 전략 비교 / Strategies", ""]
    synthetic = result["synthetic"]
    head = "| strategy | capture@K | cases | deaths | averted (cases x effect) | vs SST |"
    head += " true averted |" if synthetic else ""
    lines += [head, "|---|---:|---:|---:|---:|---:|" + ("---:|" if synthetic else "")]
    for s in result["strategies"]:
        ratio = f"{s['averted_vs_sst']:.2f}x" if s["averted_vs_sst"] is not None else "-"
        row = (
            f"| {s['strategy']} | {s['capture']:.1%} | {s['cases_captured']:,.0f} | "
            f"{s['deaths_captured']:,.0f} | {s['averted']:,.1f} | {ratio} |"
        )
        row += f" {s['true_averted']:,.1f} |" if synthetic else ""
        lines.append(row)
    for key, title in (("by_size", "규모별 / by size band"), ("by_sector", "업종별 / by industry")):
        lines += ["", f"## {title}", ""]
        names = [*STRATEGIES, "oracle"]
        lines.append(
            "| group | workplaces | cases | " + " | ".join(f"{n} cases" for n in names) + " |"
        )
        lines.append("|---|---:|---:|" + "---:|" * len(names))
        group = "size_class" if key == "by_size" else "sector"
        for r in result[key]:
            cells = " | ".join(f"{r[f'{n}_captured']:,.0f}" for n in names)
            lines.append(f"| {r[group]} | {r['workplaces']:,} | {r['cases']:,.0f} | {cells} |")
    if result["warnings"]:
        lines += ["", "## 경고 / Warnings", ""] + [f"- {w}" for w in result["warnings"]]
    return "\n".join(lines) + "\n"
