"""The sign-in pages, sessions over HTTP, CSRF refusal, role checks and security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

import pyotp
import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import PASSWORD, create_test_account, sign_in_client

from ilteo.api import create_app
from ilteo.api.routers.identity import require_staff
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import AccountPublic, audit_person_read, get_account
from ilteo.identity.models import AuditEntry

WRONG = "wrong password!"
Steward = Annotated[AccountPublic, Depends(require_staff("data_steward"))]


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The whole app, plus one API route and one page guarded by ``require_staff``."""
    upgrade(settings)
    app = create_app(settings)

    @app.get("/v1/test-staff")
    def staff_api(account: Steward) -> dict[str, str]:
        return {"id": account.id}

    @app.get("/test-staff-page")
    def staff_page(account: Steward) -> dict[str, str]:
        return {"id": account.id}

    with TestClient(app, headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _sign_in(web: TestClient, login: str = "minji", password: str = PASSWORD) -> str:
    csrf = _csrf(web.get("/sign-in").text)
    response = web.post(
        "/sign-in",
        data={"login": login, "password": password, "csrf": csrf, "next": "/account"},
        follow_redirects=False,
    )
    return response.text if response.status_code != 303 else response.headers["location"]


def _account(settings: Settings, **kwargs: object) -> tuple[str, str | None]:
    with session_scope(settings) as session:
        account, secret = create_test_account(session, **kwargs)  # type: ignore[arg-type]
        return account.id, secret


def test_sign_in_with_password_and_totp_then_sign_out(web: TestClient, settings: Settings) -> None:
    _, secret = _account(settings, totp=True, at=datetime.now(UTC))
    html = _sign_in(web)
    assert 'name="pending"' in html
    pending = re.search(r'name="pending" value="([^"]+)"', html)
    assert pending
    code = pyotp.TOTP(secret or "").now()
    response = web.post(
        "/sign-in/totp",
        data={"pending": pending.group(1), "code": code, "csrf": _csrf(html), "next": "/account"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"]
    assert "ilteo_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    account_page = web.get("/account")
    assert account_page.status_code == 200
    assert "minji 님" in account_page.text
    out = web.post("/sign-out", data={"csrf": _csrf(account_page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert web.get("/account", follow_redirects=False).status_code == 303


def test_unknown_login_and_wrong_password_give_the_same_page(
    web: TestClient, settings: Settings
) -> None:
    _account(settings)
    unknown = _sign_in(web, "nobody", WRONG)
    wrong = _sign_in(web, "nobody", WRONG + "!")
    _account(settings, login="nobody")
    known_wrong = _sign_in(web, "nobody", WRONG)

    def strip(html: str) -> str:
        return re.sub(r'value="[^"]*"', "", html)

    assert strip(unknown) == strip(wrong) == strip(known_wrong)
    assert "로그인 이름 또는 비밀번호가 맞지 않거나" in unknown
    assert web.get("/sign-in").headers["cache-control"] == "no-store"


def test_post_without_csrf_token_is_refused(web: TestClient, settings: Settings) -> None:
    _account(settings)
    web.get("/sign-in")
    response = web.post("/sign-in", data={"login": "minji", "password": PASSWORD, "csrf": "x"})
    assert response.status_code == 403
    assert "보안 확인 값이 없거나 만료되었습니다" in response.text
    assert web.post("/sign-out", data={}).status_code == 403
    with session_scope(settings) as session:
        assert "csrf.refused" in session.scalars(select(AuditEntry.event)).all()


def test_tampered_cookie_is_anonymous_and_audited(web: TestClient, settings: Settings) -> None:
    _account(settings)
    assert _sign_in(web) == "/account"
    token = web.cookies["ilteo_session"]
    web.cookies.clear()
    web.cookies.set("ilteo_session", token[:-2] + "xx")
    response = web.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/account"
    with session_scope(settings) as session:
        assert "session.unknown" in session.scalars(select(AuditEntry.event)).all()


def test_staff_guard_answers_401_403_and_admits_the_role(
    web: TestClient, settings: Settings
) -> None:
    api = web.get("/v1/test-staff")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    page = web.get("/test-staff-page?x=1", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/test-staff-page%3Fx%3D1"
    _account(settings)
    _account(settings, login="steward", roles=("data_steward",))
    assert _sign_in(web) == "/account"
    assert web.get("/v1/test-staff").status_code == 403
    web.cookies.clear()
    assert _sign_in(web, login="steward") == "/account"
    assert web.get("/v1/test-staff").status_code == 200


def test_account_page_lists_reads_with_purpose(web: TestClient, settings: Settings) -> None:
    person_id, _ = _account(settings, master_person_id="P000000007")
    staff_id, _ = _account(settings, login="counsellor1", roles=("counsellor",))
    with session_scope(settings) as session:
        audit_person_read(session, get_account(session, staff_id), "P000000007", "전직 상담 준비")
    assert person_id
    assert _sign_in(web) == "/account"
    html = web.get("/account").text
    assert "전직 상담 준비" in html
    assert "counsellor1 님 (상담사)" in html
    assert "로그인 성공" in html


def test_security_headers_on_pages_and_api(web: TestClient) -> None:
    for path in ("/", "/sign-in", "/v1/reference/datasets", "/v1/docs"):
        headers = web.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "referrer-policy" in headers
        assert "permissions-policy" in headers
    docs = web.get("/v1/docs")
    nonce = re.search(r"'nonce-([^']+)'", docs.headers["content-security-policy"])
    assert nonce
    assert f'<script nonce="{nonce.group(1)}">' in docs.text
    assert (
        web.get("/").headers["content-security-policy"]
        != web.get("/").headers["content-security-policy"]
    )


def test_session_cookie_is_secure_outside_dev(tmp_path: object, settings: Settings) -> None:
    prod = Settings(env="test", home=settings.home, secret_key="x" * 40)
    upgrade(prod)
    _account(prod)
    with TestClient(create_app(prod), base_url="https://testserver") as client:
        csrf = _csrf(client.get("/sign-in").text)
        response = client.post(
            "/sign-in",
            data={"login": "minji", "password": PASSWORD, "csrf": csrf},
            follow_redirects=False,
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_lake_pages_and_reads_are_for_data_stewards_only(
    web: TestClient, settings: Settings
) -> None:
    page = web.get("/lake/catalog", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/lake/catalog"
    assert web.get("/v1/lake/catalog").status_code == 401
    assert web.get("/v1/lake/batches").status_code == 401
    sign_in_client(web, settings, login="counsellor1", roles=("counsellor",))
    forbidden = web.get("/lake")
    assert forbidden.status_code == 403
    assert "이 화면을 볼 권한이 없습니다" in forbidden.text
    assert web.get("/v1/lake/sources").status_code == 403
    web.cookies.clear()
    sign_in_client(web, settings, login="admin1", roles=("administrator",))
    assert web.get("/lake").status_code == 200
    assert web.get("/v1/lake/sources").status_code == 200
