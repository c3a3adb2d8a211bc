"""Early warning of abnormal movement per cell: a seasonal Poisson baseline and one-sided CUSUM.

A *cell* is one group at one level (a KSCO unit group nationally, a KSCO 2-digit group
nationally, a KSCO 1-digit group nationally or in one 시도) and one monitored measure with its
direction: separations up, hires down, jobseeker's allowance claims up (:data:`MONITORED`).

For every cell and month ``t``:

1. **Expected count** ``μ_t = E_{t-1} x b_t x s(t)``: the insured employment at the end of the
   previous month, times the cell's baseline rate ``b_t``, times a seasonal factor ``s`` of the
   calendar month. ``b_t = Σ y_u / Σ E_{u-1} s(u)`` pooled over the 12 months ending two months
   before ``t`` (``u = t-13 … t-2``; at least 6 such months), using only months before the start
   of an open alarm, so that a shift does not become its own baseline.
   ``s`` comes from an STL decomposition (robust, period 12) of the national log rate when at
   least 24 months exist, and is 1 otherwise.
2. **Normal score**: the Poisson mid-p value of the observed count ``y_t`` under ``μ_t`` is
   turned into a normal score and divided by ``√φ``, where ``φ ≥ 1`` is a quasi-Poisson
   overdispersion factor estimated across the cells of a level (robustly, from the median
   absolute deviation of the Pearson residuals of cells with ``μ ≥ 5``, so that shifted cells do
   not inflate it). For hires the sign is turned, so that a fall scores positive.
3. **CUSUM** ``S_t = max(0, S_{t-1} + z_t - k)`` with ``k = 0.5``; an alarm opens when
   ``S_t ≥ h`` and stays open until ``S`` returns to 0 (``S`` is capped at ``1.5 h`` so that an
   alarm closes within months once the movement stops). ``since`` is the first month of the run
   that crossed ``h``. ``h`` (:data:`THRESHOLD`) was chosen by simulating the whole procedure on
   null Poisson series (:func:`calibrate_threshold`, its own seeds, never the evaluation data) so
   that alarms open in at most 1 in 1,000 tested cell-months.
4. **Minimum size**: a cell-month is not tested when its expected count is below
   :data:`MIN_EXPECTED` (3) or its baseline has fewer than 6 months; such cells can never alarm,
   and the evaluation counts only tested cell-months.

Everything here runs on indicator frames (:func:`ilteo.monitor.indicators.read_indicators` with
``suppress=False``): :func:`detect` is a pure function on a polars frame; :func:`current_alerts`
runs it on the built indicators and caches the result per indicator build.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped]

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings

__all__ = [
    "COMPOSITES",
    "LEVELS",
    "MIN_EXPECTED",
    "MONITORED",
    "THRESHOLD",
    "Alert",
    "Detection",
    "DetectorConfig",
    "alert_months",
    "alerts_at",
    "calibrate_threshold",
    "current_alerts",
    "detect",
    "scan",
    "seasonal_factors",
]

Direction = Literal["up", "down"]

#: The monitored measures and the direction that is a warning.
MONITORED: tuple[tuple[str, Direction], ...] = (
    ("separations", "up"),
    ("hires", "down"),
    ("jsa_claims", "up"),
    ("sep_hire", "up"),
)
#: Combined cells: the scores of their parts are summed (``Σ z / √n``). ``sep_hire`` warns when
#: separations rise and hires fall together, as an AI shock does (more power than either alone).
COMPOSITES: dict[str, tuple[tuple[str, Direction], ...]] = {
    "sep_hire": (("separations", "up"), ("hires", "down")),
}
#: Detection levels: name -> the indicator dimensions that make a group.
LEVELS: dict[str, tuple[str, ...]] = {
    "ksco4": ("ksco",),
    "ksco3": ("ksco3",),
    "ksco2": ("ksco2",),
    "ksco1": ("ksco1",),
    "ksco1_sido": ("ksco1", "sido"),
}
#: Cells whose expected count in a month is below this are not tested that month.
MIN_EXPECTED = 3.0
#: The CUSUM decision threshold (``k = 0.5``), from :func:`calibrate_threshold` (simulated null
#: series, seeds 20261121, 1 and 2): alarms open in 0.59, 0.47 and 0.49 per 1,000 tested
#: cell-months at 5.5, against 1.05, 0.96 and 0.92 at 5.0, so 5.5 keeps about half of the
#: 1-per-1,000 target as a margin for what the simulation leaves out (docs/monitor-warnings.md).
THRESHOLD = 5.5

_MEASURE_TEXT = {
    "separations": ("피보험자격 상실(이직)", "separations"),
    "hires": ("피보험자격 취득(채용)", "hires"),
    "jsa_claims": ("구직급여 신청", "jobseeker's allowance claims"),
    "sep_hire": (
        "이직 증가·채용 감소 결합(관측·기대는 이직)",
        "separations up and hires down combined (observed/expected are separations)",
    ),
}
_SUBGROUP_DIMENSIONS = ("sex", "age_band", "sido")


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Parameters of the detector (defaults are the documented ones).

    Attributes:
        k: CUSUM reference value (in normal-score units).
        h: CUSUM decision threshold.
        window: Months in the baseline window.
        gap: Months between the end of the baseline window and the month tested.
        min_window: Fewest baseline months for a test.
        min_expected: Smallest expected count tested.
        cap: ``S`` is capped at ``cap x h``.
    """

    k: float = 0.5
    h: float = THRESHOLD
    window: int = 12
    gap: int = 2
    min_window: int = 6
    min_expected: float = MIN_EXPECTED
    cap: float = 1.5

    def __post_init__(self) -> None:
        if not (self.k >= 0 and self.h > 0 and self.cap >= 1 and self.min_expected > 0):
            raise InvalidInputError(
                "탐지 설정이 잘못되었습니다 / invalid detector settings: k ≥ 0, h > 0, cap ≥ 1 "
                "and min_expected > 0 are required"
            )
        if self.window < 1 or self.gap < 1 or not 1 <= self.min_window <= self.window:
            raise InvalidInputError(
                "기준 기간 설정이 잘못되었습니다 / invalid baseline window: window ≥ 1, gap ≥ 1 "
                "and 1 ≤ min_window ≤ window are required"
            )


@dataclass(frozen=True, slots=True)
class Scan:
    """Per cell-month results of :func:`scan` (arrays of shape cells x months)."""

    expected: np.ndarray
    z: np.ndarray
    cusum: np.ndarray
    tested: np.ndarray
    alarm: np.ndarray  # an alarm is open
    onset: np.ndarray  # an alarm opened this month
    since: np.ndarray  # first month index of the run (-1 outside runs)
    baseline_rate: np.ndarray
    phi: float


def _midp_z(counts: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The normal score of the Poisson mid-p value ``P(Y < y) + P(Y = y) / 2``."""
    safe = np.where(mu > 0, mu, 1.0)
    below = stats.poisson.cdf(counts - 1, safe)
    at = stats.poisson.pmf(counts, safe)
    p = np.clip(below + 0.5 * at, 1e-12, 1 - 1e-12)
    return np.asarray(stats.norm.ppf(p), dtype=float)


@dataclass(frozen=True, slots=True)
class _Component:
    """One measure inside a scan: counts, seasonal factors, sign (+1 up, -1 down) and φ."""

    counts: np.ndarray
    season: np.ndarray
    sign: float
    phi: float


def _pass(
    components: Sequence[_Component],
    exposure: np.ndarray,
    config: DetectorConfig,
    *,
    freeze: bool,
) -> Scan:
    """One CUSUM pass; several components are combined as ``Σ z / √n`` (tested when all are)."""
    cells, months = exposure.shape
    expected = np.full((cells, months), np.nan)
    rates = np.full((cells, months), np.nan)
    z = np.zeros((cells, months))
    cusum = np.zeros((cells, months))
    tested = np.zeros((cells, months), dtype=bool)
    alarm = np.zeros((cells, months), dtype=bool)
    onset = np.zeros((cells, months), dtype=bool)
    since = np.full((cells, months), -1, dtype=np.int64)
    level = np.zeros(cells)
    run_start = np.full(cells, -1, dtype=np.int64)
    is_open = np.zeros(cells, dtype=bool)
    frozen_at = np.full(cells, months, dtype=np.int64)  # baseline months must be < this
    valid = np.isfinite(exposure) & (exposure > 0)
    index = np.arange(months)
    for t in range(months):
        lo, hi = t - config.gap - config.window + 1, t - config.gap
        if hi < 0:
            continue
        in_window = (index >= max(lo, 0)) & (index <= hi)
        usable = valid & in_window[None, :] & (index[None, :] < frozen_at[:, None])
        n_months = usable.sum(axis=1)
        ok = n_months >= config.min_window
        total = np.zeros(cells)
        for position, part in enumerate(components):
            num = np.where(usable, part.counts, 0.0).sum(axis=1)
            den = np.where(usable, exposure * part.season[None, :], 0.0).sum(axis=1)
            rate = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
            mu = exposure[:, t] * rate * part.season[t]
            ok &= np.isfinite(mu) & (mu >= config.min_expected)
            total += np.where(
                np.isfinite(mu) & (mu > 0),
                part.sign * _midp_z(part.counts[:, t], np.nan_to_num(mu)) / math.sqrt(part.phi),
                0.0,
            )
            if position == 0:
                rates[:, t] = rate
                expected[:, t] = mu
        tested[:, t] = ok
        score = np.where(ok, total / math.sqrt(len(components)), 0.0)
        z[:, t] = score
        new = np.where(ok, np.maximum(0.0, level + score - config.k), level)
        new = np.minimum(new, config.cap * config.h)
        starting = ok & (level <= 0) & (new > 0)
        run_start = np.where(starting, t, np.where(new > 0, run_start, -1))
        opens = ok & ~is_open & (new >= config.h)
        is_open = (is_open | opens) & (new > 0)
        if freeze:
            frozen_at = np.where(opens, run_start, np.where(is_open, frozen_at, months))
        level = new
        cusum[:, t] = new
        alarm[:, t] = is_open
        onset[:, t] = opens
        since[:, t] = np.where(new > 0, run_start, -1)
    phi = components[0].phi
    return Scan(expected, z, cusum, tested, alarm, onset, _refine_since(z, since), rates, phi)


def _refine_since(z: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Within each run, the start ``τ`` that maximises ``Σ_{τ..t} z / √(t-τ+1)``.

    The run of a CUSUM can start a few months before the real change (noise kept ``S`` above
    0); the standardised sum picks the most likely start of the shift inside the run.
    """
    cells, months = z.shape
    refined = since.copy()
    padded = np.concatenate([np.zeros((cells, 1)), np.cumsum(z, axis=1)], axis=1)
    for t in range(months):
        start = since[:, t]
        rows = np.nonzero(start >= 0)[0]
        if rows.size == 0:
            continue
        taus = np.arange(t + 1)
        sums = padded[rows, t + 1][:, None] - padded[rows][:, taus]
        score = sums / np.sqrt(t - taus + 1)[None, :]
        score[taus[None, :] < start[rows][:, None]] = -np.inf
        refined[rows, t] = np.argmax(score, axis=1)
    return refined


def estimate_phi(counts: np.ndarray, expected: np.ndarray, tested: np.ndarray) -> float:
    """The quasi-Poisson overdispersion factor (at least 1) from robust Pearson residuals.

    Uses the cell-months with an expected count of at least 5, where the Pearson residual is close
    to normal: ``φ = (1.4826 x MAD)²``. Returns 1 when fewer than 30 such cell-months exist.
    """
    mask = tested & (expected >= 5)
    if mask.sum() < 30:
        return 1.0
    residuals = (counts[mask] - expected[mask]) / np.sqrt(expected[mask])
    mad = float(np.median(np.abs(residuals - np.median(residuals))))
    return max(1.0, (1.4826 * mad) ** 2)


def scan(
    counts: np.ndarray,
    exposure: np.ndarray,
    season: np.ndarray | None = None,
    *,
    direction: Direction = "up",
    config: DetectorConfig | None = None,
    phi: float | None = None,
) -> Scan:
    """Run the detector over a cells x months panel.

    Args:
        counts: Observed counts, shape ``(cells, months)``, non-negative.
        exposure: Employment at the end of the previous month, same shape (NaN or 0: unknown).
        season: Seasonal factor per month (length ``months``); ones by default.
        direction: ``"up"`` warns on rises, ``"down"`` on falls.
        config: Detector parameters.
        phi: Overdispersion factor; estimated across the cells when not given.

    Returns:
        The per cell-month expected counts, scores, CUSUM and alarms.

    Raises:
        InvalidInputError: For mismatched shapes, negative counts or an unknown direction.
    """
    config = config or DetectorConfig()
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    if counts.ndim != 2 or exposure.shape != counts.shape:
        raise InvalidInputError(
            "계수와 고용 배열의 모양이 같아야 합니다 / counts and exposure must be 2-D arrays of "
            f"the same shape, got {counts.shape} and {exposure.shape}"
        )
    if np.any(counts < 0) or np.any(~np.isfinite(counts)):
        raise InvalidInputError("계수는 0 이상이어야 합니다 / counts must be finite and ≥ 0")
    if direction not in ("up", "down"):
        raise InvalidInputError(f"방향은 up/down입니다 / direction must be up or down: {direction}")
    months = counts.shape[1]
    season_arr = np.ones(months) if season is None else np.asarray(season, dtype=float)
    if season_arr.shape != (months,) or np.any(season_arr <= 0):
        raise InvalidInputError(
            "계절 요인은 월마다 양수여야 합니다 / season must hold one positive factor per month"
        )
    sign = 1.0 if direction == "up" else -1.0
    if phi is None:
        phi = _estimate(counts, exposure, season_arr, sign, config)
    return _pass([_Component(counts, season_arr, sign, phi)], exposure, config, freeze=True)


def _estimate(
    counts: np.ndarray,
    exposure: np.ndarray,
    season: np.ndarray,
    sign: float,
    config: DetectorConfig,
) -> float:
    first = _pass([_Component(counts, season, sign, 1.0)], exposure, config, freeze=False)
    return estimate_phi(counts, first.expected, first.tested)


def seasonal_factors(
    months: Sequence[date], counts: np.ndarray, exposure: np.ndarray
) -> np.ndarray:
    """Multiplicative seasonal factors per month from the national rate (mean 1 over a year).

    Uses a robust STL (period 12) of the log rate ``counts / exposure`` when at least 24 months
    with a positive rate exist, and ones otherwise.
    """
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    ok = np.isfinite(exposure) & (exposure > 0) & (counts > 0)
    factors = np.ones(len(months))
    if ok.sum() < 24:
        return factors
    from statsmodels.tsa.seasonal import STL  # type: ignore[import-untyped]

    first = int(np.argmax(ok))
    last = len(ok) - int(np.argmax(ok[::-1]))
    if not ok[first:last].all() or last - first < 24:
        return factors
    log_rate = np.log(counts[first:last] / exposure[first:last])
    seasonal = np.asarray(STL(log_rate, period=12, robust=True).fit().seasonal, dtype=float)
    by_month = np.zeros(12)
    for offset, value in enumerate(seasonal):
        by_month[months[first + offset].month - 1] += value
    by_month /= np.bincount([m.month - 1 for m in months[first:last]], minlength=12).clip(1)
    by_month -= by_month.mean()
    seasonal_factor: np.ndarray = np.exp(
        np.array([by_month[m.month - 1] for m in months], dtype=float)
    )
    return seasonal_factor


@dataclass(frozen=True, slots=True)
class Alert:
    """One open warning: a cell whose CUSUM crossed the threshold.

    ``observed`` and ``expected`` are summed over ``since`` … the month asked; ``change_pct`` is
    their relative difference; ``z`` is the month's normal score and ``score`` the CUSUM over its
    threshold (≥ 1 when open).
    """

    alert_id: str
    measure: str
    direction: str
    level: str
    group: dict[str, str]
    label_ko: str
    label_en: str
    month: date
    since: date
    observed: float
    expected: float
    change_pct: float
    z: float
    score: float
    baseline: str
    chart: str
    as_of: date
    subgroups: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ``YYYY-MM``)."""
        out = asdict(self)
        for key in ("month", "since", "as_of"):
            out[key] = out[key].strftime("%Y-%m")
        out["subgroups"] = list(self.subgroups)
        return out


@dataclass(frozen=True, slots=True)
class Detection:
    """The cell-month table of one detection run (one row per tested or alarmed cell-month)."""

    cells: pl.DataFrame
    config: DetectorConfig
    phi: dict[str, float]


def _panel(
    frame: pl.DataFrame, keys: Sequence[str], measure: str
) -> tuple[list[date], list[tuple[str, ...]], np.ndarray, np.ndarray]:
    months = sorted(set(frame.get_column("month").to_list()))
    text = frame.with_columns(pl.col(k).cast(pl.Utf8) for k in keys)
    groups_frame = text.select(keys).unique().sort(keys).with_row_index("_g")
    month_frame = pl.DataFrame({"month": months}, schema={"month": pl.Date}).with_row_index("_m")
    joined = text.join(groups_frame, on=list(keys)).join(month_frame, on="month")
    gi = joined.get_column("_g").to_numpy()
    mi = joined.get_column("_m").to_numpy()
    shape = (groups_frame.height, len(months))
    counts = np.zeros(shape)
    stock = np.zeros(shape)
    np.add.at(counts, (gi, mi), joined.get_column(measure).cast(pl.Float64).fill_null(0).to_numpy())
    np.add.at(
        stock, (gi, mi), joined.get_column("employment").cast(pl.Float64).fill_null(0).to_numpy()
    )
    exposure = np.full_like(stock, np.nan)
    exposure[:, 1:] = stock[:, :-1]
    groups = [tuple(str(v) for v in row) for row in groups_frame.select(keys).rows()]
    return months, groups, counts, exposure


def _consecutive(months: Sequence[date]) -> None:
    for a, b in itertools.pairwise(months):
        if (b.year * 12 + b.month) - (a.year * 12 + a.month) != 1:
            raise InvalidInputError(
                f"월이 연속되지 않습니다 / months are not consecutive: {a:%Y-%m} → {b:%Y-%m}"
            )


def detect(
    frame: pl.DataFrame,
    keys: Sequence[str],
    *,
    level: str = "custom",
    measures: Sequence[tuple[str, Direction]] = MONITORED,
    config: DetectorConfig | None = None,
    season: dict[str, np.ndarray] | None = None,
) -> Detection:
    """Run the detector on an indicator frame.

    Args:
        frame: Columns ``month`` (first days), the ``keys``, ``employment`` and the measures.
        keys: The columns that make a group (a cell is a group and a measure).
        level: Name of the level, carried into the output.
        measures: ``(measure, direction)`` pairs.
        config: Detector parameters.
        season: Seasonal factors per measure (one per month of the frame); by default from an
            STL of the frame's national totals (:func:`seasonal_factors`).

    Returns:
        The cell-month table (columns ``level``, ``group`` as JSON, the keys, ``measure``,
        ``direction``, ``month``, ``observed``, ``expected``, ``baseline_rate``, ``z``,
        ``cusum``, ``tested``, ``alarm``, ``onset``, ``since``) and the φ used per measure.

    Raises:
        InvalidInputError: For missing columns, an empty frame or months that are not consecutive.
    """
    config = config or DetectorConfig()
    keys = list(keys)
    parts_of = {m: COMPOSITES.get(m, ((m, d),)) for m, d in measures}
    needed = {"month", "employment", *keys, *(c for p in parts_of.values() for c, _ in p)}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise InvalidInputError(f"열이 없습니다 / missing columns: {', '.join(missing)}")
    if frame.is_empty():
        raise InvalidInputError("빈 지표입니다 / the indicator frame is empty")
    parts: list[pl.DataFrame] = []
    phis: dict[str, float] = {}
    prepared: dict[tuple[str, str], tuple[_Component, np.ndarray]] = {}

    def component(name: str, direction: Direction) -> tuple[_Component, np.ndarray]:
        if (name, direction) not in prepared:
            months, _, counts, exposure = _panel(frame, keys, name)
            _consecutive(months)
            if season is not None and name in season:
                factors = np.asarray(season[name], dtype=float)
            else:
                factors = seasonal_factors(months, counts.sum(axis=0), np.nansum(exposure, axis=0))
            sign = 1.0 if direction == "up" else -1.0
            phi = _estimate(counts, exposure, factors, sign, config)
            phis[name] = phi
            prepared[(name, direction)] = (_Component(counts, factors, sign, phi), exposure)
        return prepared[(name, direction)]

    for measure, direction in measures:
        months, groups, _, _ = _panel(frame, keys, parts_of[measure][0][0])
        built = [component(name, d) for name, d in parts_of[measure]]
        exposure = built[0][1]
        counts = built[0][0].counts
        result = _pass([b[0] for b in built], exposure, config, freeze=True)
        keep = result.tested | result.alarm
        cell_idx, month_idx = np.nonzero(keep)
        since_idx = result.since[cell_idx, month_idx]
        columns: dict[str, Any] = {
            "level": [level] * len(cell_idx),
            "group": [json.dumps(dict(zip(keys, groups[c], strict=True))) for c in cell_idx],
        }
        for position, key in enumerate(keys):
            columns[key] = [groups[c][position] for c in cell_idx]
        columns |= {
            "measure": [measure] * len(cell_idx),
            "direction": [direction] * len(cell_idx),
            "month": [months[m] for m in month_idx],
            "observed": counts[cell_idx, month_idx],
            "expected": result.expected[cell_idx, month_idx],
            "baseline_rate": result.baseline_rate[cell_idx, month_idx],
            "z": result.z[cell_idx, month_idx],
            "cusum": result.cusum[cell_idx, month_idx],
            "tested": result.tested[cell_idx, month_idx],
            "alarm": result.alarm[cell_idx, month_idx],
            "onset": result.onset[cell_idx, month_idx],
            "since": [months[s] if s >= 0 else None for s in since_idx],
        }
        schema: dict[str, Any] = dict.fromkeys(keys, pl.Utf8)
        schema |= {"level": pl.Utf8, "group": pl.Utf8, "measure": pl.Utf8, "direction": pl.Utf8}
        schema |= {"month": pl.Date, "since": pl.Date}
        schema |= {"tested": pl.Boolean, "alarm": pl.Boolean, "onset": pl.Boolean}
        schema |= dict.fromkeys(("observed", "expected", "baseline_rate", "z", "cusum"), pl.Float64)
        parts.append(pl.DataFrame(columns, schema_overrides=schema))
    cells = pl.concat(parts, how="diagonal") if parts else pl.DataFrame()
    return Detection(cells, config, phis)


# --- alerts -----------------------------------------------------------------------------------


@cache
def _labels(reference_dir: str) -> dict[str, tuple[str, str]]:
    from ilteo.reference.codes import occupation_systems

    settings = Settings(env="dev", reference_dir=Path(reference_dir))
    systems = occupation_systems(settings)
    return {
        code: (entry.name_ko or code, entry.name_en or "")
        for code, entry in systems["ksco8"].entries.items()
    }


def _group_label(settings: Settings | None, group: dict[str, str]) -> tuple[str, str]:
    labels: dict[str, tuple[str, str]] = {}
    if settings is not None and settings.reference_dir is not None:
        try:
            labels = _labels(str(settings.reference_dir))
        except Exception:  # labels are a courtesy; codes still identify the group
            labels = {}
    ko: list[str] = []
    en: list[str] = []
    for key, value in group.items():
        if key.startswith("ksco"):
            title_ko, title_en = labels.get(value, (value, ""))
            ko.append(f"KSCO {value} {title_ko}" if title_ko != value else f"KSCO {value}")
            en.append(f"KSCO {value} {title_en}".strip())
        elif key == "sido":
            from ilteo.lake.codes import SIDO

            name = next((entry.name for entry in SIDO if entry.code == value), "")
            ko.append(f"{name} ({value})" if name else f"시도 {value}")
            en.append(f"sido {value}")
        else:
            ko.append(f"{key} {value}")
            en.append(f"{key} {value}")
    return " · ".join(ko), " · ".join(en)


def _chart(group: dict[str, str]) -> str:
    code = next((v for k, v in group.items() if k.startswith("ksco")), None)
    return f"/monitor/occupations/{code}" if code else "/monitor/alerts"


def _alert_id(level: str, group: str, measure: str, onset: date) -> str:
    text = f"{level}|{group}|{measure}|{onset:%Y-%m}"
    return "AW-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def alerts_at(
    detection: Detection | pl.DataFrame,
    month: date,
    *,
    settings: Settings | None = None,
) -> list[Alert]:
    """The alerts open in ``month``, strongest first (highest CUSUM over threshold).

    Args:
        detection: A :class:`Detection` or its cell-month table.
        month: The month asked (first day).
        settings: For group titles from the reference data (codes only without it).
    """
    cells = detection.cells if isinstance(detection, Detection) else detection
    h = detection.config.h if isinstance(detection, Detection) else THRESHOLD
    if cells.is_empty():
        return []
    month = month.replace(day=1)
    open_now = cells.filter((pl.col("month") == month) & pl.col("alarm"))
    alerts: list[Alert] = []
    for row in open_now.sort(["cusum", "z"], descending=True).iter_rows(named=True):
        run = cells.filter(
            (pl.col("level") == row["level"])
            & (pl.col("group") == row["group"])
            & (pl.col("measure") == row["measure"])
            & (pl.col("month") >= row["since"])
            & (pl.col("month") <= month)
        )
        onset_rows = run.filter(pl.col("onset"))
        onset_value = onset_rows.get_column("month").max()
        onset = onset_value if isinstance(onset_value, date) else month
        observed = float(run.get_column("observed").sum())
        expected = float(run.get_column("expected").fill_nan(None).sum() or 0.0)
        change = (observed - expected) / expected * 100 if expected > 0 else math.nan
        group = json.loads(row["group"])
        label_ko, label_en = _group_label(settings, group)
        measure_ko, measure_en = _MEASURE_TEXT.get(row["measure"], (row["measure"], row["measure"]))
        rate = row["baseline_rate"]
        baseline = (
            f"{measure_ko}: 직전 월말 피보험자 x 기준 비율 {rate:.4f} x 계절 요인 (기준: "
            f"{row['since']:%Y-%m} 이전 12개월, 2개월 간격) / {measure_en}: previous month-end "
            f"insured employment x baseline rate {rate:.4f} x seasonal factor (baseline: the 12 "
            f"months ending 2 months before each month, before {row['since']:%Y-%m}); Poisson "
            "mid-p scores, one-sided CUSUM k=0.5"
        )
        alerts.append(
            Alert(
                alert_id=_alert_id(row["level"], row["group"], row["measure"], onset),
                measure=row["measure"],
                direction=row["direction"],
                level=row["level"],
                group=group,
                label_ko=label_ko,
                label_en=label_en,
                month=onset,
                since=row["since"],
                observed=observed,
                expected=round(expected, 2),
                change_pct=round(change, 1),
                z=round(float(row["z"]), 2),
                score=round(float(row["cusum"]) / h, 2),
                baseline=baseline,
                chart=_chart(group),
                as_of=month,
            )
        )
    return alerts


# --- on the built indicators -----------------------------------------------------------------


def _alerts_dir(settings: Settings) -> Path:
    return settings.lake_dir / "monitor" / "alerts"


def _build_key(settings: Settings) -> str:
    folder = settings.lake_dir / "monitor" / "indicators"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        raise DataUnavailableError(
            "월별 지표가 아직 만들어지지 않았습니다 / the monthly indicators are not built yet: "
            "run `ilteo monitor indicators` (build_indicators) first"
        )
    text = "|".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    text += f"|h={THRESHOLD}|min={MIN_EXPECTED}|v1"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def detect_all(
    settings: Settings,
    *,
    read: Callable[..., pl.DataFrame] | None = None,
    config: DetectorConfig | None = None,
) -> Detection:
    """Run the detector at every level of :data:`LEVELS` on the built indicators.

    Seasonal factors are estimated once per measure from the national totals.
    """
    if read is None:
        from ilteo.monitor.indicators import read_indicators

        read = read_indicators
    config = config or DetectorConfig()
    national = read(settings, by=(), suppress=False).sort("month")
    months = national.get_column("month").to_list()
    _consecutive(months)
    stock = national.get_column("employment").cast(pl.Float64).to_numpy()
    exposure = np.concatenate([[np.nan], stock[:-1]])
    season = {
        measure: seasonal_factors(
            months, national.get_column(measure).cast(pl.Float64).fill_null(0).to_numpy(), exposure
        )
        for measure in _base_measures()
    }
    parts: list[pl.DataFrame] = []
    phis: dict[str, float] = {}
    for level, keys in LEVELS.items():
        frame = read(settings, by=keys, suppress=False)
        for key in keys:
            frame = frame.filter(pl.col(key).cast(pl.Utf8) != "unknown")
        if frame.is_empty():
            continue
        detection = detect(frame, keys, level=level, config=config, season=season)
        phis |= {f"{level}:{m}": v for m, v in detection.phi.items()}
        parts.append(detection.cells)
    cells = pl.concat(parts, how="diagonal") if parts else pl.DataFrame()
    return Detection(cells, config, phis)


def _base_measures() -> list[str]:
    names = [p for m, d in MONITORED for p, _ in COMPOSITES.get(m, ((m, d),))]
    return list(dict.fromkeys(names))


#: The last detection read in this process, by cache file.
_MEMO: dict[str, Detection] = {}


def _cached(settings: Settings) -> Detection:
    key = _build_key(settings)
    folder = _alerts_dir(settings)
    path = folder / f"cells-{key}.parquet"
    meta = folder / f"cells-{key}.json"
    found = _MEMO.get(str(path))
    if found is not None and path.is_file():
        return found
    if path.is_file() and meta.is_file():
        found = Detection(pl.read_parquet(path), DetectorConfig(), json.loads(meta.read_text()))
        _MEMO.clear()
        _MEMO[str(path)] = found
        return found
    detection = detect_all(settings)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("cells-*"):
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    detection.cells.write_parquet(tmp)
    meta.write_text(json.dumps(detection.phi))
    tmp.replace(path)
    _MEMO.clear()
    _MEMO[str(path)] = detection
    return detection


def _subgroups(settings: Settings, alert: Alert) -> tuple[dict[str, Any], ...]:
    """The sub-groups (sex, age band, 시도) whose counts moved most in the alert's run."""
    from ilteo.monitor.indicators import read_indicators

    keys = LEVELS[alert.level]
    out: list[dict[str, Any]] = []
    sign = 1.0 if alert.direction == "up" else -1.0
    column = COMPOSITES[alert.measure][0][0] if alert.measure in COMPOSITES else alert.measure
    for dim in _SUBGROUP_DIMENSIONS:
        if dim in keys:
            continue
        frame = read_indicators(settings, by=(*keys, dim), suppress=False)
        for key in keys:
            frame = frame.filter(pl.col(key).cast(pl.Utf8) == alert.group[key])
        frame = frame.sort("month")
        results: list[dict[str, Any]] = []
        for value, part in frame.group_by(dim):
            part = part.sort("month").with_columns(pl.col("employment").shift(1).alias("_exposure"))
            before = part.filter(pl.col("month") < alert.since).tail(12)
            during = part.filter(
                (pl.col("month") >= alert.since) & (pl.col("month") <= alert.as_of)
            )
            base_den = float(before.get_column("_exposure").fill_null(0).sum())
            if base_den <= 0 or during.is_empty():
                continue
            rate = float(before.get_column(column).fill_null(0).sum()) / base_den
            expected = rate * float(during.get_column("_exposure").fill_null(0).sum())
            observed = float(during.get_column(column).fill_null(0).sum())
            if expected < 1:
                continue
            results.append(
                {
                    "dimension": dim,
                    "value": str(value[0]),
                    "observed": observed,
                    "expected": round(expected, 1),
                    "change_pct": round((observed - expected) / expected * 100, 1),
                    "_excess": sign * (observed - expected),
                }
            )
        results.sort(key=lambda r: -float(r["_excess"]))
        for r in results[:2]:
            r.pop("_excess")
            out.append(r)
    return tuple(out)


def current_alerts(
    settings: Settings, month: date | None = None, limit: int | None = None
) -> list[Alert]:
    """The alerts open in ``month`` (the last built month by default), strongest first.

    The detection over every level is cached per indicator build under
    ``settings.lake_dir/monitor/alerts``. Each alert carries the sub-groups (sex, age band, 시도)
    that moved most.

    Raises:
        DataUnavailableError: When the indicators are not built.
        InvalidInputError: For a month outside the built indicators or a negative limit.
    """
    if limit is not None and limit < 0:
        raise InvalidInputError("limit은 0 이상이어야 합니다 / limit must be ≥ 0")
    detection = _cached(settings)
    if detection.cells.is_empty():
        return []
    months = sorted(set(detection.cells.get_column("month").to_list()))
    from ilteo.monitor.indicators import available_months

    built = available_months(settings)
    wanted = (month or (built[-1] if built else months[-1])).replace(day=1)
    if built and wanted not in built:
        raise InvalidInputError(
            f"{wanted:%Y-%m}의 지표가 없습니다 / no indicators for {wanted:%Y-%m}: built "
            f"{built[0]:%Y-%m} … {built[-1]:%Y-%m}"
        )
    alerts = alerts_at(detection, wanted, settings=settings)
    if limit is not None:
        alerts = alerts[:limit]
    return [_with_subgroups(settings, a) for a in alerts]


def _with_subgroups(settings: Settings, alert: Alert) -> Alert:
    from dataclasses import replace

    return replace(alert, subgroups=_subgroups(settings, alert))


def alert_months(settings: Settings) -> list[date]:
    """The months in which at least one alert is open (oldest first).

    Raises:
        DataUnavailableError: When the indicators are not built.
    """
    cells = _cached(settings).cells
    if cells.is_empty():
        return []
    months = cells.filter(pl.col("alarm")).get_column("month").unique().sort()
    return list(months.to_list())


# --- threshold -------------------------------------------------------------------------------


def calibrate_threshold(
    *,
    target: float = 1e-3,
    seed: int = 20261121,
    cells: int = 4000,
    months: int = 36,
    grid: Sequence[float] = tuple(np.arange(3.0, 8.01, 0.25)),
) -> dict[str, Any]:
    """Choose ``h`` by simulating the whole procedure on series without any shift.

    Each simulated cell has a constant employment and a rate such that its expected monthly
    count is log-uniform between :data:`MIN_EXPECTED` and 200, with a seasonal pattern known to
    the detector; counts are Poisson. For each ``h`` of the grid, alarms opened per tested
    cell-month are counted; the smallest ``h`` at or below ``target`` is returned.

    Returns:
        ``{"h": …, "target": …, "rates": {h: rate}, "tested": n, "seed": …}``.
    """
    rng = np.random.default_rng(seed)
    mu = np.exp(rng.uniform(math.log(MIN_EXPECTED), math.log(200), size=cells))
    season = 1 + 0.15 * np.sin(2 * np.pi * np.arange(months) / 12)
    exposure = np.full((cells, months), 1000.0)
    counts = rng.poisson(mu[:, None] * season[None, :]).astype(float)
    rates: dict[float, float] = {}
    tested = 0
    for h in grid:
        result = scan(counts, exposure, season, config=DetectorConfig(h=float(h)))
        tested = int(result.tested.sum())
        rates[round(float(h), 2)] = float(result.onset.sum()) / max(tested, 1)
    chosen = next((h for h, r in rates.items() if r <= target), max(rates))
    return {"h": chosen, "target": target, "rates": rates, "tested": tested, "seed": seed}
