"""Benefit claims and payments: 구직급여 (job-seeking allowance), as the benefits system holds them.

Rules, rounded (고용보험법 제40조, 제45조-제50조 and 시행령 제68조): claims need an eligible
separation reason and 180 insured days in the 18 months before it; the daily amount is 60% of the
average daily wage, at least 80% of the minimum wage x 8 hours (x the job's hours share) and at most
the year's upper limit; days by age (50+) and insured years; paid every 28 days after a 7-day
waiting period until the days run out or the person has a job again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ilteo.synth._careers import Careers, next_start
from ilteo.synth._insurance import monthly_wage
from ilteo.synth._people import People
from ilteo.synth._records import Extract, by_year, days_between, link_rows, record_ids, uniform_days
from ilteo.synth._world import World
from ilteo.synth.codes import JOB_SEEKING_ELIGIBLE, REJECT_REASONS

CLAIM_SCHEMA: dict[str, Any] = {
    "claim_id": pl.Utf8,
    "program": pl.Utf8,
    "program_ko": pl.Utf8,
    "rrn": pl.Utf8,
    "name": pl.Utf8,
    "claimed_at": pl.Date,
    "separated_on": pl.Date,
    "loss_reason_code": pl.Utf8,
    "last_workplace_mgmt_no": pl.Utf8,
    "avg_daily_wage_won": pl.Int64,
    "daily_amount_won": pl.Int64,
    "benefit_days": pl.Int64,
    "approved_amount_won": pl.Int64,
    "decision": pl.Utf8,
    "decided_at": pl.Date,
    "reject_reason_code": pl.Utf8,
    "reject_reason": pl.Utf8,
}
PAYMENT_SCHEMA: dict[str, Any] = {
    "payment_id": pl.Utf8,
    "claim_id": pl.Utf8,
    "rrn": pl.Utf8,
    "program": pl.Utf8,
    "kind": pl.Utf8,
    "paid_at": pl.Date,
    "period_days": pl.Int64,
    "amount_won": pl.Int64,
}
CLAIMS_PATH = "benefits/claims.parquet"
PAYMENTS_PATH = "benefits/payments.parquet"
_WAITING_DAYS = 7


def conform(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """Select ``schema``'s columns in order, adding missing ones as nulls and casting types."""
    return frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in schema.items()
        ]
    )


def _insured_days(
    spells: pl.DataFrame, person: np.ndarray[Any, Any], day: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Days insured in the 18 months (548 days) before each ``day`` (피보험단위기간, simplified)."""
    query = pl.DataFrame({"q": np.arange(len(person)), "person": person, "day": day})
    joined = query.join(spells.select("person", "start", "end"), on="person", how="left")
    overlap = (
        (
            pl.min_horizontal(pl.col("end").fill_null(pl.col("day")), pl.col("day"))
            - pl.max_horizontal(pl.col("start"), pl.col("day") - pl.duration(days=548))
        )
        .dt.total_days()
        .clip(lower_bound=0)
    )
    summed = joined.group_by("q").agg(overlap.sum().alias("days")).sort("q")
    return summed["days"].fill_null(0).to_numpy()


def _benefit_days(
    world: World, years: np.ndarray[Any, Any], senior: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    table = world.params.benefits.benefit_days
    edges = np.asarray([t[0] for t in table], dtype=np.float64)
    row = np.clip(np.searchsorted(edges, years, side="right") - 1, 0, None)
    young = np.asarray([t[1] for t in table])[row]
    old = np.asarray([t[2] for t in table])[row]
    return np.where(senior, old, young)


def _decide(
    careers: Careers,
    person: np.ndarray[Any, Any],
    sep: np.ndarray[Any, Any],
    reason: np.ndarray[Any, Any],
    world: World,
) -> np.ndarray[Any, Any]:
    """Reject code per claim ("" when approved): quit, misconduct, not insured, too short."""
    insured = _insured_days(careers.spells, person, sep)
    return np.select(
        [
            reason == "11",
            reason == "26",
            np.isin(reason, ["41", "42"]),
            insured < world.params.benefits.minimum_insured_days,
        ],
        ["R01", "R02", "R04", "R03"],
        "",
    )


def _amounts(
    people: People,
    spell: pl.DataFrame,
    person: np.ndarray[Any, Any],
    sep: np.ndarray[Any, Any],
    world: World,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Average daily wage, daily benefit (within the year's limits) and benefit days."""
    bp = world.params.benefits
    year = sep.astype("datetime64[Y]").astype(np.int64) + 1970
    hours = spell["hours"].to_numpy()
    wage = monthly_wage(world, spell["base"].to_numpy(), hours, spell["below_min"].to_numpy(), year)
    avg_daily = np.rint(wage * 3 / 92)
    lower = np.rint(by_year(bp.minimum_wage, year) * 8 * bp.lower_limit_share * hours)
    daily = np.clip(np.rint(avg_daily * bp.replacement_rate), lower, by_year(bp.upper_limit, year))
    age = days_between(people.birth[person], sep) / 365.25
    tenure = days_between(spell["start"].to_numpy(), sep) / 365.25
    return avg_daily, daily, _benefit_days(world, tenure, age >= 50)


def job_seeking_allowance(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    regs: pl.DataFrame,
    world: World,
) -> pl.DataFrame:
    """Claims (with decisions) and payments; returns the claims for later requests."""
    bp, win = world.params.benefits, world.window
    seps = regs.filter(pl.col("trigger") == "separation")
    eligible = seps["reason"].is_in(list(JOB_SEEKING_ELIGIBLE)).to_numpy()
    claim = rng.random(seps.height) < np.where(
        eligible, bp.claim_when_eligible, bp.claim_when_ineligible
    )
    seps = seps.filter(pl.Series(claim))
    n = seps.height
    claimed = seps["date"].to_numpy() + uniform_days(rng, 0, 14, n)
    keep = claimed < win.end
    seps, claimed, n = seps.filter(pl.Series(keep)), claimed[keep], int(keep.sum())
    spell = careers.spells[seps["spell"].to_numpy()]
    person = seps["person"].to_numpy()
    sep = seps["separated_on"].to_numpy()
    reason = seps["reason"].to_numpy()
    code = _decide(careers, person, sep, reason, world)
    avg_daily, daily, days = _amounts(people, spell, person, sep, world)
    approved = code == ""
    who = people.frame[person]
    ids = record_ids("UB", block, n)
    claims = pl.DataFrame(
        {
            "claim_id": ids,
            "program": ["job_seeking_allowance"] * n,
            "program_ko": ["구직급여"] * n,
            "rrn": who["rrn"],
            "name": who["name"],
            "claimed_at": claimed,
            "separated_on": sep,
            "loss_reason_code": reason,
            "last_workplace_mgmt_no": world.workplaces.frame["workplace_mgmt_no"][
                spell["workplace"].to_numpy()
            ],
            "avg_daily_wage_won": avg_daily.astype(np.int64),
            "daily_amount_won": np.where(approved, daily, 0).astype(np.int64),
            "benefit_days": np.where(approved, days, 0).astype(np.int64),
            "decision": np.where(approved, "approved", "rejected"),
            "decided_at": claimed + uniform_days(rng, 7, 21, n),
            "reject_reason_code": pl.Series(code).replace("", None),
        }
    ).with_columns(
        pl.col("reject_reason_code")
        .replace_strict(REJECT_REASONS, default=None)
        .alias("reject_reason")
    )
    out.add(CLAIMS_PATH, conform(claims, CLAIM_SCHEMA))
    out.links.append(
        link_rows("benefit_claims", ids, who["person_id"], spell["workplace"].to_numpy())
    )
    back = next_start(careers.spells, person, sep)
    _payments(
        out,
        block,
        claims.filter(pl.Series(approved)),
        back[approved],
        who["person_id"].filter(pl.Series(approved)),
        world,
    )
    return claims.with_columns(
        pl.Series("person", person), pl.Series("workplace", spell["workplace"].to_numpy())
    )


def _payments(
    out: Extract,
    block: int,
    claims: pl.DataFrame,
    back_to_work: np.ndarray[Any, Any],
    person_id: pl.Series,
    world: World,
) -> None:
    """Installments of 28 days until the days run out, the person works again or the window ends."""
    interval = world.params.benefits.payment_interval_days
    days = claims["benefit_days"].to_numpy()
    count = -(-days // interval)
    row = np.repeat(np.arange(claims.height), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    first = claims["claimed_at"].to_numpy()[row] + np.timedelta64(_WAITING_DAYS, "D")
    period_start = first + (k * interval).astype("timedelta64[D]")
    stop = np.minimum(
        first + days[row].astype("timedelta64[D]"), period_start + np.timedelta64(interval, "D")
    )
    back = back_to_work[row]
    stop = np.where(np.isnat(back), stop, np.minimum(stop, back))
    paid_days = np.clip(days_between(period_start, stop), 0, None)
    paid_at = period_start + np.timedelta64(interval, "D")
    keep = (paid_days > 0) & (paid_at < world.window.end)
    row, paid_days, paid_at = row[keep], paid_days[keep], paid_at[keep]
    ids = record_ids("UP", block, len(row))
    table = pl.DataFrame(
        {
            "payment_id": ids,
            "claim_id": claims["claim_id"].to_numpy()[row],
            "rrn": claims["rrn"].to_numpy()[row],
            "program": "job_seeking_allowance",
            "kind": "구직급여",
            "paid_at": paid_at,
            "period_days": paid_days,
            "amount_won": paid_days * claims["daily_amount_won"].to_numpy()[row],
        }
    )
    out.add(PAYMENTS_PATH, conform(table, PAYMENT_SCHEMA))
    out.links.append(link_rows("benefit_payments", ids, person_id.to_numpy()[row]))
