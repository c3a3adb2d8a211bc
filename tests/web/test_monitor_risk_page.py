"""The staff page of a high-risk group: roles, purpose, audited reads, no RRN, names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import sign_in_client
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.models import PersonRead
from ilteo.monitor.risk import RiskGroup, group_members, high_risk_groups

PURPOSE = "전직 지원 대상 확인"


@pytest.fixture
def lake_settings(monitor_lake: MonitorLake, tmp_path: Path) -> Settings:
    """The built fixture lake with this test's own identity database."""
    settings = monitor_lake.settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"}
    )
    upgrade(settings)
    return settings


@pytest.fixture
def web(lake_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(lake_settings), headers={"Accept": "text/html"}) as client:
        yield client


@pytest.fixture
def group(lake_settings: Settings) -> RiskGroup:
    return high_risk_groups(lake_settings, limit=1)[0]


def _reads(settings: Settings) -> list[PersonRead]:
    with session_scope(settings) as session:
        reads = list(session.scalars(select(PersonRead)))
        session.expunge_all()
    return reads


def test_anonymous_and_citizens_are_refused(
    web: TestClient, lake_settings: Settings, group: RiskGroup
) -> None:
    path = f"/monitor/high-risk/{group.group_id}?purpose={PURPOSE}"
    anonymous = web.get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in")
    sign_in_client(web, lake_settings, login="citizen", roles=())
    assert web.get(path).status_code == 403
    web.cookies.clear()
    sign_in_client(web, lake_settings, login="steward", roles=("data_steward",))
    assert web.get(path).status_code == 403
    assert _reads(lake_settings) == []


def test_an_analyst_states_a_purpose_and_every_read_is_audited(
    web: TestClient, lake_settings: Settings, group: RiskGroup
) -> None:
    staff = sign_in_client(web, lake_settings, login="analyst1", roles=("analyst",))
    asked = web.get(f"/monitor/high-risk/{group.group_id}")
    assert asked.status_code == 200
    assert 'id="purpose-form"' in asked.text
    members = group_members(lake_settings, group.group_id, with_names=True)
    assert not any(m.master_id in asked.text for m in members)
    assert web.get(f"/monitor/high-risk/{group.group_id}?purpose=ab").status_code == 422
    assert _reads(lake_settings) == []

    page = web.get(f"/monitor/high-risk/{group.group_id}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    assert all(m.master_id in page.text for m in members)
    assert not any(m.name and m.name in page.text for m in members)
    assert "rrn" not in page.text.lower()
    assert "주민등록번호" not in page.text
    assert "확률이 아닙니다" in page.text
    reads = _reads(lake_settings)
    assert sorted(r.master_person_id for r in reads) == sorted(m.master_id for m in members)
    assert all(r.staff_account_id == staff.id and PURPOSE in r.purpose for r in reads)
    assert all(group.group_id in r.purpose for r in reads)


def test_counsellors_see_names(web: TestClient, lake_settings: Settings, group: RiskGroup) -> None:
    sign_in_client(web, lake_settings, login="counsellor1", roles=("counsellor",))
    page = web.get(f"/monitor/high-risk/{group.group_id}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    named = [m for m in group_members(lake_settings, group.group_id, with_names=True) if m.name]
    assert named
    assert all(str(m.name) in page.text for m in named)


def test_bad_group_ids_get_error_pages(web: TestClient, lake_settings: Settings) -> None:
    sign_in_client(web, lake_settings, login="admin1", roles=("administrator",))
    assert web.get("/monitor/high-risk/nonsense", params={"purpose": PURPOSE}).status_code == 422
    missing = web.get("/monitor/high-risk/2025-12:31:50-59:99", params={"purpose": PURPOSE})
    assert missing.status_code == 404
    assert _reads(lake_settings) == []
