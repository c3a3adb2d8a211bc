"""The establishment-year table of the lake, with the queue's outcomes and the one window."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from tests.safety.conftest import SAFETY_NOW, safety_request

from ilteo.core.db import session_scope
from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.safety import service
from ilteo.safety.features import build
from ilteo.safety.lake import SAFETY_CATEGORIES, lake_table, masters


def test_the_lake_table_has_years_of_accidents_and_known_workplaces(
    safety_settings: Settings,
) -> None:
    table = lake_table(safety_settings)
    assert table.source == "lake"
    assert table.synthetic is True
    assert table.industry_system == "ksic"
    assert table.years == (2023, 2024, 2025)
    assert table.outcome_years == table.years
    frame = table.frame
    assert (frame["employees"] > 0).all()
    assert frame.select("establishment_id", "year").is_duplicated().sum() == 0
    assert set(frame["establishment_id"]) <= set(masters(safety_settings)["master_id"])
    # the lake's accidents are counted: some serious cases every year
    by_year = frame.group_by("year").agg((pl.col("deaths") + pl.col("dafw")).sum().alias("n"))
    assert (by_year["n"] > 0).all()
    # hours from the insured spells are about 2,000 a head
    per_head = (frame["hours"] / frame["employees"]).median()
    assert 1_500 < per_head < 2_500  # type: ignore[operator]


def test_without_a_database_inspections_and_requests_are_unknown_not_zero(
    safety_settings: Settings,
) -> None:
    frame = lake_table(safety_settings).frame
    assert frame["inspection"].null_count() == frame.height
    assert frame["findings"].null_count() == frame.height
    assert frame["hazard_requests"].null_count() == frame.height
    feats = build(lake_table(safety_settings))
    assert feats["hazard_requests"].null_count() == feats.height
    with session_scope(safety_settings) as session:
        known = lake_table(safety_settings, session).frame
    assert known["hazard_requests"].null_count() == 0
    assert int(known["hazard_requests"].sum()) == 0


def at(year: int, month: int) -> datetime:
    return datetime(year, month, 1, 10, tzinfo=UTC)


def test_safety_requests_naming_a_workplace_are_counted_by_year(
    safety_settings: Settings,
) -> None:
    workplace = str(masters(safety_settings)["master_id"][0])
    other = str(masters(safety_settings)["master_id"][1])
    with session_scope(safety_settings) as session:
        add = safety_request
        add(session, "D-T-1", received_at=at(2025, 3), master_workplace_id=workplace, imminent=True)
        add(session, "D-T-2", received_at=at(2025, 5), master_workplace_id=workplace,
            category="industrial_accident_comp")  # fmt: skip
        add(session, "D-T-3", received_at=at(2024, 5), master_workplace_id=workplace,
            category="wage_arrears")  # fmt: skip
        add(session, "D-T-4", received_at=at(2025, 5), master_workplace_id=None)
        frame = lake_table(safety_settings, session).frame
    assert "wage_arrears" not in SAFETY_CATEGORIES
    mine = frame.filter(pl.col("establishment_id") == workplace).sort("year")
    assert mine["hazard_requests"].to_list() == [0, 0, 2]
    assert mine["imminent_requests"].to_list() == [0, 0, 1]
    assert frame.filter(pl.col("establishment_id") == other)["hazard_requests"].sum() == 0


def test_a_recorded_outcome_becomes_an_inspection_of_the_table(safety_settings: Settings) -> None:
    with session_scope(safety_settings) as session:
        chosen = service.targets(safety_settings, 10, random_share=0.2, seed=4, session=session,
                                 queue=True, now=SAFETY_NOW)  # fmt: skip
        by_selection = {r["selection"]: r for r in chosen.iter_rows(named=True)}
        model, random = by_selection["model"], by_selection["random"]
        for row, findings in ((model, 3), (random, 0)):
            service.record_outcome(session, row["inspection_id"], actor="account:insp",
                                   roles={"inspector"}, inspected_on=date(2025, 9, 1),
                                   findings=findings, now=SAFETY_NOW)  # fmt: skip
        frame = lake_table(safety_settings, session).frame
        feats = build(lake_table(safety_settings, session))
    inspected = frame.filter(pl.col("inspection").is_not_null())
    assert inspected.height == 2  # queued ones are not inspections yet
    got = {r["establishment_id"]: r for r in inspected.iter_rows(named=True)}
    assert got[model["master_id"]]["inspection"] == "targeted"
    assert got[model["master_id"]]["findings"] == 3
    assert got[model["master_id"]]["year"] == 2025
    assert got[random["master_id"]]["inspection"] == "random"
    assert got[random["master_id"]]["findings"] == 0
    row = feats.filter(
        (pl.col("establishment_id") == model["master_id"]) & (pl.col("year") == 2025)
    ).row(0, named=True)
    assert row["inspected_0"] == 1
    assert row["findings_0"] == 3
    assert row["inspections_3y"] == 1
    # other workplaces: known not inspected (0), not unknown
    assert feats.filter(pl.col("year") == 2025)["inspected_0"].null_count() == 0


def test_masters_are_the_active_workplaces(safety_settings: Settings) -> None:
    frame = masters(safety_settings)
    assert frame.columns == ["master_id", "name", "address", "sido_code", "ksic_code", "brn"]
    assert frame["master_id"].n_unique() == frame.height
    assert frame.height >= 412


def test_an_empty_home_has_no_lake_table(tmp_path: Path, safety_reference: Settings) -> None:
    empty = safety_reference.model_copy(update={"home": tmp_path / "home"})
    with pytest.raises(DataUnavailableError, match="no accidents yet"):
        lake_table(empty)
    with pytest.raises(DataUnavailableError, match="no master workplaces"):
        masters(empty)
