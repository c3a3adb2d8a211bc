"""Cross-source consistency: scores per source pair, written to lake_quality, alerts when below."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.lake.steward_factories import (
    NOW,
    SOURCES,
    WORKPLACES,
    migrated,
    write_curated,
    write_person_linkage,
    write_small_lake,
)

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.lake import consistency
from ilteo.lake.consistency import list_consistency, run_consistency
from ilteo.lake.models import LakeQualityScore
from ilteo.lake.stewardship import quality_overview


@pytest.fixture
def lake(settings: Settings) -> Settings:
    settings = migrated(settings)
    write_small_lake(settings)
    write_person_linkage(settings)
    return settings


def scores(results: list[Any]) -> dict[tuple[str, str, str], float | None]:
    return {(r.check, r.left, r.right): r.score for r in results}


def test_scores_per_source_pair(lake: Settings) -> None:
    results = scores(run_consistency(lake, sources=SOURCES, now=NOW))
    # 3 of the 4 EI events at known workplaces carry the register's KSIC.
    assert results[("workplace_ksic", "ei_events", "workplaces")] == 0.75
    # 2 of 3 job-seeking claims have a loss event for that person on the separation date.
    assert results[("claim_loss_event", "benefit_claims", "ei_events")] == pytest.approx(0.6667)
    assert results[("accident_workplace", "accidents", "workplaces")] == 0.5
    # Birth dates agree; one person is F in EI and 남 (M) in training: sex is compared normalised.
    assert results[("person_birth_date", "ei_events", "kdt_enrolments")] == 1.0
    assert results[("person_sex", "ei_events", "kdt_enrolments")] == 0.5
    assert results[("person_sex", "benefit_claims", "kdt_enrolments")] == 1.0


def test_scores_are_written_as_consistency_quality_with_alerts(lake: Settings) -> None:
    run_consistency(lake, sources=SOURCES, now=NOW)
    with session_scope(lake) as session:
        rows = session.scalars(
            select(LakeQualityScore).where(LakeQualityScore.dimension == "consistency")
        ).all()
        written = {(r.source, r.field): (r.score, r.below_threshold, r.batch_id) for r in rows}
    assert written[("ei_events", "workplace_ksic@workplaces")] == (0.75, True, None)
    assert written[("ei_events", "person_birth_date@kdt_enrolments")] == (1.0, False, None)
    alerts = {(a.source, a.field) for a in quality_overview(lake).alerts}
    assert ("accidents", "accident_workplace@workplaces") in alerts
    assert ("ei_events", "person_birth_date@kdt_enrolments") not in alerts


def test_a_better_run_clears_the_alert(lake: Settings) -> None:
    run_consistency(lake, sources=SOURCES, now=NOW)
    write_curated(lake, "accidents", {"accident_id": ["A1"], "rrn_hash": ["h1"],
                                      "workplace_mgmt_no": ["W1"],
                                      "accident_date": [NOW.date()]})  # fmt: skip
    run_consistency(lake, sources=SOURCES, now=NOW + timedelta(hours=1))
    latest = {(c.check, c.left): c for c in list_consistency(lake)}
    assert latest[("accident_workplace", "accidents")].score == 1.0
    assert not latest[("accident_workplace", "accidents")].below_threshold
    alerts = {(a.source, a.field) for a in quality_overview(lake).alerts}
    assert ("accidents", "accident_workplace@workplaces") not in alerts


def test_thresholds_come_from_the_yaml(lake: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    config = copy.deepcopy(consistency.consistency_config())
    for check in config["checks"]:
        if check["id"] == "workplace_ksic":
            check["threshold"] = 0.7
    monkeypatch.setattr(consistency, "consistency_config", lambda: config)
    result = next(r for r in run_consistency(lake, sources=SOURCES, now=NOW, write=False)
                  if r.check == "workplace_ksic")  # fmt: skip
    assert (result.score, result.threshold, result.below_threshold) == (0.75, 0.7, False)


def test_empty_lake_skips_every_check_and_writes_nothing(settings: Settings) -> None:
    settings = migrated(settings)
    results = run_consistency(settings, sources=SOURCES, now=NOW)
    assert results
    assert all(r.score is None and r.skipped for r in results)
    assert "no data" in results[0].skipped
    assert list_consistency(settings) == []


def test_an_undeclared_source_or_missing_column_is_skipped_with_the_reason(lake: Settings) -> None:
    only_workplaces = run_consistency(lake, sources=[WORKPLACES], now=NOW, write=False)
    ksic = next(r for r in only_workplaces if r.check == "workplace_ksic")
    assert ksic.score is None
    assert "ei_events" in (ksic.skipped or "")
    write_curated(lake, "accidents", {"accident_id": ["A1"]})
    accidents = next(r for r in run_consistency(lake, sources=SOURCES, now=NOW, write=False)
                     if r.check == "accident_workplace")  # fmt: skip
    assert "workplace_mgmt_no" in (accidents.skipped or "")


def test_quoted_identifiers_cannot_break_out() -> None:
    assert consistency._q('x" OR 1=1 --') == '"x"" OR 1=1 --"'
