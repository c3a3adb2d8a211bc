"""The shared state of one run: window, workplaces, calibration and shocks (built once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from ilteo.synth._calibration import SIZE_BANDS, Calibration
from ilteo.synth._lexicon import Lexicon
from ilteo.synth._params import SynthParams
from ilteo.synth._shock import Shock
from ilteo.synth._workplaces import Workplaces, make_workplaces

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
DateArray = np.ndarray[Any, np.dtype[np.datetime64]]

#: Stream ids mixed into the seed, so every part of a run has its own random generator.
STREAM_WORKPLACES, STREAM_BLOCK = 1, 2


@dataclass(frozen=True, slots=True)
class Window:
    """The months the extracts cover: ``months`` months from ``start``."""

    start: date
    months: int
    month_start: DateArray

    @classmethod
    def of(cls, start: date, months: int) -> Window:
        """A window of ``months`` whole months from the first day of ``start``'s month."""
        first = np.datetime64(start.replace(day=1), "M")
        edges = (first + np.arange(months + 1).astype("timedelta64[M]")).astype("datetime64[D]")
        return cls(start=start.replace(day=1), months=months, month_start=edges)

    @property
    def first_day(self) -> np.datetime64:
        """First day of the window."""
        return np.datetime64(self.month_start[0], "D")

    @property
    def end(self) -> np.datetime64:
        """The day after the last day of the window."""
        return np.datetime64(self.month_start[-1], "D")

    def month_index(self, days: DateArray) -> IntArray:
        """Window month of each date (-1 before the window, ``months`` after it)."""
        pos = np.searchsorted(self.month_start, days, side="right") - 1
        return np.asarray(pos, dtype=np.int64)

    def year_of_month(self) -> IntArray:
        """Calendar year of each window month."""
        years = self.month_start[:-1].astype("datetime64[Y]").astype(np.int64) + 1970
        return np.asarray(years, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class World:
    """Everything every block reads."""

    seed: int
    persons: int
    params: SynthParams
    calibration: Calibration
    lexicon: Lexicon
    window: Window
    workplaces: Workplaces
    shocks: tuple[Shock, ...]
    separation_multiplier: FloatArray  # (months, occupations)
    hire_multiplier: FloatArray  # (months, occupations)
    size_wage: FloatArray  # by size band, mean 1 over workers
    wage_scale: float  # brings the mean monthly wage back to the published figure

    def rng(self, stream: int, index: int = 0) -> np.random.Generator:
        """The random generator of one part of the run, independent of every other part."""
        return np.random.default_rng([self.seed, stream, index])


def _shock_matrices(
    shocks: tuple[Shock, ...], codes: list[str], window: Window
) -> tuple[FloatArray, FloatArray]:
    sep = np.ones((window.months, len(codes)))
    hire = np.ones((window.months, len(codes)))
    starts = window.month_start[:-1]
    for shock in shocks:
        covered = np.asarray([shock.covers(c) for c in codes])
        active = starts >= np.datetime64(shock.start, "D")
        sep[np.ix_(active, covered)] *= shock.separation
        hire[np.ix_(active, covered)] *= shock.hire
    return sep, hire


def build_world(
    seed: int,
    persons: int,
    window: Window,
    shocks: tuple[Shock, ...],
    params: SynthParams,
    calibration: Calibration,
    lexicon: Lexicon,
) -> World:
    """Draw the workplaces and precompute what the blocks share."""
    workplaces = make_workplaces(
        np.random.default_rng([seed, STREAM_WORKPLACES]),
        persons,
        window.start,
        window.months,
        calibration.industries,
        params.careers.small_workplace_closure,
        lexicon,
    )
    sep, hire = _shock_matrices(shocks, calibration.occupations.codes.tolist(), window)
    workers_by_band = calibration.industries.workers.reshape(-1, len(SIZE_BANDS)).sum(axis=0)
    size = np.asarray([params.wages.size_multiplier[b] for b in SIZE_BANDS])
    size = size / float(np.average(size, weights=workers_by_band))
    return World(
        wage_scale=_wage_scale(workplaces, calibration, params),
        seed=seed,
        persons=persons,
        params=params,
        calibration=calibration,
        lexicon=lexicon,
        window=window,
        workplaces=workplaces,
        shocks=shocks,
        separation_multiplier=sep,
        hire_multiplier=hire,
        size_wage=size,
    )


def _wage_scale(workplaces: Workplaces, calibration: Calibration, params: SynthParams) -> float:
    """Undo the shift of the mean wage that industry-specific occupations and part-time bring."""
    occ = calibration.occupations
    weight = np.diff(workplaces.national.cdf, prepend=0.0)
    expected = 0.0
    for letter in np.unique(workplaces.section).tolist():
        share = weight[workplaces.section == letter].sum() / weight.sum()
        pmf = np.diff(occ.section_cdf[letter], prepend=0.0)
        expected += share * float(pmf @ occ.rel_wage)
    low, high = params.wages.part_time_hours_share
    part = params.population.part_time_share
    hours = 1 - part + part * (low + high) / 2
    return 1.0 / (expected * hours)
