"""Signing in through simple authentication (the development OpenID provider), keyboard only.

The first time, the person picks a synthetic test person at the provider, opens a new account
and lands on "my account"; the second time the same person comes straight back signed in.
axe-core checks the provider's page, the first-time page and the linked-identities page.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

ARTIFACTS = Path(__file__).parent / "artifacts"


def tab_to_link(page: Any, href_start: str, limit: int = 60) -> None:
    """Press Tab until a link whose ``href`` starts with ``href_start`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate(
            "document.activeElement && document.activeElement.getAttribute('href')"
        )
        if href and href.startswith(href_start):
            return
    raise AssertionError(f"no link to {href_start} is reachable with Tab")


def _through_provider(page: Any, url: str, *, screenshot: str | None = None) -> None:
    """From the sign-in page: simple authentication, then the second test person."""
    page.goto(f"{url}/sign-in?next=/account")
    tab_to_link(page, "/sign-in/oidc")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dev/oidc/authorize?**")
    assert page.get_by_text("개발용 — 실제 인증 아님").count() >= 1
    if screenshot:
        assert_accessible(page, "/dev/oidc/authorize")
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    tab_to(page, "person-1")
    page.keyboard.press("ArrowDown")  # the second person: 이바다
    assert page.evaluate("document.activeElement.id") == "person-2"
    tab_to(page, "dev-allow")
    page.keyboard.press("Enter")


@pytest.mark.e2e
def test_sign_in_with_simple_authentication_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        _through_provider(page, url, screenshot="oidc-dev-provider.png")

        page.wait_for_url("**/sign-in/oidc/callback?**")
        assert page.get_by_role("heading", name="처음 오셨나요?").count() == 1
        assert page.get_by_text("확인된 이름: 이바다").count() == 1
        assert_accessible(page, "/sign-in/oidc/callback (first time)")
        page.screenshot(path=str(ARTIFACTS / "oidc-first-time.png"), full_page=True)
        tab_to(page, "oidc-new-account")
        page.keyboard.press("Enter")

        page.wait_for_url("**/account")
        assert page.get_by_role("heading", name="내 계정").count() == 1
        tab_to(page, "linked-ids-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/account/linked-ids")
        assert page.get_by_role("cell", name="이바다").count() == 1
        assert_accessible(page, "/account/linked-ids")
        page.screenshot(path=str(ARTIFACTS / "oidc-linked-ids.png"), full_page=True)

        page.context.clear_cookies()  # a new visit: straight back in, signed in
        _through_provider(page, url)
        page.wait_for_url("**/account")
        assert page.get_by_role("heading", name="내 계정").count() == 1
