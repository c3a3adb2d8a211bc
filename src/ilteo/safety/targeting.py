"""Choosing workplaces to inspect: by the injuries an inspection would avert, with a random share.

The value of inspecting a workplace is the serious cases it would have next year times the share
an inspection averts: ``expected_cases x effect``. The effect starts from the published average,
:data:`~ilteo.safety.panel.EFFECT_PRIOR` (Levine, Toffel and Johnson 2012: 9.4% fewer injuries
after a randomised inspection), and is updated by :func:`estimate_effect` from the workplace's
own randomised inspections, by size band, when there are any: that is why a stated share of every
selection is drawn at random (:data:`RANDOM_SHARE`), so that the effect can be measured and the
model audited. Inspection outcomes come back as rows of the next table (``inspection``,
``findings``), and the next estimate and model learn from them.

Strategies compared in the same run (:func:`select`):

* ``averted``: expected injuries averted (the model);
* ``sst``: last year's serious-case rate, among workplaces with 20 or more employees (the way
  OSHA's Site-Specific Targeting ranks by last year's DART rate; Korean tables have no
  job-transfer cases, so deaths and days-away cases);
* ``industry_size``: the training years' serious cases per workplace of the workplace's industry
  section and size band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import polars as pl

from ilteo.safety.panel import EFFECT_PRIOR, EFFECT_SOURCE

__all__ = [
    "RANDOM_SHARE",
    "STRATEGIES",
    "Effect",
    "estimate_effect",
    "group_rates",
    "select",
    "with_value",
]

STRATEGIES: Final = ("averted", "sst", "industry_size")
#: Share of every selection drawn at random (among workplaces with five or more employees).
RANDOM_SHARE: Final = 0.1
#: SST's floor: workplaces with fewer employees are not ranked by their rate.
SST_MIN_EMPLOYEES: Final = 20
#: Standard deviation of the prior on the log rate ratio (an effect between about 0 and 18%).
PRIOR_SD: Final = 0.05


@dataclass(frozen=True, slots=True)
class Effect:
    """The expected share of next year's serious cases an inspection averts."""

    overall: float
    by_size: dict[str, float]
    prior: float = EFFECT_PRIOR
    source: str = EFFECT_SOURCE
    random_inspections: int = 0
    estimated: bool = False
    detail: list[dict[str, Any]] = field(default_factory=list)

    def of(self, size_class: pl.Expr) -> pl.Expr:
        """The effect for each row's size band (the overall one for a band without an estimate)."""
        mapping = pl.DataFrame(
            {"size_class": list(self.by_size), "effect": list(self.by_size.values())}
        )
        return size_class.replace_strict(
            mapping["size_class"], mapping["effect"], default=self.overall, return_dtype=pl.Float64
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "overall": self.overall,
            "by_size": self.by_size,
            "prior": self.prior,
            "source": self.source,
            "random_inspections": self.random_inspections,
            "estimated": self.estimated,
            "detail": self.detail,
        }


def estimate_effect(features: pl.DataFrame, *, years: list[int] | None = None) -> Effect:
    """The inspection effect from randomised inspections, shrunk towards the published prior.

    Within each size band, next year's serious cases per employee of workplaces inspected at
    random are compared with those not inspected (five or more employees: the random draw's
    population). Each arm's rate is a ratio of sums whose variance is computed over workplaces
    (cases cluster in workplaces: a Poisson variance would be far too confident). The bands'
    log rate ratios are pooled by inverse variance (stratified, so the random arm's size mix
    does not bias it) and the pooled one is combined with the prior (log(1 - 0.094), sd 0.05);
    each band is then combined with the pooled posterior the same way. Without randomised
    inspections, or without a comparison group, the prior.
    """
    rows = features.filter(pl.col("cases_next").is_not_null() & (pl.col("employees") >= 5))
    if years is not None:
        rows = rows.filter(pl.col("year").is_in(years))
    if "inspection" not in rows.columns or rows["inspection"].null_count() == rows.height:
        return Effect(overall=EFFECT_PRIOR, by_size={})
    arms = rows.filter(pl.col("inspection").is_null() | (pl.col("inspection") == "random"))
    arms = arms.with_columns((pl.col("inspection") == "random").fill_null(False).alias("random"))
    n_random = int(arms["random"].sum())
    if n_random == 0:
        return Effect(overall=EFFECT_PRIOR, by_size={})
    bands: list[dict[str, Any]] = []
    for band in sorted(set(arms["size_class"].to_list())):
        part = arms.filter(pl.col("size_class") == band)
        treated = _arm(part.filter(pl.col("random")))
        control = _arm(part.filter(~pl.col("random")))
        if treated is None or control is None:
            continue
        log_ratio = treated[0] - control[0]
        bands.append(
            {
                "size_class": band,
                "random_inspections": treated[2],
                "random_cases": treated[3],
                "other_cases": control[3],
                "log_ratio": log_ratio,
                "variance": treated[1] + control[1],
                "raw_effect": float(1.0 - np.exp(log_ratio)),
            }
        )
    if not bands:  # no band has both random and uninspected workplaces: nothing to compare
        return Effect(overall=EFFECT_PRIOR, by_size={}, random_inspections=n_random)
    weights = np.asarray([1.0 / b["variance"] for b in bands])
    pooled = float(np.sum(weights * [b["log_ratio"] for b in bands]) / weights.sum())
    pooled_post = _combine(float(np.log1p(-EFFECT_PRIOR)), pooled, 1.0 / weights.sum())
    by_size: dict[str, float] = {}
    for b in bands:
        post = _combine(pooled_post, b["log_ratio"], b["variance"])
        b["effect"] = by_size[b["size_class"]] = _bounded(post)
    return Effect(
        overall=_bounded(pooled_post),
        by_size=by_size,
        random_inspections=n_random,
        estimated=True,
        detail=bands,
    )


def _arm(rows: pl.DataFrame) -> tuple[float, float, int, float] | None:
    """(log rate, its variance over workplaces, workplaces, cases) of one arm; None if too few."""
    n = rows.height
    if n < 2:
        return None
    y = rows["cases_next"].to_numpy().astype(np.float64)
    e = rows["employees"].to_numpy().astype(np.float64)
    rate = (y.sum() + 0.5) / e.sum()
    spread = np.sum((y - rate * e) ** 2) / (n - 1)
    variance = spread / (n * e.mean() ** 2) / rate**2
    return float(np.log(rate)), float(max(variance, 1e-9)), n, float(y.sum())


def _combine(prior_log: float, log_ratio: float, variance: float) -> float:
    """The precision-weighted mean of a prior (sd PRIOR_SD) and an estimate on the log scale."""
    w_prior, w_data = 1.0 / PRIOR_SD**2, 1.0 / variance
    return (prior_log * w_prior + log_ratio * w_data) / (w_prior + w_data)


def _bounded(log_ratio: float) -> float:
    return float(min(max(1.0 - np.exp(log_ratio), 0.0), 0.5))


def with_value(
    rows: pl.DataFrame,
    p: np.ndarray[Any, Any],
    cases: np.ndarray[Any, Any],
    effect: Effect,
) -> pl.DataFrame:
    """Rows with the model's scores, their effect and ``averted`` = expected cases x effect."""
    return rows.with_columns(
        pl.Series("p_serious", p, dtype=pl.Float64),
        pl.Series("expected_cases", cases, dtype=pl.Float64),
        effect.of(pl.col("size_class")).alias("effect"),
    ).with_columns((pl.col("expected_cases") * pl.col("effect")).alias("averted"))


def group_rates(features: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Serious cases per workplace-year by industry section and size band in ``years``."""
    return (
        features.filter(pl.col("year").is_in(years) & pl.col("cases_next").is_not_null())
        .group_by("sector", "size_class")
        .agg(pl.col("cases_next").mean().alias("group_rate"))
    )


def select(
    scored: pl.DataFrame,
    k: int,
    strategy: str,
    *,
    random_share: float = RANDOM_SHARE,
    seed: int = 0,
) -> pl.DataFrame:
    """The ``k`` workplaces a strategy inspects, with ``reason`` ``strategy`` or ``random``.

    ``scored`` needs ``averted`` (for ``averted``), ``sst_rate`` and ``employees`` (``sst``),
    ``group_rate`` (``industry_size``). The random part is drawn first, from workplaces with
    five or more employees, with ``seed``; the rest are the strategy's top rows (ties: more
    employees first).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    k = max(0, min(k, scored.height))
    n_random = round(k * random_share)
    rng = np.random.default_rng(seed)
    index = scored.with_row_index("_row")
    eligible = index.filter(pl.col("employees") >= 5)["_row"].to_numpy()
    picked = (
        rng.choice(eligible, size=min(n_random, len(eligible)), replace=False)
        if n_random and len(eligible)
        else np.zeros(0, dtype=np.int64)
    )
    rest = index.filter(~pl.col("_row").is_in(picked.tolist()))
    if strategy == "averted":
        key = pl.col("averted")
    elif strategy == "sst":
        key = pl.when(pl.col("employees") >= SST_MIN_EMPLOYEES).then(
            pl.col("sst_rate").fill_null(0.0) + 1e6
        ).otherwise(pl.col("sst_rate").fill_null(0.0))  # fmt: skip
    else:
        key = pl.col("group_rate").fill_null(0.0)
    top = rest.sort([key, pl.col("employees")], descending=[True, True]).head(k - len(picked))
    chosen = pl.concat(
        [
            top.with_columns(pl.lit(strategy).alias("reason")),
            index.filter(pl.col("_row").is_in(picked.tolist())).with_columns(
                pl.lit("random").alias("reason")
            ),
        ]
    )
    return chosen.drop("_row")
