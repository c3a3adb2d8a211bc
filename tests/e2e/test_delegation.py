"""Delegation in the browser, keyboard only: Y lets X act for them, X acts and stops, Y sees it.

Y grants X a delegation on ``/account/delegations``; X signs in, chooses Y on ``/account/acting``
(the banner shows on every page), opens Y's account overview, and stops from the banner; Y sees
the "done by X for Y" trail and revokes; X can no longer act. axe-core checks every page.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import create_account
from ilteo.identity.delegation_models import Delegation

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "correct horse battery"  # noqa: S105 - a test password


def _sign_in(context: Any, url: str, login: str, next_path: str) -> Any:
    page = context.new_page()
    page.goto(f"{url}{next_path}")
    page.wait_for_url("**/sign-in?next=**")
    tab_to(page, "login")
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda address: urlsplit(address).path == next_path)
    return page


@pytest.mark.e2e
def test_grant_act_stop_trail_revoke_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    with session_scope(settings) as session:
        y = create_account(session, login="yuna", display_name="박윤아", password=PASSWORD).id
        create_account(session, login="minji", display_name="김민지", password=PASSWORD)
    ARTIFACTS.mkdir(exist_ok=True)
    last_day = (datetime.now(UTC) + timedelta(days=40)).date()
    with serve(settings) as url:
        as_y = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        as_x = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        yp = _sign_in(as_y, url, "yuna", "/account")
        tab_to(yp, "delegations-link")
        yp.keyboard.press("Enter")
        yp.wait_for_url("**/account/delegations")
        assert yp.get_by_role("heading", name="위임 관리").count() == 1
        assert_accessible(yp, "/account/delegations (empty)")

        tab_to(yp, "delegate-login")
        yp.keyboard.type("minji")
        for scope in ("scope-benefits", "scope-account_view"):
            tab_to(yp, scope)
            yp.keyboard.press("Space")
        tab_to(yp, "ends-on")
        # Chromium lays the date field out in its own UI language (en-US here: month, day,
        # year), not the page's; typing the digits moves from part to part by itself.
        yp.keyboard.type(last_day.strftime("%m%d%Y"))
        assert yp.eval_on_selector("#ends-on", "e => e.value") == last_day.isoformat()
        tab_to(yp, "grant-submit")
        yp.keyboard.press("Enter")
        yp.wait_for_selector("#delegation-done")
        assert yp.get_by_text("김민지 (minji)").count() == 1
        assert_accessible(yp, "/account/delegations (granted)")
        yp.screenshot(path=str(ARTIFACTS / "delegations.png"), full_page=True)

        xp = _sign_in(as_x, url, "minji", "/account/acting")
        assert_accessible(xp, "/account/acting")
        tab_to(xp, f"act-for-{y}")
        xp.keyboard.press("Enter")
        xp.wait_for_selector("#acting-banner")
        assert "박윤아 님을 대신하여 사용 중" in xp.inner_text("#acting-banner")
        assert_accessible(xp, "/account/acting (acting)")
        tab_to(xp, "overview-link")
        xp.keyboard.press("Enter")
        xp.wait_for_url("**/account/acting/overview")
        assert xp.get_by_role("heading", name="박윤아 님의 계정 정보").count() == 1
        assert xp.locator("#acting-banner").count() == 1
        assert_accessible(xp, "/account/acting/overview")
        xp.screenshot(path=str(ARTIFACTS / "acting.png"), full_page=True)
        tab_to(xp, "banner-stop")
        xp.keyboard.press("Enter")
        xp.wait_for_url("**/account/acting")
        assert xp.locator("#acting-banner").count() == 0

        yp.reload()
        trail = yp.inner_text("#trail")
        assert "김민지 님이 박윤아 님을 대신하여 대신하기를 시작했습니다" in trail
        assert "김민지 님이 박윤아 님을 대신하여 계정 정보를 보았습니다" in trail
        assert "김민지 님이 박윤아 님을 대신하여 대신하기를 그만했습니다" in trail
        with session_scope(settings) as session:
            row_id = session.scalars(select(Delegation.id)).one()
        tab_to(yp, f"revoke-{row_id}", limit=80)
        yp.keyboard.press("Enter")
        yp.wait_for_selector("#delegation-done")
        assert yp.get_by_text("취소됨").count() >= 1
        assert_accessible(yp, "/account/delegations (revoked)")

        xp.reload()
        assert xp.locator("#no-live").count() == 1
        assert xp.locator(f"#act-for-{y}").count() == 0
        as_x.close()
        as_y.close()
