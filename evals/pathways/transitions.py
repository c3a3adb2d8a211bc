"""Evaluate occupation transitions against O*NET ground truth: cosine baseline and ilteo's model.

Ground truth, evaluation only (never a feature): O*NET 30.1 Related Occupations (tiers
Primary-Short = 3 > Primary-Long = 2 > Supplemental = 1, graded relevance for nDCG; any tier is
relevant for P@5 and MRR) and the O*NET Career Changers Matrix (P@5, recall@10).

Each origin's ranking covers every other profiled O*NET-SOC occupation. "Excluding the same minor
group" removes, from both the ranking and the ground truth, targets in the origin's SOC minor group
(``XX-XX00``: the first 5 characters of the code, e.g. ``15-12``); origins left with no ground
truth are dropped from that view.

Split: an origin is in the development half when the first byte of sha256(code) is even. With
``--tune`` the model's weights are searched on the development half only (coordinate search over
``GRID`` from the file's weights; objective: mean of nDCG@10 on Related Occupations and P@5 on
Career Changers) and printed; the committed ``thresholds.yaml`` holds the chosen ones. The report
is on the held-out half (and on all origins, labelled).

Run: ``uv run python evals/pathways/transitions.py [--tune]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ilteo.core.settings import Settings
from ilteo.pathways.profiles import ProfileIndex, occupation_profiles
from ilteo.pathways.transitions import (
    Thresholds,
    baseline_scores,
    combine,
    components,
    load_thresholds,
)
from ilteo.reference.loading import load

HERE = Path(__file__).resolve().parent
TIERS = {"Primary-Short": 3, "Primary-Long": 2, "Supplemental": 1}
#: Values tried per weight by the coordinate search of ``--tune``.
GRID: dict[str, Sequence[float]] = {
    "missing": (1.0, 2.0, 3.0, 4.0, 6.0),
    "surplus": (0.5, 1.0, 1.5, 2.0),  # kept below `missing`
    "profile": (0.5, 1.0, 1.5, 2.0),
    "activities": (0.0, 0.25, 0.5, 1.0),
    "zone": (0.0, 0.3, 0.6, 1.0),
    "education": (0.0, 0.3, 0.6),
    "styles": (0.0, 0.3, 0.6),
    "text": (3.0, 4.0, 5.0, 6.0, 8.0),
    "titles": (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
    "interests": (0.0, 1.0, 2.0, 3.0, 4.0),
}
#: Passes of the coordinate search over every weight.
PASSES = 2


# --- metrics ------------------------------------------------------------------------------------


def ndcg_at_k(ranked: Sequence[str], grades: dict[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain at k with graded relevance (log2 discount)."""
    dcg = sum(grades.get(c, 0.0) / np.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return float(dcg / idcg) if idcg > 0 else 0.0


def precision_at_k(ranked: Sequence[str], relevant: set[str] | dict[str, Any], k: int = 5) -> float:
    """Share of the first k ranked items that are relevant."""
    return sum(1 for c in ranked[:k] if c in relevant) / k


def recall_at_k(ranked: Sequence[str], relevant: set[str] | dict[str, Any], k: int = 10) -> float:
    """Share of the relevant items found in the first k."""
    if not relevant:
        return 0.0
    return sum(1 for c in ranked[:k] if c in relevant) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str] | dict[str, Any]) -> float:
    """1 / rank of the first relevant item (0 when none is ranked)."""
    for i, c in enumerate(ranked):
        if c in relevant:
            return 1.0 / (i + 1)
    return 0.0


# --- data ---------------------------------------------------------------------------------------


def is_development(code: str) -> bool:
    """The fixed split: development when sha256(code)'s first byte is even."""
    return hashlib.sha256(code.encode()).digest()[0] % 2 == 0


def ground_truth(settings: Settings) -> tuple[dict[str, dict[str, float]], dict[str, set[str]]]:
    """Related Occupations (origin → {target: grade}) and Career Changers (origin → targets)."""
    related: dict[str, dict[str, float]] = {}
    frame = load("onet", "related_occupations", settings=settings)
    for code, target, tier in frame.select(
        "O*NET-SOC Code", "Related O*NET-SOC Code", "Relatedness Tier"
    ).rows():
        related.setdefault(code, {})[target] = float(TIERS[tier])
    changers: dict[str, set[str]] = {}
    cc = load("onet_career_changers", settings=settings)
    for code, target in cc.select("O*NET-SOC Code", "Related O*NET-SOC Code").rows():
        changers.setdefault(code, set()).add(target)
    return related, changers


def evaluate(
    scores: np.ndarray,
    origins: list[int],
    index: ProfileIndex,
    related: dict[str, dict[str, float]],
    changers: dict[str, set[str]],
    exclude_minor: bool = False,
    depth: int | None = None,
) -> dict[str, Any]:
    """All metrics of one score matrix (rows = ``origins``) on the given origin rows.

    ``depth`` ranks only the first items (fast, for tuning; MRR then counts only those).
    """
    codes = [o.code for o in index.occupations]
    minor = np.array([c[:5] for c in codes])
    sums: dict[str, list[float]] = {k: [] for k in ("ndcg10", "p5", "mrr", "cc_p5", "cc_r10")}
    for r, o in enumerate(origins):
        code = codes[o]
        row = scores[r].copy()
        row[o] = -np.inf
        if exclude_minor:
            row[minor == code[:5]] = -np.inf
        keep = int(np.isfinite(row).sum())
        if depth is not None:
            top = np.argpartition(-row, depth)[:depth]
            order = top[np.argsort(-row[top], kind="stable")]
        else:
            order = np.argsort(-row, kind="stable")[:keep]
        ranked = [codes[j] for j in order]
        grades = {
            t: g for t, g in related.get(code, {}).items()
            if not (exclude_minor and t[:5] == code[:5])
        }  # fmt: skip
        if grades:
            sums["ndcg10"].append(ndcg_at_k(ranked, grades, 10))
            sums["p5"].append(precision_at_k(ranked, grades, 5))
            sums["mrr"].append(reciprocal_rank(ranked, grades))
        moved = {t for t in changers.get(code, set()) if not (exclude_minor and t[:5] == code[:5])}
        if moved:
            sums["cc_p5"].append(precision_at_k(ranked, moved, 5))
            sums["cc_r10"].append(recall_at_k(ranked, moved, 10))
    out: dict[str, Any] = {k: round(float(np.mean(v)), 4) if v else None for k, v in sums.items()}
    out["n_related"] = len(sums["ndcg10"])
    out["n_changers"] = len(sums["cc_p5"])
    return out


def _objective(result: dict[str, Any]) -> float:
    return float(result["ndcg10"] + result["cc_p5"]) / 2


def tune(
    index: ProfileIndex,
    dev: list[int],
    related: dict[str, dict[str, float]],
    changers: dict[str, set[str]],
    thresholds: Thresholds,
) -> tuple[dict[str, float], float]:
    """Coordinate search of the weights on the development origins only.

    Starts from the file's weights; for each weight in turn (``PASSES`` times) keeps the value of
    ``GRID`` that raises the objective, the others fixed. ``surplus`` stays below ``missing``.
    """
    parts = components(index, np.array(dev), thresholds)

    def objective(weights: dict[str, float]) -> float:
        scores = combine(parts, weights)
        return _objective(evaluate(scores, dev, index, related, changers, depth=10))

    weights = dict(thresholds.weights)
    best = objective(weights)
    for _ in range(PASSES):
        for name, values in GRID.items():
            for value in values:
                trial = {**weights, name: value}
                if trial["surplus"] >= trial["missing"]:
                    continue
                score = objective(trial)
                if score > best + 1e-4:
                    best, weights = score, trial
    return weights, best


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the evaluation and write ``transitions.md`` and ``transitions.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search the weights on the dev half")
    parser.add_argument("--reference-dir", default=os.environ.get("ILTEO_REFERENCE_DIR"))
    args = parser.parse_args(argv)
    reference = Path(args.reference_dir or HERE.parents[2] / "shared" / "data")
    settings = Settings(
        env="dev", home=Path(tempfile.gettempdir()) / "ilteo-eval-pathways", reference_dir=reference
    )
    started = time.perf_counter()
    index = occupation_profiles(settings)
    thresholds = load_thresholds()
    related, changers = ground_truth(settings)
    rows = [index.row[c] for c in sorted(set(related) | set(changers)) if c in index.row]
    dev = [r for r in rows if is_development(index.occupations[r].code)]
    test = [r for r in rows if not is_development(index.occupations[r].code)]
    tuned: dict[str, Any] | None = None
    if args.tune:
        weights, objective = tune(index, dev, related, changers, thresholds)
        tuned = {"weights": weights, "dev_objective": round(objective, 4)}
        print("tuned on the development half:", json.dumps(tuned))
    splits = {"held-out half": test, "development half": dev, "all origins": rows}
    results: dict[str, Any] = {}
    for split, origins in splits.items():
        o = np.array(origins)
        model = combine(components(index, o, thresholds), thresholds.weights)
        base = baseline_scores(index, o)
        # The same baseline with unrated (parent-mean) targets ranked last, as the model does.
        unrated = np.array([x.fallback for x in index.occupations])
        base_rated = base - np.float32(10.0) * unrated[None, :].astype(np.float32)
        for view, exclude in (("overall", False), ("excluding same SOC minor group", True)):
            results[f"{split} / {view}"] = {
                "baseline": evaluate(base, origins, index, related, changers, exclude),
                "baseline, rated targets first": evaluate(
                    base_rated, origins, index, related, changers, exclude
                ),
                "ilteo": evaluate(model, origins, index, related, changers, exclude),
            }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {platform.system()} "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "command": "uv run python evals/pathways/transitions.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "thresholds_version": thresholds.version,
        "weights": thresholds.weights,
        "tuned": tuned,
        "occupations": len(index.occupations),
        "fallback_occupations": sum(o.fallback for o in index.occupations),
        "origins": {"all": len(rows), "development": len(dev), "held_out": len(test)},
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    (HERE / "transitions.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (HERE / "transitions.md").write_text(_markdown(report), encoding="utf-8")
    return report


def _markdown(report: dict[str, Any]) -> str:
    def f(x: Any) -> str:
        return "-" if x is None else f"{x:.3f}"

    lines = [
        "# Occupation transitions: evaluation against O*NET ground truth",
        "",
        f"- date: {report['date']}",
        f"- machine: {report['machine']}",
        f"- command: `{report['command']}`",
        f"- thresholds.yaml version {report['thresholds_version']}; weights {report['weights']}",
        f"- occupations profiled: {report['occupations']} "
        f"({report['fallback_occupations']} without ratings, filled from the parent group)",
        f"- origins: {report['origins']} (split by sha256 of the code; weights tuned on the "
        "development half only)",
        "- Related Occupations (RO): nDCG@10 (tiers 3/2/1), P@5 and MRR (any tier relevant); "
        "Career Changers (CC): P@5, recall@10. Same SOC minor group = first 5 characters "
        "(`XX-XX`).",
        "",
        "| origins / view | model | RO nDCG@10 | RO P@5 | RO MRR | CC P@5 | CC R@10 | n RO "
        "| n CC |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, models in report["results"].items():
        for name, r in models.items():
            lines.append(
                f"| {key} | {name} | {f(r['ndcg10'])} | {f(r['p5'])} | {f(r['mrr'])} | "
                f"{f(r['cc_p5'])} | {f(r['cc_r10'])} | {r['n_related']} | {r['n_changers']} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
