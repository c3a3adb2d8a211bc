"""Employment-insurance (고용보험) extracts and industrial accidents (산재) from job spells."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ilteo.synth._careers import Careers, draw_categories
from ilteo.synth._noise import assign_corruptions, vary_names
from ilteo.synth._people import People
from ilteo.synth._records import (
    Extract,
    by_year,
    days_between,
    link_rows,
    null_unless,
    record_ids,
    uniform_days,
)
from ilteo.synth._world import World
from ilteo.synth.codes import SEPARATION_REASONS

#: Hours a full-time month is paid for under the minimum wage (주 40시간 + 주휴).
MONTHLY_HOURS = 209


def monthly_wage(
    world: World,
    base: np.ndarray[Any, Any],
    hours: np.ndarray[Any, Any],
    below: np.ndarray[Any, Any],
    years: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """Contractual monthly wage in a year: grown from 2024, at least the minimum unless flagged."""
    wages, benefits = world.params.wages, world.params.benefits
    level = base * (1 + wages.annual_growth) ** (years - 2024) * hours
    floor = by_year(benefits.minimum_wage, years) * MONTHLY_HOURS * hours
    return np.asarray(np.where(below, np.minimum(level, floor * 0.93), np.maximum(level, floor)))


def _year(days: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def employment_insurance(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    world: World,
) -> None:
    """피보험자격 취득/상실 events and monthly wages of one block."""
    spells = careers.spells
    acq = spells.with_columns(
        pl.lit("acquisition").alias("event_type"), pl.col("start").alias("event_date")
    )
    loss = spells.filter(pl.col("end").is_not_null()).with_columns(
        pl.lit("loss").alias("event_type"), pl.col("end").alias("event_date")
    )
    events = pl.concat([acq, loss]).sort("person", "event_date", "event_type")
    n = events.height
    start = events["start"].to_numpy()
    wage = monthly_wage(
        world,
        events["base"].to_numpy(),
        events["hours"].to_numpy(),
        events["below_min"].to_numpy(),
        _year(start),
    )
    is_acq = (events["event_type"] == "acquisition").to_numpy()
    date = events["event_date"].to_numpy()
    late = rng.random(n) < 0.05
    lag = np.where(late, rng.integers(46, 200, n), rng.integers(0, 46, n)).astype("timedelta64[D]")
    person = events["person"].to_numpy()
    workplace = events["workplace"].to_numpy()
    who = people.frame[person].select(
        "person_id", "rrn", "name", "surname", "given_name", "surname_latin"
    )
    kinds = assign_corruptions(rng, n, world.params.noise.employment_insurance, ("name_typo",))
    where = world.workplaces.frame[workplace].select(
        "workplace_mgmt_no", "brn", "ksic_code", "sido_code"
    )
    occ_codes = world.calibration.occupations.codes[events["occupation"].to_numpy()]
    ksco_missing = rng.random(n) < world.params.noise.rate("employment_insurance", "ksco_missing")
    reason = events["reason"]
    ids = record_ids("EI", block, n)
    table = pl.DataFrame(
        {
            "record_id": ids,
            "event_type": events["event_type"],
            "event_date": events["event_date"],
            "reported_on": date + lag,
            "rrn": who["rrn"],
            "name": vary_names(rng, who, kinds),
            "workplace_mgmt_no": where["workplace_mgmt_no"],
            "brn": where["brn"],
            "ksco_code": null_unless(occ_codes, ~ksco_missing),
            "ksic_code": where["ksic_code"],
            "sido_code": where["sido_code"],
            "employment_type": np.where(events["fixed_term"].to_numpy(), "fixed_term", "regular"),
            "weekly_hours": np.rint(40 * events["hours"].to_numpy()).astype(np.int64),
            "monthly_wage_won": null_unless((np.rint(wage / 10) * 10).astype(np.int64), is_acq),
            "loss_reason_code": null_unless(reason, ~is_acq),
        }
    ).with_columns(
        pl.col("loss_reason_code")
        .replace_strict(SEPARATION_REASONS, default=None)
        .alias("loss_reason")
    )
    out.add("employment_insurance/qualification_events.parquet", table)
    out.links.append(link_rows("employment_insurance", ids, who["person_id"], workplace, kinds))
    out.add(
        "employment_insurance/monthly_wages.parquet", _monthly_wages(rng, people, careers, world)
    )


def _monthly_wages(
    rng: np.random.Generator, people: People, careers: Careers, world: World
) -> pa.Table:
    """One row per job spell and window month: the wage paid for the days worked."""
    win, spells = world.window, careers.spells
    edges = win.month_start
    start = spells["start"].to_numpy()
    end = spells["end"].to_numpy()
    end = np.asarray(np.where(np.isnat(end), win.end, end), dtype="datetime64[D]")
    first = np.maximum(win.month_index(start), 0)
    last_day = np.asarray(end - np.timedelta64(1, "D"), dtype="datetime64[D]")
    last = np.minimum(win.month_index(last_day), win.months - 1)
    count = np.maximum(last - first + 1, 0)
    row_spell = np.repeat(np.arange(len(count)), count)
    offset = np.arange(len(row_spell)) - np.repeat(np.cumsum(count) - count, count)
    month = first[row_spell] + offset
    m_start, m_end = edges[month], edges[month + 1]
    worked = days_between(np.maximum(m_start, start[row_spell]), np.minimum(m_end, end[row_spell]))
    in_month = days_between(m_start, m_end)
    years = win.year_of_month()[month]
    level = monthly_wage(
        world,
        spells["base"].to_numpy()[row_spell],
        spells["hours"].to_numpy()[row_spell],
        spells["below_min"].to_numpy()[row_spell],
        years,
    )
    amount = level * worked / in_month * (1 + rng.normal(0, 0.03, len(month)))
    person = spells["person"].to_numpy()[row_spell]
    workplace = spells["workplace"].to_numpy()[row_spell]
    rrn = pa.array(people.frame["rrn"].to_arrow()).take(pa.array(person))
    mgmt = pa.array(world.workplaces.frame["workplace_mgmt_no"].to_arrow()).take(
        pa.array(workplace)
    )
    return pa.table(
        {
            "rrn": rrn.cast(pa.string()),
            "workplace_mgmt_no": mgmt.cast(pa.string()),
            "wage_month": pa.array(m_start, type=pa.date32()),
            "days_worked": pa.array(worked, type=pa.int16()),
            "wage_won": pa.array((np.rint(amount / 10) * 10).astype(np.int64), type=pa.int64()),
        }
    )


def industrial_accidents(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    world: World,
) -> pl.DataFrame:
    """산재 요양 approvals at the 2023 요양재해율 of each workplace's industry x size cell.

    Returns (person, day, workplace) of each accident for the requests that follow.
    """
    win, spells, acc = world.window, careers.spells, world.params.accidents
    start = np.maximum(spells["start"].to_numpy(), win.first_day)
    end = spells["end"].to_numpy()
    end = np.where(np.isnat(end), win.end, np.minimum(end, win.end))
    span = np.maximum(days_between(start, end), 0)
    workplace = spells["workplace"].to_numpy()
    expected = world.workplaces.accident_rate[workplace] * span / 365.25
    count = rng.poisson(expected)
    row = np.repeat(np.arange(len(count)), count)
    n = len(row)
    day = start[row] + (rng.random(n) * span[row]).astype("timedelta64[D]")
    fatal = rng.random(n) < acc.fatal_share
    care = np.rint(acc.recovery_days_median * np.exp(rng.normal(0, acc.recovery_days_sigma, n)))
    person = spells["person"].to_numpy()[row]
    wp = workplace[row]
    who = people.frame[person].select("person_id", "rrn", "name")
    where = world.workplaces.frame[wp].select(
        "workplace_mgmt_no", "brn", "ksic_code", "industry_middle", "size_band"
    )
    ids = record_ids("IA", block, n)
    table = pl.DataFrame(
        {
            "accident_id": ids,
            "rrn": who["rrn"],
            "name": who["name"],
            "workplace_mgmt_no": where["workplace_mgmt_no"],
            "brn": where["brn"],
            "accident_date": day,
            "accident_type": draw_categories(rng, n, acc.types),
            "fatal": fatal,
            "care_days": np.where(fatal, 0, np.maximum(care, 4)).astype(np.int64),
            "approved_on": day + uniform_days(rng, 14, 120, n),
            "ksic_code": where["ksic_code"],
            "insurance_industry": where["industry_middle"],
            "size_band": where["size_band"],
        }
    )
    out.add("industrial_accidents/accident_approvals.parquet", table)
    out.links.append(link_rows("industrial_accidents", ids, who["person_id"], wp))
    return pl.DataFrame({"person": person, "day": day, "workplace": wp})
