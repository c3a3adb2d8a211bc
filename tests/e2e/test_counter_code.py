"""At the counter and after it, by keyboard only: proofing by a social worker's voucher, a printed
code sheet, and the person signing in with one code (a replayed code is refused).

axe-core checks the counter pages, the sheet (on screen and as printed) and the code sign-in page;
screenshots of the sheet and the sign-in are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to
from tests.identity.factories import PASSWORD, create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings

ARTIFACTS = Path(__file__).parent / "artifacts"


def _type_into(page: Any, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def _tab_to_link(page: Any, href_start: str, limit: int = 60) -> None:
    """Press Tab until a link whose ``href`` starts with ``href_start`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate(
            "document.activeElement && document.activeElement.getAttribute('href')"
        )
        if href and href.startswith(href_start):
            return
    raise AssertionError(f"no link to {href_start} is reachable with Tab")


@pytest.mark.e2e
def test_counsellor_issues_a_sheet_and_the_person_signs_in_with_a_code(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    upgrade(settings)
    with session_scope(settings) as session:
        create_test_account(session, login="counsellor", roles=("counsellor",))
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        staff = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = staff.new_page()
        page.goto(f"{url}/counter")
        page.wait_for_url("**/sign-in?next=/counter")
        _type_into(page, "login", "counsellor")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/counter")
        assert_accessible(page, "/counter")

        _type_into(page, "new-login", "grandma")
        page.keyboard.press("Tab")
        page.keyboard.type("김순자")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/counter/accounts/[0-9a-f]+$"))
        assert_accessible(page, "/counter/accounts/<id>")

        tab_to(page, "proof-voucher")
        page.keyboard.press("Enter")
        page.wait_for_selector("#voucher_name")
        assert_accessible(page, "/counter/accounts/<id>/proof")
        _type_into(page, "evidence_note", "사진 신분증 없음, 보증서 확인")
        _type_into(page, "voucher_name", "박지원 사회복지사 제12345호")
        tab_to(page, "proof-submit")
        page.keyboard.press("Enter")
        page.wait_for_selector(".ilteo-code-sheet")
        codes = page.locator(".ilteo-code").all_inner_texts()
        assert len(codes) == 10
        assert page.get_by_text("한 번 쓴 코드는 지우세요").count() == 1
        assert_accessible(page, "code sheet (screen)")
        page.emulate_media(media="print")
        assert page.locator("header").first.is_hidden()
        assert page.locator(".ilteo-code-sheet").is_visible()
        assert page.locator(".ilteo-code-sheet-login").inner_text() == "grandma"
        size = page.eval_on_selector(".ilteo-code", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 28  # 24pt: digits big enough to read without glasses
        assert_accessible(page, "code sheet (print)")
        page.screenshot(path=str(ARTIFACTS / "code-sheet-print.png"), full_page=True)
        staff.close()

        person = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = person.new_page()
        page.goto(f"{url}/sign-in")
        _tab_to_link(page, "/sign-in/code")  # the sign-in page links to the code path
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/sign-in/code\?next=.*"))
        assert page.get_by_role("heading", name="일회용 코드로 로그인").count() == 1
        assert_accessible(page, "/sign-in/code")
        page.screenshot(path=str(ARTIFACTS / "code-sign-in.png"), full_page=True)
        _type_into(page, "login", "grandma")
        page.keyboard.press("Tab")
        page.keyboard.type(codes[0])
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"^[^?]*/account$"))
        assert page.get_by_role("heading", name="내 계정").count() == 1
        person.close()

        again = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = again.new_page()
        page.goto(f"{url}/sign-in/code")
        _type_into(page, "login", "grandma")
        page.keyboard.press("Tab")
        page.keyboard.type(codes[0])
        page.keyboard.press("Enter")
        page.wait_for_selector("[role=alert]")
        assert "로그인할 수 없습니다" in page.locator("[role=alert]").inner_text()
        assert page.url.endswith("/sign-in/code")
        assert_accessible(page, "/sign-in/code (refused)")
        again.close()
