"""A person registers a passkey, signs in with it by keyboard only, revokes it, and is refused.

Chromium's virtual authenticator (DevTools protocol ``WebAuthn`` domain) plays a platform
authenticator with resident keys and user verification. WebAuthn refuses IP addresses as
relying-party ids, so the browser uses ``http://localhost:<port>`` of the served app.
axe-core checks the passkey pages; a screenshot of each is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to
from tests.identity.factories import PASSWORD, create_test_account

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.identity.models import AuditEntry

ARTIFACTS = Path(__file__).parent / "artifacts"


def _localhost(live_url: str) -> str:
    """The served app's URL with ``localhost`` as host (a valid relying-party id)."""
    return f"http://localhost:{urlsplit(live_url).port}"


def _sign_out(page: Any, url: str) -> None:
    page.goto(f"{url}/account")
    tab_to(page, "sign-out")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def _passkey_sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/sign-in/passkey?next=/account")
    page.wait_for_selector("#passkey-sign-in", state="visible")
    tab_to(page, "passkey-sign-in")
    page.keyboard.press("Enter")


@pytest.mark.e2e
def test_register_sign_in_and_revoke_a_passkey_by_keyboard(
    settings: Settings, live_url: str, chromium: Any
) -> None:
    with session_scope(settings) as session:
        create_test_account(session, login="minji", at=datetime.now(UTC))
    url = _localhost(live_url)
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    # sign in with the password, then open "manage passkeys" from my account
    page.goto(f"{url}/sign-in?next=/account")
    tab_to(page, "login")
    page.keyboard.type("minji")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/account")
    tab_to(page, "passkeys-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/account/passkeys")
    assert page.get_by_role("heading", name="패스키 관리").count() == 1
    assert page.get_by_text("아직 등록한 패스키가 없습니다.").count() == 1
    page.wait_for_selector("#passkey-name", state="visible")
    assert_accessible(page, "/account/passkeys")

    # register a passkey: type its name, press Enter
    tab_to(page, "passkey-name")
    page.keyboard.type("내 노트북")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/passkeys?done=added")
    assert page.get_by_role("cell", name="내 노트북", exact=True).count() == 1
    assert page.get_by_text("패스키를 등록했습니다").count() == 1
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["isResidentCredential"]
    assert_accessible(page, "/account/passkeys (added)")
    page.screenshot(path=str(ARTIFACTS / "passkeys.png"), full_page=True)

    # sign out, then sign in with the passkey by keyboard only (no login name)
    _sign_out(page, url)
    _passkey_sign_in(page, url)
    page.wait_for_url(f"{url}/account")
    assert page.get_by_role("heading", name="내 계정").count() == 1
    page.goto(f"{url}/sign-in/passkey")
    assert_accessible(page, "/sign-in/passkey (signed in)")

    # revoke it (keyboard), sign out, and the same passkey is refused with a clear message
    page.goto(f"{url}/account/passkeys")
    revoke_id = page.locator("button[id^=revoke-]").get_attribute("id")
    tab_to(page, str(revoke_id))
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/passkeys?done=revoked")
    assert page.get_by_role("cell", name="사용 중지됨", exact=True).count() == 1
    _sign_out(page, url)
    _passkey_sign_in(page, url)
    alert = page.get_by_role("alert")
    alert.wait_for(state="visible")
    assert "패스키로 로그인하지 못했습니다" in alert.inner_text()
    assert page.url.startswith(f"{url}/sign-in/passkey")
    assert_accessible(page, "/sign-in/passkey (refused)")
    page.screenshot(path=str(ARTIFACTS / "passkey-refused.png"), full_page=True)
    context.close()

    with session_scope(settings) as session:
        failures = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "sign_in.failure")
        ).all()
        assert [e.detail["reason"] for e in failures] == ["passkey_revoked"]
        methods = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.event == "sign_in.success")
        ).all()
        assert [m["method"] for m in methods] == ["password", "passkey"]
