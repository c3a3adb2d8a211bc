"""The establishment-year table from the lake, the inspection queue and the one window.

One row per active master workplace (``<lake>/master/workplaces.parquet``) and year, for the years
the accidents source covers (the first to the last year with an accident in the lake: before and
after, history is unknown, not zero). Through the master links (``workplace_links``):

* **employees**: insured workers on 1 July (employment-insurance spells from ``ei_events``), else
  the declared head count of the workplace record; **hours** from their weekly hours x 52;
* **hires** and **separations**: acquisitions and losses in the year (churn, share of new hires);
* **deaths** and **days-away cases**: approved accidents (``accidents``; every approved 산재 case
  has at least four days of care); job-transfer and other cases are not collected in Korea and
  stay missing;
* **opened_year**, **ksic_code** and **region** (시도) of the master;
* **inspections** and **findings** from the safety room's queue (recorded outcomes);
* **hazard_requests** and **imminent_requests**: safety-hazard and accident requests of the one
  window naming the workplace (the current year's count grows as requests arrive).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.safety.table import Table, validate

__all__ = ["SAFETY_CATEGORIES", "lake_table", "masters"]

#: Categories of the one window that signal a workplace's safety.
SAFETY_CATEGORIES: Final = ("safety_hazard", "industrial_accident_comp")
_SELECTION_KIND: Final = {
    "model": "targeted",
    "random": "random",
    "complaint": "complaint",
    "manual": "manual",
}


def masters(settings: Settings) -> pl.DataFrame:
    """Active master workplaces: master_id, name, address, sido_code, ksic_code, brn.

    Raises:
        DataUnavailableError: The lake has no master workplaces (run the demo or ``ilteo lake``).
    """
    path = LakePaths.of(settings).master("workplaces")
    if not path.is_file():
        raise DataUnavailableError(
            "사업장 마스터가 없습니다 / the lake has no master workplaces yet: run `ilteo lake "
            "link` (or `make demo`)"
        )
    frame = pl.read_parquet(path)
    return frame.filter(pl.col("status") == "active").select(
        "master_id", "name", "address", "sido_code", "ksic_code", "brn"
    )


def _links(lake: LakePaths, source: str) -> pl.LazyFrame:
    return (
        pl.scan_parquet(lake.master("workplace_links"))
        .filter(pl.col("source") == source)
        .select("record_id", "master_id")
    )


def lake_table(
    settings: Settings, session: Session | None = None, *, now: datetime | None = None
) -> Table:
    """The table of the lake (see the module's description), checked like a supplied one.

    Raises:
        DataUnavailableError: The lake lacks accidents or the workplace links.
        InvalidInputError: The accidents cover fewer years than learning needs.
    """
    lake = LakePaths.of(settings)
    for needed in (lake.curated("accidents"), lake.master("workplace_links")):
        if not needed.is_file():
            raise DataUnavailableError(
                f"호수에 {needed.stem} 자료가 없습니다 / the lake has no {needed.stem} yet: load "
                "and link the accidents source first (`make demo` does)"
            )
    master = masters(settings)
    accidents = (
        pl.scan_parquet(lake.curated("accidents"))
        .join(_links(lake, "accidents"), left_on="accident_id", right_on="record_id")
        .select(
            "master_id",
            pl.col("accident_date").dt.year().alias("year"),
            pl.col("fatal").fill_null(False),
        )
        .collect()
    )
    if accidents.is_empty():
        raise DataUnavailableError("호수에 산재 기록이 없습니다 / the lake holds no accident yet")
    first, last = int(accidents["year"].min()), int(accidents["year"].max())  # type: ignore[arg-type]
    years = pl.DataFrame({"year": list(range(first, last + 1))})
    cases = accidents.group_by("master_id", "year").agg(
        pl.col("fatal").sum().cast(pl.Int64).alias("total_deaths"),
        (~pl.col("fatal")).sum().cast(pl.Int64).alias("total_dafw_cases"),
    )
    workplaces = (
        pl.scan_parquet(lake.curated("workplaces"))
        .join(_links(lake, "workplaces"), left_on="workplace_mgmt_no", right_on="record_id")
        .group_by("master_id")
        .agg(
            pl.col("opened_on").min().dt.year().alias("opened_year"),
            pl.col("closed_on").max().dt.year().alias("closed_year"),
            pl.col("closed_on").null_count().alias("open_records"),
            pl.col("employees_declared").max().alias("declared"),
        )
        .collect()
    )
    flows = _flows(lake, years)
    frame = (
        master.join(years, how="cross")
        .join(workplaces, on="master_id", how="left")
        .filter(
            (pl.col("opened_year").is_null() | (pl.col("opened_year") <= pl.col("year")))
            & (
                (pl.col("open_records") > 0)
                | pl.col("closed_year").is_null()
                | (pl.col("closed_year") >= pl.col("year"))
            )
        )
        .join(flows, on=["master_id", "year"], how="left")
        .join(cases, on=["master_id", "year"], how="left")
        .with_columns(
            pl.when(pl.col("insured") > 0)
            .then(pl.col("insured"))
            .otherwise(pl.col("declared"))
            .alias("annual_average_employees"),
            pl.col("total_deaths").fill_null(0),
            pl.col("total_dafw_cases").fill_null(0),
            pl.col("hires").fill_null(0),
            pl.col("separations").fill_null(0),
        )
    )
    frame = _join_inspections(frame, session)
    frame = _join_requests(frame, session)
    frame = frame.select(
        pl.col("master_id").alias("establishment_id"),
        "year",
        "ksic_code",
        pl.col("sido_code").alias("region"),
        "annual_average_employees",
        pl.col("hours").alias("total_hours_worked"),
        "total_deaths",
        "total_dafw_cases",
        "opened_year",
        "hires",
        "separations",
        "inspection",
        "findings",
        "hazard_requests",
        "imminent_requests",
    ).filter(pl.col("annual_average_employees").fill_null(0) > 0)
    return validate(frame, source="lake", synthetic=_synthetic(settings), settings=settings)


def _synthetic(settings: Settings) -> bool:
    from ilteo.monitor.report import is_synthetic

    return is_synthetic(settings)


def _flows(lake: LakePaths, years: pl.DataFrame) -> pl.DataFrame:
    """Insured workers on 1 July, their hours, hires and separations per master and year."""
    path = lake.curated("ei_events")
    if not path.is_file():
        return pl.DataFrame(
            schema={
                "master_id": pl.String,
                "year": pl.Int64,
                "insured": pl.Int64,
                "hours": pl.Float64,
                "hires": pl.Int64,
                "separations": pl.Int64,
            }
        )
    events = (
        pl.scan_parquet(path)
        .join(_links(lake, "ei_events"), left_on="record_id", right_on="record_id")
        .select("master_id", "rrn_hash", "event_type", "event_date", "weekly_hours")
        .collect()
    )
    starts = events.filter(pl.col("event_type") == "acquisition").select(
        "master_id", "rrn_hash", pl.col("event_date").alias("start"), "weekly_hours"
    )
    ends = (
        events.filter(pl.col("event_type") == "loss")
        .group_by("master_id", "rrn_hash")
        .agg(pl.col("event_date").max().alias("end"))
    )
    spells = starts.join(ends, on=["master_id", "rrn_hash"], how="left")
    mid = years.with_columns(pl.date(pl.col("year"), 7, 1).alias("mid"))
    active = (
        spells.join(mid, how="cross")
        .filter(
            (pl.col("start") <= pl.col("mid"))
            & (pl.col("end").is_null() | (pl.col("end") > pl.col("mid")))
        )
        .group_by("master_id", "year")
        .agg(
            pl.len().cast(pl.Int64).alias("insured"),
            (pl.col("weekly_hours").fill_null(40) * 52.0).sum().alias("hours"),
        )
    )
    dated = events.with_columns(pl.col("event_date").dt.year().alias("year"))
    moves = dated.group_by("master_id", "year").agg(
        (pl.col("event_type") == "acquisition").sum().cast(pl.Int64).alias("hires"),
        (pl.col("event_type") == "loss").sum().cast(pl.Int64).alias("separations"),
    )
    return active.join(moves, on=["master_id", "year"], how="full", coalesce=True)


def _join_inspections(frame: pl.DataFrame, session: Session | None) -> pl.DataFrame:
    empty = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias("inspection"),
        pl.lit(None, dtype=pl.Int64).alias("findings"),
    )
    if session is None:
        return empty
    from ilteo.safety.models import Inspection

    rows = session.execute(
        select(
            Inspection.master_workplace_id,
            Inspection.inspected_on,
            Inspection.selection,
            Inspection.findings,
        ).where(Inspection.status == "done", Inspection.inspected_on.is_not(None))
    ).all()
    if not rows:
        return empty
    done = (
        pl.DataFrame(
            {
                "master_id": [r[0] for r in rows],
                "year": [_year(r[1]) for r in rows],
                "inspection": [_SELECTION_KIND.get(r[2], "manual") for r in rows],
                "findings": [r[3] or 0 for r in rows],
            },
            schema={
                "master_id": pl.String,
                "year": pl.Int64,
                "inspection": pl.String,
                "findings": pl.Int64,
            },
        )
        .group_by("master_id", "year")
        .agg(pl.col("inspection").first(), pl.col("findings").sum())
    )
    return frame.join(done, on=["master_id", "year"], how="left")


def _join_requests(frame: pl.DataFrame, session: Session | None) -> pl.DataFrame:
    if session is None:
        return frame.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("hazard_requests"),
            pl.lit(None, dtype=pl.Int64).alias("imminent_requests"),
        )
    from ilteo.desk.models import Request

    rows = session.execute(
        select(Request.master_workplace_id, Request.received_at, Request.urgent).where(
            Request.master_workplace_id.is_not(None),
            Request.category.in_(SAFETY_CATEGORIES),
        )
    ).all()
    counts = pl.DataFrame(
        {
            "master_id": [r[0] for r in rows],
            "year": [_year(r[1]) for r in rows],
            "imminent": ["imminent_danger" in (r[2] or []) for r in rows],
        },
        schema={"master_id": pl.String, "year": pl.Int64, "imminent": pl.Boolean},
    )
    agg = counts.group_by("master_id", "year").agg(
        pl.len().cast(pl.Int64).alias("hazard_requests"),
        pl.col("imminent").sum().cast(pl.Int64).alias("imminent_requests"),
    )
    return frame.join(agg, on=["master_id", "year"], how="left").with_columns(
        pl.col("hazard_requests").fill_null(0), pl.col("imminent_requests").fill_null(0)
    )


def _year(value: datetime | date | None) -> int | None:
    return value.year if value is not None else None
