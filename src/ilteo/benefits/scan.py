"""The proactive scan: every master person of the lake through the rules, entitled but not claiming.

One SQL pass over the lake gives each master person's facts (the latest insured job that ended and
was not followed by another, its 상실사유, the insured period, paid days in the 18 months before,
the wage, the birth date, whether a 구직급여 claim followed); the facts become input arrays of one
OpenFisca simulation per parameter regime (separations grouped by the parameter dates in force,
so each uses the values of its own day) - never a Python loop per person.

Approximations, stated in ``docs/benefits-scan.md``: paid days (보수지급 기초일수) are calendar days
of insurance in the 18 months x 6/7 (one unpaid weekly rest day); the last 3 months' wages are
three times the monthly wage reported at acquisition; the disability status is not in the lake
(treated as not disabled, the shorter benefit days: never an overstatement).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from ilteo.benefits.check import simulation_from_columns
from ilteo.benefits.inputs import WON_CEILING
from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings

#: 고용보험 상실사유 code → the check's separation reason (41/42 are not separations).
LOSS_REASONS: Final[dict[str, str]] = {
    "11": "voluntary",
    "12": "voluntary_justified",
    "22": "business_closure",
    "23": "dismissal_business",
    "26": "dismissal_misconduct",
    "31": "retirement_age",
    "32": "contract_expiry",
}
#: A separated person who has not claimed after this many days is found (default of the scan).
NO_CLAIM_DAYS: Final = 14
#: Paid days per calendar day of insurance (one unpaid weekly rest day).
PAID_SHARE: Final = 6 / 7


def facts_sql(as_of: date) -> str:
    """SQL of one row per master person separated by ``as_of`` and not insured again since."""
    day = f"DATE '{as_of.isoformat()}'"
    codes = ", ".join(f"'{c}'" for c in LOSS_REASONS)
    return f"""
        WITH spells AS (
            SELECT * FROM monitor_spells WHERE master_id IS NOT NULL AND start_date <= {day}
        ),
        open_now AS (
            SELECT DISTINCT master_id FROM spells WHERE end_date IS NULL OR end_date > {day}
        ),
        last_end AS (
            SELECT * FROM spells
            WHERE end_date IS NOT NULL AND end_date <= {day}
              AND master_id NOT IN (SELECT master_id FROM open_now)
              AND loss_reason_code IN ({codes})
            QUALIFY row_number() OVER (
                PARTITION BY master_id ORDER BY end_date DESC, start_date DESC) = 1
        ),
        history AS (
            SELECT l.master_id,
                   CAST(sum(date_diff('day', s.start_date,
                       least(COALESCE(s.end_date, l.end_date), l.end_date)) + 1) AS BIGINT)
                       AS insured_days,
                   CAST(sum(greatest(0, date_diff('day',
                       greatest(s.start_date, l.end_date - INTERVAL 18 MONTH),
                       least(COALESCE(s.end_date, l.end_date), l.end_date)) + 1)) AS BIGINT)
                       AS days_18m,
                   max(s.start_date) AS last_start
            FROM last_end l JOIN spells s ON s.master_id = l.master_id
            WHERE s.start_date <= l.end_date
            GROUP BY l.master_id
        ),
        claims AS (
            SELECT l.master_id, min(c.claimed_at) AS claimed_at
            FROM last_end l
            JOIN master_person_links k ON k.master_id = l.master_id
                 AND k.source = 'benefit_claims'
            JOIN curated_benefit_claims c ON c.claim_id = k.record_id
            WHERE c.program = 'job_seeking_allowance' AND c.claimed_at >= l.end_date
              AND c.claimed_at <= {day}
            GROUP BY l.master_id
        )
        SELECT l.master_id, l.end_date AS separation_date, l.loss_reason_code, l.birth_date,
               l.monthly_wage_won, l.sido, l.ksco, h.insured_days, h.days_18m, h.last_start,
               c.claimed_at
        FROM last_end l JOIN history h USING (master_id) LEFT JOIN claims c USING (master_id)
        ORDER BY l.master_id
    """  # noqa: S608 - a date literal and module constants


def lake_facts(settings: Settings, as_of: date) -> pl.DataFrame:
    """The scan's facts per separated master person (see :func:`facts_sql`).

    Raises:
        DataUnavailableError: the lake is not built.
    """
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql

    con = connect(settings)
    try:
        tables = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        if "curated_ei_events" not in tables:
            raise DataUnavailableError(
                "레이크가 없습니다 / the lake is not built (ilteo lake build)"
            )
        spells_sql(con)
        frame: pl.DataFrame = con.sql(facts_sql(as_of)).pl()
    finally:
        con.close()
    return frame


def _years(born: np.ndarray, day: np.ndarray) -> np.ndarray:
    b = born.astype("datetime64[D]")
    d = day.astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(int) - b.astype("datetime64[Y]").astype(int)
    before = (d - d.astype("datetime64[Y]")) < (b - b.astype("datetime64[Y]"))
    out: np.ndarray = years - before.astype(int)
    return out


def columns(facts: pl.DataFrame, as_of: date) -> dict[str, np.ndarray]:
    """The OpenFisca input arrays of the facts (vectorised; see the module's approximations)."""
    sep = facts["separation_date"].to_numpy().astype("datetime64[D]")
    born = facts["birth_date"].to_numpy().astype("datetime64[D]")
    last = facts["last_start"].to_numpy().astype("datetime64[D]")
    day = np.datetime64(as_of, "D")
    three = (sep.astype("datetime64[M]") - 3).astype("datetime64[D]") + (
        sep - sep.astype("datetime64[M]").astype("datetime64[D]")
    )
    wage = facts["monthly_wage_won"].fill_null(0).to_numpy().astype(np.float64)
    reasons = np.array([LOSS_REASONS[c] for c in facts["loss_reason_code"].to_list()], dtype=object)
    return {
        "age": _years(born, np.full(len(facts), day)).astype(np.int32),
        "age_at_separation": _years(born, sep).astype(np.int32),
        "age_at_last_acquisition": _years(born, last).astype(np.int32),
        "disabled": np.zeros(len(facts), dtype=bool),
        "insured_unit_days_18m": np.floor(
            facts["days_18m"].to_numpy().astype(np.float64) * PAID_SHARE
        ).astype(np.int32),
        "insured_period_days": facts["insured_days"].to_numpy().astype(np.int32),
        "separation_reason": reasons,
        "wages_last_3_months": np.minimum(wage * 3, WON_CEILING).astype(np.int32),
        "days_last_3_months": (sep - three).astype(np.int32),
        "separated": np.ones(len(facts), dtype=bool),
        "days_since_separation": (day - sep).astype(np.int32),
    }


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The scan's findings and its counts."""

    as_of: date
    persons_separated: int
    eligible: int
    claimed: int
    not_claiming: pl.DataFrame
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The counts as JSON-plain data."""
        return {
            "as_of": self.as_of.isoformat(),
            "separated": self.persons_separated,
            "eligible_job_seeking_allowance": self.eligible,
            "claimed": self.claimed,
            "eligible_not_claiming": self.not_claiming.height,
            "take_up_rate": round(self.claimed / self.eligible, 4) if self.eligible else None,
            "seconds": round(self.seconds, 2),
        }


def evaluate(cols: dict[str, np.ndarray], count: int, period: str) -> dict[str, np.ndarray]:
    """The job-seeking allowance's eligibility and amounts for ``count`` persons on ``period``."""
    sim = simulation_from_columns(cols, count)
    return {
        "eligible": np.asarray(sim.calculate("job_seeking_eligible", period), dtype=bool),
        "daily_amount_krw": np.asarray(sim.calculate("job_seeking_daily_amount", period)),
        "benefit_days": np.asarray(sim.calculate("job_seeking_benefit_days", period)),
    }


def scan(settings: Settings, as_of: date, no_claim_days: int = NO_CLAIM_DAYS) -> ScanResult:
    """Find people entitled to the job-seeking allowance who have not claimed it.

    Args:
        settings: whose lake.
        as_of: the day of the scan.
        no_claim_days: a person separated at least this many days ago without a claim is found.

    Returns:
        The counts and the people found (master id, separation, reason, daily amount, days,
        total), best amount first.
    """
    started = time.perf_counter()
    facts = lake_facts(settings, as_of)
    count = facts.height
    if count == 0:
        empty = pl.DataFrame()
        return ScanResult(as_of, 0, 0, 0, empty, time.perf_counter() - started)
    cols = columns(facts, as_of)
    answer = evaluate(cols, count, as_of.isoformat())
    claimed = facts["claimed_at"].is_not_null().to_numpy()
    old_enough = cols["days_since_separation"] >= no_claim_days
    found = answer["eligible"] & ~claimed & old_enough
    daily = answer["daily_amount_krw"].astype(np.int64)
    days = answer["benefit_days"].astype(np.int64)
    table = (
        facts.select("master_id", "separation_date", "loss_reason_code", "sido", "ksco")
        .with_columns(
            pl.Series("daily_amount_krw", daily),
            pl.Series("benefit_days", days),
            pl.Series("total_krw", daily * days),
            pl.Series("days_since_separation", cols["days_since_separation"]),
        )
        .filter(pl.Series(found))
    )
    return ScanResult(
        as_of=as_of,
        persons_separated=count,
        eligible=int(answer["eligible"].sum()),
        claimed=int((answer["eligible"] & claimed).sum()),
        not_claiming=table.sort("total_krw", descending=True),
        seconds=time.perf_counter() - started,
    )


def default_day(settings: Settings) -> date:
    """The day a scan runs for by default: the last day of the lake's latest indicator month."""
    from ilteo.monitor.indicators import available_months

    months = available_months(settings)
    if not months:
        return date.today()  # noqa: DTZ011 - no lake month: the calendar day
    first_next = (months[-1].replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)
