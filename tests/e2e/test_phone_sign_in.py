"""A person without a smartphone adds a landline and signs in by a voice code, keyboard only.

The codes are read from the development outbox (what the voice call would have said); axe-core
checks every page visited: my account, my phone numbers, both phone sign-in steps.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to
from tests.identity.factories import PASSWORD, create_test_account
from tests.identity.test_phone import latest_code

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings

ARTIFACTS = Path(__file__).parent / "artifacts"


def tab_to_link(page: Any, path: str, limit: int = 60) -> None:
    """Press Tab until a link to ``path`` (any query) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate(
            "document.activeElement && document.activeElement.getAttribute('href')"
        )
        if href and href.split("?")[0] == path:
            return
    raise AssertionError(f"no link to {path} is reachable with Tab")


@pytest.mark.e2e
def test_add_a_landline_then_sign_in_by_voice_code_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    with session_scope(settings) as session:
        create_test_account(session, login="halmeoni")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/sign-in?next=/account")
        tab_to(page, "login")
        page.keyboard.type("halmeoni")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/account")
        assert_accessible(page, "/account")

        tab_to(page, "phone-link")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/account/phone")
        assert page.get_by_role("heading", name="내 전화번호", level=1).count() == 1
        assert_accessible(page, "/account/phone")
        tab_to(page, "number")
        page.keyboard.type("02-765-4321")
        page.keyboard.press("Enter")
        page.wait_for_selector("#code")
        assert page.get_by_role("status").inner_text().startswith("음성 전화로")
        assert_accessible(page, "/account/phone (verify)")
        assert page.evaluate("document.activeElement.id") == "code"
        page.keyboard.type(latest_code(settings))
        page.keyboard.press("Enter")
        page.wait_for_selector("text=번호를 확인했습니다")
        assert page.get_by_role("cell", name="02-***-4321", exact=True).count() == 1
        assert page.get_by_text("확인됨").count() >= 1
        assert_accessible(page, "/account/phone (verified)")
        page.screenshot(path=str(ARTIFACTS / "phone-numbers.png"), full_page=True)

        tab_to_link(page, "/account")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/account")
        tab_to(page, "sign-out")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/")

        page.goto(f"{url}/sign-in?next=/account")
        tab_to_link(page, "/sign-in/phone")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda address: "/sign-in/phone?next=" in address)
        assert page.get_by_role("heading", name="전화로 로그인").count() == 1
        assert_accessible(page, "/sign-in/phone")
        tab_to(page, "login")
        page.keyboard.type("halmeoni")
        page.keyboard.press("Tab")  # to the checked radio button (text message)
        assert page.evaluate("document.activeElement.id") == "channel-sms"
        page.keyboard.press("ArrowDown")  # choose the voice call
        assert page.evaluate("document.activeElement.id") == "channel-voice"
        tab_to(page, "send-code")
        page.keyboard.press("Enter")
        page.wait_for_selector("#code")
        assert page.get_by_role("heading", name="인증번호 입력").count() == 1
        assert_accessible(page, "/sign-in/phone (code)")
        page.screenshot(path=str(ARTIFACTS / "phone-code.png"), full_page=True)
        assert page.evaluate("document.activeElement.id") == "code"
        page.keyboard.type(latest_code(settings))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/account")
        assert page.get_by_role("heading", name="내 계정").count() == 1
