"""The safety room's Open API: ``/v1/safety`` public aggregates, the model card and staff doors.

One scored home per test worker (the ``monitor_lake`` home copied, the model trained with five
serious cases at least and every workplace scored); each test gets its own copy of the store, so
queued inspections do not leak between tests. Staff sign in with a session cookie.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.safety import service
from ilteo.safety.models import Inspection

if TYPE_CHECKING:
    from tests.monitor.conftest import MonitorLake

PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def scored_home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The monitor lake's home copied, its risk model trained and every workplace scored."""
    home = tmp_path_factory.mktemp("safety-api") / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    settings = monitor_lake.settings.model_copy(update={"home": home, "database_url": None})
    upgrade(settings)
    with session_scope(settings) as session:
        service.train(settings, session, min_positives=5)
        service.score(settings, session)
    return settings


@pytest.fixture
def home(scored_home: Settings, tmp_path: Path) -> Settings:
    """The scored home with this test's own copy of the store."""
    database = tmp_path / "ops.db"
    with (  # the backup API: a plain copy would miss what is still in the write-ahead log
        closing(sqlite3.connect(scored_home.home / "ilteo.db")) as source,
        closing(sqlite3.connect(database)) as target,
    ):
        source.backup(target)
    return scored_home.model_copy(update={"database_url": f"sqlite:///{database}"})


def app_of(settings: Settings) -> FastAPI:
    """The whole app; the safety router is added if the app does not have it yet."""
    from ilteo.api.routers import safety

    app = create_app(settings)
    if "/v1/safety/summary" not in {getattr(route, "path", None) for route in app.routes}:
        app.include_router(safety.router, prefix="/v1")
    return app


@pytest.fixture
def client(home: Settings) -> Iterator[TestClient]:
    with TestClient(app_of(home)) as test_client:
        yield test_client


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def test_the_summary_is_public_and_names_no_workplace(home: Settings, client: TestClient) -> None:
    response = client.get("/v1/safety/summary")
    assert response.status_code == 200, response.text
    body = response.json()
    scores, _ = service.read_scores(home)
    assert body["workplaces_scored"] == scores.height > 0
    assert body["high_risk_workplaces"] == int((scores["p_serious"] >= 0.10).sum())
    assert body["synthetic"] is True
    assert "synthetic" in body["synthetic_label"]
    assert body["regions"]
    for region in body["regions"]:
        for key in ("workplaces", "high_risk", "inspections_done", "inspections_queued"):
            assert region[key] is None or region[key] >= 5, (region, key)
    for name in scores.sort("rank")["name"].head(20).to_list():
        assert name not in response.text
    assert "master_id" not in response.text


def test_the_model_card_shows_calibration_and_the_effect_source(
    home: Settings, client: TestClient
) -> None:
    from ilteo.safety.model import load

    model = load(service.model_dir(home))
    response = client.get("/v1/safety/model")
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["version"] == model.version
    assert card["train_years"] == list(model.train_years)
    assert card["synthetic"] is True
    assert card["synthetic_label"]
    calibration = card["calibration"]
    assert 0.5 <= calibration["auc"] <= 1
    assert sum(b["n"] for b in calibration["bins"]) == calibration["n"] > 0
    assert card["training"]["positives"] >= 5
    assert "Levine" in card["effect"]["source"]
    assert 0 < card["effect"]["overall"] < 1


def test_nothing_scored_is_a_503_problem(settings: Settings) -> None:
    upgrade(settings)
    with TestClient(app_of(settings)) as empty:
        card = empty.get("/v1/safety/model")
        assert card.status_code == 200
        assert card.json()["available"] is False
        assert "ilteo safety train" in card.json()["message"]
        summary = empty.get("/v1/safety/summary").json()
        assert (summary["workplaces_scored"], summary["regions"]) == (0, [])
        sign_in_client(empty, settings, login="kim", roles=("inspector",))
        for path in ("/v1/safety/workplaces", "/v1/safety/targets?k=3"):
            body = problem_of(empty.get(path), 503)
            assert "ilteo safety score" in body["detail"], path
        queue = empty.post("/v1/safety/inspections", json={"k": 3})
        assert problem_of(queue, 503)["type"].endswith("data-unavailable")


STAFF_GETS = (
    "/v1/safety/workplaces",
    "/v1/safety/feed",
    "/v1/safety/incidents",
    "/v1/safety/targets?k=3",
    "/v1/safety/inspections",
)


def test_staff_doors_need_a_room_role(home: Settings, client: TestClient) -> None:
    for path in STAFF_GETS:
        assert problem_of(client.get(path), 401)["status"] == 401, path
    sign_in_client(client, home, login="counsellor", roles=("counsellor",))
    for path in STAFF_GETS:
        problem_of(client.get(path), 403)
    sign_in_client(client, home, login="analyst", roles=("analyst",))
    for path in STAFF_GETS:
        assert client.get(path).status_code == 200, path
    problem_of(client.post("/v1/safety/inspections", json={"k": 2}), 403)


def test_high_risk_workplaces_by_region(home: Settings, client: TestClient) -> None:
    sign_in_client(client, home, login="kim", roles=("inspector",))
    everyone = client.get("/v1/safety/workplaces", params={"top": 5}).json()
    assert [w["rank"] for w in everyone["workplaces"]] == [1, 2, 3, 4, 5]
    assert everyone["meta"]["model_version"]
    assert everyone["synthetic_label"]
    top = everyone["workplaces"][0]
    assert top["reasons"]
    assert {"feature", "label_ko", "label_en", "value", "direction"} <= top["reasons"][0].keys()
    sido = top["sido_code"]
    regional = client.get("/v1/safety/workplaces", params={"sido": sido, "top": 50}).json()
    assert regional["workplaces"]
    assert {w["sido_code"] for w in regional["workplaces"]} == {sido}
    assert len(regional["regions"]) == len(everyone["regions"])
    ranks = [w["rank"] for w in regional["workplaces"]]
    assert ranks == sorted(ranks)
    bad = problem_of(client.get("/v1/safety/workplaces", params={"sido": "Seoul"}), 422)
    assert "sido" in bad["detail"]
    problem_of(client.get("/v1/safety/workplaces", params={"top": 0}), 422)


def test_one_workplace_with_reasons_history_and_inspections(
    home: Settings, client: TestClient
) -> None:
    sign_in_client(client, home, login="kim", roles=("inspector",))
    scores, _ = service.read_scores(home)
    top = scores.sort("rank").row(0, named=True)
    response = client.get(f"/v1/safety/workplaces/{top['master_id']}")
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["score"]["master_id"] == top["master_id"]
    assert detail["score"]["p_serious"] == pytest.approx(top["p_serious"])
    assert detail["reasons"]
    assert detail["history"]
    assert [h["year"] for h in detail["history"]] == sorted(h["year"] for h in detail["history"])
    assert detail["inspections"] == []
    problem_of(client.get("/v1/safety/workplaces/W999999999"), 404)
    problem_of(client.get("/v1/safety/workplaces/a.b"), 422)


def test_targets_are_a_repeatable_preview_that_queues_nothing(
    home: Settings, client: TestClient
) -> None:
    sign_in_client(client, home, login="analyst", roles=("analyst",))
    params = {"k": 10, "random_share": 0.2, "seed": 7}
    first = client.get("/v1/safety/targets", params=params)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["k"], body["seed"], body["queued"]) == (10, 7, False)
    assert len(body["targets"]) == 10
    assert body["by_selection"] == {"model": 8, "random": 2}
    assert body["expected_averted"] == pytest.approx(sum(t["averted"] for t in body["targets"]))
    again = client.get("/v1/safety/targets", params=params).json()
    assert [t["master_id"] for t in again["targets"]] == [t["master_id"] for t in body["targets"]]
    with session_scope(home) as session:
        assert session.query(Inspection).count() == 0
    scored = service.read_scores(home)[0].height
    too_many = problem_of(client.get("/v1/safety/targets", params={"k": scored + 1}), 422)
    assert too_many["fields"] == {"k": "out-of-range"}
    share = problem_of(client.get("/v1/safety/targets", params={"k": 3, "random_share": 1}), 422)
    assert "random_share" in share["detail"]


def test_inspectors_queue_list_and_record_outcomes(home: Settings, client: TestClient) -> None:
    account = sign_in_client(client, home, login="kim", roles=("inspector",))
    queued = client.post("/v1/safety/inspections", json={"k": 12, "random_share": 0.25, "seed": 3})
    assert queued.status_code == 201, queued.text
    body = queued.json()
    assert body["queued"] is True
    ids = [t["inspection_id"] for t in body["targets"]]
    assert len(set(ids)) == 12
    problem_of(client.post("/v1/safety/inspections", json={"k": 2, "extra": 1}), 422)
    problem_of(client.post("/v1/safety/inspections", json={"k": 0}), 422)

    first = client.get("/v1/safety/inspections", params={"limit": 5})
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 12
    assert len(page["items"]) == 5
    assert 'rel="next"' in first.headers["link"]
    seen = [i["id"] for i in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [i["id"] for i in page["items"]]
    assert sorted(seen) == sorted(ids)
    item = client.get("/v1/safety/inspections", params={"limit": 1}).json()["items"][0]
    assert item["status"] == "queued"
    assert item["queued_at"].endswith("+00:00")
    assert datetime.fromisoformat(item["queued_at"]) <= datetime.now(UTC)

    target = ids[0]
    today = datetime.now(UTC).date()
    outcome = {
        "inspected_on": today.isoformat(),
        "findings": 3,
        "work_stopped": True,
        "note": "현장 책임자 연락처 010-0000-1234",
    }
    done = client.post(f"/v1/safety/inspections/{target}/outcome", json=outcome)
    assert done.status_code == 200, done.text
    recorded = done.json()
    assert (recorded["status"], recorded["findings"], recorded["work_stopped"]) == ("done", 3, True)
    assert "010-0000-1234" not in recorded["outcome_note"]
    assert recorded["inspector_id"] == f"account:{account.id}"
    twice = problem_of(client.post(f"/v1/safety/inspections/{target}/outcome", json=outcome), 422)
    assert twice["fields"] == {"status": "already done"}
    future = {**outcome, "inspected_on": (today + timedelta(days=3)).isoformat()}
    late = problem_of(client.post(f"/v1/safety/inspections/{ids[1]}/outcome", json=future), 422)
    assert "inspected_on" in late["fields"]
    negative = {**outcome, "findings": -1}
    problem_of(client.post(f"/v1/safety/inspections/{ids[1]}/outcome", json=negative), 422)
    problem_of(client.post("/v1/safety/inspections/I-20260101-ABCDEF/outcome", json=outcome), 404)

    listed = client.get("/v1/safety/inspections", params={"status": "done"}).json()
    assert [i["id"] for i in listed["items"]] == [target]
    assert client.get("/v1/safety/inspections").json()["total"] == 11
    incidents = client.get("/v1/safety/incidents").json()["incidents"]
    stopped = [i for i in incidents if i["kind"] == "work_stopped"]
    assert [(i["inspection_id"], i["follow_up"]) for i in stopped] == [(target, "recheck_due")]
    detail = client.get(f"/v1/safety/workplaces/{recorded['master_workplace_id']}").json()
    assert [i["id"] for i in detail["inspections"]] == [target]
    preview = client.get("/v1/safety/targets", params={"k": 50, "seed": 1}).json()
    queued_workplaces = {t["master_id"] for t in body["targets"][1:]}
    assert not queued_workplaces & {t["master_id"] for t in preview["targets"]}


def test_analysts_cannot_record_outcomes(home: Settings, client: TestClient) -> None:
    sign_in_client(client, home, login="kim", roles=("inspector",))
    ids = [
        t["inspection_id"]
        for t in client.post("/v1/safety/inspections", json={"k": 1}).json()["targets"]
    ]
    sign_in_client(client, home, login="analyst", roles=("analyst",))
    outcome = {"inspected_on": datetime.now(UTC).date().isoformat(), "findings": 0}
    problem_of(client.post(f"/v1/safety/inspections/{ids[0]}/outcome", json=outcome), 403)
    with session_scope(home) as session:
        row = session.get(Inspection, ids[0])
        assert row is not None
        assert row.status == "queued"


def test_the_feed_puts_imminent_danger_first(home: Settings, client: TestClient) -> None:
    from ilteo.desk.models import Request

    now = datetime.now(UTC)
    with session_scope(home) as session:
        for number, category, urgent, hours in (
            ("2026-0101-AAAAA1", "safety_hazard", [], 1),
            ("2026-0101-AAAAA2", "safety_hazard", ["imminent_danger"], 5),
            ("2026-0101-AAAAA3", "wage_arrears", [], 0),
        ):
            at = now - timedelta(hours=hours)
            session.add(
                Request(
                    id=number,
                    received_at=at,
                    status_at=at,
                    channel="web",
                    kind="complaint",
                    text_masked="비계 난간이 없습니다",
                    text_sealed="-",
                    category=category,
                    urgent=urgent,
                    alerted_at=at if urgent else None,
                    status="classified",
                    workplace_name="(주)가상건설",
                    summary=["비계 난간 없음"],
                )
            )
    sign_in_client(client, home, login="desk", roles=("desk_officer",))
    response = client.get("/v1/safety/feed")
    assert response.status_code == 200, response.text
    feed = response.json()["feed"]
    assert [f["id"] for f in feed] == ["2026-0101-AAAAA2", "2026-0101-AAAAA1"]
    assert feed[0]["imminent"] is True
    assert all(f["received_at"].endswith("+00:00") for f in feed)
    incidents = client.get("/v1/safety/incidents").json()["incidents"]
    assert incidents[0]["kind"] == "imminent_danger"
    assert incidents[0]["follow_up"] == "inspection_needed"
    problem_of(client.get("/v1/safety/feed", params={"days": 0}), 422)
