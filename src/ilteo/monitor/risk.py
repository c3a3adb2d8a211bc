"""High-risk groups: AI exposure x vulnerability, ranked, and the people in them for outreach.

Method (also in ``docs/monitor-risk.md``; weights and thresholds in ``risk.yaml``, versioned):

* **Who.** For a month (default: the latest built), every person of the lake's master index with
  an insured job open on the month's last day (``monitor_spells``); a person holding several jobs
  is counted once, under the main job (the highest monthly wage, then the latest start). Jobs of
  unprofiled or unknown KSCO units, or of an unknown 시도 or age, have no group and are left out.
* **Score.** A transparent additive score: ``Σ weight x component``, each component in [0, 1],
  weights summing to 1: exposure (the unit's combined score), high exposure (top fifth), age band,
  low pay (monthly wage below 2/3 of the median of the main jobs, the OECD definition), short
  tenure (< 12 months), education (the job-seeker registration's, else the KSCO major group's
  skill level) and region (the 시도's high-exposure share above the national one; the separation
  rate of the job's KSCO major group in the 시도 rising against the same months a year earlier).
* **Groups.** KSCO sub-major group (2 digits) x age band x 시도, kept when they hold at least
  ``settings.monitor_min_cell`` people; ranked by expected people at risk (size x mean score),
  ties by group id. Each group shows the mean of every component and its contribution.

Aggregates (:func:`high_risk_groups`) may go through open doors; :func:`group_members` returns
people and is for staff only (its callers check the role and audit the read). The exposure score
is not a probability of job loss (:data:`ilteo.monitor.exposure.CAVEAT`).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl
import yaml

from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake.codes import SIDO_NAMES
from ilteo.monitor.exposure import CAVEAT

#: The weights and thresholds (versioned).
RISK_FILE: Final = Path(__file__).with_name("risk.yaml")
#: The components of the score, in display order.
COMPONENTS: Final = (
    "exposure",
    "high_exposure",
    "age",
    "low_pay",
    "tenure",
    "education",
    "region",
)
#: Korean / English labels of the components.
COMPONENT_LABELS: Final = {
    "exposure": "AI 노출 점수 / AI exposure score",
    "high_exposure": "고노출 직업(상위 20%) / high-exposure occupation (top 20%)",
    "age": "연령(50세 이상·30세 미만) / age (50+ and under 30)",
    "low_pay": "저임금(중위 2/3 미만) / low pay (below 2/3 of the median)",
    "tenure": "짧은 근속(1년 미만) / short tenure (under a year)",
    "education": "학력·숙련 수준 / education or skill level",
    "region": "지역(고노출 비중·이직 증가) / region (exposure share, rising separations)",
}
#: Services the outreach list suggests (the pathways and benefits issues consume them).
SERVICES: Final = ("pathways", "benefits")
SOURCE: Final = (
    "일터 데이터 레이크(고용보험 취득·상실, 구직등록) x 일터 KSCO AI 노출 지수 / ilteo lake "
    "(employment-insurance spells, job-seeker registrations) x ilteo KSCO AI exposure index"
)
_GROUP_ID: Final = re.compile(r"^(\d{4}-\d{2}):(\d{2}):(15-29|30-39|40-49|50-59|60\+):(\d{2})$")
_WAGE_BANDS: Final = (
    (2_000_000, "200만원 미만 / under 2.0m"),
    (3_000_000, "200-300만원 / 2.0-3.0m"),
    (4_000_000, "300-400만원 / 3.0-4.0m"),
)


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """The contents of ``risk.yaml``."""

    version: str
    weights: dict[str, float]
    age_bands: dict[str, float]
    low_pay_fraction: float
    short_tenure_months: int
    education: dict[str, float]
    skill_proxy: dict[str, float]
    region: dict[str, float]
    outreach: dict[str, Any]


@functools.cache
def _load_config(path: str) -> RiskConfig:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    config = RiskConfig(
        version=str(raw["version"]),
        weights={k: float(v) for k, v in raw["weights"].items()},
        age_bands={str(k): float(v) for k, v in raw["age_bands"].items()},
        low_pay_fraction=float(raw["low_pay_fraction"]),
        short_tenure_months=int(raw["short_tenure_months"]),
        education={str(k): float(v) for k, v in raw["education"].items()},
        skill_proxy={str(k): float(v) for k, v in raw["skill_proxy"].items()},
        region={str(k): float(v) for k, v in raw["region"].items()},
        outreach=dict(raw["outreach"]),
    )
    if set(config.weights) != set(COMPONENTS) or abs(sum(config.weights.values()) - 1) > 1e-6:
        raise ValueError(f"{path}: weights must name {COMPONENTS} and sum to 1")
    return config


def risk_config() -> RiskConfig:
    """The weights and thresholds of the score (``risk.yaml``)."""
    return _load_config(str(RISK_FILE))


@dataclass(frozen=True, slots=True)
class RiskGroup:
    """One group's aggregates (no person in it is identifiable from these)."""

    group_id: str
    month: str
    ksco2: str
    ksco2_label: str
    age_band: str
    sido: str
    sido_label: str
    size: int
    mean_exposure: float
    high_exposure_share: float
    components: dict[str, float]  # mean of each component (0-1)
    contributions: dict[str, float]  # weight x mean component; they sum to score
    drivers: list[str]  # components by contribution, largest first (labels)
    region_high_exposure: bool
    region_separation_ratio: float | None
    region_rising_separations: bool
    score: float
    expected_at_risk: float
    rank: int
    version: str
    synthetic: bool
    source: str = SOURCE
    caveat: str = CAVEAT


@dataclass(frozen=True, slots=True)
class RiskMember:
    """One person of a group (staff only): no RRN; the name only when asked for."""

    master_id: str
    group_id: str
    age_band: str
    ksco: str
    ksco_label: str
    sido: str
    sido_label: str
    tenure_months: int
    wage_band: str
    score: float
    reasons: list[str]
    services: list[str]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class OutreachWrite:
    """What :func:`write_outreach` wrote."""

    month: str
    path: str
    people: int
    groups: int
    services: dict[str, int] = field(default_factory=dict)
    version: str = ""


def _month(settings: Settings, month: date | str | None) -> tuple[date, list[date]]:
    from ilteo.monitor.report import resolve_month

    return resolve_month(settings, month)


def _wage_band(wage: int | None) -> str:
    if wage is None:
        return "미상 / unknown"
    for limit, label in _WAGE_BANDS:
        if wage < limit:
            return label
    return "400만원 이상 / 4.0m and over"


def _people(settings: Settings, month: date) -> pl.DataFrame:
    """One row per person employed at the month's end, with the main job and education."""
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import _age_band_sql, spells_sql

    end = f"last_day(DATE '{month.isoformat()}')"
    con = connect(settings)
    try:
        spells_sql(con)
        query = f"""
            WITH jobs AS (
                SELECT s.master_id, s.ksco, s.sido, s.birth_date, s.start_date,
                       s.monthly_wage_won AS wage, {_age_band_sql("s.birth_date", end)} AS age_band,
                       date_diff('month', s.start_date, {end}) AS tenure_months
                FROM monitor_spells s
                WHERE s.master_id IS NOT NULL AND s.start_date <= {end}
                  AND (s.end_date IS NULL OR s.end_date > {end})
                QUALIFY row_number() OVER (
                    PARTITION BY s.master_id
                    ORDER BY s.monthly_wage_won DESC NULLS LAST, s.start_date DESC,
                             s.workplace_mgmt_no) = 1
            ),
            edu AS (
                SELECT l.master_id, arg_max(j.education, j.registered_at) AS education
                FROM curated_job_seekers j
                JOIN master_person_links l
                  ON l.source = 'job_seekers' AND l.record_id = j.registration_id
                WHERE j.education IS NOT NULL AND j.registered_at <= {end}
                GROUP BY l.master_id
            )
            SELECT jobs.master_id, jobs.ksco, jobs.sido, jobs.age_band,
                   CAST(jobs.tenure_months AS BIGINT) AS tenure_months,
                   CAST(jobs.wage AS BIGINT) AS wage, edu.education
            FROM jobs LEFT JOIN edu USING (master_id)
            ORDER BY jobs.master_id
        """  # noqa: S608 - a date literal made from a date and module constants
        frame: pl.DataFrame = con.sql(query).pl()
    finally:
        con.close()
    return frame


def _region(
    settings: Settings, month: date, months: list[date]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per 시도 the high-exposure flag; per 시도 x KSCO major the separation-rate ratio."""
    from ilteo.monitor.indicators import read_indicators, shift

    config = risk_config().region
    share = read_indicators(settings, by=("sido",), months=(month, month), suppress=False)
    national = read_indicators(settings, months=(month, month), suppress=False)
    national_share = national["high_exposure_share"][0] if national.height else None
    factor = config["high_exposure_factor"]
    high = share.select(
        "sido",
        (pl.col("high_exposure_share").fill_null(0.0) >= (national_share or 0.0) * factor).alias(
            "region_high_exposure"
        ),
    )
    window = int(config["window_months"])
    recent = (shift(month, -(window - 1)), month)
    before = (shift(recent[0], -12), shift(month, -12))
    if before[0] < months[0]:
        empty = pl.DataFrame(
            schema={
                "ksco1": pl.String,
                "sido": pl.String,
                "region_separation_ratio": pl.Float64,
                "region_significant": pl.Boolean,
            }
        )
        return high, empty
    flows = read_indicators(
        settings, by=("ksco1", "sido"), months=(before[0], month), suppress=False
    )

    def rate(low: date, high_: date, name: str) -> pl.DataFrame:
        part = flows.filter(pl.col("month").is_between(low, high_))
        return part.group_by("ksco1", "sido").agg(
            pl.col("separations").sum().alias(f"{name}_sep"),
            pl.col("employment").mean().alias(f"{name}_emp"),
        )

    minimum = settings.monitor_min_cell
    z = config["z"]
    ratio = (
        rate(*recent, "now")
        .join(rate(*before, "then"), on=("ksco1", "sido"), how="full", coalesce=True)
        .fill_null(0)
        .with_columns(
            (pl.col("then_sep") * pl.col("now_emp") / pl.col("then_emp")).alias("expected")
        )
        .with_columns(
            pl.when(
                (pl.col("now_sep") + pl.col("then_sep") >= minimum)
                & (pl.col("now_emp") > 0)
                & (pl.col("then_emp") > 0)
            )
            .then(pl.col("now_sep") / pl.max_horizontal(pl.col("expected"), 0.5))
            .otherwise(None)
            .alias("region_separation_ratio"),
            # Beyond chance: the count exceeds its expectation by z Poisson standard deviations.
            (pl.col("now_sep") >= pl.col("expected") + z * pl.col("expected").sqrt().clip(1.0))
            .fill_null(False)
            .alias("region_significant"),
        )
        .select(
            "ksco1",
            "sido",
            pl.col("region_separation_ratio").cast(pl.Float64),
            "region_significant",
        )
    )
    return high, ratio


_SCORED: dict[tuple[object, ...], pl.DataFrame] = {}


def _scored(settings: Settings, month: date, months: list[date]) -> pl.DataFrame:
    """:func:`_score_month`, kept per process until the indicators or the weights change.

    Scoring a month reads the whole lake (seconds at the demo size, minutes nationally), while
    pages and the API ask for the same month again and again.
    """
    from ilteo.monitor.indicators import build_stamp

    key = (str(settings.lake_dir), build_stamp(settings), month, risk_config().version)
    found = _SCORED.get(key)
    if found is None:
        found = _score_month(settings, month, months)
        if len(_SCORED) >= 4:
            _SCORED.pop(next(iter(_SCORED)))
        _SCORED[key] = found
    return found


def _score_month(settings: Settings, month: date, months: list[date]) -> pl.DataFrame:
    """Every groupable person of the month with components, score and group id."""
    from ilteo.monitor.indicators import high_exposure_codes
    from ilteo.monitor.ksco import ksco_index

    config = risk_config()
    people = _people(settings, month)
    if people.is_empty():
        raise DataUnavailableError(
            f"{month:%Y-%m}말 재직자가 레이크에 없습니다 / no one in the lake held an insured job "
            f"at the end of {month:%Y-%m}"
        )
    profiles = ksco_index(settings).profiles
    high = high_exposure_codes(settings)
    exposure = pl.DataFrame(
        {
            "ksco": list(profiles),
            "c_exposure": [p.combined for p in profiles.values()],
            "c_high_exposure": [1.0 if code in high else 0.0 for code in profiles],
        },
        schema={"ksco": pl.String, "c_exposure": pl.Float64, "c_high_exposure": pl.Float64},
    )
    wages = people["wage"].drop_nulls()
    median = float(wages.median()) if len(wages) else 0.0  # type: ignore[arg-type]
    low_pay_line = config.low_pay_fraction * median
    high_sido, ratios = _region(settings, month, months)
    rising = config.region["separations_ratio"]
    frame = (
        people.join(exposure, on="ksco", how="inner")
        .filter(
            pl.col("sido").str.contains(r"^\d{2}$")
            & pl.col("age_band").is_in(list(config.age_bands))
        )
        .with_columns(
            pl.col("ksco").str.slice(0, 1).alias("ksco1"),
            pl.col("ksco").str.slice(0, 2).alias("ksco2"),
            pl.col("age_band").replace_strict(config.age_bands).alias("c_age"),
            (pl.col("wage").is_not_null() & (pl.col("wage") < low_pay_line))
            .cast(pl.Float64)
            .alias("c_low_pay"),
            (pl.col("tenure_months") < config.short_tenure_months)
            .cast(pl.Float64)
            .alias("c_tenure"),
            pl.when(pl.col("education").is_not_null())
            .then(pl.col("education").replace_strict(config.education, default=0.0))
            .otherwise(
                pl.col("ksco")
                .str.slice(0, 1)
                .replace_strict(config.skill_proxy, default=0.0, return_dtype=pl.Float64)
            )
            .alias("c_education"),
        )
    )
    frame = (
        frame.join(ratios, on=("ksco1", "sido"), how="left")
        .join(high_sido, on="sido", how="left")
        .with_columns(
            pl.col("region_high_exposure").fill_null(False),
            (
                (pl.col("region_separation_ratio").fill_null(0.0) >= rising)
                & pl.col("region_significant").fill_null(False)
            ).alias("region_rising"),
        )
        .with_columns(
            (
                pl.col("region_high_exposure").cast(pl.Float64)
                * config.region["high_exposure_weight"]
                + pl.col("region_rising").cast(pl.Float64) * config.region["separations_weight"]
            ).alias("c_region")
        )
    )
    score = pl.lit(0.0)
    for name in COMPONENTS:
        score = score + pl.col(f"c_{name}") * config.weights[name]
    return frame.with_columns(
        score.alias("score"),
        pl.format("{}:{}:{}:{}", pl.lit(f"{month:%Y-%m}"), "ksco2", "age_band", "sido").alias(
            "group_id"
        ),
    ).sort("master_id")


def _groups(settings: Settings, scored: pl.DataFrame, month: date) -> list[RiskGroup]:
    from ilteo.monitor.report import is_synthetic, ksco_title

    config = risk_config()
    minimum = settings.monitor_min_cell
    aggregated = (
        scored.group_by("group_id", "ksco2", "age_band", "sido")
        .agg(
            pl.len().alias("size"),
            *(pl.col(f"c_{name}").mean().alias(name) for name in COMPONENTS),
            pl.col("score").mean(),
            pl.col("region_high_exposure").first(),
            pl.col("region_separation_ratio").first(),
            pl.col("region_rising").first(),
        )
        .filter(pl.col("size") >= minimum)
        .with_columns((pl.col("size") * pl.col("score")).round(4).alias("expected"))
        .sort(["expected", "group_id"], descending=[True, False])
    )
    names = SIDO_NAMES
    synthetic = is_synthetic(settings)
    groups: list[RiskGroup] = []
    for rank, row in enumerate(aggregated.iter_rows(named=True), start=1):
        components = {name: round(float(row[name]), 4) for name in COMPONENTS}
        contributions = {
            name: round(float(row[name]) * config.weights[name], 4) for name in COMPONENTS
        }
        drivers = [
            COMPONENT_LABELS[name]
            for name in sorted(COMPONENTS, key=lambda n: (-contributions[n], COMPONENTS.index(n)))
            if contributions[name] > 0
        ][:3]
        ratio = row["region_separation_ratio"]
        groups.append(
            RiskGroup(
                group_id=row["group_id"],
                month=f"{month:%Y-%m}",
                ksco2=row["ksco2"],
                ksco2_label=ksco_title(settings, row["ksco2"]),
                age_band=row["age_band"],
                sido=row["sido"],
                sido_label=names.get(row["sido"], row["sido"]),
                size=int(row["size"]),
                mean_exposure=components["exposure"],
                high_exposure_share=components["high_exposure"],
                components=components,
                contributions=contributions,
                drivers=drivers,
                region_high_exposure=bool(row["region_high_exposure"]),
                region_separation_ratio=None if ratio is None else round(float(ratio), 3),
                region_rising_separations=bool(row["region_rising"]),
                score=round(float(row["score"]), 4),
                expected_at_risk=float(row["expected"]),
                rank=rank,
                version=config.version,
                synthetic=synthetic,
            )
        )
    return groups


def high_risk_groups(
    settings: Settings, month: date | str | None = None, limit: int | None = 50
) -> list[RiskGroup]:
    """The month's groups ranked by expected people at risk (aggregates only).

    Args:
        settings: Whose lake.
        month: ``YYYY-MM`` or a date in the month; default the latest month built.
        limit: At most this many groups (``None``: all).

    Returns:
        Groups of at least ``settings.monitor_min_cell`` people, highest first.

    Raises:
        DataUnavailableError: No indicators built, or no one employed that month.
        NotFoundError: The month is outside the built data.
        InvalidInputError: A malformed month or a limit below 1.
    """
    if limit is not None and limit < 1:
        raise InvalidInputError(f"limit은 1 이상입니다 / limit must be at least 1: {limit}")
    chosen, months = _month(settings, month)
    groups = _groups(settings, _scored(settings, chosen, months), chosen)
    return groups if limit is None else groups[:limit]


def parse_group_id(group_id: str) -> tuple[str, str, str, str]:
    """Split ``YYYY-MM:KSCO2:AGE_BAND:SIDO`` (e.g. ``2025-12:31:50-59:11``).

    Raises:
        InvalidInputError: Not a group id.

    >>> parse_group_id("2025-12:31:50-59:11")
    ('2025-12', '31', '50-59', '11')
    """
    found = _GROUP_ID.match(group_id.strip())
    if found is None:
        raise InvalidInputError(
            f"집단 ID는 'YYYY-MM:직업2자리:연령대:시도' 형식입니다(예: 2025-12:31:50-59:11) / a "
            f"group id is 'YYYY-MM:KSCO2:AGE_BAND:SIDO' (e.g. 2025-12:31:50-59:11): {group_id!r}"
        )
    month, ksco2, age_band, sido = found.groups()
    return month, ksco2, age_band, sido


def _services(reasons: list[str]) -> list[str]:
    wanted = set(risk_config().outreach["benefits_reasons"])
    return ["pathways", "benefits"] if wanted & set(reasons) else ["pathways"]


def _reasons(row: dict[str, Any]) -> list[str]:
    """The components that apply to a person (exposure counts when its score is ≥ 0.5)."""
    reasons = ["exposure"] if row["c_exposure"] >= 0.5 else []
    reasons += [name for name in COMPONENTS[1:] if row[f"c_{name}"] > 0]
    return reasons


def group_members(
    settings: Settings, group_id: str, *, with_names: bool = False
) -> list[RiskMember]:
    """The people of one group (staff only: the caller checks the role and audits the read).

    Args:
        settings: Whose lake.
        group_id: As :func:`high_risk_groups` gives it.
        with_names: Add each person's name (counsellors only).

    Returns:
        The group's people, highest score first, then by master person ID.

    Raises:
        InvalidInputError: A malformed group id.
        NotFoundError: The month is outside the data, or no such group (or fewer than
            ``settings.monitor_min_cell`` people: such groups are never shown).
    """
    month_text = parse_group_id(group_id)[0]
    chosen, months = _month(settings, month_text)
    scored = _scored(settings, chosen, months)
    rows = scored.filter(pl.col("group_id") == group_id.strip())
    if rows.height < settings.monitor_min_cell:
        raise NotFoundError(
            f"집단 {group_id}이(가) 없거나 {settings.monitor_min_cell}명 미만입니다 / no group "
            f"{group_id} with at least {settings.monitor_min_cell} people"
        )
    return _members(
        settings, rows.sort(["score", "master_id"], descending=[True, False]), with_names=with_names
    )


def _members(settings: Settings, rows: pl.DataFrame, *, with_names: bool) -> list[RiskMember]:
    from ilteo.monitor.report import ksco_title

    names = SIDO_NAMES
    person_names = _person_names(settings, rows["master_id"].to_list()) if with_names else {}
    members = []
    for row in rows.iter_rows(named=True):
        reasons = _reasons(row)
        members.append(
            RiskMember(
                master_id=row["master_id"],
                group_id=row["group_id"],
                age_band=row["age_band"],
                ksco=row["ksco"],
                ksco_label=ksco_title(settings, row["ksco"]),
                sido=row["sido"],
                sido_label=names.get(row["sido"], row["sido"]),
                tenure_months=int(row["tenure_months"]),
                wage_band=_wage_band(row["wage"]),
                score=round(float(row["score"]), 4),
                reasons=reasons,
                services=_services(reasons),
                name=person_names.get(row["master_id"]) if with_names else None,
            )
        )
    return members


def _person_names(settings: Settings, master_ids: list[str]) -> dict[str, str]:
    from ilteo.lake.engine import connect

    con = connect(settings)
    try:
        rows = con.execute(
            "SELECT master_id, name FROM master_persons WHERE list_contains(?, master_id)",
            [master_ids],
        ).fetchall()
    finally:
        con.close()
    return {str(m): str(n) for m, n in rows if n is not None}


def outreach_path(settings: Settings, month: date) -> Path:
    """Where the outreach list of ``month`` is written."""
    return settings.lake_dir / "monitor" / "outreach" / f"{month:%Y-%m}.parquet"


def write_outreach(settings: Settings, month: date | str | None = None) -> OutreachWrite:
    """Write the month's outreach list for the pathways and benefits services.

    The people of the ``outreach.groups`` highest-ranked groups whose own score is at least
    ``outreach.min_score`` (``risk.yaml``); columns ``month, master_id, group_id, rank, score,
    reasons, services, version`` (the contract: ``docs/monitor-risk.md``).

    Returns:
        The path and the counts written.

    Raises:
        DataUnavailableError: No indicators built, or no one employed that month.
        NotFoundError: The month is outside the built data.
        InvalidInputError: A malformed month.
    """
    config = risk_config()
    chosen, months = _month(settings, month)
    scored = _scored(settings, chosen, months)
    groups = _groups(settings, scored, chosen)[: int(config.outreach["groups"])]
    ranks = {g.group_id: g.rank for g in groups}
    chosen_rows = scored.filter(
        pl.col("group_id").is_in(list(ranks))
        & (pl.col("score") >= float(config.outreach["min_score"]))
    )
    records = []
    for row in chosen_rows.iter_rows(named=True):
        reasons = _reasons(row)
        records.append(
            {
                "month": f"{chosen:%Y-%m}",
                "master_id": row["master_id"],
                "group_id": row["group_id"],
                "rank": ranks[row["group_id"]],
                "score": round(float(row["score"]), 4),
                "reasons": reasons,
                "services": _services(reasons),
                "version": config.version,
            }
        )
    frame = pl.DataFrame(
        records,
        schema={
            "month": pl.String,
            "master_id": pl.String,
            "group_id": pl.String,
            "rank": pl.Int64,
            "score": pl.Float64,
            "reasons": pl.List(pl.String),
            "services": pl.List(pl.String),
            "version": pl.String,
        },
    ).sort(["rank", "score", "master_id"], descending=[False, True, False])
    path = outreach_path(settings, chosen)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp, compression="zstd")
    tmp.replace(path)
    counts = {service: int(frame["services"].list.contains(service).sum()) for service in SERVICES}
    return OutreachWrite(
        month=f"{chosen:%Y-%m}",
        path=str(path),
        people=frame.height,
        groups=frame["group_id"].n_unique(),
        services=counts,
        version=config.version,
    )
