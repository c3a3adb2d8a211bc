"""The synthetic panel: reproducible, calibrated to the statistics, inspections as stated."""

from __future__ import annotations

import polars as pl
import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.safety.panel import (
    EFFECT_PRIOR,
    EFFECT_SOURCE,
    SYNTHETIC_LABEL,
    PanelSpec,
    calibration_check,
    simulate,
)


def test_the_same_seed_gives_the_same_panel_and_another_seed_another(
    safety_reference: Settings,
) -> None:
    spec = PanelSpec(workplaces=2_000, years=3, seed=11)
    first = simulate(safety_reference, spec)
    again = simulate(safety_reference, spec)
    other = simulate(safety_reference, PanelSpec(workplaces=2_000, years=3, seed=12))
    assert first.equals(again)
    assert not first.equals(other)
    assert first.height == 2_000 * 3
    assert sorted(first["year"].unique().to_list()) == [2021, 2022, 2023]
    assert first.select("establishment_id", "year").is_duplicated().sum() == 0


def test_the_panel_has_the_table_layout_and_the_simulation_columns(
    safety_panel_20k: pl.DataFrame,
) -> None:
    for name in (
        "establishment_id",
        "year",
        "ksic_code",
        "annual_average_employees",
        "total_hours_worked",
        "total_deaths",
        "total_dafw_cases",
        "region",
        "inspection",
        "findings",
        "sim_expected",
        "sim_effect",
    ):
        assert name in safety_panel_20k.columns, name
    # findings only where there was an inspection
    inspected = safety_panel_20k.filter(pl.col("inspection").is_not_null())
    assert inspected["findings"].null_count() == 0
    assert safety_panel_20k.filter(pl.col("inspection").is_null())["findings"].null_count() == (
        safety_panel_20k.height - inspected.height
    )
    assert (safety_panel_20k["total_deaths"] >= 0).all()
    assert (safety_panel_20k["annual_average_employees"] >= 1).all()


def test_rates_by_size_band_match_the_statistics(
    safety_reference: Settings, safety_panel_20k: pl.DataFrame
) -> None:
    check = calibration_check(safety_reference, safety_panel_20k)
    assert set(check.columns) >= {"size", "workers", "serious", "panel_rate", "statistics_rate"}
    assert check.height == 9
    # bands with enough worker-years: within 30% of the statistics (the large bands hold a
    # handful of workplaces in a 20k panel, so their rates swing)
    big = check.filter(pl.col("workers") >= 50_000)
    assert big.height >= 5
    for row in big.iter_rows(named=True):
        assert 0.7 < row["panel_rate"] / row["statistics_rate"] < 1.3, row
    overall = check["serious"].sum() / check["workers"].sum()
    stats = (check["statistics_rate"] * check["workers"]).sum() / check["workers"].sum()
    assert 0.8 < overall / stats < 1.25
    # the smallest workplaces are the most dangerous, as in the statistics
    rates = dict(zip(check["size"], check["panel_rate"], strict=True))
    assert rates["5인 미만"] > rates["50~99인"]


def test_inspections_are_the_stated_rate_and_random_share(
    safety_panel_20k: pl.DataFrame,
) -> None:
    spec = PanelSpec()
    budget = round(spec.inspection_rate * spec.workplaces)
    per_year = safety_panel_20k.group_by("year").agg(
        pl.col("inspection").is_not_null().sum().alias("inspected"),
        (pl.col("inspection") == "random").sum().alias("random"),
        ((pl.col("inspection") == "random") & (pl.col("annual_average_employees") < 5))
        .sum()
        .alias("random_small"),
        ((pl.col("inspection") == "targeted") & (pl.col("annual_average_employees") < 20))
        .sum()
        .alias("targeted_small"),
    )
    for row in per_year.iter_rows(named=True):
        assert row["inspected"] == budget
        assert row["random"] == round(spec.random_share * budget)
        assert row["random_small"] == 0
        assert row["targeted_small"] == 0
    kinds = set(safety_panel_20k["inspection"].drop_nulls().unique().to_list())
    assert kinds == {"random", "targeted", "complaint"}


def test_an_inspection_lowers_next_years_cases_by_the_effect(safety_reference: Settings) -> None:
    spec = PanelSpec(workplaces=5_000, years=3, inspection_rate=0.3, random_share=1.0, seed=3,
                     effect=0.25)  # fmt: skip
    frame = simulate(safety_reference, spec)
    assert frame["sim_effect"].max() <= 0.35
    serious = pl.col("total_deaths") + pl.col("total_dafw_cases")
    last = frame.filter(pl.col("year") == 2021).select(
        "establishment_id", pl.col("inspection").is_not_null().alias("inspected")
    )
    nxt = frame.filter(pl.col("year") == 2022).select(
        "establishment_id", serious.alias("serious"), "sim_expected"
    )
    ratio = (
        nxt.join(last, on="establishment_id")
        .group_by("inspected")
        .agg((pl.col("serious").sum() / pl.col("sim_expected").sum()).alias("ratio"))
    )
    by = dict(zip(ratio["inspected"], ratio["ratio"], strict=True))
    assert 0.9 < by[False] < 1.1  # not inspected: cases as expected
    assert by[True] < 0.9 * by[False]  # inspected the year before: fewer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"workplaces": 10}, "workplaces"),
        ({"years": 1}, "years"),
        ({"years": 31}, "years"),
        ({"workplaces": 5_000_000, "years": 5}, "workplaces"),
        ({"first_year": 1900}, "first_year"),
        ({"inspection_rate": 0.0}, "inspection_rate"),
        ({"inspection_rate": 0.6}, "inspection_rate"),
        ({"random_share": 1.5}, "random_share"),
        ({"effect": -0.1}, "effect"),
        ({"fatal_share": 2.0}, "fatal_share"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_field(
    safety_reference: Settings, changes: dict[str, float], field: str
) -> None:
    spec = PanelSpec(**changes)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as caught:
        simulate(safety_reference, spec)
    assert field in caught.value.extra["fields"]
    assert field in str(caught.value)


def test_the_synthetic_label_and_the_source_are_stated() -> None:
    assert "합성" in SYNTHETIC_LABEL
    assert "synthetic" in SYNTHETIC_LABEL
    assert "Levine" in EFFECT_SOURCE
    assert "Science" in EFFECT_SOURCE
    assert pytest.approx(0.094) == EFFECT_PRIOR
