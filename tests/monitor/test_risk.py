"""High-risk groups on the fixture country (KSCO major group 3 shocked from 2025-01)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import typer
from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.cli.monitor_risk import register
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.monitor.risk import (
    COMPONENTS,
    group_members,
    high_risk_groups,
    parse_group_id,
    risk_config,
    write_outreach,
)


def test_weights_are_versioned_and_sum_to_one() -> None:
    config = risk_config()
    assert config.version.startswith("risk-")
    assert set(config.weights) == set(COMPONENTS)
    assert sum(config.weights.values()) == pytest.approx(1.0)


def test_ranking_is_deterministic_and_ordered(monitor_lake: MonitorLake) -> None:
    first = high_risk_groups(monitor_lake.settings, limit=None)
    again = high_risk_groups(monitor_lake.settings, "2025-12", limit=None)
    assert first, "the fixture country has groups"
    assert [g.group_id for g in first] == [g.group_id for g in again]
    assert [g.rank for g in first] == list(range(1, len(first) + 1))
    keys = [(-g.expected_at_risk, g.group_id) for g in first]
    assert keys == sorted(keys)
    for group in first:
        assert group.group_id.startswith("2025-12:")
        assert sum(group.contributions.values()) == pytest.approx(group.score, abs=1e-3)
        assert group.expected_at_risk == pytest.approx(group.size * group.score, rel=1e-3)
        assert group.synthetic
        assert "확률이 아닙니다" in group.caveat
    assert [g.group_id for g in high_risk_groups(monitor_lake.settings, limit=3)] == [
        g.group_id for g in first[:3]
    ]


def test_groups_under_the_threshold_never_appear(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    groups = high_risk_groups(settings, limit=None)
    assert min(g.size for g in groups) >= settings.monitor_min_cell
    stricter = settings.model_copy(update={"monitor_min_cell": 20})
    large = high_risk_groups(stricter, limit=None)
    assert {g.group_id for g in large} == {g.group_id for g in groups if g.size >= 20}
    assert len(large) < len(groups)
    small = next(g for g in groups if g.size < 20)
    with pytest.raises(NotFoundError):
        group_members(stricter, small.group_id)


def _expected_members(monitor_lake: MonitorLake, group_id: str) -> set[str]:
    """The people of a group, found independently: main job at the month's end matches."""
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql
    from ilteo.monitor.ksco import ksco_index

    month, ksco2, band, sido = parse_group_id(group_id)
    end = date(int(month[:4]), int(month[5:]), 31)
    con = connect(monitor_lake.settings)
    try:
        spells_sql(con)
        rows = con.execute(
            """
            SELECT master_id, ksco, sido, birth_date FROM monitor_spells
            WHERE master_id IS NOT NULL AND start_date <= ? AND (end_date IS NULL OR end_date > ?)
            QUALIFY row_number() OVER (PARTITION BY master_id ORDER BY monthly_wage_won DESC
                NULLS LAST, start_date DESC, workplace_mgmt_no) = 1
            """,
            [end, end],
        ).fetchall()
    finally:
        con.close()
    profiled = ksco_index(monitor_lake.settings).profiles
    low, high = (60, 200) if band == "60+" else (int(band[:2]), int(band[3:]))
    found = set()
    for master_id, ksco, where, born in rows:
        if born is None or ksco not in profiled:
            continue
        age = end.year - born.year - ((end.month, end.day) < (born.month, born.day))
        if ksco.startswith(ksco2) and where == sido and low <= age <= high:
            found.add(master_id)
    return found


def test_members_are_exactly_the_people_of_the_group(monitor_lake: MonitorLake) -> None:
    groups = high_risk_groups(monitor_lake.settings, limit=None)
    for group in (groups[0], groups[-1]):
        members = group_members(monitor_lake.settings, group.group_id)
        ids = [m.master_id for m in members]
        assert len(ids) == len(set(ids)) == group.size
        assert set(ids) == _expected_members(monitor_lake, group.group_id)
        assert all(m.name is None for m in members)
        assert all(m.ksco.startswith(group.ksco2) and m.sido == group.sido for m in members)
        assert all("pathways" in m.services for m in members)
        assert sum(m.score for m in members) / len(members) == pytest.approx(group.score, 1e-3)
    named = group_members(monitor_lake.settings, groups[0].group_id, with_names=True)
    assert any(m.name for m in named)


def test_shocked_occupations_show_rising_separations(monitor_lake: MonitorLake) -> None:
    groups = high_risk_groups(monitor_lake.settings, limit=None)
    shocked = [g for g in groups if g.ksco2.startswith("3")]
    others = [g for g in groups if not g.ksco2.startswith("3")]
    assert shocked
    assert others
    rising = [g for g in shocked if g.region_rising_separations]
    assert rising, "the clerical shock raises separations in their regions"
    assert all(g.region_separation_ratio and g.region_separation_ratio >= 1.25 for g in rising)
    assert all(g.components["region"] >= 0.5 for g in rising)
    share_shocked = len(rising) / len(shocked)
    share_others = sum(g.region_rising_separations for g in others) / len(others)
    assert share_shocked > share_others + 0.3


def test_before_the_shock_the_clerical_groups_are_calm(monitor_lake: MonitorLake) -> None:
    shocked = [
        g for g in high_risk_groups(monitor_lake.settings, "2024-09", None) if g.ksco2[0] == "3"
    ]
    assert shocked
    assert sum(g.region_rising_separations for g in shocked) / len(shocked) < 0.3


@pytest.mark.parametrize(
    ("group_id", "error"),
    [
        ("nonsense", InvalidInputError),
        ("2025-12:31:50-59", InvalidInputError),
        ("2025-12:31:45-55:11", InvalidInputError),
        ("2019-01:31:50-59:11", NotFoundError),
        ("2025-12:31:50-59:99", NotFoundError),
    ],
)
def test_bad_group_ids_are_refused(
    monitor_lake: MonitorLake, group_id: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        group_members(monitor_lake.settings, group_id)
    assert "/" in str(raised.value)  # Korean / English


def test_bad_months_and_limits_are_refused(monitor_lake: MonitorLake) -> None:
    with pytest.raises(NotFoundError, match="2023-01"):
        high_risk_groups(monitor_lake.settings, "2030-01")
    with pytest.raises(InvalidInputError):
        high_risk_groups(monitor_lake.settings, "2025-13")
    with pytest.raises(InvalidInputError):
        high_risk_groups(monitor_lake.settings, limit=0)


@pytest.fixture
def own_home(monitor_lake: MonitorLake, tmp_path: Path) -> MonitorLake:
    home = tmp_path / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    return MonitorLake(
        monitor_lake.settings.model_copy(update={"home": home}), monitor_lake.country
    )


def test_outreach_list_follows_the_contract(own_home: MonitorLake) -> None:
    settings = own_home.settings
    written = write_outreach(settings, "2025-12")
    frame = pl.read_parquet(written.path)
    assert written.path.endswith("monitor/outreach/2025-12.parquet")
    assert frame.columns == [
        "month", "master_id", "group_id", "rank", "score", "reasons", "services", "version",
    ]  # fmt: skip
    assert frame.height == written.people > 0
    config = risk_config()
    top = {g.group_id: g.rank for g in high_risk_groups(settings, "2025-12", None)}
    assert set(frame["group_id"]) <= {g for g, r in top.items() if r <= config.outreach["groups"]}
    assert frame["score"].min() >= config.outreach["min_score"]  # type: ignore[operator]
    assert frame["master_id"].n_unique() == frame.height
    assert all("pathways" in s for s in frame["services"].to_list())
    assert written.services["pathways"] == frame.height
    assert 0 < written.services["benefits"] <= frame.height
    benefits = set(config.outreach["benefits_reasons"])
    for reasons, services in zip(frame["reasons"], frame["services"], strict=True):
        assert ("benefits" in services.to_list()) == bool(benefits & set(reasons.to_list()))


def test_cli_lists_groups_and_writes_outreach(own_home: MonitorLake) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    shown = runner.invoke(app, ["high-risk", "--limit", "3", "--json"], obj=own_home.settings)
    assert shown.exit_code == 0, shown.output
    groups = json.loads(shown.output)
    assert [g["rank"] for g in groups] == [1, 2, 3]
    assert "master_id" not in shown.output
    text = runner.invoke(app, ["high-risk", "--month", "2025-12"], obj=own_home.settings)
    assert text.exit_code == 0, text.output
    assert "고위험 집단" in text.output
    out = runner.invoke(app, ["outreach", "--month", "2025-12", "--json"], obj=own_home.settings)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["people"] > 0
