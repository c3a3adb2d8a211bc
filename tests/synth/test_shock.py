"""The AI shock: parsed from text or YAML, recorded, and visible in the EI flows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.synth import Shock, generate, parse_shock


def test_a_shock_spec_parses_into_occupations_month_and_factors() -> None:
    (shock,) = parse_shock("2222,2223:2025-03:sep=1.8,hire=0.6")
    assert shock == Shock(
        occupations=("2222", "2223"), start=date(2025, 3, 1), separation=1.8, hire=0.6
    )
    assert shock.covers("2223")
    assert not shock.covers("2224")
    assert len(parse_shock("31:2024-01:sep=2; 22:2025-01:hire=0.5")) == 2


def test_a_shock_file_in_yaml_works_like_the_spec(tmp_path: Path) -> None:
    path = tmp_path / "shock.yaml"
    path.write_text(
        "- occupations: ['2222', '2223']\n  start: 2025-03\n  separation: 1.8\n  hire: 0.6\n",
        encoding="utf-8",
    )
    assert parse_shock(str(path)) == parse_shock("2222,2223:2025-03:sep=1.8,hire=0.6")


@pytest.mark.parametrize(
    "spec",
    ["2222", "2222:2025-13", "XYZ:2025-03", "2222:2025-03:speed=2", "2222:2025-03:sep=-1", ""],
)
def test_bad_shock_specs_are_refused_with_a_message(spec: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_shock(spec)


def test_the_shock_is_recorded_in_the_ground_truth(country: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = country
    recorded = json.loads((root / "ground_truth/shocks.json").read_text(encoding="utf-8"))
    assert recorded == manifest["shocks"]
    assert recorded[0]["occupations"] == ["2222", "2223"]
    assert recorded[0]["start"] == "2025-03-01"
    spells = pl.read_parquet(root / "ground_truth/spells.parquet").filter("shock_excess")
    assert spells["ksco_code"].is_in(["2222", "2223"]).all()
    assert (spells["end"] >= date(2025, 3, 1)).all()


def _flows(root: Path, shocked: bool) -> tuple[float, float, int, int]:
    """Flows of clerical occupations (KSCO 3) or of all others.

    Monthly losses in the 18 months before 2024-07 and in the 6 months after it; hires and net
    flow (hires minus losses) from 2024-07 on.

    Only the first months after the shock are compared: the shocked occupations then shrink, so
    later months have fewer workers left to lose.
    """
    events = pl.read_parquet(root / "employment_insurance/qualification_events.parquet")
    in_group = pl.col("ksco_code").str.starts_with("3")
    mine = events.filter(in_group if shocked else ~in_group)
    losses = mine.filter(pl.col("event_type") == "loss")
    before = losses.filter(pl.col("event_date") < date(2024, 7, 1)).height / 18
    after = losses.filter(pl.col("event_date").is_between(date(2024, 7, 1), date(2024, 12, 31)))
    after = after.height / 6
    later = mine.filter(pl.col("event_date") >= date(2024, 7, 1))
    hires = later.filter(pl.col("event_type") == "acquisition").height
    return before, after, hires, hires - later.filter(pl.col("event_type") == "loss").height


def test_the_shock_raises_separations_and_cuts_hires_after_its_month(
    tmp_path: Path, synth_settings: Settings
) -> None:
    shock = parse_shock("3:2024-07:sep=2.5,hire=0.4")
    generate(tmp_path / "base", 4000, 9, settings=synth_settings)
    generate(tmp_path / "shock", 4000, 9, settings=synth_settings, shocks=shock)
    base_before, base_after, base_hires, base_net = _flows(tmp_path / "base", shocked=True)
    before, after, hires, net = _flows(tmp_path / "shock", shocked=True)
    assert before == pytest.approx(base_before, rel=0.15)  # nothing changes before the month
    assert after / before > 1.8 * (base_after / base_before)
    # Fewer hires despite more people looking for work in these occupations; the stock shrinks.
    assert hires < 0.9 * base_hires
    assert net < base_net - 0.5 * base_hires
    # Occupations outside the shock keep their separation rate.
    other_base = _flows(tmp_path / "base", shocked=False)
    other = _flows(tmp_path / "shock", shocked=False)
    assert other[1] == pytest.approx(other_base[1], rel=0.15)
