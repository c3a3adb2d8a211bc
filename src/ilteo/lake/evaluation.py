"""Linkage quality against a ground truth: pairwise precision and recall, by source and by noise.

Two records form a *predicted pair* when they share a master, and a *true pair* when the ground
truth gives them the same person (or workplace). Pairs are counted per cluster with
``n·(n-1)/2``, never enumerated, so a million records take seconds. Every figure is given for
the linkage (``model``) and, from the same records in the same run, for the baseline that joins
records only when their RRN hash (or BRN) agrees (``baseline``). Slices (``by_source``,
``by_noise``) count the pairs that involve at least one record of the slice, so a steward sees
where linkage fails.

The ground truth is the ``ground_truth/record_links.parquet`` of a synthetic country
(``ilteo synth``); lake source ids that the truth names differently are mapped through
``evaluation.source_aliases`` of ``linkage.yaml``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ilteo.lake.layout import LakePaths, replace_atomically

__all__ = [
    "evaluate_clusters",
    "evaluate_lake",
    "pair_count",
    "pairwise_scores",
    "read_truth",
]

Kind = Literal["person", "workplace"]


def pair_count(sizes: pl.Expr) -> pl.Expr:
    """Pairs within clusters of the given sizes: ``n·(n-1)/2``.

    >>> pl.DataFrame({"n": [1, 2, 4]}).select(pair_count(pl.col("n"))).item()
    7
    """
    return (sizes.cast(pl.Int64) * (sizes.cast(pl.Int64) - 1) // 2).sum()


def pairwise_scores(true_positive: int, predicted: int, true: int) -> dict[str, Any]:
    """Precision, recall and F1 of pair counts (an empty denominator scores 1.0).

    >>> pairwise_scores(8, 10, 16)
    {'precision': 0.8, 'recall': 0.5, 'f1': 0.6154, 'pairs': 16, 'predicted_pairs': 10, 'true_positive_pairs': 8}
    """  # noqa: E501 - a doctest's output is one line
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 4),
        "pairs": int(true),
        "predicted_pairs": int(predicted),
        "true_positive_pairs": int(true_positive),
    }


def _slice_scores(cells: pl.DataFrame, cluster: str, member: pl.Expr | None) -> dict[str, Any]:
    """Scores of the pairs with at least one record where ``member`` holds (all when None)."""
    inside = pl.lit(1) if member is None else member.cast(pl.Int64)
    base = cells.with_columns((pl.col("n") * inside).alias("k"))

    def pairs_touching(by: list[str]) -> int:
        sizes = base.group_by(by).agg(pl.col("n").sum(), pl.col("k").sum())
        outside = (pl.col("n") - pl.col("k")).alias("o")
        value = sizes.select(pair_count(pl.col("n")) - pair_count(outside)).item()
        return int(value or 0)

    return pairwise_scores(
        pairs_touching([cluster, "truth"]), pairs_touching([cluster]), pairs_touching(["truth"])
    )


def evaluate_clusters(frame: pl.DataFrame) -> dict[str, Any]:
    """Pairwise scores of the linkage and of the baseline, overall and by source and noise.

    Args:
        frame: One row per record: ``rkey, source, noise, truth`` (the true entity) and
            ``model``, ``baseline`` (cluster ids; null means the record stands alone).

    Returns:
        ``{"model": …, "baseline": …, "by_source": {source: {"model", "baseline"}},
        "by_noise": {noise: {"model", "baseline"}}, "records": n}``.

    >>> frame = pl.DataFrame({
    ...     "rkey": ["a", "b", "c", "d"], "source": ["x", "x", "y", "y"],
    ...     "noise": ["none", "none", "typo", "none"], "truth": [1, 1, 1, 2],
    ...     "model": ["P1", "P1", "P1", "P2"], "baseline": ["k1", "k1", None, None]})
    >>> out = evaluate_clusters(frame)
    >>> typo = out["by_noise"]["typo"]
    >>> out["model"]["recall"], out["baseline"]["recall"], typo["baseline"]["recall"]
    (1.0, 0.333333, 0.0)
    """
    frame = frame.filter(pl.col("truth").is_not_null())
    alone = pl.lit("\u2205") + pl.col("rkey")
    report: dict[str, Any] = {"records": frame.height, "by_source": {}, "by_noise": {}}
    for method in ("model", "baseline"):
        cluster = pl.coalesce(pl.col(method).cast(pl.Utf8), alone).alias("cluster")
        cells = frame.with_columns(cluster).group_by("cluster", "truth", "source", "noise").len("n")
        report[method] = _slice_scores(cells, "cluster", None)
        for group, column in (("by_source", "source"), ("by_noise", "noise")):
            for value in sorted(cells[column].unique().drop_nulls().to_list()):
                scores = _slice_scores(cells, "cluster", pl.col(column) == value)
                scores["records"] = int(cells.filter(pl.col(column) == value)["n"].sum())
                report[group].setdefault(value, {})[method] = scores
    return report


def read_truth(truth: Path, kind: Kind, aliases: dict[str, str] | None = None) -> pl.DataFrame:
    """The ground truth of a synth country as ``rkey, truth, noise`` in lake source ids.

    Args:
        truth: The country folder or its ``ground_truth`` folder.
        kind: ``person`` or ``workplace``.
        aliases: Lake source id → truth source name, where they differ (the truth is given
            under both names, so either naming of the lake finds it).
    """
    folder = truth / "ground_truth" if (truth / "ground_truth").is_dir() else truth
    links = pl.read_parquet(folder / "record_links.parquet")
    column = "person_id" if kind == "person" else "workplace_id"
    back = {v: k for k, v in (aliases or {}).items()}
    frames = [links] + ([links.with_columns(pl.col("source").replace(back))] if back else [])
    return (
        pl.concat(frames)
        .unique(["source", "record_id"])
        .select(
            pl.format("{}/{}", "source", "record_id").alias("rkey"),
            pl.col(column).alias("truth"),
            pl.col("noise"),
        )
    )


def evaluate_lake(
    paths: LakePaths,
    truth: Path,
    kind: Kind,
    *,
    aliases: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate the master links of ``kind`` against ``truth`` and write the JSON report.

    The report goes to ``linkage/evaluation-<kind>.json`` (read by the steward pages).
    """
    from ilteo.lake.masters import load_state

    state = load_state(paths, kind)
    table = "person_records" if kind == "person" else "workplace_records"
    key = "rrn_hash" if kind == "person" else "brn"
    curated = pl.read_parquet(paths.curated(table), columns=["source", "record_id", key])
    records = curated.select(
        pl.format("{}/{}", "source", "record_id").alias("rkey"),
        pl.col("source"),
        _baseline_key(kind, key),
    )
    frame = (
        records.join(state.links.select("rkey", pl.col("master_id").alias("model")), on="rkey")
        .join(read_truth(truth, kind, aliases), on="rkey")
        .with_columns(pl.col("noise").fill_null("none"))
    )
    report = evaluate_clusters(frame)
    methods = state.links.group_by("source", "method").len().sort("source", "method")
    report |= {
        "kind": kind,
        "evaluated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "truth": str(truth),
        "baseline_rule": "same RRN hash" if kind == "person" else "same valid BRN",
        "link_methods": {
            src: dict(zip(part["method"], part["len"].to_list(), strict=True))
            for (src,), part in methods.group_by("source", maintain_order=True)
        },
        "not_in_truth": records.height - frame.height,
    }
    report |= extra or {}
    final = paths.linkage_dir / f"evaluation-{kind}.json"
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    replace_atomically(tmp, final)
    return report


def _baseline_key(kind: Kind, key: str) -> pl.Expr:
    """The exact-key baseline: the RRN hash, or a BRN with a valid check digit."""
    if kind == "person":
        return pl.col(key).alias("baseline")
    from ilteo.lake.standardise import brn_valid_expr

    digits = pl.col(key).str.replace_all(r"\D", "")
    return pl.when(brn_valid_expr(digits)).then(digits).alias("baseline")
