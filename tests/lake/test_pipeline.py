"""The whole lake in one call, as ``ilteo demo`` and ``ilteo lake build`` run it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.lake.pipeline import STEPS, build_lake


def test_build_balances_links_evaluates_and_reports(country: Path, lake_settings: Settings) -> None:
    steps: list[str] = []
    result = build_lake(country, lake_settings, progress=lambda d, t, label: steps.append(label))

    assert set(result.seconds) == set(STEPS)
    assert steps[-1] == "done"
    assert result.new_batches == result.batches > 0
    assert result.received_rows == result.accepted_rows + result.quarantined_rows
    person = result.evaluation["person"]
    assert person["model"]["precision"] >= 0.98
    assert person["model"]["recall"] >= 0.98
    assert person["model"]["recall"] > person["baseline"]["recall"]
    assert result.report_files
    assert all(Path(f).is_file() for f in result.report_files)


def test_a_second_build_adds_nothing_and_keeps_master_ids(
    country: Path, lake_settings: Settings
) -> None:
    build_lake(country, lake_settings)
    links = LakePaths.of(lake_settings).master("person_links")
    before = pl.read_parquet(links).select("source", "record_id", "master_id").sort("record_id")

    again = build_lake(country, lake_settings)

    assert again.new_batches == 0
    assert again.up_to_date
    assert set(again.seconds) == {"ingest"}
    forced = build_lake(country, lake_settings, force=True)
    assert not forced.up_to_date
    assert set(forced.seconds) == set(STEPS)
    after = pl.read_parquet(links).select("source", "record_id", "master_id").sort("record_id")
    assert after.equals(before)
