"""The ``/v1/pathways`` endpoints: public plans and courses, staff and citizen personal plans.

Every test uses the home of the session's fixture lake (``monitor_lake``), with its own identity
database: the occupation profiles and the course index are built once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import create_test_account, sign_in_client
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.identity.models import PersonRead
from ilteo.monitor.risk import group_members, high_risk_groups
from ilteo.pathways.courses import Gap, match_courses
from ilteo.pathways.plan import person_plan, person_plan_json, plan_json, recommend

PROBLEM = "application/problem+json"
PURPOSE = "전직 상담 준비"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://ilteo.kr/problems/{code}"
    return body


@pytest.fixture
def lake_settings(monitor_lake: MonitorLake, tmp_path: Path) -> Settings:
    """The built fixture lake with this test's own identity database."""
    settings = monitor_lake.settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"}
    )
    upgrade(settings)
    return settings


@pytest.fixture
def client(lake_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(lake_settings)) as test_client:
        yield test_client


@pytest.fixture
def someone(lake_settings: Settings) -> str:
    """The master id of a person of the lake with a job history (a high-risk group member)."""
    group = high_risk_groups(lake_settings, limit=1)[0]
    return group_members(lake_settings, group.group_id)[0].master_id


@pytest.fixture
def nobody(lake_settings: Settings) -> str:
    """The master id of a person of the lake without any insured job (no history)."""
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql

    con = connect(lake_settings)
    try:
        spells_sql(con)
        row = con.execute(
            "SELECT master_id FROM master_persons WHERE master_id NOT IN "
            "(SELECT master_id FROM monitor_spells WHERE ksco IS NOT NULL) ORDER BY 1 LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def _reads(settings: Settings) -> list[PersonRead]:
    with session_scope(settings) as session:
        reads = list(session.scalars(select(PersonRead)))
        session.expunge_all()
    return reads


def test_recommendations_are_public_and_the_plan_json(
    client: TestClient, lake_settings: Settings
) -> None:
    response = client.get("/v1/pathways/recommendations", params={"occupation": "2222"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == plan_json(recommend(lake_settings, "2222"))
    assert body["origin"]["system"] == "ksco8"
    assert 1 <= len(body["targets"]) <= 5
    assert [t["rank"] for t in body["targets"]] == list(range(1, len(body["targets"]) + 1))
    assert all(t["onet_code"] != body["origin"]["onet_code"] for t in body["targets"])
    assert "확률" in body["caveat"] or "probability" in body["caveat"]


def test_recommendations_of_an_onet_code_with_region_and_courses(
    client: TestClient, lake_settings: Settings
) -> None:
    params = {"occupation": "15-1252.00", "top": 3, "region": "서울", "courses": 1}
    body = client.get("/v1/pathways/recommendations", params=params).json()
    expected = recommend(lake_settings, "15-1252.00", top=3, courses=1, region="서울")
    assert body == plan_json(expected)
    assert body["origin"]["onet_code"] == "15-1252.00"
    assert 1 <= len(body["targets"]) <= 3
    assert all(len(t["courses"]) <= 1 for t in body["targets"])
    forced = client.get(
        "/v1/pathways/recommendations", params={"occupation": "15-1252.00", "system": "onet"}
    )
    assert forced.status_code == 200


def test_unknown_codes_and_bad_input_are_problems(client: TestClient) -> None:
    body = _problem(
        client.get("/v1/pathways/recommendations", params={"occupation": "15-9999.00"}),
        404,
        "not-found",
    )
    assert body["suggestions"]
    for params in (
        {"occupation": "2222", "system": "isco08"},
        {"occupation": "2222", "top": 0},
        {"occupation": "2222", "courses": 9},
        {"occupation": "2222", "region": "아틀란티스"},
        {},
    ):
        _problem(client.get("/v1/pathways/recommendations", params=params), 422, "invalid-input")


def test_courses_for_named_skills(client: TestClient, lake_settings: Settings) -> None:
    params = {"skills": "programming, Mathematics", "region": "11", "top": 2}
    response = client.get("/v1/pathways/courses", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skills"] == ["Programming", "Mathematics"]
    expected = match_courses(
        lake_settings, [Gap("Programming"), Gap("Mathematics")], region="11", top=2
    )
    assert [c["course_id"] for c in body["courses"]] == [m.course.course_id for m in expected]
    assert body["courses"]
    for course in body["courses"]:
        assert set(course["covers"]) <= {"Programming", "Mathematics"}
        assert course["estimated_self_pay_krw"] in (0, None)
    assert "estimate" in body["basis"]
    planned = plan_json(recommend(lake_settings, "2222", top=3, courses=1))["targets"]
    shape = next(set(t["courses"][0]) for t in planned if t["courses"])
    assert set(body["courses"][0]) == shape  # a plan's course and a skills' course look alike
    unknown = _problem(
        client.get("/v1/pathways/courses", params={"skills": "Programing"}), 422, "invalid-input"
    )
    assert "Programming" in unknown["suggestions"]
    _problem(client.get("/v1/pathways/courses", params={"skills": " , "}), 422, "invalid-input")


def test_a_person_plan_is_for_staff_with_a_purpose_and_audited(
    client: TestClient, lake_settings: Settings, someone: str
) -> None:
    path = f"/v1/pathways/people/{someone}"
    _problem(client.get(path, params={"purpose": PURPOSE}), 401, "unauthorized")
    sign_in_client(client, lake_settings, login="citizen", roles=())
    assert client.get(path, params={"purpose": PURPOSE}).status_code == 403
    client.cookies.clear()
    sign_in_client(client, lake_settings, login="steward", roles=("data_steward",))
    assert client.get(path, params={"purpose": PURPOSE}).status_code == 403
    assert _reads(lake_settings) == []

    client.cookies.clear()
    staff = sign_in_client(client, lake_settings, login="counsellor1", roles=("counsellor",))
    _problem(client.get(path), 422, "invalid-input")
    _problem(client.get(path, params={"purpose": "ab"}), 422, "invalid-input")
    assert _reads(lake_settings) == []
    response = client.get(path, params={"purpose": PURPOSE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == person_plan_json(person_plan(lake_settings, someone))
    assert body["master_id"] == someone
    assert body["has_history"] is True
    assert "rrn" not in response.text.lower()
    [read] = _reads(lake_settings)
    assert (read.master_person_id, read.staff_account_id) == (someone, staff.id)
    assert PURPOSE in read.purpose

    _problem(client.get("/v1/pathways/people/P999999999", params={"purpose": PURPOSE}), 404,
             "not-found")  # fmt: skip
    assert len(_reads(lake_settings)) == 1


def test_a_person_without_history_has_no_plan_and_says_why(
    client: TestClient, lake_settings: Settings, nobody: str
) -> None:
    sign_in_client(client, lake_settings, login="analyst1", roles=("analyst",))
    response = client.get(f"/v1/pathways/people/{nobody}", params={"purpose": PURPOSE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["master_id"], body["has_history"], body["plan"]) == (nobody, False, None)
    assert body["notes"]
    assert [r.master_person_id for r in _reads(lake_settings)] == [nobody]


def _citizen(client: TestClient, settings: Settings, master_id: str | None) -> None:
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="minji", master_person_id=master_id)
        token = create_session(session, account.id)
    client.cookies.set(COOKIE_NAME, token)


def test_my_plan_needs_a_link_to_the_lake(client: TestClient, lake_settings: Settings) -> None:
    _problem(client.get("/v1/pathways/me"), 401, "unauthorized")
    _citizen(client, lake_settings, None)
    body = _problem(client.get("/v1/pathways/me"), 404, "not-found")
    assert body["linked"] is False
    assert "in-person" in body["detail"]
    assert any("/v1/pathways/recommendations" in step for step in body["next_steps"])


def test_my_plan_is_the_plan_of_my_linked_record(
    client: TestClient, lake_settings: Settings, someone: str
) -> None:
    _citizen(client, lake_settings, someone)
    response = client.get("/v1/pathways/me")
    assert response.status_code == 200, response.text
    assert response.json() == person_plan_json(person_plan(lake_settings, someone))
    assert _reads(lake_settings) == []  # one's own record: no staff read to audit
