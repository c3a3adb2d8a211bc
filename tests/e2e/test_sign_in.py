"""A staff member signs in with a password and an authenticator code, by keyboard only.

axe-core checks the sign-in page, the TOTP step and "my account"; a screenshot of each is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.identity.factories import PASSWORD, create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings

ARTIFACTS = Path(__file__).parent / "artifacts"


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element with ``element_id`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


@pytest.mark.e2e
def test_sign_in_with_password_and_totp_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    with session_scope(settings) as session:
        _, secret = create_test_account(
            session, login="steward", roles=("data_steward",), totp=True, at=datetime.now(UTC)
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/account")
        page.wait_for_url("**/sign-in?next=/account")
        assert page.get_by_role("heading", name="로그인", exact=True).count() == 1
        assert_accessible(page, "/sign-in")
        page.screenshot(path=str(ARTIFACTS / "sign-in.png"), full_page=True)

        tab_to(page, "login")
        page.keyboard.type("steward")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("#code")
        assert page.get_by_role("heading", name="인증 코드 확인").count() == 1
        assert_accessible(page, "/sign-in (TOTP step)")
        assert page.evaluate("document.activeElement.id") == "code"
        page.keyboard.type(pyotp.TOTP(secret or "").now())
        page.keyboard.press("Enter")

        page.wait_for_url("**/account")
        assert page.get_by_role("heading", name="내 계정").count() == 1
        assert page.get_by_text("데이터 관리자").count() >= 1
        assert_accessible(page, "/account")
        page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)

        tab_to(page, "sign-out")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/account")
        page.wait_for_url("**/sign-in?next=/account")
