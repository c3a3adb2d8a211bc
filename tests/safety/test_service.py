"""Scores of the fixture lake, the targets and the queue, and inspectors' outcomes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from tests.safety.conftest import SAFETY_NOW, safety_request

from ilteo.core.db import session_scope
from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.safety import service
from ilteo.safety.features import FEATURES
from ilteo.safety.model import load
from ilteo.safety.models import Inspection

SCORE_COLUMNS = [
    "master_id", "rank", "name", "address", "sido_code", "industry_code", "sector", "size_class",
    "employees", "p_serious", "expected_cases", "effect", "averted", "history_years",
    "serious_3y", "hazard_requests", "imminent_requests", "inspections_3y", "notes", "reasons",
    "model_version", "scored_at", "feature_year",
]  # fmt: skip


def test_the_scores_file_has_the_documented_columns(safety_home: Settings) -> None:
    frame, meta = service.read_scores(safety_home)
    assert frame.columns == SCORE_COLUMNS
    assert service.scores_path(safety_home).is_file()
    assert frame.height >= 400
    assert frame["master_id"].n_unique() == frame.height
    assert frame["rank"].to_list() == list(range(1, frame.height + 1))
    averted = frame["averted"].to_list()
    assert averted == sorted(averted, reverse=True)
    assert ((frame["p_serious"] >= 0) & (frame["p_serious"] <= 1)).all()
    assert (frame["averted"] == frame["expected_cases"] * frame["effect"]).all()
    assert frame["name"].null_count() == 0
    model = load(service.model_dir(safety_home))
    assert set(frame["model_version"]) == {model.version}
    assert set(frame["feature_year"]) == {2025}
    assert meta["synthetic"] is True
    assert meta["feature_year"] == 2025
    assert meta["scored_at"] == SAFETY_NOW.isoformat(timespec="seconds")
    assert meta["effect"]["overall"] == pytest.approx(0.094)  # no randomised inspection yet


def test_the_top_workplaces_carry_their_reasons(safety_home: Settings) -> None:
    frame, _ = service.read_scores(safety_home)
    top = frame.head(service.EXPLAINED_TOP)
    assert top["reasons"].null_count() == 0
    reasons = json.loads(top["reasons"][0])
    assert 1 <= len(reasons) <= 4
    assert {r["feature"] for r in reasons} <= set(FEATURES)
    assert set(reasons[0]) == {
        "feature", "label_ko", "label_en", "value", "contribution", "direction",
    }  # fmt: skip


def test_the_model_was_trained_on_the_lake(safety_home: Settings) -> None:
    model = load(service.model_dir(safety_home))
    assert model.source == "lake"
    assert model.synthetic is True
    assert model.train_years == (2023, 2024)
    assert model.metrics["training"]["positives"] >= 5
    assert model.metrics["effect"]["estimated"] is False


def test_notes_say_when_a_workplace_has_no_history_or_an_unknown_industry(
    safety_own_home: Settings,
) -> None:
    settings = safety_own_home
    lake = LakePaths.of(settings)
    scores, _ = service.read_scores(settings)
    new, odd = str(scores["master_id"][5]), str(scores["master_id"][6])
    links = pl.read_parquet(lake.master("workplace_links")).filter(
        (pl.col("source") == "workplaces") & (pl.col("master_id") == new)
    )
    records = set(links["record_id"])
    path = lake.curated("workplaces")
    curated = pl.read_parquet(path)
    curated.with_columns(
        pl.when(pl.col("workplace_mgmt_no").is_in(records)).then(date(2025, 2, 1))
        .otherwise(pl.col("opened_on")).alias("opened_on")
    ).write_parquet(path)  # fmt: skip
    master_path = lake.master("workplaces")
    master = pl.read_parquet(master_path)
    master.with_columns(
        pl.when(pl.col("master_id") == odd).then(pl.lit("29999"))
        .otherwise(pl.col("ksic_code")).alias("ksic_code")
    ).write_parquet(master_path)  # fmt: skip
    with session_scope(settings) as session:
        run = service.score(settings, session, now=SAFETY_NOW)
    assert run.no_history == 1
    assert run.unknown_industry == 1
    frame, meta = service.read_scores(settings)
    notes = dict(zip(frame["master_id"], frame["notes"].to_list(), strict=True))
    assert notes[new] == ["no_history"]
    assert notes[odd] == ["unknown_industry"]
    assert any("29999" in w for w in meta["warnings"])
    assert run.to_json()["workplaces"] == frame.height


def test_nothing_scored_is_unavailable(tmp_path: Path, safety_reference: Settings) -> None:
    empty = safety_reference.model_copy(update={"home": tmp_path / "home"})
    with pytest.raises(DataUnavailableError, match="no risk scores yet"):
        service.read_scores(empty)
    with pytest.raises(DataUnavailableError, match="no risk model yet"):
        service.score(empty)


def test_targets_take_the_most_averted_with_an_exact_random_share(
    safety_settings: Settings,
) -> None:
    chosen = service.targets(safety_settings, 20, random_share=0.1, seed=5)
    assert chosen.height == 20
    assert int((chosen["selection"] == "random").sum()) == 2
    assert int((chosen["selection"] == "model").sum()) == 18
    assert set(chosen["seed"]) == {5}
    assert "inspection_id" not in chosen.columns
    scores, _ = service.read_scores(safety_settings)
    model_ranks = sorted(chosen.filter(pl.col("selection") == "model")["rank"].to_list())
    random_ids = set(chosen.filter(pl.col("selection") == "random")["master_id"])
    best = scores.filter(~pl.col("master_id").is_in(sorted(random_ids))).head(18)
    assert model_ranks == sorted(best["rank"].to_list())
    assert chosen.equals(service.targets(safety_settings, 20, random_share=0.1, seed=5))


def test_queued_targets_get_inspections_and_are_not_chosen_again(
    safety_settings: Settings,
) -> None:
    with session_scope(safety_settings) as session:
        first = service.targets(safety_settings, 10, seed=1, session=session, queue=True,
                                actor="account:lead", now=SAFETY_NOW)  # fmt: skip
    assert first["inspection_id"].n_unique() == 10
    assert all(re.fullmatch(r"I-20260302-[0-9A-F]{6}", i) for i in first["inspection_id"])
    with session_scope(safety_settings) as session:
        rows = session.scalars(select(Inspection)).all()
        assert len(rows) == 10
        one = next(r for r in rows if r.id == first["inspection_id"][0])
        assert one.status == "queued"
        assert one.queued_by == "account:lead"
        assert one.due_on == SAFETY_NOW.date() + timedelta(days=60)
        assert one.model_version is not None
        assert one.p_serious is not None
        second = service.targets(safety_settings, 10, seed=1, session=session, queue=True,
                                 now=SAFETY_NOW)  # fmt: skip
    assert not set(first["master_id"]) & set(second["master_id"])


def test_bad_targets_requests_are_refused(safety_settings: Settings) -> None:
    scores, _ = service.read_scores(safety_settings)
    for k in (0, scores.height + 1):
        with pytest.raises(InvalidInputError, match="K must be between") as caught:
            service.targets(safety_settings, k)
        assert caught.value.extra["fields"] == {"k": "out-of-range"}
    with pytest.raises(InvalidInputError, match="random share"):
        service.targets(safety_settings, 5, random_share=1.0)
    with pytest.raises(InvalidInputError, match="needs a database session"):
        service.targets(safety_settings, 5, queue=True)


def test_a_complaint_is_queued_once_per_workplace_and_comes_first(
    safety_settings: Settings,
) -> None:
    with session_scope(safety_settings) as session:
        service.targets(safety_settings, 5, seed=2, session=session, queue=True, now=SAFETY_NOW)
        complaint = service.queue_complaint(
            session, master_workplace_id="W000000400", request_id="D-T-9", sido_code="11",
            now=SAFETY_NOW,
        )  # fmt: skip
        again = service.queue_complaint(session, master_workplace_id="W000000400",
                                        request_id="D-T-10", now=SAFETY_NOW)  # fmt: skip
        assert again.id == complaint.id
        assert complaint.due_on == SAFETY_NOW.date() + timedelta(days=7)
        queue, total = service.inspections(session)
        assert total == 6
        assert queue[0].id == complaint.id
        dues = [i.due_on for i in queue[1:]]
        assert dues == sorted(dues)
        page, total = service.inspections(session, page=2, per_page=4)
        assert total == 6
        assert len(page) == 2
        seoul, n = service.inspections(session, sido_code="11")
        assert all(i.sido_code == "11" for i in seoul)
        assert n >= 1
        assert service.inspections(session, status="done")[1] == 0
        data = service.inspection_json(complaint)
        assert data["selection"] == "complaint"
        assert data["request_id"] == "D-T-9"


def queued(settings: Settings) -> str:
    with session_scope(settings) as session:
        chosen = service.targets(settings, 1, random_share=0.0, seed=0, session=session,
                                 queue=True, now=SAFETY_NOW)  # fmt: skip
    return str(chosen["inspection_id"][0])


def record(settings: Settings, inspection_id: str, **changes: object) -> Inspection:
    values: dict[str, object] = {"actor": "account:insp", "roles": {"inspector"},
                                 "inspected_on": date(2026, 2, 20), "findings": 2,
                                 "now": SAFETY_NOW}  # fmt: skip
    values.update(changes)
    with session_scope(settings) as session:
        return service.record_outcome(session, inspection_id, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("roles", [set(), {"counsellor"}, {"analyst", "desk_officer"}])
def test_only_inspectors_and_administrators_record_outcomes(
    safety_settings: Settings, roles: set[str]
) -> None:
    inspection_id = queued(safety_settings)
    with pytest.raises(PermissionError, match="only inspectors"):
        record(safety_settings, inspection_id, roles=roles)
    done = record(safety_settings, inspection_id, roles={"administrator"})
    assert done.status == "done"


def test_outcomes_are_validated(safety_settings: Settings) -> None:
    inspection_id = queued(safety_settings)
    with pytest.raises(NotFoundError):
        record(safety_settings, "I-20260302-FFFFFF")
    cases = [
        ({"inspected_on": SAFETY_NOW.date() + timedelta(days=1)}, "inspected_on"),
        ({"findings": -1}, "findings"),
        ({"findings": 1001}, "findings"),
    ]
    for changes, field in cases:
        with pytest.raises(InvalidInputError) as caught:
            record(safety_settings, inspection_id, **changes)
        assert field in caught.value.extra["fields"]
    record(safety_settings, inspection_id)
    with pytest.raises(InvalidInputError, match="already done"):
        record(safety_settings, inspection_id)


def test_a_recorded_outcome_is_kept_with_its_note_masked(safety_settings: Settings) -> None:
    inspection_id = queued(safety_settings)
    note = "현장 책임자 901301-1234567, 010-0000-1234 연락. 안전난간 미설치."
    record(safety_settings, inspection_id, findings=4, work_stopped=True, note=note)
    with session_scope(safety_settings) as session:
        row = session.get(Inspection, inspection_id)
        assert row is not None
        assert row.status == "done"
        assert row.findings == 4
        assert row.work_stopped is True
        assert row.inspected_on == date(2026, 2, 20)
        assert row.recorded_by == "account:insp"
        assert row.inspector_id == "account:insp"
        assert row.outcome_note is not None
        assert "901301-1234567" not in row.outcome_note
        assert "010-0000-1234" not in row.outcome_note
        assert "안전난간" in row.outcome_note


def test_outcomes_and_requests_feed_the_next_scoring(safety_own_home: Settings) -> None:
    settings = safety_own_home
    scores, _ = service.read_scores(settings)
    with session_scope(settings) as session:
        chosen = service.targets(settings, 3, random_share=0.0, seed=0, session=session,
                                 queue=True, now=SAFETY_NOW)  # fmt: skip
        inspected = str(chosen["master_id"][0])
        service.record_outcome(session, str(chosen["inspection_id"][0]), actor="account:insp",
                               roles={"inspector"}, inspected_on=date(2025, 11, 3), findings=5,
                               now=SAFETY_NOW)  # fmt: skip
        reported = str(scores["master_id"][-1])
        safety_request(session, "D-T-20", received_at=SAFETY_NOW - timedelta(days=3),
                       master_workplace_id=reported, imminent=True)  # fmt: skip
        safety_request(session, "D-T-21", received_at=SAFETY_NOW - timedelta(days=400),
                       master_workplace_id=reported)  # fmt: skip
    assert scores.filter(pl.col("master_id") == inspected)["inspections_3y"][0] == 0
    with session_scope(settings) as session:
        service.score(settings, session, now=SAFETY_NOW)
        detail = service.workplace_detail(settings, session, inspected)
    after, _ = service.read_scores(settings)
    rows = {r["master_id"]: r for r in after.iter_rows(named=True)}
    assert rows[inspected]["inspections_3y"] == 1
    # only the last twelve months' requests count at scoring
    assert rows[reported]["hazard_requests"] == 1
    assert rows[reported]["imminent_requests"] == 1
    assert [h["year"] for h in detail["history"]] == [2023, 2024, 2025]
    assert detail["history"][-1]["inspected"] == 1
    assert detail["history"][-1]["findings"] == 5
    assert detail["inspections"][0]["status"] == "done"


def test_workplace_detail(safety_settings: Settings) -> None:
    scores, _ = service.read_scores(safety_settings)
    first = str(scores["master_id"][0])
    with session_scope(safety_settings) as session:
        detail = service.workplace_detail(safety_settings, session, first)
        with pytest.raises(NotFoundError):
            service.workplace_detail(safety_settings, session, "W999999999")
    assert detail["score"]["master_id"] == first
    assert "reasons" not in detail["score"]
    assert detail["reasons"]
    assert detail["synthetic"] is True
    assert len(detail["history"]) == 3
    assert detail["inspections"] == []


def test_reasons_below_the_stored_top_are_computed_from_the_scored_features(
    safety_own_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "EXPLAINED_TOP", 1)
    with session_scope(safety_own_home) as session:
        service.score(safety_own_home, session, now=SAFETY_NOW)
    scores, _ = service.read_scores(safety_own_home)
    second = str(scores.sort("rank")["master_id"][1])
    assert scores.sort("rank")["reasons"][1] is None  # not stored at scoring
    with session_scope(safety_own_home) as session:
        detail = service.workplace_detail(safety_own_home, session, second)
    assert detail["reasons"]
    assert {"feature", "label_en", "contribution"} <= set(detail["reasons"][0])
    assert [h["year"] for h in detail["history"]] == [2023, 2024, 2025]
