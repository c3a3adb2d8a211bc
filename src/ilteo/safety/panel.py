"""A synthetic workplace-year panel of accidents and inspections (labelled synthetic everywhere).

The lake's synthetic accidents happen at a constant rate per workplace, so no model could find
anything in them beyond industry and size. The panel simulates what targeting needs: risk that
changes from year to year, inspections that are partly targeted and partly random, and an
inspection effect. It writes the establishment-year table of :mod:`ilteo.safety.table` (the
column layout of OSHA's establishment-level 300A summaries, with KSIC codes and the Korean extras),
so the evaluation reads the synthetic panel and a real table through the same code.

Calibration (``kr_accidents``, 산재보험 업종 x 규모, the reference year of the synthetic country):

* workplaces are drawn in proportion to 사업장수 per 중업종 x size band; employees within the band;
  KSIC codes from the 업종 → KSIC-11 mapping of the synthetic country; regions by population share;
* the expected number of serious cases (death or at least four days of care: every approved
  요양재해) of a workplace-year is employees x the cell's 요양재해율 x a risk multiplier whose mean
  is one, so the panel's rates by industry x size match the statistics (checked by
  :func:`calibration_check`).

Dynamics (assumptions of this simulation, not estimates):

* the multiplier is ``exp(u + v_t + 0.30 churn_z + 0.20 hours_z + 0.25 young)``, normalised to a
  mean of one: ``u`` a persistent workplace effect (sd 0.55), ``v_t`` an AR(1) shock (0.6, sd
  0.35), churn and annual hours per employee standardised, ``young`` a business under three years;
* safety-hazard requests to the one window arrive at a rate proportional to the multiplier;
* each year ``inspection_rate`` of workplaces are inspected: ``random_share`` of them uniformly at
  random among workplaces with five or more employees, workplaces with an imminent-danger request,
  and the rest by last year's serious-case rate among workplaces with 20 or more employees (the
  status quo); findings are Poisson with a mean proportional to the multiplier;
* an inspection in year t lowers the expected cases of t+1 by the workplace's effect and of t+2 by
  half of it. The effect averages :data:`EFFECT_PRIOR` (Levine, Toffel and Johnson 2012) and is
  larger where latent hazards are larger (``effect x exp(0.5 u)``, normalised, capped at 0.35);
* deaths are a :attr:`fatal_share` of serious cases; job-transfer and other recordable cases (not
  collected in Korea) are drawn at 0.8 and 1.1 times the serious rate: assumed ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings

__all__ = [
    "EFFECT_PRIOR",
    "EFFECT_SOURCE",
    "SYNTHETIC_LABEL",
    "PanelSpec",
    "calibration_check",
    "simulate",
]

#: Average effect of an inspection on next year's injuries: 9.4% fewer injuries after a random
#: inspection (and 26% lower injury costs).
EFFECT_PRIOR: Final = 0.094
EFFECT_SOURCE: Final = (
    "Levine, D. I., Toffel, M. W. & Johnson, M. S. (2012). Randomized government safety "
    "inspections reduce worker injuries with no detectable job loss. Science 336(6083), 907-911. "
    "doi:10.1126/science.1215191"
)
SYNTHETIC_LABEL: Final = "합성 자료 (실제 사업장 아님) / synthetic data, not real workplaces"

#: Largest panel one call simulates (workplaces x years): about 3 GB of columns.
MAX_ROWS: Final = 12_000_000

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """What to simulate.

    Attributes:
        workplaces: Number of workplaces.
        years: Number of consecutive years.
        first_year: The first year.
        seed: Random seed (the same spec gives the same panel).
        inspection_rate: Share of workplaces inspected each year.
        random_share: Share of the inspections chosen at random.
        effect: Average inspection effect on the next year's serious cases.
        fatal_share: Share of serious cases that are deaths.
    """

    workplaces: int = 20_000
    years: int = 5
    first_year: int = 2021
    seed: int = 42
    inspection_rate: float = 0.015
    random_share: float = 0.2
    effect: float = EFFECT_PRIOR
    fatal_share: float = 0.02

    def check(self) -> None:
        """Raise :class:`InvalidInputError` for a spec that cannot be simulated."""
        problems: dict[str, str] = {}
        if self.workplaces < 100:
            problems["workplaces"] = "at least 100"
        if not 2 <= self.years <= 30:
            problems["years"] = "between 2 and 30"
        if self.workplaces * self.years > MAX_ROWS:
            problems["workplaces"] = f"workplaces x years at most {MAX_ROWS:,}"
        if not 1990 <= self.first_year <= 2100:
            problems["first_year"] = "between 1990 and 2100"
        if not 0 < self.inspection_rate <= 0.5:
            problems["inspection_rate"] = "above 0 and at most 0.5"
        for name in ("random_share", "effect", "fatal_share"):
            if not 0 <= getattr(self, name) <= 1:
                problems[name] = "between 0 and 1"
        if problems:
            detail = "; ".join(f"{k}: {v}" for k, v in problems.items())
            raise InvalidInputError(
                f"패널 설정이 올바르지 않습니다 / invalid panel settings: {detail}", fields=problems
            )


def simulate(
    settings: Settings,
    spec: PanelSpec | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> pl.DataFrame:
    """Simulate the panel: one row per workplace and year, in the establishment-year layout.

    Args:
        settings: Where the reference data is (``kr_accidents``).
        spec: What to simulate (the defaults of :class:`PanelSpec` when ``None``).
        progress: Called with (years done, years, label) after each year.

    Returns:
        The table of :data:`ilteo.safety.table.COLUMNS` plus ``sim_expected`` (the expected
        serious cases without inspections' effect) and ``sim_effect`` (the workplace's true
        effect), which only a simulation can know.
    """
    from ilteo.synth._calibration import SIZE_BANDS, SIZE_RANGES, load_industries
    from ilteo.synth._params import read_yaml

    spec = spec or PanelSpec()
    spec.check()
    rng = np.random.default_rng(spec.seed)
    industries = load_industries(settings)
    n, years = spec.workplaces, spec.years
    nb = len(SIZE_BANDS)

    weights = industries.workplaces / industries.workplaces.sum()
    cell = rng.choice(len(weights), size=n, p=weights)
    middle_idx, band = cell // nb, cell % nb
    lo = np.asarray([r[0] for r in SIZE_RANGES], dtype=np.float64)[band]
    hi = np.asarray([r[1] for r in SIZE_RANGES], dtype=np.float64)[band]
    size0 = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).clip(lo, hi)
    base_rate = industries.accident_rate[cell]

    ksic = np.empty(n, dtype=object)
    for m in np.unique(middle_idx):
        rows = np.flatnonzero(middle_idx == m)
        codes = industries.ksic_codes[m]
        ksic[rows] = codes[rng.integers(0, len(codes), size=len(rows))]
    sido = read_yaml("places.yaml")["sido"]
    shares = np.asarray([float(s["share"]) for s in sido])
    region = np.asarray([s["code"] for s in sido], dtype=object)[
        rng.choice(len(sido), size=n, p=shares / shares.sum())
    ]
    opened = spec.first_year - np.floor(rng.exponential(11.0, size=n)).astype(np.int64)

    u = rng.normal(0.0, 0.55, size=n)
    hours_i = rng.normal(0.0, 1.0, size=n)
    churn_i = np.exp(rng.normal(np.log(0.22), 0.45, size=n))
    hazard = np.exp(0.5 * u)
    effect_i = np.minimum(spec.effect * hazard / hazard.mean(), 0.35)

    v = rng.normal(0.0, 0.35, size=n)
    employees = size0.copy()
    columns: dict[str, list[np.ndarray[Any, Any]]] = {}
    protect_next = np.ones(n)
    protect_after = np.ones(n)
    last_rate = np.full(n, np.nan)
    lam_years: list[np.ndarray[Any, Any]] = []
    raw_mult: list[np.ndarray[Any, Any]] = []
    draws: list[dict[str, np.ndarray[Any, Any]]] = []
    for t in range(years):
        year = spec.first_year + t
        if t:
            v = 0.6 * v + rng.normal(0.0, 0.35, size=n)
            employees = np.maximum(1.0, np.round(employees * np.exp(rng.normal(0.0, 0.08, n))))
        churn = np.minimum(churn_i * np.exp(rng.normal(0.0, 0.25, size=n)), 0.95)
        hours_pe = 2000.0 + 120.0 * hours_i + rng.normal(0.0, 60.0, size=n)
        young = (year - opened) < 3
        churn_z = (np.log(churn) - np.log(0.22)) / 0.5
        hours_z = (hours_pe - 2000.0) / 130.0
        raw = np.exp(u + v + 0.30 * churn_z + 0.20 * hours_z + 0.25 * young)
        raw_mult.append(raw)
        draws.append(
            {"employees": employees.copy(), "churn": churn, "hours_pe": hours_pe, "young": young}
        )
    norm = float(np.mean(np.concatenate(raw_mult)))

    budget = max(1, round(spec.inspection_rate * n))
    n_random = round(spec.random_share * budget)
    for t in range(years):
        year = spec.first_year + t
        d = draws[t]
        mult = raw_mult[t] / norm
        lam0 = d["employees"] * base_rate * mult
        lam = lam0 * protect_next
        serious = rng.poisson(lam)
        deaths = rng.binomial(serious, spec.fatal_share)
        djtr = rng.poisson(0.8 * lam)
        other = rng.poisson(1.1 * lam)
        hazard_requests = rng.poisson(d["employees"] * 0.004 * mult)
        imminent = rng.binomial(hazard_requests, 0.15)
        separations = rng.binomial(d["employees"].astype(np.int64), d["churn"])
        growth = np.maximum(draws[t + 1]["employees"] - d["employees"], 0) if t + 1 < years else 0
        hires = separations + growth

        kind = _inspections(rng, spec, budget, n_random, d["employees"], last_rate, imminent,
                            base_rate)  # fmt: skip
        inspected = kind != ""
        findings = np.where(inspected, rng.poisson(2.0 * mult), -1)

        protect_next = protect_after * np.where(inspected, 1.0 - effect_i, 1.0)
        protect_after = np.where(inspected, 1.0 - effect_i / 2.0, 1.0)
        last_rate = serious / np.maximum(d["employees"], 1.0)
        lam_years.append(lam0)

        hours = np.round(d["employees"] * d["hours_pe"])
        part = {
            "establishment_id": np.char.add("S", np.char.zfill(np.arange(n).astype(str), 7)),
            "year": np.full(n, year),
            "ksic_code": ksic,
            "size": np.asarray(SIZE_BANDS, dtype=object)[band],
            "annual_average_employees": d["employees"].astype(np.int64),
            "total_hours_worked": hours.astype(np.int64),
            "total_deaths": deaths,
            "total_dafw_cases": serious - deaths,
            "total_djtr_cases": djtr,
            "total_other_cases": other,
            "region": region,
            "opened_year": opened,
            "hires": np.asarray(hires, dtype=np.int64),
            "separations": separations,
            "inspection": kind,
            "findings": findings,
            "hazard_requests": hazard_requests,
            "imminent_requests": imminent,
            "sim_expected": lam0,
            "sim_effect": effect_i,
        }
        for key, values in part.items():
            columns.setdefault(key, []).append(np.asarray(values))
        if progress is not None:
            progress(t + 1, years, str(year))

    frame = pl.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    return frame.with_columns(
        pl.when(pl.col("inspection") == "").then(None).otherwise(pl.col("inspection"))
        .alias("inspection"),
        pl.when(pl.col("findings") < 0).then(None).otherwise(pl.col("findings")).alias("findings"),
        pl.col("ksic_code").cast(pl.String),
        pl.col("size").cast(pl.String),
        pl.col("region").cast(pl.String),
    ).sort("establishment_id", "year")  # fmt: skip


def _inspections(
    rng: np.random.Generator,
    spec: PanelSpec,
    budget: int,
    n_random: int,
    employees: np.ndarray[Any, Any],
    last_rate: np.ndarray[Any, Any],
    imminent: np.ndarray[Any, Any],
    base_rate: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """This year's inspections: ``random``, ``complaint`` or ``targeted`` ("" for none)."""
    n = len(employees)
    kind = np.full(n, "", dtype=object)
    eligible = np.flatnonzero(employees >= 5)
    if n_random and len(eligible):
        chosen = rng.choice(eligible, size=min(n_random, len(eligible)), replace=False)
        kind[chosen] = "random"
    complaints = np.flatnonzero((imminent > 0) & (kind == ""))
    cap = max(0, round(0.3 * budget))
    if len(complaints) > cap:
        complaints = rng.choice(complaints, size=cap, replace=False)
    kind[complaints] = "complaint"
    left = budget - int((kind != "").sum())
    if left > 0:
        rate = np.where(np.isnan(last_rate), base_rate, last_rate)
        key = np.where((employees >= 20) & (kind == ""), rate + rng.random(n) * 1e-9, -1.0)
        order = np.argsort(-key)[:left]
        kind[order[key[order] >= 0]] = "targeted"
    return kind


def calibration_check(settings: Settings, panel: pl.DataFrame) -> pl.DataFrame:
    """The panel's serious-case rate per worker by size band against the Korean statistics.

    Returns:
        One row per size band with ``workers``, ``serious``, ``panel_rate`` (observed),
        ``expected_rate`` (the simulation's expectation before inspections' effect) and
        ``statistics_rate`` (요양재해자수 / 근로자수 of ``kr_accidents``, all industries).
    """
    from ilteo.synth._calibration import SIZE_BANDS, load_industries

    industries = load_industries(settings)
    nb = len(SIZE_BANDS)
    workers = industries.workers.reshape(-1, nb).sum(axis=0)
    injured = (industries.accident_rate * industries.workers).reshape(-1, nb).sum(axis=0)
    statistics = pl.DataFrame(
        {"size": list(SIZE_BANDS), "statistics_rate": injured / np.maximum(workers, 1.0)}
    )
    frame = panel.with_columns(
        (pl.col("total_deaths") + pl.col("total_dafw_cases")).alias("serious")
    )
    return (
        frame.group_by("size")
        .agg(
            pl.col("annual_average_employees").sum().alias("workers"),
            pl.col("serious").sum(),
            pl.col("sim_expected").sum(),
        )
        .with_columns(
            (pl.col("serious") / pl.col("workers")).alias("panel_rate"),
            (pl.col("sim_expected") / pl.col("workers")).alias("expected_rate"),
        )
        .join(statistics, on="size", how="left")
        .drop("sim_expected")
        .sort("size")
    )
