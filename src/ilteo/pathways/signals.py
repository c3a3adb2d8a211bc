"""Pay, AI exposure and local demand of occupations: the signals of the desirable and safer filters.

- **Pay** (:func:`bls_wages`, :func:`lake_wages`): BLS OEWS May 2024 national annual medians per
  SOC 2018 code (an O*NET-SOC code's first seven characters; a code without its own estimate takes
  its broad, minor, then major group's, and says so). ``*`` (no annual figure published) falls back
  to the hourly median x 2,080 hours; ``#`` (top-coded) to the published floor of USD 239,200.
  Lake wages are the mean monthly wage (원) of insured jobs per KSCO 8 unit at the latest month of
  the monitoring indicators (:mod:`ilteo.monitor.indicators`).
- **AI exposure** (:func:`onet_exposures`): the combined score of the monitoring index
  (:func:`ilteo.monitor.lookup.exposure_lookup`) for every O*NET-SOC occupation, on the index's
  0-1 rank scale. It is not a probability of job loss.
- **Local demand** (:func:`hires_by_ksco`): insured hires per KSCO 8 unit over the last 12 built
  months, in one 시도 or nationally, small counts suppressed like every monitoring output.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar, cast

import numpy as np
import polars as pl

from ilteo.core.errors import DataUnavailableError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.pathways.profiles import occupation_profiles
from ilteo.reference.codes import cached_index
from ilteo.reference.exposure import EXPOSURE_INDICES
from ilteo.reference.loading import load

#: Hours a year behind BLS annual figures (hourly x 2,080).
HOURS_A_YEAR: Final = 2080
#: BLS's published floor for top-coded (``#``) annual wages, May 2024.
TOP_CODED_USD: Final = 239_200
#: Months of hires counted as local demand.
DEMAND_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class Wage:
    """A wage of one occupation and where it comes from.

    Attributes:
        value: The wage (``unit`` says per what and in which currency).
        unit: ``usd_year`` (BLS) or ``krw_month`` (lake).
        source: ``bls`` or ``lake``.
        basis: For BLS, the SOC level used (``detailed``, ``broad``, ``minor``, ``major``); for the
            lake, the month and the number of jobs.
    """

    value: float
    unit: str
    source: str
    basis: str


def _annual(row: dict[str, str | int | None]) -> float | None:
    median = str(row.get("A_MEDIAN") or "")
    if median == "#":
        return float(TOP_CODED_USD)
    for name, factor in (("A_MEDIAN", 1.0), ("H_MEDIAN", float(HOURS_A_YEAR)), ("A_MEAN", 1.0)):
        text = str(row.get(name) or "").replace(",", "")
        try:
            return float(text) * factor
        except ValueError:
            continue
    return None


def _soc_levels(soc: str) -> list[tuple[str, str]]:
    """``15-1252`` → detailed 15-1252, broad 15-1250, minor 15-1200, major 15-0000."""
    return [
        ("detailed", soc),
        ("broad", soc[:6] + "0"),
        ("minor", soc[:5] + "00"),
        ("major", soc[:3] + "0000"),
    ]


@cached_index("bls_oews", "onet")
def bls_wages(settings: Settings) -> dict[str, Wage]:
    """BLS national annual median wage per O*NET-SOC occupation of the profiles (USD a year)."""
    frame = load("bls_oews", settings=settings)
    by_code: dict[str, float] = {}
    for row in frame.iter_rows(named=True):
        value = _annual(row)
        if value is not None and str(row["OCC_CODE"]) not in by_code:
            by_code[str(row["OCC_CODE"])] = value
    out: dict[str, Wage] = {}
    for occupation in occupation_profiles(settings).occupations:
        for level, soc in _soc_levels(occupation.code[:7]):
            if soc in by_code:
                out[occupation.code] = Wage(by_code[soc], "usd_year", "bls", level)
                break
    return out


@cached_index(
    *dict.fromkeys(["ksco8", "onet", "crosswalks", *(i.dataset for i in EXPOSURE_INDICES)])
)
def onet_exposures(settings: Settings) -> np.ndarray:
    """The combined AI-exposure score of every profile row (NaN where the index has none)."""
    from ilteo.monitor.lookup import exposure_lookup

    index = occupation_profiles(settings)
    out = np.full(len(index.occupations), np.nan, dtype=np.float64)
    for row, occupation in enumerate(index.occupations):
        try:
            combined = exposure_lookup(settings, occupation.code, "onet").combined
        except (NotFoundError, DataUnavailableError):
            continue
        if combined is not None:
            out[row] = combined
    return out


_T = TypeVar("_T")
_LAKE_LOCK = threading.Lock()
_LAKE_CACHE: dict[tuple[object, ...], object] = {}


def _latest_month(settings: Settings) -> date | None:
    from ilteo.monitor.indicators import available_months

    months = available_months(settings)
    return months[-1] if months else None


def _cached(key: tuple[object, ...], build: Callable[[], _T]) -> _T:
    """The value built for ``key`` once (per indicator build and arguments), kept in memory."""
    with _LAKE_LOCK:
        if key in _LAKE_CACHE:
            return cast("_T", _LAKE_CACHE[key])
    value = build()
    with _LAKE_LOCK:
        if len(_LAKE_CACHE) > 64:
            _LAKE_CACHE.clear()
        _LAKE_CACHE[key] = value
    return value


def lake_wages(settings: Settings) -> dict[str, tuple[float, int]]:
    """Mean monthly wage (원) and number of jobs per KSCO 8 unit at the latest indicator month.

    Empty when no indicators are built (the BLS wages are used instead).
    """
    from ilteo.monitor.indicators import build_stamp, read_indicators

    month = _latest_month(settings)
    if month is None:
        return {}
    key = ("wages", str(settings.lake_dir), build_stamp(settings), month)

    def build() -> dict[str, tuple[float, int]]:
        frame = read_indicators(settings, by=("ksco",), months=(month, month), suppress=False)
        frame = frame.filter((pl.col("employment") > 0) & pl.col("wage_sum").is_not_null())
        return {
            str(k): (float(w) / float(e), int(e))
            for k, w, e in frame.select("ksco", "wage_sum", "employment").iter_rows()
        }

    return _cached(key, build)


@dataclass(frozen=True, slots=True)
class Hires:
    """Insured hires of one KSCO 8 unit over the last months (``None`` when suppressed)."""

    hires: int | None
    suppressed: bool
    first: date
    last: date


def hires_by_ksco(settings: Settings, sido: str | None = None) -> dict[str, Hires]:
    """Hires per KSCO 8 unit over the last :data:`DEMAND_MONTHS` built months.

    Args:
        settings: Whose lake.
        sido: A two-digit 시도 code, or ``None`` for the whole country.

    Returns:
        ``{ksco: Hires}``; counts below ``settings.monitor_min_cell`` are suppressed. Empty when no
        indicators are built.
    """
    from ilteo.monitor.indicators import available_months, build_stamp, read_indicators, shift

    months = available_months(settings)
    if not months:
        return {}
    last = months[-1]
    first = max(shift(last, -(DEMAND_MONTHS - 1)), months[0])
    key = ("hires", str(settings.lake_dir), build_stamp(settings), last, sido)

    def build() -> dict[str, Hires]:
        frame = read_indicators(
            settings, by=("ksco",), months=(first, last), sido=sido, suppress=False
        )
        totals = frame.group_by("ksco").agg(pl.col("hires").sum())
        floor = settings.monitor_min_cell
        return {
            str(k): Hires(None if h < floor else int(h), bool(h < floor), first, last)
            for k, h in totals.select("ksco", "hires").iter_rows()
        }

    return _cached(key, build)


def hires_of(table: dict[str, Hires], ksco: str | None) -> Hires | None:
    """The hires of one KSCO unit from :func:`hires_by_ksco`'s table.

    A unit absent from a built table had no hire in the window: below any publication threshold,
    so it is reported suppressed, never as a silent zero. ``None`` when nothing is built.
    """
    if not table or ksco is None:
        return None
    found = table.get(ksco)
    if found is not None:
        return found
    window = next(iter(table.values()))
    return Hires(None, True, window.first, window.last)
