"""The counter pages, code sign-in, recovery and password pages over HTTP (the whole app)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import PASSWORD, create_test_account, sign_in_client
from tests.identity.test_proofing import RRN_A, _wrong_check_digit, build_tiny_lake

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import get_account
from ilteo.identity.models import Account, AuditEntry
from ilteo.identity.sessions import COOKIE_NAME

NEW = "a brand new passphrase"
CODE = re.compile(r'<span class="ilteo-code">(\d{4}-\d{4})</span>')


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The whole app over a migrated SQLite store."""
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _events(settings: Settings, event: str) -> list[AuditEntry]:
    with session_scope(settings) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        )
        return list(rows)


def _funnel(settings: Settings, stage: str, path: str) -> int:
    return sum(1 for e in _events(settings, f"funnel.{stage}") if e.detail.get("path") == path)


def _person(settings: Settings, login: str) -> Account:
    with session_scope(settings) as session:
        account = session.scalar(select(Account).where(Account.login == login))
        assert account is not None
        return account


def _issue_by_voucher(web: TestClient, settings: Settings, **fields: str) -> tuple[str, str]:
    """As a signed-in counsellor: open 'grandma', proof by voucher, return (person id, page)."""
    home = web.get("/counter")
    assert home.status_code == 200
    opened = web.post(
        "/counter/accounts",
        data={"login": "grandma", "display_name": "김순자", "csrf": _csrf(home.text)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    person_id = opened.headers["location"].rsplit("/", 1)[1]
    form = web.get(f"/counter/accounts/{person_id}/proof?method=social_worker_voucher")
    assert form.status_code == 200
    data = {
        "method": "social_worker_voucher",
        "purpose": "issue",
        "evidence_note": "사진 신분증 없음",
        "voucher_name": "박지원 사회복지사 제12345호",
        "csrf": _csrf(form.text),
    } | fields
    page = web.post(f"/counter/accounts/{person_id}/proof", data=data)
    return person_id, page.text if page.status_code == 200 else f"{page.status_code}:{page.text}"


def _code_sign_in(web: TestClient, login: str, code: str) -> int:
    form = web.get("/sign-in/code?next=/account")
    response = web.post(
        "/sign-in/code",
        data={"login": login, "code": code, "csrf": _csrf(form.text), "next": "/account"},
        follow_redirects=False,
    )
    return response.status_code


def test_counsellor_proofs_issues_a_printable_sheet_and_the_code_signs_in_once(
    web: TestClient, settings: Settings
) -> None:
    sign_in_client(web, settings, login="counsellor", roles=("counsellor",))
    person_id, page = _issue_by_voucher(web, settings)
    codes = CODE.findall(page)
    assert len(codes) == 10
    assert "grandma" in page
    assert "한 번 쓴 코드는 지우세요" in page
    assert "/static/print.css" in page
    assert _funnel(settings, "started", "proofing.social_worker_voucher") == 1
    assert _funnel(settings, "finished", "proofing.social_worker_voucher") == 1
    assert len(_events(settings, "codes.issued")) == 1
    # the person page lists the sheet but never its codes
    person_page = web.get(f"/counter/accounts/{person_id}").text
    assert codes[0] not in person_page
    assert web.get("/static/print.css").status_code == 200

    web.cookies.clear()
    assert _code_sign_in(web, "grandma", codes[0]) == 303
    assert web.cookies.get(COOKIE_NAME)
    assert _funnel(settings, "finished", "sign_in.counter_code") == 1
    web.cookies.clear()
    replay = _code_sign_in(web, "grandma", codes[0])
    assert replay == 401
    wrong_login = _code_sign_in(web, "nobody", codes[1])
    assert wrong_login == 401
    reasons = [e.detail["reason"] for e in _events(settings, "sign_in.failure")]
    assert reasons == ["code_replay", "unknown_login"]


def test_the_printed_sheet_is_never_cached(web: TestClient, settings: Settings) -> None:
    sign_in_client(web, settings, login="counsellor", roles=("counsellor",))
    home = web.get("/counter")
    opened = web.post(
        "/counter/accounts",
        data={"login": "grandpa", "display_name": "박영수", "csrf": _csrf(home.text)},
        follow_redirects=False,
    )
    person_id = opened.headers["location"].rsplit("/", 1)[1]
    form = web.get(f"/counter/accounts/{person_id}/proof?method=id_card")
    response = web.post(
        f"/counter/accounts/{person_id}/proof",
        data={"method": "id_card", "evidence_note": "운전면허증", "csrf": _csrf(form.text)},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert len(CODE.findall(response.text)) == 10


def test_code_refusals_look_the_same_and_need_csrf(web: TestClient, settings: Settings) -> None:
    with session_scope(settings) as session:
        create_test_account(session, login="minji")
    assert web.post("/sign-in/code", data={"login": "minji", "code": "1"}).status_code == 403
    bodies = []
    for login, code in (("minji", "1234-5678"), ("nobody", "1234-5678"), ("minji", "")):
        form = web.get("/sign-in/code")
        response = web.post(
            "/sign-in/code", data={"login": login, "code": code, "csrf": _csrf(form.text)}
        )
        assert response.status_code == 401
        bodies.append(re.sub(r'value="[^"]*"', "", response.text))
    assert bodies[0] == bodies[1] == bodies[2]
    assert _funnel(settings, "started", "sign_in.counter_code") == 3


def test_the_rrn_is_checked_hashed_linked_and_never_echoed(
    web: TestClient, settings: Settings
) -> None:
    build_tiny_lake(settings)
    sign_in_client(web, settings, login="counsellor", roles=("counsellor",))
    bad = _wrong_check_digit(RRN_A)
    person_id, page = _issue_by_voucher(web, settings, rrn=bad)
    assert page.startswith("422:")
    assert bad not in page
    assert bad.replace("-", "") not in page
    assert "주민등록번호가 올바르지 않습니다" in page
    assert get_account_rrn(settings, person_id) is None

    form = web.get(f"/counter/accounts/{person_id}/proof?method=id_card")
    good = web.post(
        f"/counter/accounts/{person_id}/proof",
        data={
            "method": "id_card",
            "evidence_note": "주민등록증",
            "rrn": RRN_A,
            "csrf": _csrf(form.text),
        },
    )
    assert good.status_code == 200
    assert RRN_A not in good.text
    assert "데이터 레이크의 개인 P" in good.text
    with session_scope(settings) as session:
        person = get_account(session, person_id)
        assert person.master_person_id is not None
        assert person.rrn_hash is not None
        audit = str([(e.event, e.detail) for e in session.scalars(select(AuditEntry))])
    assert RRN_A not in audit
    assert RRN_A.replace("-", "") not in audit


def get_account_rrn(settings: Settings, account_id: str) -> str | None:
    """The stored RRN hash of an account."""
    with session_scope(settings) as session:
        return get_account(session, account_id).rrn_hash


def test_counter_pages_refuse_non_counsellors_with_an_audit_entry(
    web: TestClient, settings: Settings
) -> None:
    anonymous = web.get("/counter", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=/counter")
    citizen = sign_in_client(web, settings, login="citizen", roles=())
    for path in ("/counter", f"/counter/accounts/{citizen.id}"):
        assert web.get(path).status_code == 403
    assert web.post("/counter/accounts", data={"login": "x", "display_name": "y"}).status_code == (
        403
    )
    web.cookies.clear()
    sign_in_client(web, settings, login="steward", roles=("data_steward",))
    assert web.get("/counter").status_code == 403
    refused = _events(settings, "counter.refused")
    assert len(refused) == 4
    assert {e.detail["path"] for e in refused} >= {"/counter", "/counter/accounts"}


def test_counsellor_finds_revokes_and_resets_in_person(web: TestClient, settings: Settings) -> None:
    sign_in_client(web, settings, login="counsellor", roles=("counsellor",))
    person_id, page = _issue_by_voucher(web, settings)
    codes = CODE.findall(page)
    found = web.get("/counter?login=grandma", follow_redirects=False)
    assert found.headers["location"] == f"/counter/accounts/{person_id}"
    missing = web.get("/counter?login=nobody")
    assert "계정이 없습니다" in missing.text

    person_page = web.get(f"/counter/accounts/{person_id}").text
    sheet_id = re.search(r'action="/counter/sheets/([0-9a-f]+)/revoke"', person_page)
    assert sheet_id
    revoked = web.post(
        f"/counter/sheets/{sheet_id.group(1)}/revoke",
        data={"csrf": _csrf(person_page)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert len(_events(settings, "codes.revoked")) == 1

    form = web.get(f"/counter/accounts/{person_id}/proof?method=id_card&purpose=reset")
    reset = web.post(
        f"/counter/accounts/{person_id}/proof",
        data={
            "method": "id_card",
            "purpose": "reset",
            "evidence_note": "주민등록증",
            "csrf": _csrf(form.text),
        },
    )
    assert reset.status_code == 200
    new_codes = CODE.findall(reset.text)
    assert len(new_codes) == 10
    assert _funnel(settings, "started", "recovery.in_person") == 1
    assert _funnel(settings, "finished", "recovery.in_person") == 1
    assert len(_events(settings, "account.reset_in_person")) == 1

    web.cookies.clear()
    assert _code_sign_in(web, "grandma", codes[1]) == 401  # the revoked sheet
    assert _code_sign_in(web, "grandma", new_codes[0]) == 303
    # straight after a code sign-in, no current password is asked
    form = web.get("/account/password")
    assert 'name="current_password"' not in form.text
    saved = web.post(
        "/account/password",
        data={"new_password": NEW, "repeat_password": NEW, "csrf": _csrf(form.text)},
    )
    assert saved.status_code == 200
    assert "새 비밀번호를 저장했습니다" in saved.text


def test_a_missing_voucher_or_note_is_refused_before_any_sheet(
    web: TestClient, settings: Settings
) -> None:
    sign_in_client(web, settings, login="counsellor", roles=("counsellor",))
    _, page = _issue_by_voucher(web, settings, voucher_name="  ")
    assert page.startswith("422:")
    assert "사회복지사의 이름과 등록번호를 적어 주세요" in page
    assert _events(settings, "codes.issued") == []


def test_recovery_codes_page_and_recover_by_code(web: TestClient, settings: Settings) -> None:
    public = web.get("/recover")
    assert public.status_code == 200
    assert 'href="/sign-in/phone"' in public.text
    assert "고용센터" in public.text
    assert _funnel(settings, "started", "recovery.recovery_code") == 1

    sign_in_client(web, settings, login="minji", roles=())
    page = web.get("/account/recovery-codes")
    assert "0개" in page.text
    made = web.post("/account/recovery-codes", data={"csrf": _csrf(page.text)})
    assert made.headers["cache-control"] == "no-store"
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", made.text)
    assert len(codes) == 10
    assert "/account/recovery-codes" in web.get("/account").text

    web.cookies.clear()
    form = web.get("/recover")

    def recover(code: str, new: str = NEW, again: str = NEW) -> int:
        data = {
            "login": "minji",
            "code": code,
            "new_password": new,
            "repeat_password": again,
            "csrf": _csrf(form.text),
        }
        return web.post("/recover", data=data).status_code

    assert recover(codes[0], NEW, NEW + "!") == 422
    assert recover(codes[0], "short", "short") == 422
    assert recover("zzzz-zzzz-zzzz") == 401
    assert recover(codes[0]) == 200
    assert recover(codes[0]) == 401  # used once already
    assert _funnel(settings, "finished", "recovery.recovery_code") == 1
    assert web.post("/recover", data={"login": "minji", "code": codes[1]}).status_code == 403
    signed = web.post(
        "/sign-in",
        data={"login": "minji", "password": NEW, "csrf": _csrf(web.get("/sign-in").text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303


def test_password_change_needs_the_current_password(web: TestClient, settings: Settings) -> None:
    sign_in_client(web, settings, login="minji", roles=())
    form = web.get("/account/password")
    assert 'name="current_password"' in form.text
    data = {"new_password": NEW, "repeat_password": NEW, "csrf": _csrf(form.text)}
    assert web.post("/account/password", data=data | {"current_password": "nope"}).status_code == (
        401
    )
    assert web.post("/account/password", data={**data, "repeat_password": "x"}).status_code == 422
    assert (
        web.post("/account/password", data=data | {"current_password": PASSWORD}).status_code == 200
    )
    assert len(_events(settings, "password.changed")) == 1
    anonymous = TestClient(web.app, headers={"Accept": "text/html"})
    assert anonymous.get("/account/password", follow_redirects=False).status_code == 303
