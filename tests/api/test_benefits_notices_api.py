"""``/v1/benefits`` notices, applications by consent, outreach and the outbox.

The module's home is a copy of the session's fixture lake (``monitor_lake``) with the month's
outreach list, scanned once; every test has its own identity database where the scan's findings
are written as notices, so states never leak between tests.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.identity.factories import create_test_account, sign_in_client
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.benefits.applications import terms_for
from ilteo.benefits.models import Application, ConsentRead, Delivery, Notice
from ilteo.benefits.notices import CSV_COLUMNS, delivery_counts, inbox, notice_json, write_notices
from ilteo.benefits.scan import ScanResult, scan
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.identity.models import PersonRead
from ilteo.monitor.risk import write_outreach

PROBLEM = "application/problem+json"
DAY = date(2025, 12, 31)
NOW = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
PURPOSE = "구직급여 신청 심사"
JOB_RULE = "job_seeking_not_claimed"

CITIZEN_GETS = (
    "/v1/benefits/notices",
    "/v1/benefits/notices/N1",
    "/v1/benefits/notices/N1/consent-terms",
    "/v1/benefits/applications",
    "/v1/benefits/applications/A1",
    "/v1/benefits/consents",
)
STAFF_GETS = (
    "/v1/benefits/outreach",
    "/v1/benefits/outreach.csv",
    "/v1/benefits/outbox",
    "/v1/benefits/staff/applications",
    f"/v1/benefits/staff/applications/A1?purpose={PURPOSE}",
)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://ilteo.kr/problems/{code}"
    return body


@pytest.fixture(scope="module")
def home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the built lake with the month's outreach list (the training-card rule's input)."""
    root = tmp_path_factory.mktemp("benefits-api") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    write_outreach(settings, "2025-12")
    return settings


@pytest.fixture(scope="module")
def result(home: Settings) -> ScanResult:
    return scan(home, DAY)


@pytest.fixture
def lake_settings(home: Settings, result: ScanResult, tmp_path: Path) -> Settings:
    """The module's lake, this test's own identity database, the findings written as notices."""
    settings = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"})
    upgrade(settings)
    with session_scope(settings) as session:
        written = write_notices(
            session, settings, result, channels=("sms", "email", "alimtalk"), now=NOW
        )
    assert written.created > 0
    return settings


@pytest.fixture
def client(lake_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(lake_settings)) as test_client:
        yield test_client


def _people(settings: Settings, rule: str = JOB_RULE, count: int = 2) -> list[str]:
    """Master ids of people with a notice of ``rule``."""
    with session_scope(settings) as session:
        found = session.scalars(
            select(Notice.master_person_id)
            .where(Notice.rule == rule)
            .order_by(Notice.master_person_id)
            .limit(count)
        ).all()
    assert len(found) == count
    return list(found)


def _citizen(client: TestClient, settings: Settings, login: str, master_id: str | None) -> str:
    """Sign ``client`` in as a citizen linked to ``master_id``; the account id."""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login, master_person_id=master_id)
        token = create_session(session, account.id)
        account_id = account.id
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, token)
    return account_id


def _again(client: TestClient, settings: Settings, account_id: str) -> None:
    """Sign ``client`` in again as an existing account."""
    with session_scope(settings) as session:
        token = create_session(session, account_id)
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, token)


def _notice_of(settings: Settings, master_id: str, rule: str = JOB_RULE) -> str:
    with session_scope(settings) as session:
        found = session.scalar(
            select(Notice.id).where(Notice.master_person_id == master_id, Notice.rule == rule)
        )
    assert found is not None
    return found


def _apply(client: TestClient, notice_id: str) -> dict[str, Any]:
    body = {"notice_id": notice_id, "consent": {"accept": True}}
    response = client.post("/v1/benefits/applications", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _staff(client: TestClient, settings: Settings, login: str = "counsellor1") -> str:
    client.cookies.clear()
    return sign_in_client(client, settings, login=login, roles=("counsellor",)).id


def test_every_route_needs_a_sign_in_and_staff_routes_a_role(
    client: TestClient, lake_settings: Settings
) -> None:
    for path in (*CITIZEN_GETS, *STAFF_GETS):
        _problem(client.get(path), 401, "unauthorized")
    posts = {
        "/v1/benefits/applications": {"notice_id": "N1", "consent": {"accept": True}},
        "/v1/benefits/consents/C1/withdraw": None,
        "/v1/benefits/staff/applications/A1/status": {"status": "approved"},
    }
    for path, body in posts.items():
        _problem(client.post(path, json=body), 401, "unauthorized")
    _citizen(client, lake_settings, "minji", _people(lake_settings)[0])
    for path in STAFF_GETS:
        assert client.get(path).status_code == 403, path
    refused = client.post("/v1/benefits/staff/applications/A1/status", json={"status": "approved"})
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in_client(client, lake_settings, login="steward", roles=("data_steward",))
    assert client.get("/v1/benefits/outreach").status_code == 403


def test_an_account_not_linked_is_told_how_to_link(
    client: TestClient, lake_settings: Settings
) -> None:
    _citizen(client, lake_settings, "minji", None)
    for path in ("/v1/benefits/notices", "/v1/benefits/applications", "/v1/benefits/consents"):
        body = _problem(client.get(path), 404, "not-found")
        assert body["linked"] is False
        assert "in-person" in body["detail"]


def test_my_inbox_is_mine_and_opening_a_notice_marks_it_read(
    client: TestClient, lake_settings: Settings
) -> None:
    mine, theirs = _people(lake_settings)
    _citizen(client, lake_settings, "minji", mine)
    response = client.get("/v1/benefits/notices")
    assert response.status_code == 200, response.text
    body = response.json()
    with session_scope(lake_settings) as session:
        expected = [notice_json(n) for n in inbox(session, mine)]
    assert body["notices"] == expected
    assert body["unread"] == len(expected) > 0
    first = expected[0]
    assert all(first[key] for key in ("why", "how_much", "what_next", "legal_basis"))
    opened = client.get(f"/v1/benefits/notices/{first['id']}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "read"
    assert client.get("/v1/benefits/notices").json()["unread"] == len(expected) - 1
    english = client.get(f"/v1/benefits/notices/{first['id']}", params={"lang": "en"}).json()
    assert english["title"] != first["title"]
    assert english["title"].isascii()

    _problem(client.get(f"/v1/benefits/notices/{_notice_of(lake_settings, theirs)}"), 404,
             "not-found")  # fmt: skip
    _problem(client.get("/v1/benefits/notices/NOPE"), 404, "not-found")
    with session_scope(lake_settings) as session:
        other = session.get(Notice, _notice_of(lake_settings, theirs))
        assert other is not None
        assert other.status == "new"


def test_the_consent_terms_of_a_notice(client: TestClient, lake_settings: Settings) -> None:
    mine, theirs = _people(lake_settings)
    _citizen(client, lake_settings, "minji", mine)
    notice_id = _notice_of(lake_settings, mine)
    response = client.get(f"/v1/benefits/notices/{notice_id}/consent-terms")
    assert response.status_code == 200, response.text
    terms = response.json()["terms"]
    with session_scope(lake_settings) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        expected = terms_for(notice)
    assert [item["code"] for item in terms["items"]] == list(expected.items)
    assert terms["purpose"] == expected.purpose_ko
    assert terms["days"] == expected.days
    assert all(item["law"].startswith("https://www.law.go.kr/") for item in terms["items"])
    other = f"/v1/benefits/notices/{_notice_of(lake_settings, theirs)}/consent-terms"
    _problem(client.get(other), 404, "not-found")


def test_applying_reads_the_documents_instead_of_paper_once(
    client: TestClient, lake_settings: Settings
) -> None:
    mine, theirs = _people(lake_settings)
    _citizen(client, lake_settings, "minji", mine)
    notice_id = _notice_of(lake_settings, mine)
    refused = client.post(
        "/v1/benefits/applications", json={"notice_id": notice_id, "consent": {"accept": False}}
    )
    assert "consent.accept" in _problem(refused, 422, "invalid-input")["detail"]
    missing = client.post("/v1/benefits/applications", json={"notice_id": notice_id})
    _problem(missing, 422, "invalid-input")
    assert "consent" in missing.text
    theirs_notice = _notice_of(lake_settings, theirs)
    stranger = client.post(
        "/v1/benefits/applications",
        json={"notice_id": theirs_notice, "consent": {"accept": True}},
    )
    _problem(stranger, 404, "not-found")

    application = _apply(client, notice_id)
    assert application["status"] == "submitted"
    assert application["notice_id"] == notice_id
    items = [item["code"] for item in application["consent"]["items"]]
    assert set(application["documents"]) == set(items)
    assert {r["item"] for r in application["reads"]} == set(items)
    assert {r["reader_kind"] for r in application["reads"]} == {"system"}
    with session_scope(lake_settings) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        assert notice.status == "applied"
        reads = session.scalar(select(func.count()).select_from(ConsentRead))
    assert reads == len(items)

    again = client.post(
        "/v1/benefits/applications", json={"notice_id": notice_id, "consent": {"accept": True}}
    )
    refused_again = _problem(again, 422, "invalid-input")
    assert application["id"] in refused_again["detail"]
    assert refused_again["application_id"] == application["id"]
    listed = client.get("/v1/benefits/applications").json()["applications"]
    assert [a["id"] for a in listed] == [application["id"]]
    one = client.get(f"/v1/benefits/applications/{application['id']}")
    assert one.status_code == 200
    assert one.json() == listed[0]

    _citizen(client, lake_settings, "other", theirs)
    _problem(client.get(f"/v1/benefits/applications/{application['id']}"), 404, "not-found")
    assert client.get("/v1/benefits/applications").json()["applications"] == []


def test_withdrawing_the_consent_erases_the_documents(
    client: TestClient, lake_settings: Settings
) -> None:
    mine, theirs = _people(lake_settings)
    owner = _citizen(client, lake_settings, "minji", mine)
    application = _apply(client, _notice_of(lake_settings, mine))
    consent_id = application["consent"]["id"]
    [consent] = client.get("/v1/benefits/consents").json()["consents"]
    assert consent["id"] == consent_id
    assert consent["active"] is True
    assert consent["applications"] == [application["id"]]
    assert len(consent["reads"]) == len(application["documents"])

    _citizen(client, lake_settings, "other", theirs)
    _problem(client.post(f"/v1/benefits/consents/{consent_id}/withdraw"), 404, "not-found")

    _citizen(client, lake_settings, "minji2", mine)  # the same person, another account: not theirs
    _problem(client.post(f"/v1/benefits/consents/{consent_id}/withdraw"), 404, "not-found")
    _again(client, lake_settings, owner)
    response = client.post(f"/v1/benefits/consents/{consent_id}/withdraw")
    assert response.status_code == 200, response.text
    withdrawn = response.json()
    assert withdrawn["withdrawn_at"] is not None
    assert withdrawn["active"] is False
    after = client.get(f"/v1/benefits/applications/{application['id']}").json()
    assert after["status"] == "withdrawn"
    assert after["documents"] is None
    with session_scope(lake_settings) as session:
        stored = session.get(Application, application["id"])
        assert stored is not None
        assert stored.documents is None


def test_staff_read_an_application_with_a_purpose_audited(
    client: TestClient, lake_settings: Settings
) -> None:
    mine, _ = _people(lake_settings)
    owner = _citizen(client, lake_settings, "minji", mine)
    application = _apply(client, _notice_of(lake_settings, mine))
    path = f"/v1/benefits/staff/applications/{application['id']}"
    staff_id = _staff(client, lake_settings)

    listed = client.get("/v1/benefits/staff/applications", params={"status": "submitted"})
    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["applications"]] == [application["id"]]
    assert listed.json()["total"] == 1
    assert "documents" not in listed.json()["applications"][0]
    assert (
        client.get("/v1/benefits/staff/applications", params={"status": "approved"}).json()["total"]
        == 0
    )
    unknown = client.get("/v1/benefits/staff/applications", params={"status": "nope"})
    _problem(unknown, 422, "invalid-input")
    assert "status" in unknown.text

    for params in ({}, {"purpose": "ab"}):
        body = _problem(client.get(path, params=params), 422, "invalid-input")
        assert "purpose" in str(body)
    with session_scope(lake_settings) as session:
        assert session.scalar(select(func.count()).select_from(PersonRead)) == 0

    response = client.get(path, params={"purpose": PURPOSE})
    assert response.status_code == 200, response.text
    seen = response.json()
    assert set(seen["documents"]) == set(application["documents"])
    with session_scope(lake_settings) as session:
        [read] = session.scalars(select(PersonRead)).all()
        staff_reads = session.scalars(
            select(ConsentRead).where(ConsentRead.reader_kind == "staff")
        ).all()
        assert (read.master_person_id, read.staff_account_id) == (mine, staff_id)
        assert PURPOSE in read.purpose
        assert {r.item for r in staff_reads} == set(application["documents"])
        assert {r.reader_account_id for r in staff_reads} == {staff_id}

    status = client.post(f"{path}/status", json={"status": "in_review"})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "in_review"
    assert "documents" not in status.json()
    _problem(client.post(f"{path}/status", json={"status": "withdrawn"}), 422, "invalid-input")
    _problem(client.get("/v1/benefits/staff/applications/A0", params={"purpose": PURPOSE}), 404,
             "not-found")  # fmt: skip

    _again(client, lake_settings, owner)
    [consent] = client.get("/v1/benefits/consents").json()["consents"]
    kinds = [r["reader_kind"] for r in consent["reads"]]
    assert kinds.count("staff") == len(application["documents"])
    assert any(PURPOSE in r["purpose"] for r in consent["reads"] if r["reader_kind"] == "staff")


def _count(settings: Settings, **where: Any) -> int:
    with session_scope(settings) as session:
        query = select(func.count()).select_from(Notice)
        for column, value in where.items():
            query = query.where(getattr(Notice, column) == value)
        return int(session.scalar(query) or 0)


def test_outreach_lists_filter_and_count_like_the_store(
    client: TestClient, lake_settings: Settings
) -> None:
    _staff(client, lake_settings)
    whole = client.get("/v1/benefits/outreach", params={"per_page": 5})
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["total"] == _count(lake_settings) > 0
    assert len(body["rows"]) == min(5, body["total"])
    assert sum(body["counts"]["by_rule"].values()) == body["total"]
    for rule, n in body["counts"]["by_rule"].items():
        assert n == _count(lake_settings, rule=rule)
    assert body["counts"]["by_status"] == {"new": body["total"]}
    for row in body["rows"]:
        assert set(row) == set(CSV_COLUMNS)
        assert "name" not in str(row).lower()

    jobs = client.get("/v1/benefits/outreach", params={"rule": JOB_RULE}).json()
    assert jobs["total"] == _count(lake_settings, rule=JOB_RULE)
    assert {r["rule"] for r in jobs["rows"]} == {JOB_RULE}
    sido = next(s for s in body["counts"]["by_sido"] if s)
    local = client.get("/v1/benefits/outreach", params={"sido": sido}).json()
    assert local["total"] == _count(lake_settings, sido=sido) == body["counts"]["by_sido"][sido]
    with session_scope(lake_settings) as session:
        aged = session.scalar(
            select(func.count()).select_from(Notice).where(Notice.age >= 30, Notice.age <= 49)
        )
    ages = client.get("/v1/benefits/outreach", params={"age_min": 30, "age_max": 49}).json()
    assert ages["total"] == aged
    assert all(30 <= r["age"] <= 49 for r in ages["rows"])
    second = client.get("/v1/benefits/outreach", params={"per_page": 5, "page": 2}).json()
    assert {r["notice_id"] for r in second["rows"]}.isdisjoint(r["notice_id"] for r in body["rows"])

    for params in ({"rule": "nope"}, {"sido": "99"}, {"age_min": 50, "age_max": 20}):
        bad = _problem(client.get("/v1/benefits/outreach", params=params), 422, "invalid-input")
        assert next(iter(params)) in bad["detail"] or "age" in bad["detail"]


def test_the_outreach_csv_has_every_row_and_no_names(
    client: TestClient, lake_settings: Settings
) -> None:
    _staff(client, lake_settings)
    response = client.get("/v1/benefits/outreach.csv", params={"rule": JOB_RULE})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) - 1 == _count(lake_settings, rule=JOB_RULE)
    assert {r[CSV_COLUMNS.index("rule")] for r in rows[1:]} == {JOB_RULE}
    _problem(client.get("/v1/benefits/outreach.csv", params={"rule": "nope"}), 422,
             "invalid-input")  # fmt: skip


def _phones(settings: Settings) -> list[str]:
    from ilteo.lake.engine import connect

    con = connect(settings)
    try:
        rows = con.execute(
            "SELECT phone FROM master_persons WHERE phone LIKE '010%' LIMIT 5000"
        ).fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]


def test_the_outbox_masks_recipients(client: TestClient, lake_settings: Settings) -> None:
    _staff(client, lake_settings)
    response = client.get("/v1/benefits/outbox", params={"limit": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    with session_scope(lake_settings) as session:
        assert body["counts"] == delivery_counts(session)
        written = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "written")
        )
    assert written
    assert body["counts"]["portal"]["delivered"] == _count(lake_settings)
    sms = client.get("/v1/benefits/outbox", params={"channel": "sms", "limit": 500}).json()
    assert sms["deliveries"]
    assert {d["channel"] for d in sms["deliveries"]} == {"sms"}
    texts = [d for d in sms["deliveries"] if d["status"] == "written"]
    assert texts
    assert all("****" in d["recipient"] for d in texts)
    assert all(d["text"].startswith("[고용노동부]") for d in texts)
    phones = _phones(lake_settings)
    assert phones
    everything = (
        response.text
        + client.get("/v1/benefits/outbox", params={"channel": "sms", "limit": 500}).text
    )
    digits = everything.replace("-", "")
    assert not [p for p in phones if p.replace("-", "") in digits]
    _problem(client.get("/v1/benefits/outbox", params={"channel": "fax"}), 422, "invalid-input")
