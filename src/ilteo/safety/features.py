"""Features per workplace and year, and next year's outcomes, from an establishment-year table.

A row of :func:`build` describes a workplace as it stood at the end of year t; its labels are
year t+1's outcomes. What a table does not hold is missing (NaN), never zero: a table without
inspections has no inspection features; a year before the first year of the table is unknown
history, counted by ``history_years``. The model treats NaN as "not known" (LightGBM sends it down
its own branch).
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from ilteo.safety.table import Table

__all__ = [
    "CATEGORICAL",
    "FEATURES",
    "FEATURE_LABELS",
    "LABELS",
    "NUMERIC",
    "build",
    "size_class",
]

CATEGORICAL: Final = ("sector", "subsector", "size_class", "region")
NUMERIC: Final = (
    "employees",
    "employee_growth",
    "hours_per_employee",
    "age_years",
    "churn",
    "new_hire_share",
    "serious_0",
    "recordable_0",
    "serious_3y",
    "deaths_3y",
    "rate_0",
    "rate_3y",
    "history_years",
    "inspected_0",
    "inspections_3y",
    "findings_0",
    "findings_3y",
    "hazard_requests",
    "imminent_requests",
)
FEATURES: Final = CATEGORICAL + NUMERIC
#: Next year's outcomes: a serious case (0/1), serious cases, deaths; null when not known.
LABELS: Final = ("serious_next", "cases_next", "deaths_next")

#: Korean and English names of the features, for explanations.
FEATURE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "sector": ("업종 대분류", "industry section"),
    "subsector": ("업종 중분류", "industry division"),
    "size_class": ("규모", "size band"),
    "region": ("지역", "region"),
    "employees": ("근로자 수", "employees"),
    "employee_growth": ("근로자 증감", "change in employees"),
    "hours_per_employee": ("1인당 연간 근로시간", "annual hours per employee"),
    "age_years": ("업력", "age of the business"),
    "churn": ("이직률", "workforce churn"),
    "new_hire_share": ("신규 입사자 비율", "share of new hires"),
    "serious_0": ("올해 사망·휴업 재해", "serious cases this year"),
    "recordable_0": ("올해 전체 재해", "all recordable cases this year"),
    "serious_3y": ("최근 3년 사망·휴업 재해", "serious cases, last 3 years"),
    "deaths_3y": ("최근 3년 사망", "deaths, last 3 years"),
    "rate_0": ("올해 재해율", "serious-case rate this year"),
    "rate_3y": ("최근 3년 재해율", "serious-case rate, last 3 years"),
    "history_years": ("재해 이력 연수", "years of accident history"),
    "inspected_0": ("올해 감독 여부", "inspected this year"),
    "inspections_3y": ("최근 3년 감독 횟수", "inspections, last 3 years"),
    "findings_0": ("올해 감독 지적 건수", "findings of this year's inspection"),
    "findings_3y": ("최근 3년 지적 건수", "inspection findings, last 3 years"),
    "hazard_requests": ("위험 신고 민원", "safety-hazard requests"),
    "imminent_requests": ("급박한 위험 신고", "imminent-danger requests"),
}


def size_class(employees: pl.Expr) -> pl.Expr:
    """The Korean size band (산재보험 통계 규모) of a number of employees."""
    from ilteo.synth._calibration import SIZE_BANDS, SIZE_RANGES

    expr: Any = pl.when(employees <= SIZE_RANGES[0][1]).then(pl.lit(SIZE_BANDS[0]))
    for band, (_, high) in zip(SIZE_BANDS[1:-1], SIZE_RANGES[1:-1], strict=True):
        expr = expr.when(employees <= high).then(pl.lit(band))
    result: pl.Expr = expr.otherwise(pl.lit(SIZE_BANDS[-1]))
    return result


def build(table: Table) -> pl.DataFrame:
    """One row per establishment and year: identity, :data:`FEATURES`, :data:`LABELS`.

    Also carries ``establishment_id``, ``year``, ``industry_code``, ``inspection`` (this year's,
    for the effect estimate) and, for the synthetic panel, ``sim_expected_next`` and
    ``sim_effect``.
    """
    frame = table.frame
    has = set(frame.columns)
    nan = pl.lit(None, dtype=pl.Float64)

    def col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64) if name in has else nan

    serious = col("deaths") + col("dafw")
    recordable = serious + col("djtr") + col("other")
    if "inspection" in has:
        inspected = pl.col("inspection").is_not_null().cast(pl.Float64)
        findings = pl.when(pl.col("inspection").is_not_null()).then(col("findings")).otherwise(0.0)
    else:
        inspected, findings = nan, nan
    base = frame.select(
        "establishment_id",
        "year",
        "industry_code",
        "sector",
        "subsector",
        (pl.col("region") if "region" in has else pl.lit(None, dtype=pl.String)).alias("region"),
        pl.col("inspection")
        if "inspection" in has
        else pl.lit(None, pl.String).alias("inspection"),
        col("employees").alias("employees"),
        col("hours").alias("hours"),
        col("opened_year").alias("opened_year"),
        col("hires").alias("hires"),
        col("separations").alias("separations"),
        serious.alias("serious"),
        col("deaths").alias("deaths"),
        recordable.alias("recordable"),
        inspected.alias("inspected"),
        findings.alias("findings"),
        col("hazard_requests").alias("hazard_requests"),
        col("imminent_requests").alias("imminent_requests"),
        col("sim_expected").alias("sim_expected"),
        col("sim_effect").alias("sim_effect"),
    )
    lagged = ("serious", "deaths", "employees", "inspected", "findings")
    keys = ["establishment_id", "year"]
    out = base
    for k in (1, 2):
        lag = base.select(
            pl.col("establishment_id"),
            (pl.col("year") + k).alias("year"),
            pl.lit(1.0).alias(f"present_{k}"),
            *[pl.col(c).alias(f"{c}_{k}") for c in lagged],
        )
        out = out.join(lag, on=keys, how="left")
    outcome_years = list(table.outcome_years)
    nxt = base.filter(pl.col("year").is_in(outcome_years)).select(
        pl.col("establishment_id"),
        (pl.col("year") - 1).alias("year"),
        pl.col("serious").alias("cases_next"),
        pl.col("deaths").alias("deaths_next"),
        pl.col("employees").alias("employees_next"),
        pl.col("sim_expected").alias("sim_expected_next"),
    )
    out = out.join(nxt, on=keys, how="left")

    def total(name: str) -> pl.Expr:
        """Sum over t-2..t of the years the table has (unknown years add nothing)."""
        return pl.sum_horizontal(pl.col(name), pl.col(f"{name}_1"), pl.col(f"{name}_2"))

    history = 1.0 + pl.col("present_1").fill_null(0.0) + pl.col("present_2").fill_null(0.0)
    return out.select(
        "establishment_id",
        "year",
        "industry_code",
        "inspection",
        "sector",
        "subsector",
        size_class(pl.col("employees")).alias("size_class"),
        pl.col("region").fill_null("unknown"),
        pl.col("employees"),
        (pl.col("employees") / pl.col("employees_1") - 1.0).alias("employee_growth"),
        (pl.col("hours") / pl.col("employees")).alias("hours_per_employee"),
        (pl.col("year") - pl.col("opened_year")).clip(lower_bound=0).alias("age_years"),
        (pl.col("separations") / pl.col("employees")).alias("churn"),
        (pl.col("hires") / pl.col("employees")).alias("new_hire_share"),
        pl.col("serious").alias("serious_0"),
        pl.col("recordable").alias("recordable_0"),
        total("serious").alias("serious_3y"),
        total("deaths").alias("deaths_3y"),
        (pl.col("serious") / pl.col("employees") * 100.0).alias("rate_0"),
        (total("serious") / total("employees") * 100.0).alias("rate_3y"),
        history.alias("history_years"),
        pl.col("inspected").alias("inspected_0"),
        pl.when(pl.col("inspected").is_null())
        .then(None)
        .otherwise(total("inspected"))
        .alias("inspections_3y"),
        pl.when(pl.col("inspected") == 1.0).then(pl.col("findings")).otherwise(None)
        .alias("findings_0"),
        pl.when(pl.col("inspected").is_null()).then(None).otherwise(total("findings"))
        .alias("findings_3y"),
        pl.col("hazard_requests"),
        pl.col("imminent_requests"),
        (pl.col("cases_next") > 0).cast(pl.Float64).alias("serious_next"),
        pl.col("cases_next"),
        pl.col("deaths_next"),
        pl.col("employees_next"),
        pl.col("sim_expected_next"),
        pl.col("sim_effect"),
    ).sort(keys)  # fmt: skip
