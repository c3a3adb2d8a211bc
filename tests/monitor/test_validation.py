"""Validation of the KSCO exposure index: rank agreement, coverage, exposed employment shares."""

from __future__ import annotations

import json
import math
from datetime import date

import polars as pl
import pytest
import typer
from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import WEIGHTS
from ilteo.monitor.indicators import available_months, high_exposure_codes, read_indicators
from ilteo.monitor.ksco import ksco_index
from ilteo.monitor.validation import (
    EXPOSED_GRADIENTS,
    GRADIENT_4,
    crosswalk_coverage,
    exposed_employment_share,
    fisher_interval,
    ksco_rank_agreement,
)


def test_rank_agreement_covers_every_source_with_intervals(settings: Settings) -> None:
    agreement = ksco_rank_agreement(settings)
    assert {row.source for row in agreement.sources} == set(WEIGHTS)
    assert agreement.sources[0].source == "ilo_genai_2025"
    for row in agreement.sources:
        assert row.n > 100, row
        assert -1.0 <= row.rho <= 1.0
        assert -1.0 <= row.rho_without <= 1.0
        assert row.ci_low <= row.rho <= row.ci_high
        assert row.version
    # The ILO source covers every profiled KSCO unit (it is the primary, native on ISCO-08).
    ilo = agreement.sources[0]
    assert ilo.n == agreement.ksco_profiled == len(ksco_index(settings).profiles)


def test_fisher_interval_narrows_with_n() -> None:
    wide = fisher_interval(0.6, 20)
    narrow = fisher_interval(0.6, 400)
    assert wide[0] < narrow[0] < 0.6 < narrow[1] < wide[1]
    assert all(math.isnan(v) for v in fisher_interval(0.6, 3))


def test_crosswalk_coverage_adds_up_to_every_ksco_unit(settings: Settings) -> None:
    coverage = crosswalk_coverage(settings)
    assert coverage.ksco_units == 494
    assert sum(coverage.by_band.values()) == 494
    assert sum(coverage.by_method.values()) == 494
    assert sum(m.units for m in coverage.by_major) == 494
    assert sum(m.profiled for m in coverage.by_major) == coverage.profiled
    assert coverage.profiled + len(coverage.unprofiled) == 494
    assert set(coverage.by_band) == set(coverage.band_labels)
    assert coverage.by_band["unlinked"] == 494 - coverage.linked


def test_exposed_share_equals_a_hand_computation(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    month = available_months(settings)[-3]
    result = exposed_employment_share(settings, month)
    assert result.month == month
    assert result.synthetic

    frame = read_indicators(
        settings, by=("ksco", "sex"), months=(month, month), suppress=False
    ).filter(pl.col("ksco") != "unknown")
    employment = dict(
        frame.group_by("ksco").agg(pl.col("employment").sum()).iter_rows()  # type: ignore[arg-type]
    )
    known = sum(employment.values())
    high = high_exposure_codes(settings)
    gradients = {c: p.gradient for c, p in ksco_index(settings).profiles.items()}
    by_hand_high = sum(n for c, n in employment.items() if c in high)
    by_hand_gradient = sum(
        n for c, n in employment.items() if gradients.get(c) in EXPOSED_GRADIENTS
    )
    by_hand_top = sum(n for c, n in employment.items() if gradients.get(c) == GRADIENT_4)

    national = result.national
    assert known > 0
    assert national.known_employment == known
    assert national.high_employment == by_hand_high
    assert national.high_share == pytest.approx(by_hand_high / known)
    assert national.gradient_share == pytest.approx(by_hand_gradient / known)
    assert national.gradient4_share == pytest.approx(by_hand_top / known)
    assert national.gradient4_employment <= national.gradient_employment
    # The same share read_indicators derives for the month.
    whole = read_indicators(settings, months=(month, month), suppress=False)
    assert national.high_share == pytest.approx(whole["high_exposure_share"][0])

    # Groups add up to the national figures.
    for rows in (result.by_sex, result.by_age_band, result.by_major):
        assert sum(r.employment for r in rows) == national.employment
        assert sum(r.high_employment for r in rows) == national.high_employment
    women = next(r for r in result.by_sex if r.value == "F")
    assert women.known_employment == sum(frame.filter(pl.col("sex") == "F")["employment"].to_list())


def test_exposed_share_refuses_a_month_outside_the_data(monitor_lake: MonitorLake) -> None:
    with pytest.raises(InvalidInputError, match="2031-01"):
        exposed_employment_share(monitor_lake.settings, date(2031, 1, 1))


def test_cli_validate_json_and_bad_month(monitor_lake: MonitorLake) -> None:
    from ilteo.cli.monitor_validation import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a group of two commands keeps "validate" a subcommand
    month = available_months(monitor_lake.settings)[-1]
    ok = CliRunner().invoke(
        app, ["validate", "--month", f"{month:%Y-%m}", "--json"], obj=monitor_lake.settings
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["exposed_employment"]["month"] == month.isoformat()
    assert sum(data["crosswalk_coverage"]["by_band"].values()) == 494
    assert len(data["rank_agreement"]["sources"]) == len(WEIGHTS)
    bad = CliRunner().invoke(app, ["validate", "--month", "2031-01"], obj=monitor_lake.settings)
    assert isinstance(bad.exception, InvalidInputError)
