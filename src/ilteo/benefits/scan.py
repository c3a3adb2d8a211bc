"""The proactive scan: every master person of the lake through the rules, entitled but not claiming.

Set-based SQL over the lake gives the facts; the facts become input arrays of one OpenFisca
simulation per population (never a Python loop per person); the rules of
:data:`ilteo.benefits.rules.RULES` turn the answers into ``ScanResult.findings`` (one row per
person, rule and key; columns :data:`ilteo.benefits.rules.FINDING_COLUMNS`):

- ``job_seeking_not_claimed``: the latest insured job ended with a 상실사유 that is a separation,
  the person is not insured again, 구직급여 is due and no claim followed within ``no_claim_days``;
- ``training_card_high_risk``: on the monitoring room's newest outreach list (``benefits``
  service), insured on the scan day, 국민내일배움카드 not excluded, no K-Digital Training started
  in the 12 months before and no card claim in the 5 years before;
- ``employment_support_youth``: separated, not insured again, 구직급여 not due, aged within the
  국민취업지원제도 youth band: type II.

Approximations (``docs/benefits-scan.md``), each chosen never to overstate: paid days (보수지급
기초일수) are calendar days of insurance in the 18 months x 6/7; the last 3 months' wages are the
monthly wage reports (``curated_ei_wages``) of the job that ended when every month of the window
has one, else three times the monthly wage reported at acquisition; disability is not in the lake
(not disabled: the shorter benefit days); for the card, what the lake cannot know is set so that a
person who might be excluded is not found.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl

from ilteo.benefits.check import simulation_from_columns
from ilteo.benefits.inputs import WON_CEILING
from ilteo.benefits.rules import FINDING_COLUMNS, RULES
from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings

if TYPE_CHECKING:
    import duckdb

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
#: The rule ids (:data:`ilteo.benefits.rules.RULES`).
JOB_SEEKING: Final = "job_seeking_not_claimed"
TRAINING_CARD: Final = "training_card_high_risk"
YOUTH: Final = "employment_support_youth"
#: Types of the findings' columns (:data:`ilteo.benefits.rules.FINDING_COLUMNS`, in order).
FINDING_SCHEMA: Final[dict[str, Any]] = {
    "master_id": pl.String,
    "rule": pl.String,
    "programme": pl.String,
    "key": pl.String,
    "amount_krw": pl.Int64,
    "daily_amount_krw": pl.Int64,
    "benefit_days": pl.Int64,
    "separation_date": pl.Date,
    "loss_reason_code": pl.String,
    "sido": pl.String,
    "ksco": pl.String,
    "age": pl.Int64,
    "days_since_separation": pl.Int64,
    "reasons": pl.List(pl.String),
}
assert tuple(FINDING_SCHEMA) == FINDING_COLUMNS  # noqa: S101 - the contract, checked on import
#: A card is issued for 5 years: a claim within them means the person holds one.
CARD_YEARS: Final = 5
#: K-Digital Training started within this many months before the scan day: not found.
KDT_MONTHS: Final = 12
#: Below this age and paid under a full-time monthly minimum wage: possibly an enrolled student.
STUDENT_AGE_BELOW: Final = 25
#: Monthly hours of the minimum wage's monthly equivalent (최저임금 고시: 주 40시간, 월 209시간).
MONTHLY_HOURS: Final = 209
#: 우선지원대상기업 (고용보험법 시행령 제12조 별표 1): most regular workers by KSIC section; a
#: business above it is a 대규모기업 for the card. Sections not listed: 100.
PRIORITY_SUPPORT_MAX: Final[dict[str, int]] = {
    "C": 500,
    **dict.fromkeys(("B", "F", "H", "J", "M", "N", "Q"), 300),
    **dict.fromkeys(("G", "I", "K", "R"), 200),
}
#: The largest size of each 규모 band (for a workplace without a declared headcount); none for
#: "1000인 이상" (taken as large).
SIZE_BAND_MAX: Final[dict[str, int]] = {
    "5인 미만": 4,
    "5~9인": 9,
    "10~29인": 29,
    "30~49인": 49,
    "50~99인": 99,
    "100~299인": 299,
    "300~499인": 499,
    "500~999인": 999,
}
_MONTH_FILE: Final = re.compile(r"^(\d{4})-(\d{2})$")


def _day(as_of: date) -> str:
    return f"DATE '{as_of.isoformat()}'"


def facts_sql(as_of: date, wages: bool = True) -> str:
    """SQL of one row per master person separated by ``as_of`` and not insured again since.

    It reads the temp table ``scan_spells`` (see :func:`lake_facts`).

    Args:
        as_of: the scan day.
        wages: join the monthly wage reports (``curated_ei_wages``) of the job that ended: the
            months of the 3 months before the loss date (from the month two before the last day
            worked; not before the job started). ``wages_3m`` is their sum, ``wage_months`` how
            many months have a report, ``window_months`` how many the window spans and
            ``window_days`` its calendar days (or the days the reports say were worked, when
            more: the daily wage is never divided by fewer days than were paid).
    """
    day = _day(as_of)
    codes = ", ".join(f"'{c}'" for c in LOSS_REASONS)
    wage_cte = (
        """,
        windows AS (
            SELECT master_id, rrn_hash, workplace_mgmt_no, end_date,
                   greatest(start_date, CAST(date_trunc('month', end_date - INTERVAL 1 DAY)
                            - INTERVAL 2 MONTH AS DATE)) AS window_start
            FROM last_end
        ),
        wages AS (
            SELECT w.master_id, CAST(sum(r.wage_won) AS BIGINT) AS wages_3m,
                   CAST(count(DISTINCT r.wage_month) AS BIGINT) AS wage_months,
                   CAST(sum(r.days_worked) AS BIGINT) AS worked_days
            FROM windows w
            JOIN curated_ei_wages r ON r.rrn_hash = w.rrn_hash
                 AND r.workplace_mgmt_no = w.workplace_mgmt_no
                 AND r.wage_month >= date_trunc('month', w.window_start)
                 AND r.wage_month <= date_trunc('month', w.end_date - INTERVAL 1 DAY)
            WHERE r.wage_won IS NOT NULL
            GROUP BY w.master_id
        )"""
        if wages
        else ""
    )
    wage_columns = (
        """, g.wages_3m, COALESCE(g.wage_months, 0) AS wage_months,
               CAST(date_diff('month', date_trunc('month', w.window_start),
                    date_trunc('month', w.end_date - INTERVAL 1 DAY)) + 1 AS BIGINT)
                   AS window_months,
               CAST(greatest(date_diff('day', w.window_start, w.end_date),
                             COALESCE(g.worked_days, 0)) AS BIGINT) AS window_days"""
        if wages
        else ""
    )
    wage_joins = (
        "LEFT JOIN windows w USING (master_id) LEFT JOIN wages g USING (master_id)" if wages else ""
    )
    return f"""
        WITH spells AS (
            SELECT * FROM scan_spells WHERE master_id IS NOT NULL AND start_date <= {day}
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
        ){wage_cte}
        SELECT l.master_id, l.end_date AS separation_date, l.loss_reason_code, l.birth_date,
               l.monthly_wage_won, l.sido, l.ksco, h.insured_days, h.days_18m, h.last_start,
               c.claimed_at{wage_columns}
        FROM last_end l JOIN history h USING (master_id) LEFT JOIN claims c USING (master_id)
        {wage_joins}
        ORDER BY l.master_id
    """  # noqa: S608 - a date literal and module constants


def card_facts_sql(as_of: date, kdt: bool = True, claims: bool = True) -> str:
    """SQL of one row per person of the registered ``scan_outreach`` table insured on ``as_of``.

    It reads the temp table ``scan_spells`` (see :func:`lake_facts`).

    Columns: ``master_id, month, outreach_reasons, birth_date, sido, ksco`` (of the main job: the
    highest wage, then the latest start, as the monitoring room's), ``public_sector`` (an open
    job in KSIC section O, 공공행정), ``large_firm_wage`` (the highest wage of an open job at a
    business that is or may be a 대규모기업; 0 when none; the ceiling when such a wage is
    unknown), ``top_wage`` (the highest known wage of an open job), ``kdt`` (a K-Digital
    Training enrolment starting in the 12 months before), ``card_claim`` (a training-card claim
    in the 5 years before).
    """
    day = _day(as_of)
    caps = " ".join(f"WHEN '{s}' THEN {n}" for s, n in PRIORITY_SUPPORT_MAX.items())
    bands = " ".join(f"WHEN '{b}' THEN {n}" for b, n in SIZE_BAND_MAX.items())
    kdt_cte = (
        f"""
            SELECT DISTINCT l.master_id FROM curated_kdt_enrolments k
            JOIN master_person_links l ON l.source = 'kdt_enrolments'
                 AND l.record_id = k."수강번호"
            WHERE k."개강일" > {day} - INTERVAL {KDT_MONTHS} MONTH
              AND COALESCE(k."수강신청일", k."개강일") <= {day}"""  # noqa: S608 - constants
        if kdt
        else "SELECT NULL::VARCHAR AS master_id WHERE false"
    )
    claim_cte = (
        f"""
            SELECT DISTINCT l.master_id FROM curated_benefit_claims c
            JOIN master_person_links l ON l.source = 'benefit_claims'
                 AND l.record_id = c.claim_id
            WHERE c.program = 'training_card' AND c.claimed_at <= {day}
              AND c.claimed_at > {day} - INTERVAL {CARD_YEARS} YEAR"""  # noqa: S608 - constants
        if claims
        else "SELECT NULL::VARCHAR AS master_id WHERE false"
    )
    return f"""
        WITH jobs AS (
            SELECT s.master_id, s.rrn_hash, s.workplace_mgmt_no, s.ksco, s.ksic_section, s.sido,
                   s.birth_date, s.start_date, s.monthly_wage_won
            FROM scan_spells s JOIN scan_outreach o USING (master_id)
            WHERE s.start_date <= {day} AND (s.end_date IS NULL OR s.end_date > {day})
        ),
        firms AS (
            SELECT workplace_mgmt_no,
                   CASE WHEN brn IS NULL THEN size
                        WHEN count(*) OVER (PARTITION BY brn)
                             = count(size) OVER (PARTITION BY brn)
                        THEN sum(size) OVER (PARTITION BY brn) END AS employees
            FROM (SELECT workplace_mgmt_no, brn,
                         COALESCE(employees_declared, CASE size_band {bands} END) AS size
                  FROM curated_workplaces
                  WHERE brn IN (SELECT w.brn FROM curated_workplaces w
                                JOIN jobs j USING (workplace_mgmt_no))
                     OR workplace_mgmt_no IN (SELECT workplace_mgmt_no FROM jobs))
        ),
        reported AS (
            SELECT j.master_id, j.workplace_mgmt_no, max(r.wage_won) AS wage
            FROM jobs j JOIN curated_ei_wages r ON r.rrn_hash = j.rrn_hash
                 AND r.workplace_mgmt_no = j.workplace_mgmt_no
                 AND r.wage_month <= {day}
                 AND r.wage_month >= date_trunc('month', {day}) - INTERVAL 2 MONTH
            GROUP BY j.master_id, j.workplace_mgmt_no
        ),
        sized AS (
            SELECT j.*, greatest(j.monthly_wage_won, r.wage) AS wage,
                   f.employees IS NULL
                       OR f.employees > CASE j.ksic_section {caps} ELSE 100 END AS maybe_large
            FROM jobs j
            LEFT JOIN reported r USING (master_id, workplace_mgmt_no)
            LEFT JOIN (SELECT DISTINCT workplace_mgmt_no, employees FROM firms) f
                 USING (workplace_mgmt_no)
        ),
        people AS (
            SELECT master_id, any_value(birth_date) AS birth_date,
                   bool_or(ksic_section = 'O') AS public_sector,
                   CAST(max(CASE WHEN maybe_large THEN COALESCE(wage, {WON_CEILING}) ELSE 0 END)
                        AS BIGINT) AS large_firm_wage,
                   CAST(max(wage) AS BIGINT) AS top_wage,
                   arg_max(sido, (COALESCE(wage, -1), start_date, workplace_mgmt_no)) AS sido,
                   arg_max(ksco, (COALESCE(wage, -1), start_date, workplace_mgmt_no)) AS ksco
            FROM sized GROUP BY master_id
        ),
        kdt AS ({kdt_cte}
        ),
        card_claims AS ({claim_cte}
        )
        SELECT o.master_id, o.month, o.reasons AS outreach_reasons, p.birth_date, p.sido, p.ksco,
               p.public_sector, p.large_firm_wage, p.top_wage,
               COALESCE(o.master_id IN (SELECT master_id FROM kdt
                                        WHERE master_id IS NOT NULL), false) AS kdt,
               COALESCE(o.master_id IN (SELECT master_id FROM card_claims
                                        WHERE master_id IS NOT NULL), false) AS card_claim
        FROM scan_outreach o JOIN people p USING (master_id)
        ORDER BY o.master_id
    """  # noqa: S608 - a date literal and module constants


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}


def _open(settings: Settings, as_of: date) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """A lake connection with the temp table ``scan_spells`` and the lake's views.

    ``scan_spells``: the rows of ``monitor_spells`` (:func:`ilteo.monitor.indicators.spells_sql`)
    of master persons that started by ``as_of``, made once for every rule's query.

    Raises:
        DataUnavailableError: the lake is not built.
    """
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql

    con = connect(settings)
    views = _views(con)
    if "curated_ei_events" not in views:
        con.close()
        raise DataUnavailableError("레이크가 없습니다 / the lake is not built (ilteo lake build)")
    spells_sql(con)
    made = "CREATE OR REPLACE TEMP TABLE scan_spells AS SELECT * FROM monitor_spells WHERE"
    con.execute(f"{made} master_id IS NOT NULL AND start_date <= {_day(as_of)}")
    return con, views


def _facts(con: duckdb.DuckDBPyConnection, views: set[str], as_of: date) -> pl.DataFrame:
    frame: pl.DataFrame = con.sql(facts_sql(as_of, wages="curated_ei_wages" in views)).pl()
    return frame


def lake_facts(settings: Settings, as_of: date) -> pl.DataFrame:
    """The scan's facts per separated master person (see :func:`facts_sql`).

    Raises:
        DataUnavailableError: the lake is not built.
    """
    con, views = _open(settings, as_of)
    try:
        return _facts(con, views, as_of)
    finally:
        con.close()


def _years(born: np.ndarray, day: np.ndarray) -> np.ndarray:
    b = born.astype("datetime64[D]")
    d = day.astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(int) - b.astype("datetime64[Y]").astype(int)
    before = (d - d.astype("datetime64[Y]")) < (b - b.astype("datetime64[Y]"))
    out: np.ndarray = years - before.astype(int)
    return out


def reported_wages(facts: pl.DataFrame) -> np.ndarray:
    """Which persons' last 3 months' wages come from the monthly reports (every month has one)."""
    if "wages_3m" not in facts.columns:
        return np.zeros(facts.height, dtype=bool)
    complete = (
        pl.col("wages_3m").is_not_null()
        & (pl.col("wage_months") == pl.col("window_months"))
        & (pl.col("window_days") >= 1)
        & (pl.col("window_days") <= 92)  # 3 months hold at most 92 days
    )
    mask: np.ndarray = facts.select(complete.fill_null(False)).to_series().to_numpy()
    return mask.astype(bool)


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
    wages = np.minimum(wage * 3, WON_CEILING)
    days = (sep - three).astype(np.int64)
    real = reported_wages(facts)
    if real.any():
        wages = np.where(
            real, np.minimum(facts["wages_3m"].fill_null(0).to_numpy(), WON_CEILING), wages
        )
        days = np.where(real, facts["window_days"].fill_null(1).to_numpy(), days)
    codes = facts["loss_reason_code"].replace_strict(LOSS_REASONS, return_dtype=pl.String)
    return {
        "age": _years(born, np.full(len(facts), day)).astype(np.int32),
        "age_at_separation": _years(born, sep).astype(np.int32),
        "age_at_last_acquisition": _years(born, last).astype(np.int32),
        "disabled": np.zeros(len(facts), dtype=bool),
        "insured_unit_days_18m": np.floor(
            facts["days_18m"].to_numpy().astype(np.float64) * PAID_SHARE
        ).astype(np.int32),
        "insured_period_days": facts["insured_days"].to_numpy().astype(np.int32),
        "separation_reason": codes.to_numpy().astype(object),
        "wages_last_3_months": wages.astype(np.int32),
        "days_last_3_months": days.astype(np.int32),
        "separated": np.ones(len(facts), dtype=bool),
        "days_since_separation": (day - sep).astype(np.int32),
    }


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows (:data:`FINDING_SCHEMA`)."""
    return pl.DataFrame(schema=FINDING_SCHEMA)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The scan's findings and its counts.

    ``not_claiming`` is the job-seeking table of the first part (master id, separation, reason,
    daily amount, days, total); ``findings`` holds every rule's rows (:data:`FINDING_SCHEMA`);
    ``notes`` says, per rule, why it found nobody or what it could not read;
    ``wages_reported`` counts the separated persons whose wages came from the monthly reports.
    """

    as_of: date
    persons_separated: int
    eligible: int
    claimed: int
    not_claiming: pl.DataFrame
    seconds: float
    findings: pl.DataFrame = field(default_factory=empty_findings)
    notes: dict[str, str] = field(default_factory=dict)
    wages_reported: int = 0

    def summary(self) -> dict[str, Any]:
        """The counts as JSON-plain data."""
        counts = dict.fromkeys(RULES, 0)
        if self.findings.height:
            for rule, n in self.findings.group_by("rule").len().iter_rows():
                counts[rule] = int(n)
        return {
            "as_of": self.as_of.isoformat(),
            "separated": self.persons_separated,
            "eligible_job_seeking_allowance": self.eligible,
            "claimed": self.claimed,
            "eligible_not_claiming": self.not_claiming.height,
            "take_up_rate": round(self.claimed / self.eligible, 4) if self.eligible else None,
            "seconds": round(self.seconds, 2),
            "rules": counts,
            "notes": dict(self.notes),
            "wages_reported": self.wages_reported,
        }


def evaluate(cols: dict[str, np.ndarray], count: int, period: str) -> dict[str, np.ndarray]:
    """구직급여 and 국민취업지원제도 II유형 of ``count`` separated persons on ``period``.

    Returns:
        ``eligible``, ``daily_amount_krw``, ``benefit_days`` (구직급여), ``youth`` (the youth
        band), ``type2_eligible`` and ``type2_total_krw`` (II유형; a youth has no income test,
        so these need only the age).
    """
    sim = simulation_from_columns(cols, count)
    return {
        "eligible": np.asarray(sim.calculate("job_seeking_eligible", period), dtype=bool),
        "daily_amount_krw": np.asarray(sim.calculate("job_seeking_daily_amount", period)),
        "benefit_days": np.asarray(sim.calculate("job_seeking_benefit_days", period)),
        "youth": np.asarray(sim.calculate("employment_support_youth", period), dtype=bool),
        "type2_eligible": np.asarray(
            sim.calculate("employment_support_type2_eligible", period), dtype=bool
        ),
        "type2_total_krw": np.asarray(sim.calculate("employment_support_type2_total", period)),
    }


def newest_outreach(settings: Settings, as_of: date) -> Path | None:
    """The monitoring room's newest outreach list of a month up to ``as_of``'s (or none)."""
    folder = settings.lake_dir / "monitor" / "outreach"
    if not folder.is_dir():
        return None
    months = []
    for path in folder.glob("*.parquet"):
        match = _MONTH_FILE.match(path.stem)
        if match and (int(match[1]), int(match[2])) <= (as_of.year, as_of.month):
            months.append((path.stem, path))
    return max(months)[1] if months else None


def read_outreach(settings: Settings, as_of: date) -> tuple[pl.DataFrame | None, str]:
    """The outreach list's people for the benefits service, and a note on what was read.

    Returns:
        ``(frame of master_id, month, reasons; or None, note)``: none when there is no list of
        a month up to the scan's or its version is not the monitoring room's current one.
    """
    from ilteo.monitor.risk import risk_config

    path = newest_outreach(settings, as_of)
    if path is None:
        return None, (
            f"no outreach list of {as_of:%Y-%m} or before "
            "(ilteo monitor outreach --month YYYY-MM writes one)"
        )
    frame = pl.read_parquet(path)
    version = risk_config().version
    versions = set(frame["version"].unique().to_list()) if frame.height else {version}
    if versions != {version}:
        return None, f"outreach list {path.stem}: unknown version {sorted(versions)}, not read"
    chosen = (
        frame.filter(pl.col("services").list.contains("benefits"))
        .select("master_id", "month", "reasons")
        .unique("master_id", keep="first", maintain_order=True)
    )
    return chosen, (
        f"outreach list {path.stem}: {chosen.height} of {frame.height} people for the "
        "benefits service"
    )


def card_columns(card: pl.DataFrame, as_of: date) -> dict[str, np.ndarray]:
    """The training card's input arrays of the outreach people.

    What the lake cannot know is set so that anyone who might be excluded is (a public-sector
    job, a possible student, a possible large-firm wage; ``docs/benefits-scan.md``).
    """
    from ilteo.benefits.system import tax_benefit_system

    amount = tax_benefit_system().parameters(as_of.isoformat()).job_seeking.amount
    full_time_minimum = float(amount.minimum_hourly_wage) * MONTHLY_HOURS
    born = card["birth_date"].to_numpy().astype("datetime64[D]")
    age = _years(born, np.full(card.height, np.datetime64(as_of, "D")))
    top = card["top_wage"].fill_null(-1).to_numpy()
    count = card.height
    return {
        "age": age.astype(np.int32),
        "public_servant_or_private_teacher": card["public_sector"]
        .fill_null(True)
        .to_numpy()
        .astype(bool),
        "enrolled_student": (age < STUDENT_AGE_BELOW) & (top < full_time_minimum),
        "self_employed_annual_revenue": np.zeros(count, dtype=np.int32),
        "large_firm_monthly_wage": np.minimum(
            card["large_firm_wage"].fill_null(WON_CEILING).to_numpy(), WON_CEILING
        ).astype(np.int32),
    }


def evaluate_card(cols: dict[str, np.ndarray], count: int, period: str) -> dict[str, np.ndarray]:
    """국민내일배움카드 of ``count`` persons on ``period``: eligible and the 5-year limit."""
    sim = simulation_from_columns(cols, count)
    return {
        "eligible": np.asarray(sim.calculate("training_card_eligible", period), dtype=bool),
        "limit_krw": np.asarray(sim.calculate("training_card_limit", period)),
    }


def _rows(frame: pl.DataFrame, rule: str) -> pl.DataFrame:
    """``frame`` completed to the findings' columns (missing ones null) for ``rule``."""
    filled = frame.with_columns(
        pl.lit(rule).alias("rule"), pl.lit(RULES[rule].programme).alias("programme")
    )
    return filled.select(
        (pl.col(c) if c in filled.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in FINDING_SCHEMA.items()
    )


def _separated_rows(
    facts: pl.DataFrame, cols: dict[str, np.ndarray], answer: dict[str, np.ndarray]
) -> pl.DataFrame:
    """The separated persons with their answers and the findings' common columns."""
    daily = answer["daily_amount_krw"].astype(np.int64)
    days = answer["benefit_days"].astype(np.int64)
    return facts.select(
        "master_id", "separation_date", "loss_reason_code", "sido", "ksco"
    ).with_columns(
        pl.col("separation_date").dt.to_string("%Y-%m-%d").alias("key"),
        pl.Series("daily_amount_krw", daily),
        pl.Series("benefit_days", days),
        pl.Series("total_krw", daily * days),
        pl.Series("age", cols["age"].astype(np.int64)),
        pl.Series("days_since_separation", cols["days_since_separation"].astype(np.int64)),
        pl.Series("type2_total_krw", answer["type2_total_krw"].astype(np.int64)),
        pl.format(
            "separated_{}",
            pl.col("loss_reason_code").replace_strict(LOSS_REASONS, return_dtype=pl.String),
        ).alias("separated"),
    )


def _separation_rules(
    facts: pl.DataFrame, as_of: date, no_claim_days: int
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """구직급여 not claimed and II유형 youth: (not_claiming, findings, counts)."""
    cols = columns(facts, as_of)
    answer = evaluate(cols, facts.height, as_of.isoformat())
    claimed = facts["claimed_at"].is_not_null().to_numpy()
    old_enough = cols["days_since_separation"] >= no_claim_days
    found = answer["eligible"] & ~claimed & old_enough
    youth = answer["youth"] & answer["type2_eligible"] & ~answer["eligible"]
    rows = _separated_rows(facts, cols, answer)
    table = (
        rows.select(
            "master_id",
            "separation_date",
            "loss_reason_code",
            "sido",
            "ksco",
            "daily_amount_krw",
            "benefit_days",
            "total_krw",
            "days_since_separation",
        )
        .filter(pl.Series(found))
        .sort("total_krw", descending=True)
    )
    job = rows.filter(pl.Series(found)).with_columns(
        pl.col("total_krw").alias("amount_krw"),
        pl.concat_list(
            pl.col("separated"), pl.format("no_claim_{}_days", pl.col("days_since_separation"))
        ).alias("reasons"),
    )
    young = (
        rows.filter(pl.Series(youth))
        .with_columns(
            pl.col("type2_total_krw").alias("amount_krw"),
            pl.concat_list(
                pl.col("separated"),
                pl.lit("job_seeking_allowance_not_due"),
                pl.format("youth_age_{}", pl.col("age")),
            ).alias("reasons"),
        )
        .drop("daily_amount_krw", "benefit_days")
    )
    findings = pl.concat([_rows(job, JOB_SEEKING), _rows(young, YOUTH)])
    counts = {
        "eligible": int(answer["eligible"].sum()),
        "claimed": int((answer["eligible"] & claimed).sum()),
        "wages_reported": int(reported_wages(facts).sum()),
    }
    return table, findings, counts


def _card_rule(
    con: duckdb.DuckDBPyConnection, views: set[str], settings: Settings, as_of: date
) -> tuple[pl.DataFrame, str]:
    """The training card for the outreach list's people: (findings, note)."""
    outreach, note = read_outreach(settings, as_of)
    if outreach is None or outreach.height == 0:
        return empty_findings(), note
    con.register("scan_outreach", outreach.to_arrow())
    try:
        card: pl.DataFrame = con.sql(
            card_facts_sql(
                as_of,
                kdt="curated_kdt_enrolments" in views,
                claims="curated_benefit_claims" in views,
            )
        ).pl()
    finally:
        con.unregister("scan_outreach")
    insured = card.height
    card = card.filter(pl.col("birth_date").is_not_null())
    kdt = int(card["kdt"].sum())
    held = int(card.filter(~pl.col("kdt"))["card_claim"].sum())
    card = card.filter(~pl.col("kdt") & ~pl.col("card_claim"))
    note += (
        f"; {insured} insured on {as_of.isoformat()}, {kdt} in K-Digital Training (12 months), "
        f"{held} with a card claim (5 years)"
    )
    if card.height == 0:
        return empty_findings(), note
    answer = evaluate_card(card_columns(card, as_of), card.height, as_of.isoformat())
    cols_age = _years(
        card["birth_date"].to_numpy().astype("datetime64[D]"),
        np.full(card.height, np.datetime64(as_of, "D")),
    )
    rows = (
        card.with_columns(
            pl.col("month").alias("key"),
            pl.Series("amount_krw", answer["limit_krw"].astype(np.int64)),
            pl.Series("age", cols_age.astype(np.int64)),
            pl.concat_list(pl.lit("outreach"), pl.col("outreach_reasons")).alias("reasons"),
        )
        .filter(pl.Series(answer["eligible"]))
        .sort("master_id")
    )
    note += f"; {rows.height} not excluded from the card"
    return _rows(rows, TRAINING_CARD), note


def scan(settings: Settings, as_of: date, no_claim_days: int = NO_CLAIM_DAYS) -> ScanResult:
    """Run every rule of :data:`ilteo.benefits.rules.RULES` over the lake.

    Args:
        settings: whose lake.
        as_of: the day of the scan.
        no_claim_days: a person separated at least this many days ago without a claim is found.

    Returns:
        The counts, the job-seeking table (``not_claiming``, best amount first) and every rule's
        findings (by rule, then amount, best first).

    Raises:
        DataUnavailableError: the lake is not built.
    """
    started = time.perf_counter()
    con, views = _open(settings, as_of)
    notes: dict[str, str] = {}
    try:
        facts = _facts(con, views, as_of)
        card, notes[TRAINING_CARD] = _card_rule(con, views, settings, as_of)
    finally:
        con.close()
    count = facts.height
    if count:
        table, separated, counts = _separation_rules(facts, as_of, no_claim_days)
    else:
        table, separated = pl.DataFrame(), empty_findings()
        counts = {"eligible": 0, "claimed": 0, "wages_reported": 0}
        note = f"no one separated by {as_of.isoformat()} and not insured again"
        notes[JOB_SEEKING] = notes[YOUTH] = note
    order = {rule: i for i, rule in enumerate(RULES)}
    findings = (
        pl.concat([separated, card])
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort(["_o", "amount_krw", "master_id"], descending=[False, True, False], nulls_last=True)
        .drop("_o")
    )
    for rule in RULES:
        if rule not in notes and not findings["rule"].eq(rule).any():
            notes[rule] = "nobody found"
    return ScanResult(
        as_of=as_of,
        persons_separated=count,
        eligible=counts["eligible"],
        claimed=counts["claimed"],
        not_claiming=table,
        seconds=time.perf_counter() - started,
        findings=findings,
        notes=notes,
        wages_reported=counts["wages_reported"],
    )


def default_day(settings: Settings) -> date:
    """The day a scan runs for by default: the last day of the lake's latest indicator month."""
    from ilteo.monitor.indicators import available_months

    months = available_months(settings)
    if not months:
        return date.today()  # noqa: DTZ011 - no lake month: the calendar day
    first_next = (months[-1].replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)
