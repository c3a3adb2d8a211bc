"""Job spells of one block: a month-by-month simulation of separations and hires.

Each month, employed persons separate with a hazard that depends on age, fixed-term contracts and
any shock on their occupation (extra separations are flagged ``shock_excess``); workplaces of fewer
than ten workers may close (reason 22); workers reaching the retirement age may retire (31).
Persons without a job are hired with a monthly hazard into a workplace of their own 시도 (mostly)
and an occupation kept from their last job or drawn for the workplace's industry; hires into a
shocked occupation are thinned by the shock's hire multiplier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ilteo.synth._people import People
from ilteo.synth._world import DateArray, FloatArray, IntArray, World

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True, slots=True)
class Careers:
    """The spells of one block and who had no job when the window opened."""

    spells: pl.DataFrame
    jobless_at_start: BoolArray
    last_occupation_at_start: IntArray


def by_age(age: FloatArray, table: list[tuple[int, float]]) -> FloatArray:
    """Look up a step function of age given as ``[(from_age, value), …]``.

    >>> by_age(np.array([20.0, 35.0, 70.0]), [(18, 1.5), (30, 1.0), (60, 0.5)]).tolist()
    [1.5, 1.0, 0.5]
    """
    edges = np.asarray([t[0] for t in table], dtype=np.float64)
    values = np.asarray([t[1] for t in table], dtype=np.float64)
    return np.asarray(values[np.clip(np.searchsorted(edges, age, side="right") - 1, 0, None)])


def draw_categories(
    rng: np.random.Generator, n: int, weights: dict[str, float]
) -> np.ndarray[Any, Any]:
    """Draw ``n`` keys of ``weights`` in proportion to their values."""
    keys = np.asarray(list(weights), dtype=np.str_)
    p = np.asarray(list(weights.values()), dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _age(birth: DateArray, day: np.datetime64) -> FloatArray:
    return np.asarray((day - birth).astype(np.float64) / 365.25)


def draw_occupations(rng: np.random.Generator, world: World, workplace: IntArray) -> IntArray:
    """One occupation per hire, drawn for the industry section of its workplace."""
    occ = world.calibration.occupations
    section = world.workplaces.section[workplace]
    u = rng.random(len(workplace))
    out = np.zeros(len(workplace), dtype=np.int64)
    for letter in np.unique(section).tolist():
        rows = np.flatnonzero(section == letter)
        cdf = occ.section_cdf[letter]
        out[rows] = np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(cdf) - 1)
    return out


def _wage_norms(world: World) -> tuple[float, float]:
    """Means of the age and sex wage multipliers over the population, to keep the overall mean."""
    wages, pop = world.params.wages, world.params.population
    ages, weights = [], []
    for low, high, share in pop.age_bands:
        span = np.arange(low, high + 1, dtype=np.float64)
        ages.append(span)
        weights.append(np.full(len(span), share / len(span)))
    age_mean = float(
        np.average(
            by_age(np.concatenate(ages), wages.age_multiplier), weights=np.concatenate(weights)
        )
    )
    f = pop.female_share
    sex_mean = 1 - f + f * wages.female_multiplier
    return age_mean, sex_mean


def _new_jobs(
    rng: np.random.Generator,
    world: World,
    occ: IntArray,
    workplace: IntArray,
    female: BoolArray,
    age: FloatArray,
) -> dict[str, np.ndarray[Any, Any]]:
    """Wage (2024 terms, full-time month), hours share, below-minimum and fixed-term flags."""
    wages, pop, careers = world.params.wages, world.params.population, world.params.careers
    n = len(occ)
    age_mean, sex_mean = _wage_norms(world)
    level = (
        wages.mean_monthly_2024
        * world.wage_scale
        * world.calibration.occupations.rel_wage[occ]
        * world.size_wage[world.workplaces.band[workplace]]
        * np.where(female, wages.female_multiplier, 1.0)
        / sex_mean
        * by_age(age, wages.age_multiplier)
        / age_mean
    )
    noise = np.exp(rng.normal(0.0, wages.sigma, n) - wages.sigma**2 / 2)
    low, high = wages.part_time_hours_share
    part_time = rng.random(n) < pop.part_time_share
    hours = np.where(part_time, low + rng.random(n) * (high - low), 1.0)
    return {
        "base": level * noise,
        "hours": hours,
        "below_min": (~part_time) & (rng.random(n) < wages.below_minimum_share),
        "fixed_term": rng.random(n) < careers.fixed_term_share,
    }


class _Book:
    """Spells collected during the simulation, as lists of arrays."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray[Any, Any]]] = []

    def add(self, **columns: np.ndarray[Any, Any]) -> None:
        if len(next(iter(columns.values()))):
            self.parts.append(columns)

    def frame(self) -> pl.DataFrame:
        keys = list(self.parts[0])
        return pl.DataFrame({k: np.concatenate([p[k] for p in self.parts]) for k in keys})


def simulate_careers(rng: np.random.Generator, people: People, world: World) -> Careers:
    """Run the monthly simulation for one block of persons."""
    return _Simulation(rng, people, world).run()


class _Simulation:
    """State of one block's persons while the months go by (arrays, one entry per person)."""

    def __init__(self, rng: np.random.Generator, people: People, world: World) -> None:
        self.rng, self.people, self.world = rng, people, world
        n, win, cp = len(people), world.window, world.params.careers
        occ_w = world.calibration.occupations.weight
        age0 = _age(people.birth, win.first_day)
        self.emp: BoolArray = rng.random(n) < world.params.population.employed_at_start
        wp = world.workplaces.draw(rng, people.sido, world.params.population.same_region_share)
        occ = draw_occupations(rng, world, wp)
        cdf = np.cumsum(occ_w)
        self.last_occ_start = np.searchsorted(cdf, rng.random(n) * occ_w.sum()).clip(
            0, len(cdf) - 1
        )
        self.occ = np.where(self.emp, occ, self.last_occ_start)
        self.wp = np.where(self.emp, wp, -1)
        tenure = rng.exponential(cp.mean_tenure_years * 365.25, n)
        opened = world.workplaces.frame["opened_on"].to_numpy()[self.wp.clip(0)]
        limit = np.minimum((age0 - 18) * 365.25, (win.first_day - opened).astype(np.float64))
        days = np.clip(np.minimum(tenure, limit), 1, None).astype("timedelta64[D]")
        # Start of the current job; for persons without one, the day they lost the last one.
        self.start = win.first_day - days
        self.job = _new_jobs(rng, world, self.occ, self.wp.clip(0), people.female, age0)
        self.hired_month = np.full(n, -1)
        self.jobless_at_start = ~self.emp
        self.book, self.active = _Book(), np.ones(n, dtype=bool)
        sixty = people.birth.astype("datetime64[M]") + np.timedelta64(12 * cp.retirement_age, "M")
        self.retire_month = win.month_index(sixty.astype("datetime64[D]"))
        self.closed_on = world.workplaces.frame["closed_on"].to_numpy()
        self.reasons = {k: v for k, v in cp.separation_reasons.items() if k != "32"}

    def run(self) -> Careers:
        """Simulate every month of the window and collect the spells."""
        win = self.world.window
        for m in range(win.months):
            first = win.month_start[m]
            days = int((win.month_start[m + 1] - first).astype(np.int64))
            age = _age(self.people.birth, first)
            leaving = self._separate(m, first, days, age)
            self._hire(m, first, days, age, leaving)
        idx = np.flatnonzero(self.emp)
        self._record(
            idx,
            end=np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[D]"),
            reason=np.full(len(idx), "", dtype=np.str_),
            shock_excess=np.zeros(len(idx), dtype=bool),
        )
        return Careers(
            spells=_finish(self.book, self.people),
            jobless_at_start=self.jobless_at_start,
            last_occupation_at_start=self.last_occ_start,
        )

    def _record(self, idx: IntArray, **columns: np.ndarray[Any, Any]) -> None:
        self.book.add(
            person=idx,
            workplace=self.wp[idx],
            occupation=self.occ[idx],
            start=self.start[idx],
            **columns,
            **{k: v[idx] for k, v in self.job.items()},
        )

    def _separate(self, m: int, first: np.datetime64, days: int, age: FloatArray) -> BoolArray:
        """End the jobs that end this month; return who left."""
        rng, cp, n = self.rng, self.world.params.careers, len(self.emp)
        can = self.emp & (self.hired_month < m)
        h0 = cp.monthly_separation * by_age(age, cp.separation_age_multiplier)
        h0 = h0 * np.where(self.job["fixed_term"], cp.fixed_term_hazard, 1.0)
        h = h0 * self.world.separation_multiplier[m, self.occ]
        u = rng.random(n)
        normal = can & (u < np.minimum(h0, h))
        excess = can & ~normal & (u < h)
        closing = can & (self.world.workplaces.closure_month[self.wp.clip(0)] == m) & (self.wp >= 0)
        retiring = can & (self.retire_month == m) & (rng.random(n) < cp.retirement_share)
        leave: BoolArray = normal | excess | closing | retiring
        idx = np.flatnonzero(leave)
        if not len(idx):
            return leave
        expiry = self.job["fixed_term"][idx] & (rng.random(len(idx)) < cp.fixed_term_expiry)
        reason = np.where(expiry, "32", draw_categories(rng, len(idx), self.reasons))
        shock_reason = draw_categories(rng, len(idx), cp.shock_separation_reasons)
        reason = np.where(excess[idx], shock_reason, reason)
        reason = np.where(retiring[idx], "31", reason)
        reason = np.where(closing[idx], "22", reason)
        day = first + (rng.random(len(idx)) * days).astype("timedelta64[D]")
        day = np.where(closing[idx], self.closed_on[self.wp[idx]], day).astype("datetime64[D]")
        day = np.maximum(day, self.start[idx] + np.timedelta64(1, "D"))
        self._record(
            idx,
            end=day,
            reason=reason.astype(np.str_),
            shock_excess=excess[idx] & ~closing[idx] & ~retiring[idx],
        )
        self.emp[idx] = False
        self.wp[idx] = -1
        self.start[idx] = day
        # Most retirees leave the labour force; some look for another job.
        self.active[idx] = ~retiring[idx] | (rng.random(len(idx)) < 0.3)
        return leave

    def _hire(
        self, m: int, first: np.datetime64, days: int, age: FloatArray, leaving: BoolArray
    ) -> None:
        """Hire persons without a job since before this month."""
        rng, world, cp = self.rng, self.world, self.world.params.careers
        pool = ~self.emp & ~leaving & self.active
        boost = max(float(world.hire_multiplier[m].max()), 1.0)
        hazard = cp.monthly_hire * by_age(age, cp.hire_age_multiplier) * boost
        cand = np.flatnonzero(pool & (rng.random(len(pool)) < hazard))
        if not len(cand):
            return
        same_region = world.params.population.same_region_share
        new_wp = world.workplaces.draw(rng, self.people.sido[cand], same_region)
        drawn = draw_occupations(rng, world, new_wp)
        keep = rng.random(len(cand)) < world.params.occupations.keep_on_rehire
        new_occ = np.where(keep, self.occ[cand], drawn)
        # Shocked occupations hire less (thinning); closed workplaces hire nobody.
        accept = rng.random(len(cand)) * boost < world.hire_multiplier[m, new_occ]
        closure = world.workplaces.closure_month[new_wp]
        accept &= (closure < 0) | (closure > m)
        cand, new_wp, new_occ = cand[accept], new_wp[accept], new_occ[accept]
        day = first + (rng.random(len(cand)) * days).astype("timedelta64[D]")
        day = np.maximum(day, self.start[cand] + np.timedelta64(1, "D"))
        fresh = _new_jobs(rng, world, new_occ, new_wp, self.people.female[cand], age[cand])
        self.emp[cand] = True
        self.wp[cand], self.occ[cand], self.start[cand], self.hired_month[cand] = (
            new_wp,
            new_occ,
            day,
            m,
        )
        for key, values in fresh.items():
            self.job[key][cand] = values


def _finish(book: _Book, people: People) -> pl.DataFrame:
    frame = book.frame().with_columns(
        pl.col("reason").replace("", None),
        pl.col("person").cast(pl.Int64),
    )
    return frame.with_columns(
        pl.Series("person_id", people.pid[frame["person"].to_numpy()]),
    ).sort("person", "start")


def spell_at(spells: pl.DataFrame, person: IntArray, day: DateArray) -> IntArray:
    """Row of ``spells`` each person was employed in on ``day``, or -1 when without a job."""
    query = pl.DataFrame({"person": person, "day": day, "q": np.arange(len(person))}).sort(
        "person", "day"
    )
    table = spells.select(
        "person", pl.col("start").alias("day"), pl.col("end"), row=pl.int_range(pl.len())
    )
    hit = query.join_asof(
        table.sort("person", "day"),
        on="day",
        by="person",
        strategy="backward",
        check_sortedness=False,
    )
    inside = pl.col("end").is_null() | (pl.col("end") > pl.col("day"))
    found = hit.sort("q").select(pl.when(inside).then(pl.col("row")).otherwise(-1).fill_null(-1))
    return found.to_series().to_numpy().astype(np.int64)


def next_start(spells: pl.DataFrame, person: IntArray, day: DateArray) -> DateArray:
    """First job start of each person strictly after ``day`` (NaT when none)."""
    query = pl.DataFrame({"person": person, "day": day, "q": np.arange(len(person))}).sort(
        "person", "day"
    )
    table = spells.select("person", pl.col("start").alias("day"), pl.col("start").alias("next"))
    table = table.with_columns(pl.col("day") - pl.duration(days=1)).sort("person", "day")
    hit = query.join_asof(table, on="day", by="person", strategy="forward", check_sortedness=False)
    return hit.sort("q")["next"].to_numpy().astype("datetime64[D]")
