"""The one window over HTTP: filing, receipts and status, my requests, statistics, the staff queue.

The app runs on the session's desk home (its classifier trained once per worker, see
``tests/conftest.py::desk_settings``) with this test's own store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.api.test_api_key_auth import bearer, make_key
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.api.routers.desk import _window
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import submit
from ilteo.desk.models import Request as DeskRequest
from ilteo.desk.taxonomy import CATEGORIES
from ilteo.identity.models import AuditEntry

PROBLEM = "application/problem+json"
WAGES = (
    "부산광역시 해운대구 센텀중앙로 999 (주)가온물류에서 일했는데 석 달째 월급을 못 받았습니다. "
    "어떻게 신고하나요?"
)
PARENTAL = "육아휴직 급여는 어디서 어떻게 신청하나요? 회사는 서울 마포구에 있습니다."
NUMBER = re.compile(r"^\d{4}-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$")


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The whole app on the desk home."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client (its lifespan running)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def other(app: FastAPI) -> TestClient:
    """Another browser on the same app (its own cookies)."""
    return TestClient(app, raise_server_exceptions=False)


def staff(app: FastAPI, settings: Settings, login: str, *roles: str) -> TestClient:
    """A browser signed in as a staff account with ``roles``."""
    browser = other(app)
    sign_in_client(browser, settings, login=login, roles=roles)
    return browser


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def file(client: TestClient, text: str = WAGES, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/desk/requests", json={"text": text, **fields})
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/v1/desk/requests/{receipt['tracking_number']}"
    return receipt


def test_an_inquiry_without_sign_in_gets_a_receipt_and_its_status(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    receipt = file(client, workplace_address="부산광역시 해운대구 센텀중앙로 999")
    assert NUMBER.match(receipt["tracking_number"])
    assert receipt["kind"] == "inquiry"
    assert receipt["status"] == "classified"
    assert receipt["category"] == "wage_arrears"
    assert receipt["office_name"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", receipt["deadline"])
    assert receipt["deadline_basis"]
    status = client.get(f"/v1/desk/requests/{receipt['tracking_number']}")
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["status"] == "classified"
    assert [h["status"] for h in body["history"]] == ["received", "classified"]
    assert body["history"][0]["reason"] == "api 접수 / received by api"
    assert body["answer"] is None
    with session_scope(settings) as session:
        row = session.get(DeskRequest, receipt["tracking_number"])
        assert row is not None
        assert (row.channel, row.account_id) == ("api", None)
    # anyone holding the number reads an anonymous inquiry; an unknown number is a 404
    assert other(app).get(f"/v1/desk/requests/{receipt['tracking_number']}").status_code == 200
    problem(client.get("/v1/desk/requests/2026-0101-ZZZZZZ"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "😀🎉👍"}, "text"),
        ({"text": "!!! ??? ..."}, "text"),
        ({"text": "가" * 100_001}, "text"),
        ({"text": WAGES, "kind": "petition"}, "kind"),
        ({"text": WAGES, "title": "제" * 201}, "title"),
        ({"text": WAGES, "workplace_brn": "12-34"}, "workplace_brn"),
        ({"text": WAGES, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, settings: Settings, body: dict[str, Any], field: str
) -> None:
    found = problem(client.post("/v1/desk/requests", json=body), 422)
    assert field in found["detail"]
    with session_scope(settings) as session:  # nothing written
        assert session.scalar(select(func.count()).select_from(DeskRequest)) == 0


def test_html_and_script_are_kept_as_text(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> 월급을 석 달째 못 받았어요'
    receipt = file(client, text, title="<b>제목</b>")
    status = client.get(f"/v1/desk/requests/{receipt['tracking_number']}")
    assert status.headers["content-type"] == "application/json"
    officer = staff(app, settings, "desk1", "desk_officer")
    view = officer.get(f"/v1/desk/staff/requests/{receipt['tracking_number']}")
    assert view.status_code == 200, view.text
    assert view.headers["content-type"] == "application/json"
    assert '<script>alert("x")</script>' in view.json()["request"]["text_masked"]
    assert view.json()["request"]["title"] == "<b>제목</b>"


def test_a_complaint_needs_a_sign_in_and_is_seen_only_by_its_account(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    refused = problem(
        client.post("/v1/desk/requests", json={"text": WAGES, "kind": "complaint"}), 401
    )
    assert "complaint" in refused["detail"]
    assert "로그인" in refused["detail"]
    assert refused["status"] == 401
    citizen = staff(app, settings, "minji", *())
    receipt = file(citizen, kind="complaint", workplace_name="(주)가온물류")
    assert receipt["kind"] == "complaint"
    number = receipt["tracking_number"]
    assert citizen.get(f"/v1/desk/requests/{number}").status_code == 200
    anonymous = problem(client.get(f"/v1/desk/requests/{number}"), 404)
    stranger = problem(staff(app, settings, "jisu").get(f"/v1/desk/requests/{number}"), 404)
    unknown = problem(citizen.get("/v1/desk/requests/2026-0101-ZZZZZZ"), 404)
    # the same answer for another's and for an unknown number (only the number differs)
    assert anonymous["title"] == stranger["title"] == unknown["title"]
    assert anonymous["detail"].replace(number, "N") == unknown["detail"].replace(
        "2026-0101-ZZZZZZ", "N"
    )
    # an API key is a sign-in too
    _, key = make_key(settings, "keyholder")
    by_key = client.post(
        "/v1/desk/requests", json={"text": WAGES, "kind": "complaint"}, headers=bearer(key)
    )
    assert by_key.status_code == 201, by_key.text


def test_my_requests_are_listed_newest_first_in_cursor_pages(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    problem(client.get("/v1/desk/requests"), 401)
    citizen = staff(app, settings, "minji")
    numbers = [file(citizen, f"{PARENTAL} ({i}번째 문의)")["tracking_number"] for i in range(3)]
    file(client)  # someone else's, anonymous
    whole = citizen.get("/v1/desk/requests").json()
    assert whole["total"] == 3
    assert [i["tracking_number"] for i in whole["items"]] == numbers[::-1]
    first = citizen.get("/v1/desk/requests", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = citizen.get(first["next"]).json()
    assert second["next"] is None
    assert [i["tracking_number"] for i in first["items"] + second["items"]] == numbers[::-1]
    assert whole["items"][0]["status_url"] == f"/v1/desk/requests/{numbers[-1]}"


def test_categories_are_the_taxonomy(client: TestClient) -> None:
    body = client.get("/v1/desk/categories").json()
    assert [c["code"] for c in body["categories"]] == list(CATEGORIES)
    wages = next(c for c in body["categories"] if c["code"] == "wage_arrears")
    assert wages == {
        "code": "wage_arrears",
        "label_ko": "임금체불",
        "label_en": "Unpaid wages",
        "organisation": "labour_office",
    }
    assert {f["code"] for f in body["urgent_flags"]} == {
        "self_harm_risk",
        "imminent_danger",
        "mass_wage_arrears",
        "violence",
    }


def test_statistics_are_open_data(client: TestClient, settings: Settings) -> None:
    for i in range(6):
        submit(settings, text=f"{WAGES} ({i})", channel="web")
    stats = client.get("/v1/desk/stats")
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["suppressed_below"] == 5
    assert body["total"]["received"] == 6
    wages = next(r for r in body["by_category"] if r["key"] == "wage_arrears")
    assert wages["received"] == 6
    csv = client.get("/v1/desk/stats.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    header, *rows = csv.text.splitlines()
    assert header.startswith("group,key,")
    assert any(r.startswith("category,wage_arrears,") for r in rows)
    empty = client.get("/v1/desk/stats", params={"since": "2020-01-01", "until": "2020-01-31"})
    assert empty.json()["total"]["received"] in (0, None)
    assert problem(
        client.get("/v1/desk/stats", params={"since": "2026-02-01", "until": "2026-01-01"}), 422
    )["fields"] == ["since"]
    problem(client.get("/v1/desk/stats.csv", params={"since": "yesterday"}), 422)


def test_the_staff_queue_from_intake_to_answer(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    citizen = staff(app, settings, "minji")
    plain = file(citizen, PARENTAL, contact="010-0000-1234")["tracking_number"]
    urgent_text = "사장이 저를 주먹으로 때렸습니다. 폭행을 당했어요. 회사는 서울 강남구에 있어요."
    urgent = file(client, urgent_text)["tracking_number"]
    officer = staff(app, settings, "desk1", "desk_officer")
    queue = officer.get("/v1/desk/staff/requests")
    assert queue.status_code == 200, queue.text
    page = queue.json()
    assert page["total"] == 2
    assert page["items"][0]["tracking_number"] == urgent  # urgent and unacknowledged first
    assert page["items"][0]["urgent_unacknowledged"] is True
    assert page["counts"]["urgent_unacknowledged"] == 1
    only = officer.get("/v1/desk/staff/requests", params={"category": "parental_leave"}).json()
    assert [r["tracking_number"] for r in only["items"]] == [plain]
    paged = officer.get("/v1/desk/staff/requests", params={"limit": 1}).json()
    assert len(paged["items"]) == 1
    assert paged["next_cursor"]
    rest = officer.get(paged["next"]).json()
    assert [r["tracking_number"] for r in rest["items"]] == [plain]

    # the masked text by default; the original with a purpose, audited
    masked = officer.get(f"/v1/desk/staff/requests/{plain}").json()
    assert masked["original"] is None
    assert "010-0000-1234" not in str(masked)
    opened = officer.get(
        f"/v1/desk/staff/requests/{plain}", params={"purpose": "답변 작성을 위한 확인"}
    ).json()
    assert opened["original"] == PARENTAL
    assert opened["original_contact"] == "010-0000-1234"
    problem(officer.get(f"/v1/desk/staff/requests/{plain}", params={"purpose": "x"}), 422)

    assigned = officer.post(
        f"/v1/desk/staff/requests/{plain}/assign", json={"assignee_id": "me", "reason": "담당"}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"
    overridden = officer.post(
        f"/v1/desk/staff/requests/{plain}/override",
        json={"field": "category", "value": "unemployment_benefit", "reason": "실업급여 문의"},
    )
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["override"]["new"] == "unemployment_benefit"
    assert overridden.json()["request"]["category"] == "unemployment_benefit"
    problem(
        officer.post(
            f"/v1/desk/staff/requests/{plain}/override",
            json={"field": "category", "value": "no_such_code", "reason": "잘못"},
        ),
        422,
    )
    answer = "육아휴직 급여는 고용24에서 신청합니다."
    saved = officer.put(f"/v1/desk/staff/requests/{plain}/answer", json={"text": answer})
    assert saved.status_code == 200, saved.text
    sent = officer.post(f"/v1/desk/staff/requests/{plain}/answer/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "answered"
    seen = citizen.get(f"/v1/desk/requests/{plain}").json()
    assert seen["status"] == "answered"
    assert seen["answer"] == answer
    closed = officer.post(
        f"/v1/desk/staff/requests/{plain}/status", json={"status": "closed", "reason": "답변 완료"}
    )
    assert closed.json()["status"] == "closed"
    problem(
        officer.post(
            f"/v1/desk/staff/requests/{plain}/status",
            json={"status": "waiting_citizen", "reason": "되돌리기"},
        ),
        422,
    )

    # the urgent alert: a supervisor acknowledges it; an inspector may not
    inspector = staff(app, settings, "insp1", "inspector")
    problem(inspector.post(f"/v1/desk/staff/requests/{urgent}/acknowledge"), 403)
    acknowledged = officer.post(f"/v1/desk/staff/requests/{urgent}/acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["urgent_unacknowledged"] is False
    assert officer.get("/v1/desk/staff/overdue").json() == {"requests": [], "total": 0}
    cases = officer.get("/v1/desk/staff/cases")
    assert cases.status_code == 200, cases.text
    assert {"items", "next_cursor", "next", "total"} <= cases.json().keys()
    problem(officer.get("/v1/desk/staff/cases/C-nothing"), 404)
    with session_scope(settings) as session:
        events = set(session.scalars(select(AuditEntry.event)))
    assert {"desk.original_read", "desk.urgent_ack"} <= events


def test_staff_routes_need_a_handler(app: FastAPI, client: TestClient, settings: Settings) -> None:
    number = file(client)["tracking_number"]
    analyst = staff(app, settings, "ana1", "analyst")
    for method, path in [
        ("GET", "/v1/desk/staff/requests"),
        ("GET", f"/v1/desk/staff/requests/{number}"),
        ("GET", "/v1/desk/staff/overdue"),
        ("GET", "/v1/desk/staff/cases"),
        ("POST", f"/v1/desk/staff/requests/{number}/answer/send"),
    ]:
        problem(client.request(method, path), 401)
        problem(analyst.request(method, path), 403)
    problem(staff(app, settings, "minji").get("/v1/desk/staff/requests"), 403)


def test_attachments_are_downloaded_as_files_and_audited(app: FastAPI, settings: Settings) -> None:
    data = "임금 명세: 9월 0원, 10월 0원".encode()
    receipt = submit(
        settings, text=WAGES, channel="web", attachments=[("../../명세\u202etxt.exe.txt", data)]
    )
    assert receipt.attachments == 1
    officer = staff(app, settings, "desk1", "desk_officer")
    view = officer.get(f"/v1/desk/staff/requests/{receipt.tracking_number}").json()
    (attachment,) = view["attachments"]
    assert attachment["filename"] == "명세txt.exe.txt"
    url = f"/v1/desk/staff/attachments/{attachment['id']}"
    problem(officer.get(url), 422)  # a purpose is needed
    download = officer.get(url, params={"purpose": "체불 금액 확인"})
    assert download.status_code == 200, download.text
    assert download.content == data
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"].startswith("text/plain")
    with session_scope(settings) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "desk.attachment_read")
        ).all()
    assert [e.detail["attachment"] for e in audited] == [attachment["id"]]
    problem(officer.get("/v1/desk/staff/attachments/999999", params={"purpose": "확인용도"}), 404)
    problem(
        staff(app, settings, "ana1", "analyst").get(url, params={"purpose": "체불 금액 확인"}), 403
    )


def test_triage_without_storing_needs_staff_or_a_key(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    body = {"text": WAGES}
    problem(client.post("/v1/desk/triage", json=body), 401)
    problem(staff(app, settings, "minji").post("/v1/desk/triage", json=body), 403)
    _, key = make_key(settings, "developer")
    by_key = client.post("/v1/desk/triage", json=body, headers=bearer(key))
    assert by_key.status_code == 200, by_key.text
    answer = by_key.json()
    assert answer["category"] == "wage_arrears"
    assert {"confidence", "candidates", "route", "urgent", "masked_text", "deadline"} <= set(answer)
    by_staff = staff(app, settings, "desk1", "desk_officer").post("/v1/desk/triage", json=body)
    assert by_staff.json()["category"] == "wage_arrears"
    problem(client.post("/v1/desk/triage", json={"text": "😀"}, headers=bearer(key)), 422)
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(DeskRequest)) == 0


def _exe() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 60


def test_files_are_uploaded_as_multipart(client: TestClient, settings: Settings) -> None:
    # needs ilteo.api.conventions to admit multipart/form-data on this path (share_api.md)
    files = [
        ("attachments", ("명세서.txt", "9월 임금 0원".encode(), "text/plain")),
        ("attachments", ("사진.png", _png(), "image/png")),
    ]
    response = client.post(
        "/v1/desk/requests/upload", data={"text": WAGES, "title": "체불"}, files=files
    )
    assert response.status_code == 201, response.text
    assert response.json()["attachments"] == 2
    assert response.headers["location"].startswith("/v1/desk/requests/")
    refused = client.post(
        "/v1/desk/requests/upload",
        data={"text": WAGES},
        files=[("attachments", ("급여.pdf", _exe(), "application/pdf"))],
    )
    body = problem(refused, 422)
    assert body["fields"] == ["attachments"]
    assert "급여.pdf" in body["detail"]
    complaint = client.post(
        "/v1/desk/requests/upload", data={"text": WAGES, "kind": "complaint"}, files=files[:1]
    )
    problem(complaint, 401)
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(DeskRequest)) == 1


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("offset", "limit"), [(0, 3), (3, 3), (4, 3), (5, 2), (9, 4), (20, 5)])
def test_a_cursor_window_over_a_page_numbered_service(offset: int, limit: int) -> None:
    # a client may change `limit` between pages: the window still starts at the cursor's offset
    rows = list(range(22))
    calls: list[tuple[int, int]] = []

    def fetch(page: int, per_page: int) -> tuple[list[Any], int]:
        calls.append((page, per_page))
        start = (page - 1) * per_page
        return rows[start : start + per_page], len(rows)

    found, total = _window(fetch, offset, limit)
    assert (found, total) == (rows[offset : offset + limit], 22)
    assert len(calls) <= limit
