"""The one window's staff pages and the public statistics page, on requests filed through intake.

Each test has its own store on the shared desk home (the classifier trained once per worker);
requests are filed with :func:`ilteo.desk.intake.submit`, the way every door files them, and the
pages are driven like a browser would: GET the page, read the CSRF token, POST the form, follow
the redirect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import TRANSITIONS, status_of, submit
from ilteo.desk.models import Case, Override
from ilteo.desk.models import Request as DeskRequest
from ilteo.identity.models import AuditEntry
from ilteo.web.views import desk_staff

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: Many workers unpaid: flagged ``mass_wage_arrears``.
URGENT = "사장님이 석 달째 월급을 안 줘요. 직원 20명 다 못 받았어요. 회사는 부산 해운대구에 있어요."
PLAIN = "육아휴직 급여 신청은 어디서 하나요? 연락처는 010-0000-1234 입니다."
SCRIPT = "<script>alert('x')</script> 실업급여는 언제 들어오나요? 이직확인서 처리가 늦어요."
STAFF_PATHS = (
    "/desk/staff",
    "/desk/staff/overdue",
    "/desk/staff/cases",
    "/desk/staff/requests/2026-0101-AAAAAA",
    "/desk/staff/cases/C-1",
)


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _file(settings: Settings, text: str, **more: Any) -> str:
    return submit(settings, text=text, channel="web", **more).tracking_number


def _row(settings: Settings, number: str) -> DeskRequest:
    with session_scope(settings) as session:
        row = session.get(DeskRequest, number)
        assert row is not None
        session.expunge_all()
    return row


def _count(settings: Settings, model: Any, *where: Any) -> int:
    with session_scope(settings) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _csrf(page: Any) -> str:
    match = CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _post(web: TestClient, page_path: str, action: str, data: dict[str, Any]) -> Any:
    """POST a form of ``page_path`` with the page's CSRF token (no redirect followed)."""
    token = _csrf(web.get(page_path))
    return web.post(action, data={"csrf": token, **data}, follow_redirects=False)


def test_the_view_keeps_the_library_roles() -> None:
    from ilteo.desk.queue import HANDLER_ROLES, SUPERVISOR_ROLES

    assert set(desk_staff.HANDLER_ROLES) == set(HANDLER_ROLES)
    assert set(desk_staff.SUPERVISOR_ROLES) == set(SUPERVISOR_ROLES)


def test_staff_pages_need_a_handler_and_the_stats_are_public(
    web: TestClient, settings: Settings
) -> None:
    for path in STAFF_PATHS:
        anonymous = web.get(path, follow_redirects=False)
        assert anonymous.status_code == 303, path
        assert anonymous.headers["location"].startswith("/sign-in"), path
    public = web.get("/desk/stats")
    assert public.status_code == 200
    assert public.text.count("<h1") == 1
    for login, roles in (("analyst1", ("analyst",)), ("steward1", ("data_steward",))):
        web.cookies.clear()
        sign_in_client(web, settings, login=login, roles=roles)
        for path in STAFF_PATHS:
            refused = web.get(path)
            assert refused.status_code == 403, (login, path)
            assert "<h1" in refused.text
        assert web.get("/desk/stats").status_code == 200
    web.cookies.clear()
    sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    assert web.get("/desk/staff").status_code == 200
    assert web.get("/desk/staff").headers["cache-control"] == "no-store"


def test_the_queue_lists_filters_counts_and_puts_urgent_first(
    web: TestClient, settings: Settings
) -> None:
    plain = _file(settings, PLAIN)
    urgent = _file(settings, URGENT)
    assert "mass_wage_arrears" in _row(settings, urgent).urgent
    sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    page = web.get("/desk/staff")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert 'id="urgent-banner"' in page.text
    banner = page.text.split('id="urgent-banner"', 1)[1].split("</section>", 1)[0]
    assert urgent in banner
    assert plain not in banner
    assert f'id="ack-{urgent}"' in banner  # a supervisor may acknowledge
    table = page.text.split('id="queue-table"', 1)[1]
    assert table.index(urgent) < table.index(plain)  # urgent and unacknowledged first
    assert f'href="/desk/staff/requests/{plain}"' in table
    assert 'data-flag="mass_wage_arrears"' in table
    assert 'data-total="2"' in page.text
    assert 'id="count-urgent" data-count="1"' in page.text
    category = _row(settings, plain).category
    assert category
    only = web.get("/desk/staff", params={"category": category})
    assert only.status_code == 200
    assert plain in only.text
    assert f'href="/desk/staff/requests/{urgent}"' not in only.text.split('id="queue-table"')[1]
    by_number = web.get("/desk/staff", params={"number": plain[:14]})
    assert 'data-total="1"' in by_number.text
    nobody = web.get("/desk/staff", params={"assigned": "nobody", "status": "open"})
    assert 'data-total="2"' in nobody.text
    mine = web.get("/desk/staff", params={"assigned": "me"})
    assert 'data-total="0"' in mine.text
    assert 'id="no-rows"' in mine.text
    bad = web.get("/desk/staff", params={"category": "nope", "number": "<b>"})
    assert bad.status_code == 422
    assert 'data-field="category"' in bad.text
    assert 'data-field="number"' in bad.text
    assert 'aria-invalid="true"' in bad.text


def test_only_supervisors_acknowledge_and_the_form_is_csrf_checked(
    web: TestClient, settings: Settings
) -> None:
    urgent = _file(settings, URGENT)
    sign_in_client(web, settings, login="counsellor1", roles=("counsellor",))
    page = web.get("/desk/staff")
    assert urgent in page.text.split('id="urgent-banner"', 1)[1]
    assert f'id="ack-{urgent}"' not in page.text
    assert 'id="ack-supervisors"' in page.text
    refused = _post(
        web, f"/desk/staff/requests/{urgent}", f"/desk/staff/requests/{urgent}/acknowledge", {}
    )
    assert refused.status_code == 403  # the library refuses a counsellor
    assert _row(settings, urgent).urgent_ack_at is None
    web.cookies.clear()
    sign_in_client(web, settings, login="admin1", roles=("administrator",))
    forged = web.post(
        f"/desk/staff/requests/{urgent}/acknowledge",
        data={"csrf": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert _row(settings, urgent).urgent_ack_at is None
    done = _post(web, "/desk/staff", f"/desk/staff/requests/{urgent}/acknowledge", {})
    assert done.status_code == 303
    assert done.headers["location"] == "/desk/staff?done=acknowledged"
    assert _row(settings, urgent).urgent_ack_at is not None
    after = web.get(done.headers["location"])
    assert 'id="urgent-banner"' not in after.text
    assert 'data-done="acknowledged"' in after.text


def test_the_request_page_shows_the_triage_escaped_text_and_sources(
    web: TestClient, settings: Settings
) -> None:
    number = _file(settings, SCRIPT)
    row = _row(settings, number)
    sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    page = web.get(f"/desk/staff/requests/{number}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count("<h1") == 1
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert page.text.count("<script") == page.text.count('<script src="/static/rum.js"')
    assert f'data-category="{row.category}"' in page.text
    assert f'data-office="{row.office_code}"' in page.text
    assert row.route is not None
    assert row.route["reason_ko"] in page.text
    assert 'id="triage-candidates"' in page.text
    assert "law.go.kr" in page.text.split('id="triage-deadline"', 1)[1].split("</dd>", 1)[0]
    assert row.draft is not None
    assert row.draft["sources"], "the draft has sources"
    sources = page.text.split('id="answer-sources"', 1)[1].split("</ul>", 1)[0]
    assert 'href="https://www.law.go.kr/' in sources
    editor = page.text.split('id="answer"', 1)[1].split("</textarea>", 1)[0]
    assert row.draft["text"][:20].replace("'", "&#39;") in editor
    moves = re.findall(r'<option value="(\w+)">', page.text.split('id="next-status"', 1)[1])
    assert moves[: len(TRANSITIONS[row.status])] == list(TRANSITIONS[row.status])
    assert 'data-status="classified"' in page.text.split('id="history-table"', 1)[1]
    assert web.get("/desk/staff/requests/2026-0101-AAAAAA").status_code == 404
    assert web.get("/desk/staff/requests/..%2Fetc").status_code == 404
    english = web.get(f"/desk/staff/requests/{number}", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert "AI triage" in english.text


def test_override_needs_a_reason_and_is_recorded(web: TestClient, settings: Settings) -> None:
    number = _file(settings, PLAIN)
    old = _row(settings, number).category
    new = "unemployment_benefit" if old != "unemployment_benefit" else "parental_leave"
    sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    path = f"/desk/staff/requests/{number}"
    no_reason = _post(
        web, path, f"{path}/override", {"field": "category", "category": new, "reason": ""}
    )
    assert no_reason.status_code == 422
    assert 'data-form="override-category"' in no_reason.text
    assert _row(settings, number).category == old
    forged = web.post(
        f"{path}/override",
        data={"csrf": "forged", "field": "category", "category": new, "reason": "오분류"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    done = _post(
        web, path, f"{path}/override", {"field": "category", "category": new, "reason": "오분류"}
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"{path}?done=overridden")
    assert _row(settings, number).category == new
    assert _count(settings, Override, Override.request_id == number) == 1
    office = _post(
        web, path, f"{path}/override", {"field": "route", "office": "moel-seoul", "reason": "관할"}
    )
    assert office.status_code in (303, 422)  # 422 only when it is already that office
    flags = _post(
        web,
        path,
        f"{path}/override",
        {"field": "urgent", "urgent": ["violence"], "reason": "폭행 언급"},
    )
    assert flags.status_code == 303
    assert _row(settings, number).urgent == ["violence"]
    page = web.get(path)
    assert 'data-field="category"' in page.text.split('id="overrides-table"', 1)[1]
    assert "오분류" in page.text


def test_assign_status_answer_and_send_reach_the_citizen(
    web: TestClient, settings: Settings
) -> None:
    number = _file(settings, PLAIN)
    officer = sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    path = f"/desk/staff/requests/{number}"
    assigned = _post(web, path, f"{path}/assign", {"assignee": "me", "reason": "담당 지역"})
    assert assigned.status_code == 303
    row = _row(settings, number)
    assert row.assigned_to == officer.id
    assert row.status == "assigned"
    unknown = _post(web, path, f"{path}/assign", {"assignee": "nobody-here", "reason": "테스트"})
    assert unknown.status_code in (404, 422)
    moved = _post(web, path, f"{path}/status", {"status": "in_progress", "reason": "검토 시작"})
    assert moved.status_code == 303
    assert _row(settings, number).status == "in_progress"
    wrong = _post(web, path, f"{path}/status", {"status": "received", "reason": "되돌리기"})
    assert wrong.status_code == 422
    assert 'data-form="status"' in wrong.text
    leaking = _post(
        web, path, f"{path}/answer", {"answer": "주민번호 901301-1234567 확인", "action": "send"}
    )
    assert leaking.status_code == 422
    assert _row(settings, number).status == "in_progress"
    answer = "육아휴직 급여는 고용센터에 신청합니다. 고용24에서도 됩니다."
    saved = _post(web, path, f"{path}/answer", {"answer": answer, "action": "save"})
    assert saved.status_code == 303
    assert _row(settings, number).answer_text == answer
    assert _row(settings, number).status == "in_progress"
    sent = _post(web, path, f"{path}/answer", {"answer": answer, "action": "send"})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"{path}?done=sent")
    assert _row(settings, number).status == "answered"
    with session_scope(settings) as session:
        seen = status_of(session, number, None)  # an inquiry filed without sign-in
    assert seen["status"] == "answered"
    assert seen["answer"] == answer
    page = web.get(sent.headers["location"])
    assert 'data-done="sent"' in page.text
    assert 'id="answered-note"' in page.text
    assert 'id="answer-send"' not in page.text  # nothing more to send


def test_the_original_needs_a_purpose_is_audited_and_never_cached(
    web: TestClient, settings: Settings
) -> None:
    number = _file(settings, PLAIN)
    sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    path = f"/desk/staff/requests/{number}"
    masked = web.get(path)
    assert "010-0000-1234" not in masked.text
    short = _post(web, path, f"{path}/original", {"purpose": "왜"})
    assert short.status_code == 422
    assert "010-0000-1234" not in short.text
    assert _count(settings, AuditEntry, AuditEntry.event == "desk.original_read") == 0
    opened = _post(web, path, f"{path}/original", {"purpose": "답변 작성 확인"})
    assert opened.status_code == 200
    assert opened.headers["cache-control"] == "no-store"
    assert "010-0000-1234" in opened.text
    assert "답변 작성 확인" in opened.text
    assert _count(settings, AuditEntry, AuditEntry.event == "desk.original_read") == 1
    assert "010-0000-1234" not in web.get(path).text  # shown once, on that answer only


def test_overdue_lists_late_requests_by_office_in_words(
    web: TestClient, settings: Settings
) -> None:
    late = _file(settings, PLAIN, now=datetime.now(UTC) - timedelta(days=120))
    fresh = _file(settings, SCRIPT)
    sign_in_client(web, settings, login="inspector1", roles=("inspector",))
    page = web.get("/desk/staff/overdue")
    assert page.status_code == 200
    assert late in page.text
    assert fresh not in page.text
    assert 'data-overdue="yes"' in page.text
    assert "기한 지남" in page.text  # in words, not colour alone
    office = _row(settings, late).office_code
    assert f'data-office="{office}"' in page.text
    queue = web.get("/desk/staff", params={"overdue": "yes"})
    assert 'data-total="1"' in queue.text
    assert 'id="count-overdue" data-count="1"' in queue.text


def test_cases_list_one_case_and_assign_it(web: TestClient, settings: Settings) -> None:
    first, second = _file(settings, URGENT), _file(settings, URGENT.replace("20명", "30명"))
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        session.add(
            Case(
                id="C-W000123-1",
                master_workplace_id="W000123",
                workplace_name="가상상사",
                office_code="moel-busan",
                opened_at=now,
                updated_at=now,
                status="open",
                request_count=2,
                categories={"wage_arrears": 2},
                urgent=["mass_wage_arrears"],
            )
        )
        for number in (first, second):
            row = session.get(DeskRequest, number)
            assert row is not None
            row.case_id = "C-W000123-1"
    officer = sign_in_client(web, settings, login="officer1", roles=("desk_officer",))
    listing = web.get("/desk/staff/cases")
    assert listing.status_code == 200
    assert 'data-case="C-W000123-1"' in listing.text
    assert "가상상사" in listing.text
    page = web.get("/desk/staff/cases/C-W000123-1")
    assert page.status_code == 200
    assert first in page.text
    assert second in page.text
    assert web.get("/desk/staff/cases/C-NOPE").status_code == 404
    assert web.get("/desk/staff/cases", params={"status": "half"}).status_code == 422
    request_page = web.get(f"/desk/staff/requests/{first}")
    assert 'href="/desk/staff/cases/C-W000123-1"' in request_page.text
    done = _post(
        web,
        "/desk/staff/cases/C-W000123-1",
        "/desk/staff/cases/C-W000123-1/assign",
        {"assignee": "me", "reason": "집단 체불 병합 조사"},
    )
    assert done.status_code == 303
    assert _row(settings, first).assigned_to == officer.id
    assert _row(settings, second).assigned_to == officer.id


def test_public_stats_show_tables_suppression_csv_and_definitions(
    web: TestClient, settings: Settings
) -> None:
    for i in range(6):
        _file(settings, f"육아휴직 급여 신청은 어디서 하나요? 질문 {i}번입니다.")
    _file(settings, URGENT)
    page = web.get("/desk/stats")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert 'id="synthetic-note"' in page.text  # the demo's figures are labelled synthetic
    assert 'id="stats-by-category"' in page.text
    assert 'id="stats-by-office"' in page.text
    assert 'href="/v1/desk/stats.csv"' in page.text
    assert 'id="definitions"' in page.text
    assert "&lt;5" in page.text  # the one urgent request's group is suppressed
    total = page.text.split('<tr data-key="total">', 1)[1].split("</tr>", 1)[0]
    assert ">7<" in total
    period = web.get("/desk/stats", params={"since": "2026-01-01", "until": "2026-12-31"})
    assert period.status_code == 200
    assert 'href="/v1/desk/stats.csv?since=2026-01-01&amp;until=2026-12-31"' in period.text
    bad = web.get("/desk/stats", params={"since": "yesterday", "until": "2026-01-01"})
    assert bad.status_code == 422
    assert 'data-field="since"' in bad.text
    backwards = web.get("/desk/stats", params={"since": "2026-02-01", "until": "2026-01-01"})
    assert backwards.status_code == 422
    assert 'data-field="until"' in backwards.text
    english = web.get("/desk/stats", params={"lang": "en"})
    assert "Request handling statistics" in english.text
    assert "synthetic" in english.text.lower()
