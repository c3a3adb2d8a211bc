"""The monitoring room: the live feed, high-risk workplaces, incidents, the public summary."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from tests.safety.conftest import SAFETY_NOW, safety_request

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.safety import room, service


def test_the_live_feed_puts_unacknowledged_imminent_danger_first(
    safety_settings: Settings,
) -> None:
    with session_scope(safety_settings) as session:
        safety_request(session, "D-F-1", received_at=SAFETY_NOW - timedelta(days=2),
                       imminent=True, master_workplace_id="W000000010")  # fmt: skip
        safety_request(session, "D-F-2", received_at=SAFETY_NOW - timedelta(days=1))
        safety_request(session, "D-F-3", received_at=SAFETY_NOW - timedelta(hours=1),
                       imminent=True, acknowledged=True)  # fmt: skip
        safety_request(session, "D-F-4", received_at=SAFETY_NOW - timedelta(hours=2),
                       category="wage_arrears")  # fmt: skip
        safety_request(session, "D-F-5", received_at=SAFETY_NOW - timedelta(days=40))
        safety_request(session, "D-F-6", received_at=SAFETY_NOW - timedelta(days=5),
                       category="wage_arrears", imminent=True)  # fmt: skip
        complaint = service.queue_complaint(session, master_workplace_id="W000000010",
                                            request_id="D-F-1", now=SAFETY_NOW)  # fmt: skip
        feed = room.live_feed(session, now=SAFETY_NOW)
        assert [f["id"] for f in room.live_feed(session, limit=2, now=SAFETY_NOW)] == [
            "D-F-1", "D-F-6",
        ]  # fmt: skip
    assert [f["id"] for f in feed] == ["D-F-1", "D-F-6", "D-F-3", "D-F-2"]
    first = feed[0]
    assert first["imminent"] is True
    assert first["acknowledged"] is False
    assert first["inspection_id"] == complaint.id
    assert first["office_name"] == "가상지청"
    assert first["summary"] == ["비계 흔들림", "추락 위험"]
    assert feed[2]["acknowledged"] is True
    assert feed[3]["inspection_id"] is None
    assert set(first) == {
        "id", "received_at", "category", "urgent", "imminent", "acknowledged", "status",
        "office_code", "office_name", "workplace_name", "master_workplace_id", "summary",
        "inspection_id",
    }  # fmt: skip


def test_high_risk_gives_regions_and_the_top_workplaces(safety_home: Settings) -> None:
    scores, _ = service.read_scores(safety_home)
    found = room.high_risk(safety_home, top=10)
    regions = found["regions"]
    assert sum(r["workplaces"] for r in regions) == scores.height
    averted = [r["averted"] for r in regions]
    assert averted == sorted(averted, reverse=True)
    assert all(r["sido_name"] != "unknown" for r in regions)
    high = sum(r["high_risk"] for r in regions)
    assert high == int((scores["p_serious"] >= room.HIGH_RISK_P).sum())
    workplaces = found["workplaces"]
    assert [w["rank"] for w in workplaces] == list(range(1, 11))
    for w in workplaces:
        assert w["high_risk"] == (w["p_serious"] >= room.HIGH_RISK_P)
        assert isinstance(w["reasons"], list)
        assert w["reasons"]
    assert found["meta"]["feature_year"] == 2025
    seoul = room.high_risk(safety_home, sido_code="11", top=5)["workplaces"]
    assert len(seoul) == 5
    assert {w["sido_code"] for w in seoul} == {"11"}
    assert seoul[0]["sido_name"] == "서울특별시"
    ranks = [w["rank"] for w in seoul]
    assert ranks == sorted(ranks)


def deaths_of(settings: Settings) -> list[dict[str, object]]:
    with session_scope(settings) as session:
        return [
            i for i in room.incidents(session, settings, now=SAFETY_NOW) if i["kind"] == "death"
        ]


def test_incidents_follow_up_reports_stops_and_deaths(safety_settings: Settings) -> None:
    with session_scope(safety_settings) as session:
        safety_request(session, "D-I-1", received_at=SAFETY_NOW - timedelta(days=1),
                       imminent=True, master_workplace_id="W000000020")  # fmt: skip
        safety_request(session, "D-I-2", received_at=SAFETY_NOW - timedelta(days=2),
                       imminent=True, master_workplace_id="W000000021")  # fmt: skip
        safety_request(session, "D-I-3", received_at=SAFETY_NOW - timedelta(days=3),
                       imminent=True, status="answered")  # fmt: skip
        queued = service.queue_complaint(session, master_workplace_id="W000000020",
                                         request_id="D-I-1", now=SAFETY_NOW)  # fmt: skip
        stopped = service.targets(safety_settings, 1, random_share=0.0, seed=0, session=session,
                                  queue=True, now=SAFETY_NOW)  # fmt: skip
        service.record_outcome(session, str(stopped["inspection_id"][0]), actor="account:insp",
                               roles={"inspector"}, inspected_on=date(2026, 2, 10), findings=6,
                               work_stopped=True, now=SAFETY_NOW)  # fmt: skip
        found = room.incidents(session, safety_settings, now=SAFETY_NOW)
    kinds = [i["kind"] for i in found]
    assert kinds == sorted(kinds, key=["imminent_danger", "work_stopped", "death"].index)
    imminent = {i["request_id"]: i for i in found if i["kind"] == "imminent_danger"}
    assert set(imminent) == {"D-I-1", "D-I-2"}  # the answered one is closed
    assert imminent["D-I-1"]["follow_up"] == "inspection_queued"
    assert imminent["D-I-1"]["inspection_id"] == queued.id
    assert imminent["D-I-2"]["follow_up"] == "inspection_needed"
    stop = next(i for i in found if i["kind"] == "work_stopped")
    assert stop["follow_up"] == "recheck_due"
    assert stop["due"] == "2026-02-24"
    assert stop["status"] == "overdue"  # due before SAFETY_NOW
    for death in (i for i in found if i["kind"] == "death"):
        assert death["follow_up"] == "no_inspection_since"
        assert str(death["at"]).startswith("2025")


def test_a_death_is_followed_up_until_an_inspection_is_recorded(
    safety_own_home: Settings,
) -> None:
    settings = safety_own_home
    path = LakePaths.of(settings).curated("accidents")
    accidents = pl.read_parquet(path)
    latest = accidents.filter(pl.col("accident_date").dt.year() == 2025)
    chosen = str(latest["accident_id"][0])
    accidents.with_columns(
        (pl.col("fatal").fill_null(False) | (pl.col("accident_id") == chosen)).alias("fatal")
    ).write_parquet(path)
    deaths = deaths_of(settings)
    assert deaths
    assert all(d["follow_up"] == "no_inspection_since" for d in deaths)
    assert all(str(d["at"]).startswith("2025") for d in deaths)
    workplace = str(deaths[0]["master_workplace_id"])
    assert deaths[0]["workplace_name"]
    with session_scope(settings) as session:
        inspection = service.queue_complaint(
            session, master_workplace_id=workplace, request_id="D-I-9", now=SAFETY_NOW
        )
        service.record_outcome(
            session, inspection.id, actor="account:insp", roles={"inspector"},
            inspected_on=date(2026, 1, 15), findings=1, now=SAFETY_NOW,
        )  # fmt: skip
    after = deaths_of(settings)
    assert workplace not in {d["master_workplace_id"] for d in after}
    assert len(after) < len(deaths)


def test_the_public_summary_names_no_workplace_and_suppresses_small_counts(
    safety_settings: Settings,
) -> None:
    scores, _ = service.read_scores(safety_settings)
    with session_scope(safety_settings) as session:
        service.targets(safety_settings, 30, seed=3, session=session, queue=True, now=SAFETY_NOW)
        for i in range(3):
            safety_request(session, f"D-P-{i}", received_at=SAFETY_NOW - timedelta(days=i + 1),
                           imminent=True)  # fmt: skip
        summary = room.public_summary(safety_settings, session, now=SAFETY_NOW)
    text = json.dumps(summary, ensure_ascii=False)
    for name in scores["name"].to_list():
        assert name not in text
    for master_id in scores["master_id"].to_list():
        assert master_id not in text
    assert "workplaces" not in summary
    assert summary["synthetic"] is True
    assert summary["workplaces_scored"] == scores.height
    assert summary["suppressed_below"] == room.SUPPRESS_BELOW == 5
    assert summary["imminent_danger_reports_30d"] is None  # 3 < 5
    counts = scores.group_by("sido_code").len()
    small = set(counts.filter(pl.col("len") < 5)["sido_code"])
    assert small  # the fixture lake has small regions
    for region in summary["regions"]:
        n = region["workplaces"]
        if region["sido_code"] in small:
            assert n is None
        else:
            assert n >= 5
        for key in ("high_risk", "inspections_done", "inspections_queued"):
            assert region[key] is None or region[key] >= 5
    queued = sum(r["inspections_queued"] or 0 for r in summary["regions"])
    assert 0 < queued <= 30
    assert summary["model"]["calibration"]["n"] > 0
    assert summary["model"]["train_years"] == [2023, 2024]


def test_the_public_summary_before_any_scoring_is_empty_not_an_error(
    safety_reference: Settings, tmp_path: Path
) -> None:
    empty = safety_reference.model_copy(update={"home": tmp_path / "home"})
    upgrade(empty)
    with session_scope(empty) as session:
        summary = room.public_summary(empty, session, now=SAFETY_NOW)
    assert summary["workplaces_scored"] == 0
    assert summary["regions"] == []
    assert summary["model"] == {}
