"""Monthly indicators from the lake: totals against the synthetic truth, the shock, incremental
builds, disclosure control and bad input."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from tests.monitor.conftest import MonitorLake

from ilteo.core.db import upgrade
from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings
from ilteo.lake.curate import curate
from ilteo.lake.ingest import ingest_file
from ilteo.lake.sources import get_source
from ilteo.monitor.indicators import (
    AGE_BANDS,
    MEASURES,
    available_months,
    build_indicators,
    high_exposure_codes,
    read_indicators,
    suppress_small,
)


def _copy(lake: MonitorLake, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(lake.settings.home, home)
    return lake.settings.model_copy(update={"home": home})


def test_employment_equals_the_true_insured_jobs_at_each_month_end(
    monitor_lake: MonitorLake,
) -> None:
    spells = pl.read_parquet(monitor_lake.country / "ground_truth" / "spells.parquet")
    built = read_indicators(monitor_lake.settings, suppress=False)
    assert built.height == 36
    for row in built.select("month", "employment").iter_rows(named=True):
        month: date = row["month"]
        last = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        open_at_end = spells.filter(
            (pl.col("start") < last) & (pl.col("end").is_null() | (pl.col("end") >= last))
        ).height
        assert row["employment"] == open_at_end, month


def test_the_shocked_group_separates_more_and_shrinks(monitor_lake: MonitorLake) -> None:
    frame = read_indicators(monitor_lake.settings, by=["ksco1"], suppress=False).filter(
        pl.col("ksco1") == "3"
    )
    before = frame.filter(pl.col("month") < date(2025, 1, 1))
    after = frame.filter(pl.col("month") >= date(2025, 1, 1))
    rate = lambda f, m: f[m].sum() / f["employment"].sum()  # noqa: E731
    assert rate(after, "separations") > 1.8 * rate(before, "separations")
    stock = dict(frame.select("month", "employment").iter_rows())
    assert stock[date(2025, 12, 1)] < 0.8 * stock[date(2024, 12, 1)]
    assert after["sep_business"].sum() > before["sep_business"].sum() / 2


def test_every_measure_and_dimension_is_filled(monitor_lake: MonitorLake) -> None:
    frame = read_indicators(
        monitor_lake.settings,
        by=["ksco", "ksic_section", "sido", "age_band", "sex"],
        suppress=False,
    )
    assert set(MEASURES) <= set(frame.columns)
    for measure in ("hires", "separations", "jsa_claims", "training_enrolments", "sep_retirement"):
        assert frame[measure].sum() > 0, measure
    assert set(frame["age_band"].unique()) <= {*AGE_BANDS, "unknown"}
    assert set(frame["sex"].unique()) <= {"M", "F", "unknown"}
    assert frame["sido"].n_unique() >= 15
    national = read_indicators(monitor_lake.settings, suppress=False)
    assert frame["employment"].sum() == national["employment"].sum()
    assert (frame["separations"] >= frame["sep_business"] + frame["sep_voluntary"]).all()


def test_high_exposure_share_uses_the_top_fifth_of_occupations(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    high = high_exposure_codes(settings)
    assert 80 <= len(high) <= 110  # a fifth of 489 profiled units, ties included
    by_unit = read_indicators(settings, by=["ksco"], suppress=False)
    national = read_indicators(settings, suppress=False)
    for month in (date(2023, 6, 1), date(2025, 6, 1)):
        units = by_unit.filter(pl.col("month") == month)
        known = units.filter(pl.col("ksco") != "unknown")["employment"].sum()
        expected = units.filter(pl.col("ksco").is_in(list(high)))["employment"].sum() / known
        got = national.filter(pl.col("month") == month)["high_exposure_share"].item()
        assert got == pytest.approx(expected)


def test_a_new_month_recomputes_only_that_month(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    settings = _copy(monitor_lake, tmp_path)
    full = read_indicators(settings, by=["ksco", "sido"], suppress=False)
    shutil.rmtree(settings.lake_dir / "monitor")
    first = build_indicators(settings, until=date(2025, 11, 1))
    assert len(first.computed) == 35
    assert available_months(settings)[-1] == date(2025, 11, 1)
    second = build_indicators(settings)
    assert second.computed == [date(2025, 12, 1)]
    assert len(second.reused) == 35
    assert build_indicators(settings).computed == []
    assert_frame_equal(read_indicators(settings, by=["ksco", "sido"], suppress=False), full)


def test_a_late_report_recomputes_from_its_month_on(
    monitor_lake: MonitorLake, tmp_path: Path
) -> None:
    settings = _copy(monitor_lake, tmp_path)
    events = pl.read_parquet(
        monitor_lake.country / "employment_insurance" / "qualification_events.parquet"
    )
    late = (
        events.filter(pl.col("event_type") == "acquisition")
        .head(1)
        .with_columns(
            pl.lit("EI-LATE-000001").alias("record_id"),
            pl.lit(date(2025, 3, 10)).alias("event_date"),
            pl.lit(date(2025, 12, 20)).alias("reported_on"),
        )
    )
    extract = tmp_path / "late" / "employment_insurance" / "qualification_events_late.parquet"
    extract.parent.mkdir(parents=True)
    late.write_parquet(extract)
    before = read_indicators(settings, suppress=False)
    ingest_file(extract, get_source("ei_events"), settings=settings)
    curate(settings)
    build = build_indicators(settings)
    assert build.computed[0] == date(2025, 3, 1)
    assert len(build.computed) == 10
    assert len(build.reused) == 26
    after = read_indicators(settings, suppress=False)
    march = pl.col("month") == date(2025, 3, 1)
    assert after.filter(march)["hires"].item() == before.filter(march)["hires"].item() + 1
    february = pl.col("month") == date(2025, 2, 1)
    assert_frame_equal(after.filter(february), before.filter(february))


def test_small_counts_are_suppressed_and_flagged(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    open_door = read_indicators(settings, by=["ksco"])
    raw = read_indicators(settings, by=["ksco"], suppress=False)
    assert open_door.height == raw.height
    small = raw.filter((pl.col("employment") > 0) & (pl.col("employment") < 5))
    assert small.height > 0
    joined = open_door.join(small.select("month", "ksco"), on=["month", "ksco"])
    assert joined["employment"].is_null().all()
    assert joined["suppressed"].all()
    assert joined["exposure_weighted"].is_null().all()
    assert suppress_small(pl.DataFrame({"employment": [0]}), 5)["employment"].item() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": ["occupation"]}, "unknown or repeated dimension"),
        ({"by": ["sex", "sex"]}, "unknown or repeated dimension"),
        ({"ksco": "3x"}, "1 to 4 digits"),
        ({"sex": "X"}, "unknown sex"),
        ({"age_band": "20-29"}, "unknown age_band"),
        ({"ksic_section": "Z"}, "unknown ksic_section"),
        ({"sido": "1"}, "two digits"),
        ({"months": (date(2019, 1, 1), date(2019, 12, 1))}, "outside the data"),
        ({"months": (date(2025, 6, 1), date(2025, 1, 1))}, "outside the data"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_input_says_what_is_wrong(
    monitor_lake: MonitorLake, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        read_indicators(monitor_lake.settings, **kwargs)  # type: ignore[arg-type]


def test_nothing_built_and_nothing_to_build(settings: Settings) -> None:
    upgrade(settings)
    with pytest.raises(DataUnavailableError, match="no monthly indicators"):
        read_indicators(settings)
    with pytest.raises(DataUnavailableError, match="no employment-insurance"):
        build_indicators(settings)
    assert available_months(settings) == []


def test_until_before_the_data_is_refused(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    settings = _copy(monitor_lake, tmp_path)
    with pytest.raises(InvalidInputError, match="before the data"):
        build_indicators(settings, until=date(2020, 1, 1))
