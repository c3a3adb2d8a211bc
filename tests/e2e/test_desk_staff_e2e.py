"""The one window's staff pages in Chromium: queue, request, override, answer; axe, a phone.

A request is filed through intake as any door files it; a desk officer signs in (session
cookie), finds it in the queue, opens it, corrects its category with a reason, edits the draft
answer and sends it, by clicking as a person would (the CSRF token travels in the forms). The
citizen's status page (``/desk/requests/{number}``) then shows the request answered. The
overdue list, the cases and the public statistics page are checked for accessibility too, and
every page fits a 390 px wide phone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_monitor_a11y import no_violations
from tests.identity.factories import staff_session

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import status_of, submit
from ilteo.desk.models import Request as DeskRequest
from ilteo.identity import COOKIE_NAME

ARTIFACTS = Path(__file__).parent / "artifacts"
#: A phone 390 px wide (iPhone 12 to 15).
PHONE = {"width": 390, "height": 844}
TEXT = "육아휴직 급여 신청은 어디서 하나요? 회사는 서울 강남구에 있어요. 연락처 010-0000-1234."
URGENT = "사장님이 석 달째 월급을 안 줘요. 직원 20명 다 못 받았어요. 회사는 부산 해운대구에 있어요."
ANSWER = "육아휴직 급여는 관할 고용센터에 신청합니다. 고용24에서 온라인으로도 신청할 수 있습니다."
OTHER_PAGES = ("/desk/staff/overdue", "/desk/staff/cases", "/desk/stats")


@pytest.fixture
def filed(desk_settings: Settings, tmp_path: Path) -> tuple[Settings, str, str, str]:
    """This test's store with two requests filed (one urgent); a desk officer's session."""
    settings = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(settings)
    number = submit(settings, text=TEXT, channel="web").tracking_number
    urgent = submit(settings, text=URGENT, channel="web").tracking_number
    _, token = staff_session(settings, login="officer1", roles=("desk_officer",))
    return settings, number, urgent, token


def _category(settings: Settings, number: str) -> str | None:
    with session_scope(settings) as session:
        row = session.get(DeskRequest, number)
        assert row is not None
        return row.category


def _no_horizontal_overflow(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"
    spilling = page.evaluate(
        """() => [...document.querySelectorAll('table th, table td')]
            .filter(c => c.scrollWidth > c.clientWidth + 1)
            .map(c => c.textContent.trim().slice(0, 40))"""
    )
    assert spilling == [], f"{where}: text spills out of its table cell"


def _handle(page: Any, url: str, number: str, lang: str, check: Callable[[str], None]) -> str:
    """Queue, request, override, answer and send, by clicking; the category chosen."""
    page.goto(f"{url}/desk/staff?lang={lang}")
    assert page.locator("h1").count() == 1
    assert page.locator("#urgent-banner").count() == 1
    assert page.locator(f'#queue-table tr[data-request="{number}"]').count() == 1
    check("queue")
    with page.expect_navigation():
        page.locator(f'#queue-table a[href="/desk/staff/requests/{number}"]').click()
    assert page.locator("#masked-text").count() == 1
    assert "010-0000-1234" not in page.locator("#masked-text").inner_text()
    check("request")
    current = page.locator("#override-category").input_value()
    new = "unemployment_benefit" if current != "unemployment_benefit" else "parental_leave"
    page.locator("#override-category").select_option(new)
    page.locator("#override-category-reason").fill("육아휴직 급여 문의가 아님")
    with page.expect_navigation():
        page.locator("#override-category-submit").click()
    assert page.locator('#result[data-done="overridden"]').count() == 1
    assert page.locator(f'#triage-category[data-category="{new}"]').count() == 1
    check("request after override")
    editor = page.locator("#answer")
    assert editor.input_value().strip(), "the editor holds the draft"
    assert page.locator('#answer-sources a[href^="https://www.law.go.kr/"]').count() >= 1
    editor.fill(ANSWER)
    with page.expect_navigation():
        page.locator("#answer-send").click()
    assert page.locator('#result[data-done="sent"]').count() == 1
    assert page.locator("#answered-note").count() == 1
    check("request answered")
    return new


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_desk_officer_overrides_and_answers_a_request(
    filed: tuple[Settings, str, str, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
    lang: str,
) -> None:
    settings, number, _, token = filed
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)

        def check(where: str) -> None:
            assert page.locator("h1").count() == 1, where
            assert page.locator("script").count() == 1, where
            no_violations(page, f"{where} ({lang})")

        new = _handle(page, url, number, lang, check)
        assert _category(settings, number) == new
        for path in OTHER_PAGES:
            page.goto(f"{url}{path}?lang={lang}")
            check(path)
        context.close()

        # The citizen's status page: an inquiry filed without sign-in, read with its number.
        citizen = chromium.new_context(locale="ko-KR")
        public = citizen.new_page()
        shown = public.goto(f"{url}/desk/requests/{number}?lang={lang}")
        assert shown is not None
        if shown.status == 404:  # the citizen pages are not there yet: ask the library
            with session_scope(settings) as session:
                assert status_of(session, number, None)["status"] == "answered"
        else:
            assert public.locator('#desk-state[data-status="answered"]').count() == 1
            assert "고용24" in public.locator("#desk-answer").inner_text()
        citizen.close()
    with session_scope(settings) as session:
        seen = status_of(session, number, None)
    assert seen["status"] == "answered"
    assert seen["answer"] == ANSWER


@pytest.mark.e2e
def test_desk_staff_pages_fit_a_phone(
    filed: tuple[Settings, str, str, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    settings, number, urgent, token = filed
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        # Not is_mobile: a mobile layout viewport would widen to fit the content and hide overflow.
        context = chromium.new_context(locale="ko-KR", viewport=PHONE)
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)

        def check(where: str) -> None:
            _no_horizontal_overflow(page, where)

        _handle(page, url, number, "ko", check)
        page.screenshot(path=str(ARTIFACTS / "desk-staff-request-phone.png"), full_page=True)
        for path in (f"/desk/staff/requests/{urgent}", "/desk/staff", *OTHER_PAGES):
            for lang in ("ko", "en"):
                page.goto(f"{url}{path}?lang={lang}")
                _no_horizontal_overflow(page, f"{path} ({lang})")
        page.goto(f"{url}/desk/staff")
        page.screenshot(path=str(ARTIFACTS / "desk-staff-queue-phone.png"), full_page=True)
        context.close()
