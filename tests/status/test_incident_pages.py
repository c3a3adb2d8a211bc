"""Staff incident pages: administrators only, CSRF, notes, closing, and accessible HTML."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import sign_in_client, staff_session

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.models import AuditEntry
from ilteo.status.incidents import evaluate
from ilteo.status.logs import record_requests
from ilteo.status.models import Incident

LIST = "/status/staff/incidents"


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """A browser-like client of the whole app on a migrated store."""
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def test_the_pages_need_an_administrator(web: TestClient, settings: Settings) -> None:
    anonymous = web.get(LIST, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307)
    assert anonymous.headers["location"].startswith("/sign-in")
    assert web.post(LIST, data={"menu": "home"}, follow_redirects=False).status_code != 200
    sign_in_client(web, settings, login="steward", roles=("data_steward",))
    assert web.get(LIST).status_code == 403
    assert web.get(f"{LIST}/1").status_code == 403
    sign_in_client(web, settings, login="admin", roles=("administrator",))
    page = web.get(LIST)
    assert page.status_code == 200
    assert "장애 관리" in page.text
    assert "진행 중인 장애가 없습니다" in page.text


def test_open_note_and_close_an_incident_on_the_pages(web: TestClient, settings: Settings) -> None:
    admin = sign_in_client(web, settings, login="admin", roles=("administrator",))
    page = web.get(LIST)
    assert web.post(LIST, data={"menu": "sign-in", "note_ko": "x", "csrf": "no"}).status_code == 403
    empty = web.post(LIST, data={"menu": "sign-in", "csrf": _csrf(page.text)})
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text
    opened = web.post(
        LIST,
        data={"menu": "sign-in", "note_ko": "로그인 점검", "note_en": "", "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    detail_url = opened.headers["location"].split("?")[0]
    detail = web.get(opened.headers["location"])
    assert detail.status_code == 200
    assert "로그인 점검" in detail.text
    assert "장애를 열었습니다" in detail.text
    twice = web.post(LIST, data={"menu": "sign-in", "note_ko": "또", "csrf": _csrf(page.text)})
    assert twice.status_code == 422  # one open incident per menu
    too_long = web.post(detail_url, data={"public_note_en": "x" * 4001, "csrf": _csrf(detail.text)})
    assert too_long.status_code == 422
    assert web.post(detail_url, data={"postmortem": "y", "csrf": "no"}).status_code == 403
    closed = web.post(
        detail_url,
        data={
            "public_note_ko": "로그인 점검",
            "public_note_en": "Sign-in maintenance",
            "postmortem": "Planned; no data lost.",
            "action": "close",
            "csrf": _csrf(detail.text),
        },
    )
    assert closed.status_code == 200
    assert "장애를 닫았습니다" in closed.text
    assert 'id="close-submit"' not in closed.text  # closed: no close button any more
    with session_scope(settings) as session:
        (incident,) = session.scalars(select(Incident)).all()
        events = list(
            session.scalars(select(AuditEntry.event).where(AuditEntry.account_id == admin.id))
        )
    assert incident.closed_at is not None
    assert incident.public_note_en == "Sign-in maintenance"
    assert incident.postmortem == "Planned; no data lost."
    assert {"status.incident_opened", "status.incident_noted", "status.incident_closed"} <= set(
        events
    )
    assert web.get(f"{LIST}/999").status_code == 404
    listed = web.get(LIST)
    assert 'id="recent-incidents"' in listed.text
    assert f'href="{detail_url}"' in listed.text


def test_an_automatic_incident_shows_what_was_measured(web: TestClient, settings: Settings) -> None:
    t0 = datetime.now(UTC) - timedelta(minutes=3)
    rows = [
        {
            "at": t0 + timedelta(seconds=i),
            "menu": "reference-search",
            "route": "/v1/reference/occupations",
            "method": "GET",
            "status": 503,
            "duration_ms": 5.0,
            "bytes": 10,
            "client": "c",
            "kind": "server",
            "failed": True,
        }
        for i in range(25)
    ]
    with session_scope(settings) as session:
        record_requests(session, rows)
    (change,) = evaluate(settings)
    sign_in_client(web, settings, login="admin", roles=("administrator",))
    page = web.get(f"{LIST}/{change.incident_id}?lang=en")
    assert page.status_code == 200
    assert "25 of 25 requests failed" in page.text
    assert "Highest error rate" in page.text
    assert "100.0%" in page.text


class _Structure(HTMLParser):
    """Collects what an accessibility check needs: ids, labels, controls, headings, lang."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.h1 = 0
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "html":
            self.html_lang = a.get("lang") or ""
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("textarea", "select") or (
            tag == "input" and a.get("type") not in ("hidden", "submit")
        ):
            self.controls.append(str(a.get("id") or ""))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_pages_are_well_formed_for_assistive_technology(
    web: TestClient, settings: Settings, lang: str
) -> None:
    sign_in_client(web, settings, login="admin", roles=("administrator",))
    page = web.get(LIST)
    opened = web.post(
        LIST,
        data={"menu": "home", "note_ko": "점검", "note_en": "Check", "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    for url in (f"{LIST}?lang={lang}", f"{opened.headers['location'].split('?')[0]}?lang={lang}"):
        html = web.get(url).text
        parsed = _Structure()
        parsed.feed(html)
        assert parsed.html_lang == lang
        assert parsed.h1 == 1
        assert len(parsed.ids) == len(set(parsed.ids)), "ids are unique"
        assert parsed.controls, "the page has a form"
        assert all(c and c in parsed.labels for c in parsed.controls), "every control has a label"


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped when it is not installed)."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.e2e
def test_the_pages_pass_axe_in_chromium(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    from tests.e2e.test_reference_browser import assert_accessible

    upgrade(settings)
    _, token = staff_session(settings, login="admin", roles=("administrator",))
    with serve(settings) as url:
        page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page.context.add_cookies([{"name": "ilteo_session", "value": token, "url": url}])
        page.goto(f"{url}{LIST}")
        assert_accessible(page, LIST)
        page.get_by_label("서비스 메뉴").select_option("home")
        page.get_by_label("공개 설명 (한국어)").fill("점검 중입니다")
        page.get_by_role("button", name="장애 열기").click()
        page.wait_for_url("**/status/staff/incidents/*")
        assert page.locator("#saved").is_visible()
        assert_accessible(page, "incident page")
        page.get_by_role("textbox", name="사후 분석", exact=True).fill("계획된 점검")
        page.get_by_role("button", name="저장하고 장애 닫기").click()
        page.wait_for_url("**saved=closed")
        assert_accessible(page, "closed incident page")
        page.goto(f"{url}{LIST}?lang=en")
        assert_accessible(page, f"{LIST}?lang=en")
