"""Early warning: the CUSUM detector on simulated Poisson series and on the shocked test lake."""

from __future__ import annotations

import shutil
from datetime import date

import numpy as np
import polars as pl
import pytest
from tests.monitor.conftest import MonitorLake

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings
from ilteo.monitor.warnings import (
    LEVELS,
    MIN_EXPECTED,
    THRESHOLD,
    DetectorConfig,
    alert_months,
    alerts_at,
    calibrate_threshold,
    current_alerts,
    detect,
    scan,
    seasonal_factors,
)

MONTHS = [date(2023 + i // 12, i % 12 + 1, 1) for i in range(36)]


def _series(
    rng: np.random.Generator,
    mu: float,
    cells: int,
    *,
    step_cell: int | None = None,
    at: int = 24,
    factor: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    rate = np.full((cells, len(MONTHS)), mu)
    if step_cell is not None:
        rate[step_cell, at:] *= factor
    counts = rng.poisson(rate).astype(float)
    exposure = np.full_like(counts, 1000.0)
    exposure[:, 0] = np.nan
    return counts, exposure


def test_a_step_in_one_series_is_found_with_its_start() -> None:
    counts, exposure = _series(np.random.default_rng(1), 20.0, 30, step_cell=7, at=24)
    result = scan(counts, exposure)
    alarmed = set(np.nonzero(result.onset.any(axis=1))[0])
    assert alarmed == {7}
    onset = int(np.argmax(result.onset[7]))
    assert 24 <= onset <= 26
    assert 21 <= result.since[7, onset] <= 24
    assert result.alarm[7, onset:].all()  # stays open while the level stays up
    assert result.expected[7, onset] == pytest.approx(20.0, rel=0.25)  # the frozen baseline


def test_stable_series_give_no_alert() -> None:
    counts, exposure = _series(np.random.default_rng(2), 15.0, 40)
    result = scan(counts, exposure)
    assert result.tested.sum() > 40 * 20
    assert not result.onset.any()
    assert not result.alarm.any()


def test_falls_are_found_only_in_the_down_direction() -> None:
    counts, exposure = _series(np.random.default_rng(3), 30.0, 10, step_cell=2, factor=0.5)
    assert scan(counts, exposure, direction="down").onset[2].any()
    assert not scan(counts, exposure, direction="up").onset[2].any()


def test_tiny_cells_are_skipped_even_when_they_jump() -> None:
    counts, exposure = _series(np.random.default_rng(4), 0.5, 10, step_cell=0, factor=5.0)
    result = scan(counts, exposure)
    assert not result.tested.any()
    assert not result.onset.any()
    assert MIN_EXPECTED > 0.5 * 5.0 * 0.5  # the jump stays below what is tested


def test_the_baseline_needs_enough_months() -> None:
    counts, exposure = _series(np.random.default_rng(5), 20.0, 3)
    result = scan(counts, exposure, config=DetectorConfig(min_window=6))
    # month t uses months t-13 … t-2 that have a previous month's stock (from month 1)
    assert not result.tested[:, :8].any()
    assert result.tested[:, 8:].all()


@pytest.mark.parametrize(
    ("counts", "exposure", "kwargs", "message"),
    [
        (np.ones((2, 5)), np.ones((2, 4)), {}, "same shape"),
        (-np.ones((2, 5)), np.ones((2, 5)), {}, "≥ 0"),
        (np.ones(5), np.ones(5), {}, "2-D"),
        (np.ones((2, 5)), np.ones((2, 5)), {"direction": "sideways"}, "up or down"),
        (np.ones((2, 5)), np.ones((2, 5)), {"season": np.ones(4)}, "season"),
    ],
)
def test_bad_arrays_are_refused(
    counts: np.ndarray, exposure: np.ndarray, kwargs: dict, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        scan(counts, exposure, **kwargs)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        DetectorConfig(h=0)
    with pytest.raises(InvalidInputError):
        DetectorConfig(min_window=13)


def _frame(counts: np.ndarray, stock: float = 1000.0) -> pl.DataFrame:
    rows = []
    for cell in range(counts.shape[0]):
        for t, month in enumerate(MONTHS):
            rows.append(
                {
                    "month": month,
                    "ksco": f"{3100 + cell}",
                    "employment": stock,
                    "separations": int(counts[cell, t]),
                    "hires": 40,
                    "jsa_claims": 10,
                }
            )
    return pl.DataFrame(rows)


def test_detect_on_a_frame_names_the_group_and_the_start() -> None:
    counts, _ = _series(np.random.default_rng(1), 20.0, 30, step_cell=7, at=24)
    detection = detect(_frame(counts), ["ksco"], level="ksco4", measures=[("separations", "up")])
    onsets = detection.cells.filter(pl.col("onset"))
    assert onsets.get_column("ksco").to_list() == ["3107"]
    alerts = alerts_at(detection, onsets.get_column("month")[0])
    assert [a.group for a in alerts] == [{"ksco": "3107"}]
    alert = alerts[0]
    assert alert.measure == "separations"
    assert alert.direction == "up"
    assert alert.observed > alert.expected
    assert alert.change_pct > 30
    assert alert.chart == "/monitor/occupations/3107"
    assert alert.score >= 1
    assert alert.since <= date(2025, 1, 1) <= alert.month
    assert "baseline" in alert.baseline
    assert "기준" in alert.baseline
    assert alert.to_dict()["since"] == f"{alert.since:%Y-%m}"


def test_the_combined_cell_finds_more_losses_and_fewer_hires_together() -> None:
    rng = np.random.default_rng(6)
    separations, _ = _series(rng, 12.0, 20, step_cell=4, at=24, factor=1.4)
    hires, _ = _series(rng, 12.0, 20, step_cell=4, at=24, factor=0.7)
    frame = _frame(separations).with_columns(pl.Series("hires", hires.ravel().astype(int)))
    detection = detect(frame, ["ksco"], measures=[("sep_hire", "up")])
    assert set(detection.cells.filter(pl.col("onset")).get_column("ksco")) == {"3104"}
    assert set(detection.phi) == {"separations", "hires"}
    with pytest.raises(InvalidInputError, match="hires"):
        detect(frame.drop("hires"), ["ksco"], measures=[("sep_hire", "up")])


def test_detect_refuses_bad_frames() -> None:
    counts, _ = _series(np.random.default_rng(1), 20.0, 2)
    frame = _frame(counts)
    with pytest.raises(InvalidInputError, match="missing columns"):
        detect(frame.drop("employment"), ["ksco"])
    with pytest.raises(InvalidInputError, match="empty"):
        detect(frame.head(0), ["ksco"])
    with pytest.raises(InvalidInputError, match="consecutive"):
        detect(frame.filter(pl.col("month") != date(2024, 5, 1)), ["ksco"])


def test_seasonal_factors_recover_a_known_pattern() -> None:
    pattern = 1 + 0.3 * np.cos(2 * np.pi * np.arange(36) / 12)
    exposure = np.full(36, 1e6)
    counts = exposure * 0.02 * pattern
    factors = seasonal_factors(MONTHS, counts, exposure)
    assert np.corrcoef(factors, pattern)[0, 1] > 0.99
    assert factors[0] / factors[6] == pytest.approx(pattern[0] / pattern[6], rel=0.1)
    assert (seasonal_factors(MONTHS[:20], counts[:20], exposure[:20]) == 1).all()


def test_the_threshold_meets_its_false_alarm_target_on_fresh_simulations() -> None:
    result = calibrate_threshold(seed=99, cells=1500, grid=(THRESHOLD,))
    assert result["tested"] > 1500 * 20
    assert result["rates"][THRESHOLD] <= 1e-3


def test_current_alerts_need_built_indicators(settings: Settings) -> None:
    with pytest.raises(DataUnavailableError):
        current_alerts(settings)


@pytest.fixture(scope="module")
def lake_copy(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the shocked test home (the alert cache is written into it)."""
    home = tmp_path_factory.mktemp("warnings") / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    return Settings(env="test", home=home, reference_dir=monitor_lake.settings.reference_dir)


def test_the_shocked_occupation_alerts(lake_copy: Settings) -> None:
    months = alert_months(lake_copy)
    found = []
    for month in months:
        if date(2025, 1, 1) <= month <= date(2025, 7, 1):
            found += [
                a
                for a in current_alerts(lake_copy, month)
                if a.chart.startswith("/monitor/occupations/3")
            ]
    assert found, "no alert on KSCO major group 3 (shocked from 2025-01) by 2025-07"
    alert = found[0]
    assert alert.level in LEVELS
    assert alert.measure in {"separations", "hires", "jsa_claims"}
    assert alert.since >= date(2024, 6, 1)
    assert "사무" in alert.label_ko  # the Korean title from the reference data
    assert all(s["dimension"] in {"sex", "age_band", "sido"} for s in alert.subgroups)
    # cached per indicator build: a second call reads the same detection
    assert [a.alert_id for a in current_alerts(lake_copy, alert.as_of)][:1]
    assert list((lake_copy.lake_dir / "monitor" / "alerts").glob("cells-*.parquet"))


def test_current_alerts_refuse_months_outside_the_data(lake_copy: Settings) -> None:
    with pytest.raises(InvalidInputError):
        current_alerts(lake_copy, date(2031, 1, 1))
    with pytest.raises(InvalidInputError):
        current_alerts(lake_copy, limit=-1)
