"""A person reaches the sign-in drop-off report from the sign-in page by keyboard only.

axe-core checks the report in Korean and English; the period form is used with the keyboard; a
screenshot is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.funnel import record_funnel

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.mark.e2e
def test_report_by_keyboard_is_accessible(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        for _ in range(8):
            record_funnel(session, "sign_in.passkey", "started", now=now)
        for _ in range(6):
            record_funnel(session, "sign_in.passkey", "finished", now=now)
        for _ in range(3):
            record_funnel(session, "sign_in.phone", "started", now=now)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/sign-in")
        tab_to(page, "sign-in-report-link", limit=80)
        page.keyboard.press("Enter")
        page.wait_for_url("**/sign-in/report")
        assert page.get_by_role("heading", name="로그인 이용 현황", level=1).count() == 1
        assert_accessible(page, "/sign-in/report")
        page.screenshot(path=str(ARTIFACTS / "sign-in-report.png"), full_page=True)

        summary = page.get_by_role("table", name="방법별 시작, 완료, 완료율", exact=False)
        assert summary.count() == 1
        row = summary.get_by_role("row", name="패스키로 로그인", exact=False)
        assert row.get_by_role("cell").nth(0).inner_text() == "8"
        meter = page.get_by_role("meter", name="패스키로 로그인 완료율 75%")
        assert meter.count() == 1
        phone = summary.get_by_role("row", name="전화·문자 코드로 로그인", exact=False)
        assert "5 미만" in phone.inner_text()
        assert page.locator("#json-link").get_attribute("href") == (
            "/v1/identity/sign-in-report?weeks=12"
        )

        tab_to(page, "weeks", limit=80)
        page.keyboard.press("Control+A")
        page.keyboard.type("4")
        page.keyboard.press("Enter")
        page.wait_for_url("**/sign-in/report?weeks=4")
        assert page.locator("#json-link").get_attribute("href").endswith("weeks=4")
        caption = page.get_by_role("table", name="패스키로 로그인: 주별", exact=False)
        assert caption.get_by_role("row").count() == 1 + 4
        assert_accessible(page, "/sign-in/report?weeks=4")

        page.goto(f"{url}/sign-in/report?weeks=4&lang=en")
        assert page.get_by_role("heading", name="How people sign in", level=1).count() == 1
        assert_accessible(page, "/sign-in/report (English)")
