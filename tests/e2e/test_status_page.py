"""The public status page in Chromium: axe-clean in Korean and English, usable by keyboard.

Numbers and an ongoing incident are in the store so that every part of the page is drawn (the
bar strip, the current incident, the history, the per-day table in its ``<details>``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.status.logs import Observation, add_to_rollups
from ilteo.status.models import Incident

ARTIFACTS = Path(__file__).parent / "artifacts"


def no_violations(page: Any, where: str) -> None:
    """Serious or critical ones fail in :func:`assert_accessible`; here, any at all."""
    from axe_playwright_python.sync_playwright import Axe

    assert_accessible(page, where)
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations] == [], where


@pytest.mark.e2e
def test_status_page_is_accessible_by_keyboard(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    now = utcnow()
    with session_scope(settings) as session:
        add_to_rollups(
            session,
            [
                Observation("reference-search", "server", now - timedelta(days=d), 30.0 + d, d == 3)
                for d in range(10)
            ]
            + [Observation("home", "rum", now, 900.0, failed=False)],
        )
        session.add(
            Incident(
                menu="sign-in",
                opened_at=now - timedelta(minutes=20),
                cause="error_rate",
                public_note_ko="로그인이 느려 원인을 찾고 있습니다.",
                public_note_en="Sign-in is slow; we are looking into it.",
            )
        )
        session.add(
            Incident(
                menu="reference-search",
                opened_at=now - timedelta(days=3, hours=1),
                closed_at=now - timedelta(days=3),
                cause="probe",
            )
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/status")
        assert page.get_by_role("heading", name="서비스 현황", level=1).count() == 1
        assert page.locator("#current-incidents").count() == 1
        numbers = page.get_by_role("table", name="직업·산업 분류 검색: 기간별", exact=False)
        assert numbers.get_by_role("row").count() == 1 + 4
        no_violations(page, "/status")
        page.screenshot(path=str(ARTIFACTS / "status.png"), full_page=True)

        tab_to(page, "menu-reference-search-days", limit=200)
        page.keyboard.press("Enter")  # opens the per-day table of the first menu with days
        days = page.get_by_role("table", name="직업·산업 분류 검색: 날짜별", exact=False)
        assert days.get_by_role("row").count() == 1 + 10
        no_violations(page, "/status (table open)")

        page.goto(f"{url}/status?lang=en")
        assert page.get_by_role("heading", name="Service status", level=1).count() == 1
        no_violations(page, "/status (English)")

        page.goto(f"{url}/status?lang=ko")  # ?lang=en was remembered in a cookie
        page.get_by_role("link", name="로그인", exact=False).first.click()
        page.wait_for_url("**/status/incidents/*")
        assert page.get_by_role("heading", level=1).inner_text().startswith("장애 #")
        assert page.locator("#note-ko").inner_text() == "로그인이 느려 원인을 찾고 있습니다."
        no_violations(page, "/status/incidents/{id}")
        context.close()
