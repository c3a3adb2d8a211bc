"""The notice pages in Chromium: inbox, notice, consent, application - axe-clean, fit a phone.

Served on a copy of the built fixture lake with the scan of 2025-12-31 written as notices; a
citizen linked to a person with a notice goes from the inbox to the notice, presses "apply",
agrees on the consent screen and lands on the application, as a person would (the CSRF token
travels in the form). A counsellor's outreach, outbox and application pages are checked too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.test_monitor_a11y import no_violations
from tests.identity.factories import create_test_account, staff_session
from tests.monitor.conftest import MonitorLake

from ilteo.benefits.models import Notice
from ilteo.benefits.notices import write_notices
from ilteo.benefits.scan import ScanResult, scan
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.monitor.risk import write_outreach

ARTIFACTS = Path(__file__).parent / "artifacts"
#: An iPhone SE-sized screen.
PHONE = {"width": 375, "height": 667}
STAFF_PAGES = (
    "/benefits/outreach",
    "/benefits/outreach?age_min=abc",  # the 422 page naming the field
    "/benefits/outbox",
    "/benefits/staff/applications",
)


@pytest.fixture(scope="module")
def scanned(
    monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, ScanResult]:
    """A copy of the fixture lake with the month's outreach list, and its scan."""
    home = tmp_path_factory.mktemp("benefit-notices-e2e") / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    settings = monitor_lake.settings.model_copy(update={"home": home})
    write_outreach(settings, "2025-12")
    return settings, scan(settings, date(2025, 12, 31))


@pytest.fixture
def lake(scanned: tuple[Settings, ScanResult], tmp_path: Path) -> tuple[Settings, str, str]:
    """The lake with this test's database, the notices written; citizen and staff cookies."""
    home, result = scanned
    settings = home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"})
    upgrade(settings)
    with session_scope(settings) as session:
        write_notices(session, settings, result, channels=("sms", "email", "alimtalk"))
        master_id = session.scalar(
            select(Notice.master_person_id)
            .order_by(Notice.programme != "job_seeking_allowance", Notice.id)
            .limit(1)
        )
        account, _ = create_test_account(session, login="citizen", master_person_id=master_id)
        citizen = create_session(session, account.id)
    _, staff = staff_session(settings, login="counsellor1", roles=("counsellor",))
    return settings, citizen, staff


def _no_horizontal_overflow(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"


def _apply_flow(page: Any, url: str, lang: str, check: Callable[[str], None]) -> str:
    """Inbox, notice, consent, application, by clicking; ``check`` runs on each page."""
    page.goto(f"{url}/benefits/notices?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(".benefits-notice").count() >= 1
    check("inbox")
    with page.expect_navigation():
        page.locator(".benefits-notice h2 a").first.click()
    assert page.locator("#apply-button").count() == 1
    check("notice")
    with page.expect_navigation():
        page.locator("#apply-button").click()
    assert page.locator("#consent-submit").count() == 1
    assert page.locator("#terms-items li.ilteo-card").count() >= 1
    check("consent")
    with page.expect_navigation():
        page.locator("#consent-submit").click()
    assert "/benefits/applications/" in page.url
    assert page.locator("[data-document]").count() >= 1
    assert page.locator('[data-reader-kind="system"]').count() >= 1
    check("application")
    application = str(page.url.split("?")[0])
    page.goto(f"{url}/benefits/consents?lang={lang}")
    check("consents")
    return application


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_notice_pages_are_accessible(
    lake: tuple[Settings, str, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
    lang: str,
) -> None:
    settings, citizen, staff = lake
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": COOKIE_NAME, "value": citizen, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)

        def check(where: str) -> None:
            assert page.locator("h1").count() == 1, where
            assert page.locator("script").count() == 1, where
            no_violations(page, f"{where} ({lang})")

        application = _apply_flow(page, url, lang, check)
        application_id = application.rsplit("/", 1)[1]
        context.clear_cookies()
        context.add_cookies([{"name": COOKIE_NAME, "value": staff, "url": url}])
        for path in (*STAFF_PAGES, f"/benefits/staff/applications/{application_id}"):
            sep = "&" if "?" in path else "?"
            page.goto(f"{url}{path}{sep}lang={lang}")
            check(path)
        page.get_by_label(
            "이 신청을 왜 보나요" if lang == "ko" else "Why are you reading", exact=False
        ).fill("수급자격 심사")
        with page.expect_navigation():
            page.locator("#purpose-form button").click()
        assert page.locator("[data-document]").count() >= 1
        check("staff application")
        context.close()


@pytest.mark.e2e
def test_notice_pages_fit_a_phone(
    lake: tuple[Settings, str, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    settings, citizen, staff = lake
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        # Not is_mobile: a mobile layout viewport would widen to fit the content and hide overflow.
        context = chromium.new_context(locale="ko-KR", viewport=PHONE)
        context.add_cookies([{"name": COOKIE_NAME, "value": citizen, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)

        def check(where: str) -> None:
            _no_horizontal_overflow(page, where)

        application = _apply_flow(page, url, "ko", check)
        page.goto(application)
        page.screenshot(path=str(ARTIFACTS / "benefit-application-phone.png"), full_page=True)
        context.clear_cookies()
        context.add_cookies([{"name": COOKIE_NAME, "value": staff, "url": url}])
        for path in STAFF_PAGES:
            page.goto(f"{url}{path}")
            _no_horizontal_overflow(page, path)
        page.goto(f"{url}/benefits/outreach")
        page.screenshot(path=str(ARTIFACTS / "benefit-outreach-phone.png"), full_page=True)
        context.close()
