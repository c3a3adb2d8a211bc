"""Choosing workplaces: the random share, the strategies' rankings, the inspection effect."""

from __future__ import annotations

import polars as pl
import pytest

from ilteo.core.settings import Settings
from ilteo.safety.features import build
from ilteo.safety.panel import EFFECT_PRIOR, PanelSpec, simulate
from ilteo.safety.table import Table, validate
from ilteo.safety.targeting import (
    RANDOM_SHARE,
    SST_MIN_EMPLOYEES,
    STRATEGIES,
    Effect,
    estimate_effect,
    group_rates,
    select,
)


def scored(n: int = 200) -> pl.DataFrame:
    """Made-up scores: ``averted`` rises with the row, ``sst_rate`` falls, sizes vary."""
    return pl.DataFrame(
        {
            "id": [f"W{i:03d}" for i in range(n)],
            "employees": [float([3, 8, 15, 40, 120][i % 5]) for i in range(n)],
            "averted": [i / n for i in range(n)],
            "sst_rate": [float(n - i) for i in range(n)],
            "group_rate": [float(i % 7) for i in range(n)],
        }
    )


def test_the_strategies_are_the_documented_ones() -> None:
    assert STRATEGIES == ("averted", "sst", "industry_size")
    assert RANDOM_SHARE == 0.1
    assert SST_MIN_EMPLOYEES == 20


@pytest.mark.parametrize(("k", "share", "random"), [(100, 0.1, 10), (50, 0.2, 10), (7, 0.0, 0),
                                                     (30, 0.5, 15)])  # fmt: skip
def test_the_random_share_is_exact(k: int, share: float, random: int) -> None:
    chosen = select(scored(), k, "averted", random_share=share, seed=3)
    assert chosen.height == k
    assert chosen["id"].n_unique() == k
    assert int((chosen["reason"] == "random").sum()) == random
    assert int((chosen["reason"] == "averted").sum()) == k - random
    # the random draw is among workplaces with five or more employees
    assert (chosen.filter(pl.col("reason") == "random")["employees"] >= 5).all()


def test_the_random_draw_depends_on_the_seed_only() -> None:
    frame = scored()
    one = select(frame, 50, "averted", seed=1)
    assert one.equals(select(frame, 50, "averted", seed=1))
    other = select(frame, 50, "averted", seed=2)
    assert set(one.filter(pl.col("reason") == "random")["id"]) != set(
        other.filter(pl.col("reason") == "random")["id"]
    )


def test_averted_takes_the_most_injuries_averted() -> None:
    chosen = select(scored(), 20, "averted", random_share=0.0)
    assert chosen["id"].to_list() == [f"W{i:03d}" for i in range(199, 179, -1)]


def test_sst_ranks_by_last_years_rate_above_the_floor_of_20_employees() -> None:
    chosen = select(scored(), 30, "sst", random_share=0.0)
    assert (chosen["employees"] >= SST_MIN_EMPLOYEES).all()
    rates = chosen["sst_rate"].to_list()
    assert rates == sorted(rates, reverse=True)
    # small workplaces only once every big one is taken
    everything = select(scored(), 200, "sst", random_share=0.0)
    big = int((scored()["employees"] >= SST_MIN_EMPLOYEES).sum())
    assert (everything.head(big)["employees"] >= SST_MIN_EMPLOYEES).all()
    assert (everything.tail(200 - big)["employees"] < SST_MIN_EMPLOYEES).all()


def test_industry_size_ranks_by_the_group_rate_then_employees() -> None:
    chosen = select(scored(), 10, "industry_size", random_share=0.0)
    assert (chosen["group_rate"] == 6.0).all()
    employees = chosen["employees"].to_list()
    assert employees == sorted(employees, reverse=True)


def test_k_is_bounded_and_strategies_are_checked() -> None:
    assert select(scored(20), 500, "averted", random_share=0.0).height == 20
    assert select(scored(20), 0, "averted").height == 0
    with pytest.raises(ValueError, match="unknown strategy"):
        select(scored(), 5, "loudest")


def test_the_effect_maps_size_bands_and_falls_back_to_the_overall_one() -> None:
    effect = Effect(overall=0.1, by_size={"5~9인": 0.2})
    frame = pl.DataFrame({"size_class": ["5~9인", "1000인 이상"]})
    values = frame.select(effect.of(pl.col("size_class")))["size_class"].to_list()
    assert values == [0.2, 0.1]
    data = effect.to_json()
    assert data["prior"] == EFFECT_PRIOR
    assert "Levine" in data["source"]


def effect_of(settings: Settings, true_effect: float) -> Effect:
    spec = PanelSpec(workplaces=40_000, years=4, inspection_rate=0.05, random_share=1.0,
                     effect=true_effect, seed=1)  # fmt: skip
    return estimate_effect(build(validate(simulate(settings, spec), source="p", synthetic=True)))


def test_the_effect_estimate_moves_from_the_prior_towards_the_simulated_effect(
    safety_reference: Settings,
) -> None:
    strong = effect_of(safety_reference, 0.3)
    none = effect_of(safety_reference, 0.0)
    assert strong.estimated
    assert none.estimated
    assert strong.random_inspections == none.random_inspections == 3 * 2_000  # labelled years
    assert 0.11 < strong.overall < 0.35  # towards the true 0.3 (shrunk to the prior 0.094)
    assert none.overall < 0.085  # below the prior: no effect in the data
    assert strong.detail
    assert {"size_class", "raw_effect", "effect"} <= set(strong.detail[0])
    assert all(0 <= v <= 0.5 for v in strong.by_size.values())


def test_without_random_inspections_the_effect_is_the_prior(safety_reference: Settings) -> None:
    spec = PanelSpec(workplaces=3_000, years=3, random_share=0.0, seed=9)
    feats = build(validate(simulate(safety_reference, spec), source="p", synthetic=True))
    effect = estimate_effect(feats)
    assert effect.overall == EFFECT_PRIOR
    assert not effect.estimated
    assert effect.by_size == {}
    frame = simulate(safety_reference, spec).drop("inspection", "findings")
    no_column = build(validate(frame, source="p"))
    assert estimate_effect(no_column).overall == EFFECT_PRIOR


def test_everyone_inspected_at_random_leaves_nothing_to_compare(
    safety_reference: Settings,
) -> None:
    """Every eligible workplace inspected each year: no comparison arm, so the prior."""
    spec = PanelSpec(workplaces=2_000, years=3, inspection_rate=0.5, random_share=1.0, seed=1)
    effect = estimate_effect(build(validate(simulate(safety_reference, spec), source="p")))
    assert effect.random_inspections > 0
    assert not effect.estimated
    assert effect.overall == EFFECT_PRIOR


def test_group_rates_are_cases_per_workplace_of_the_years(safety_table_3k: Table) -> None:
    feats = build(safety_table_3k)
    rates = group_rates(feats, [2021, 2022])
    rows = feats.filter(pl.col("year").is_in([2021, 2022]) & pl.col("cases_next").is_not_null())
    one = rates.row(0, named=True)
    part = rows.filter(
        (pl.col("sector") == one["sector"]) & (pl.col("size_class") == one["size_class"])
    )
    assert one["group_rate"] == pytest.approx(part["cases_next"].mean())
