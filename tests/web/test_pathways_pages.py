"""The pathways pages: the public plan, "my next steps", the outreach list and the audited read.

Served on a copy of the built fixture lake (``monitor_lake``) with this month's outreach list
written, so person plans, local demand and the counsellor's list come from real lake data; the
occupation plans come from the real reference data (O*NET 30.1, KSCO 8, K-Digital Training).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import create_test_account, sign_in_client
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.identity.models import PersonRead
from ilteo.monitor.risk import group_members, write_outreach
from ilteo.pathways.plan import person_plan, person_plan_json, plan_json, recommend

PURPOSE = "전직 상담 준비"
MONTH = "2025-12"


@pytest.fixture(scope="module")
def home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built lake with the month's outreach list; one per module (shared caches)."""
    root = tmp_path_factory.mktemp("pathways-web") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings, MONTH)
    return settings


@pytest.fixture
def lake_settings(home: Settings, tmp_path: Path) -> Settings:
    """The module's lake with this test's own identity database."""
    settings = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"})
    upgrade(settings)
    return settings


@pytest.fixture
def web(lake_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(lake_settings), headers={"Accept": "text/html"}) as client:
        yield client


@pytest.fixture(scope="module")
def outreach(home: Settings) -> pl.DataFrame:
    return pl.read_parquet(home.lake_dir / "monitor" / "outreach" / f"{MONTH}.parquet")


def _reads(settings: Settings) -> list[PersonRead]:
    with session_scope(settings) as session:
        reads = list(session.scalars(select(PersonRead)))
        session.expunge_all()
    return reads


def _citizen(client: TestClient, settings: Settings, master_id: str | None) -> None:
    """Sign ``client`` in as a citizen (no staff role) linked to ``master_id``."""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="citizen", master_person_id=master_id)
        token = create_session(session, account.id)
    client.cookies.set(COOKIE_NAME, token)


def test_start_page_offers_the_form_and_the_17_regions(web: TestClient) -> None:
    page = web.get("/pathways")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "다음 일자리와 훈련 찾기" in page.text
    assert 'id="occupation-form"' in page.text
    region = page.text.split('id="region"')[1].split("</select>")[0]
    assert region.count("<option") == 18  # any + the 17 시도
    assert ">서울특별시<" in region
    assert ">제주특별자치도<" in region
    assert len(re.findall(r"<script\b", page.text)) == 1
    go = web.get(
        "/pathways", params={"occupation": " 3403 ", "region": "11"}, follow_redirects=False
    )
    assert go.status_code == 303
    assert go.headers["location"] == "/pathways/occupations/3403?region=11"
    words = web.get("/pathways", params={"occupation": "bank/teller"}, follow_redirects=False)
    assert words.headers["location"] == "/pathways/occupations/bank%20teller"
    too_long = web.get("/pathways", params={"occupation": "x" * 101})
    assert too_long.status_code == 422
    assert 'aria-invalid="true"' in too_long.text


def test_plan_page_shows_the_real_plan(web: TestClient, lake_settings: Settings) -> None:
    expected = plan_json(recommend(lake_settings, "3403", region="11"))
    page = web.get("/pathways/occupations/3403", params={"region": "11"})
    assert page.status_code == 200
    text = page.text
    assert text.count("<h1") == 1
    assert "은행 사무원" in text
    assert 1 <= len(expected["targets"]) <= 5
    assert text.count('class="ilteo-card pathways-target"') == len(expected["targets"])
    for target in expected["targets"]:
        card = text.split(f'id="target-{target["rank"]}"')[1].split("</li>\n</ol>")[0]
        assert target["onet_code"] in card
        assert card.count('role="img"') >= 3  # the three filters, each an icon with a text
        for course in target["courses"]:
            assert course["name"] in text
    assert "실직 확률이 아닙니다" in text or expected["caveat"] in text
    assert f"기준값 버전 {expected['thresholds_version']}" in text
    assert 'id="self-pay-basis"' in text
    assert "공개 기준 미만" in text or "채용" in text
    english = web.get("/pathways/occupations/3403", params={"region": "11", "lang": "en"})
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert expected["targets"][0]["title"] in english.text
    assert "Filters passed" in english.text


def test_unknown_code_lists_the_nearest_as_links(web: TestClient, lake_settings: Settings) -> None:
    with pytest.raises(NotFoundError) as raised:
        recommend(lake_settings, "15-1299.99")
    suggestions = getattr(raised.value, "suggestions", None) or raised.value.extra["suggestions"]
    assert suggestions
    page = web.get("/pathways/occupations/15-1299.99")
    assert page.status_code == 404
    assert "직업을 찾을 수 없습니다" in page.text
    for suggestion in suggestions:
        code = suggestion.split(" ", 1)[0]
        assert f'href="/pathways/occupations/{code}"' in page.text
    assert 'id="occupation-form"' in page.text
    assert web.get(f"/pathways/occupations/{suggestions[0].split(' ', 1)[0]}").status_code == 200
    words = web.get("/pathways", params={"occupation": "nurse"})  # a title word: the nearest
    assert words.status_code == 404
    assert words.url.path == "/pathways/occupations/nurse"
    assert 'href="/pathways/occupations/29-1141.00"' in words.text  # Registered Nurses


def test_staff_pages_refuse_citizens_and_anonymous(
    web: TestClient, lake_settings: Settings, outreach: pl.DataFrame
) -> None:
    master_id = outreach["master_id"][0]
    paths = ["/pathways/people", f"/pathways/people/{master_id}?purpose={PURPOSE}"]
    for path in paths:
        anonymous = web.get(path, follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/sign-in")
    _citizen(web, lake_settings, master_id)
    assert all(web.get(path).status_code == 403 for path in paths)
    web.cookies.clear()
    sign_in_client(web, lake_settings, login="steward", roles=("data_steward",))
    assert all(web.get(path).status_code == 403 for path in paths)
    assert _reads(lake_settings) == []


def test_outreach_list_shows_people_without_names(
    web: TestClient, lake_settings: Settings, outreach: pl.DataFrame
) -> None:
    sign_in_client(web, lake_settings, login="counsellor1", roles=("counsellor",))
    page = web.get("/pathways/people")
    assert page.status_code == 200
    assert f"{MONTH} 명단" in page.text
    first = outreach.head(50)
    for master_id in first["master_id"]:
        assert f'href="/pathways/people/{master_id}"' in page.text
    groups = set(first["group_id"])
    named = [
        m
        for group in groups
        for m in group_members(lake_settings, group, with_names=True)
        if m.name and m.master_id in set(first["master_id"])
    ]
    assert named
    assert not any(str(m.name) in page.text for m in named)
    assert _reads(lake_settings) == []  # the list names no one: no person read


def test_counsellor_states_a_purpose_and_the_read_is_audited(
    web: TestClient, lake_settings: Settings, outreach: pl.DataFrame
) -> None:
    master_id = outreach["master_id"][0]
    staff = sign_in_client(web, lake_settings, login="counsellor2", roles=("counsellor",))
    asked = web.get(f"/pathways/people/{master_id}")
    assert asked.status_code == 200
    assert 'id="purpose-form"' in asked.text
    assert 'id="history"' not in asked.text
    assert web.get(f"/pathways/people/{master_id}", params={"purpose": "ab"}).status_code == 422
    assert _reads(lake_settings) == []

    page = web.get(f"/pathways/people/{master_id}", params={"purpose": PURPOSE})
    assert page.status_code == 200
    expected = person_plan_json(person_plan(lake_settings, master_id))
    for job in expected["history"]:
        assert job["ksco"] in page.text
    if expected["plan"] is not None:
        for target in expected["plan"]["targets"]:
            assert target["onet_code"] in page.text
    reads = _reads(lake_settings)
    assert len(reads) == 1
    assert reads[0].master_person_id == master_id
    assert reads[0].staff_account_id == staff.id
    assert PURPOSE in reads[0].purpose
    assert web.get("/pathways/people/P999999999", params={"purpose": PURPOSE}).status_code == 404
    assert web.get("/pathways/people/nonsense", params={"purpose": PURPOSE}).status_code == 422
    assert len(_reads(lake_settings)) == 1


def test_citizen_without_link_sees_the_explanation_and_the_form(
    web: TestClient, lake_settings: Settings
) -> None:
    anonymous = web.get("/pathways/me", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in")
    _citizen(web, lake_settings, None)
    page = web.get("/pathways/me")
    assert page.status_code == 200
    assert "나의 다음 단계" in page.text
    assert 'data-state="not_linked"' in page.text
    assert "고용보험 이력과 연결되어 있지 않습니다" in page.text
    assert 'id="occupation-form"' in page.text


def test_linked_citizen_sees_their_own_plan(
    web: TestClient, lake_settings: Settings, outreach: pl.DataFrame
) -> None:
    master_id = outreach["master_id"][1]
    _citizen(web, lake_settings, master_id)
    page = web.get("/pathways/me")
    assert page.status_code == 200
    expected = person_plan_json(person_plan(lake_settings, master_id))
    assert expected["has_history"]
    for job in expected["history"]:
        assert job["ksco"] in page.text
    assert expected["plan"] is not None
    assert page.text.count('class="ilteo-card pathways-target"') == len(expected["plan"]["targets"])
    assert _reads(lake_settings) == []  # reading one's own plan is not a staff read
