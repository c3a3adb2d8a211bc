"""Plans: the three filters, explanations, courses, code systems, bad input and a person's plan."""

from __future__ import annotations

import json
import shutil
from datetime import date

import polars as pl
import pytest
from tests.monitor.conftest import MonitorLake

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor.risk import write_outreach
from ilteo.pathways.plan import (
    filter_thresholds,
    ksco_onet,
    person_plan,
    person_plan_json,
    plan_json,
    recommend,
)
from ilteo.pathways.profiles import occupation_profiles
from ilteo.pathways.signals import bls_wages, onet_exposures


@pytest.fixture
def settings(pathways_settings: Settings) -> Settings:
    """The worker's shared home (profiles, embeddings and exposures built once)."""
    return pathways_settings


def test_software_developers_plan_passes_all_three_filters(settings: Settings) -> None:
    plan = recommend(settings, "15-1252.00", region="서울")
    limits = filter_thresholds()
    assert plan.origin.onet_code == "15-1252.00"
    assert plan.origin.exposure is not None
    assert 3 <= len(plan.targets) <= 5
    for rank, target in enumerate(plan.targets, 1):
        t = target.transition
        assert t.rank == rank
        assert t.target != "15-1252.00"
        assert t.filters["viable"] is True
        assert t.filters["desirable"] is (target.wage_ratio >= limits.min_wage_ratio)  # type: ignore[operator]
        assert target.exposure_change is not None
        assert t.filters["safer"] is (-target.exposure_change >= limits.min_exposure_drop)
        assert "보완할 역량" in target.explanation_ko
        assert "Gaps to close" in target.explanation_en
        assert len(target.courses) <= 3
    # targets passing every filter come first
    passed = [sum(bool(v) for v in t.transition.filters.values()) for t in plan.targets]
    assert passed == sorted(passed, reverse=True)
    assert any(t.courses for t in plan.targets)
    assert all(c.distance in ("same", "adjacent", "other", "unknown")
               for t in plan.targets for c in t.courses)  # fmt: skip


def test_ksco_code_is_carried_to_onet_with_alternatives(settings: Settings) -> None:
    plan = recommend(settings, "2222")
    assert plan.origin.system == "ksco8"
    assert plan.origin.title_ko
    assert plan.origin.onet_code in ksco_onet(occupation_profiles(settings), "2222")
    assert plan.origin.alternatives
    body = plan_json(plan)
    json.dumps(body)  # JSON-plain
    assert set(body) >= {"origin", "targets", "notes", "caveat", "thresholds_version"}
    first = body["targets"][0]
    assert set(first["filters"]) == {"viable", "desirable", "safer"}
    assert first["ksco"]
    assert first["onet_code"]


def test_wages_and_exposures_cover_most_occupations(settings: Settings) -> None:
    index = occupation_profiles(settings)
    wages = bls_wages(settings)
    assert len(wages) >= 0.9 * len(index.occupations)
    assert wages["15-1252.00"].basis == "detailed"
    assert wages["15-1252.00"].value > wages["35-3023.00"].value  # developers earn more than cooks
    exposures = onet_exposures(settings)
    assert exposures.shape == (len(index.occupations),)
    assert float((exposures == exposures).mean()) > 0.9  # NaN only where the index has none


def test_fallback_origin_is_flagged(settings: Settings) -> None:
    index = occupation_profiles(settings)
    code = next(o.code for o in index.occupations if o.fallback)
    plan = recommend(settings, code, courses=0)
    assert plan.origin.fallback
    assert any("parent group" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("code", "hint"),
    [("9990", "99"), ("15-9999.00", "15-"), ("nurse", "Nurse"), ("간호", "간호")],
)
def test_unknown_codes_suggest_the_nearest(settings: Settings, code: str, hint: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        recommend(settings, code)
    suggestions = caught.value.extra["suggestions"]
    assert suggestions
    assert any(hint in s for s in suggestions)


@pytest.mark.parametrize(
    "kwargs", [{"top": 0}, {"top": 11}, {"courses": 4}, {"region": "Atlantis"}, {"system": "x"}]
)
def test_bad_arguments(settings: Settings, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        recommend(settings, "2222", **kwargs)  # type: ignore[arg-type]


def test_a_whole_title_names_its_occupation(settings: Settings) -> None:
    assert recommend(settings, "간호사", courses=0).origin.code == "2440"
    assert recommend(settings, "registered nurses", courses=0).origin.onet_code == "29-1141.00"


def test_empty_code(settings: Settings) -> None:
    with pytest.raises(InvalidInputError):
        recommend(settings, "  ")


@pytest.fixture(scope="module")
def lake(
    monitor_lake: MonitorLake, pathways_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """A copy of the built lake with the month's outreach list and the worker's built caches."""
    root = tmp_path_factory.mktemp("pathways-plan") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    recommend(pathways_settings, "2222", courses=1)  # the caches exist before they are copied
    shutil.copytree(pathways_settings.cache_dir, root / "cache", dirs_exist_ok=True)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings)
    return settings


def test_person_on_the_outreach_list_gets_a_plan(lake: Settings) -> None:
    files = sorted((lake.lake_dir / "monitor" / "outreach").glob("*.parquet"))
    outreach = pl.read_parquet(files[-1])
    master_id = str(outreach["master_id"][0])
    person = person_plan(lake, master_id, as_of=date(2026, 1, 1))
    assert person.has_history
    assert person.outreach is not None
    assert person.outreach.rank == 1
    assert person.history
    assert person.plan is not None
    assert 3 <= len(person.plan.targets) <= 5
    assert person.plan.region == person.sido
    body = person_plan_json(person)
    json.dumps(body)
    assert body["plan"]["targets"]
    # local demand comes from the lake's hires (a count or suppressed, never a silent zero)
    demands = [t["demand"] for t in body["plan"]["targets"]]
    assert all(d is not None for d in demands)
    assert all((d["hires"] is None) == d["suppressed"] for d in demands)


def test_person_without_history_and_unknown_person(lake: Settings) -> None:
    from ilteo.lake.engine import connect

    con = connect(lake)
    try:
        row = con.execute(
            "SELECT p.master_id FROM master_persons p WHERE p.master_id NOT IN ("
            " SELECT l.master_id FROM master_person_links l WHERE l.source = 'ei_events')"
            " ORDER BY 1 LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    person = person_plan(lake, str(row[0]))
    assert not person.has_history
    assert person.plan is None
    assert person.notes
    with pytest.raises(NotFoundError):
        person_plan(lake, "P999999999")
    with pytest.raises(InvalidInputError):
        person_plan(lake, "'; DROP TABLE x")
    with pytest.raises(InvalidInputError):
        person_plan(lake, str(row[0]), top=9)
