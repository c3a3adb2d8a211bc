"""The industrial-safety pages in Chromium: the room, a workplace, an outcome; axe, a phone.

An inspector (session cookie) opens the monitoring room on a 390 px wide phone, follows the top
workplace, records the outcome of its queued inspection by filling the form as a person would,
and sees it recorded; the inspection list and the public summary are checked too. Every page has
no axe violation and nothing spills past the screen's width.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_desk_staff_e2e import PHONE
from tests.e2e.test_monitor_a11y import no_violations
from tests.identity.factories import staff_session
from tests.safety.test_web import app_of
from tests.safety.test_web import scored_home as safety_scored_home  # noqa: F401 - registers it

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME
from ilteo.safety import service
from ilteo.safety.models import Inspection

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def room_home(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, str, str]:
    """This test's store on the scored home: five inspections queued; an inspector's session."""
    import shutil

    scored: Settings = request.getfixturevalue("safety_scored_home")

    database = tmp_path / "ops.db"
    shutil.copy(scored.home / "ilteo.db", database)
    settings = scored.model_copy(update={"database_url": f"sqlite:///{database}"})
    upgrade(settings)
    with session_scope(settings) as session:
        chosen = service.targets(settings, 5, random_share=0.0, seed=3, session=session, queue=True)
    _, token = staff_session(settings, login="inspector1", roles=("inspector",))
    return settings, str(chosen["inspection_id"][0]), token


def _fits(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"
    spilling = page.evaluate(
        """() => [...document.querySelectorAll('table th, table td')]
            .filter(c => c.scrollWidth > c.clientWidth + 1)
            .map(c => c.textContent.trim().slice(0, 40))"""
    )
    assert spilling == [], f"{where}: text spills out of its table cell: {spilling}"


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_an_inspector_uses_the_room_on_a_phone(
    room_home: tuple[Settings, str, str],
    serve: Callable[..., AbstractContextManager[str]],
    chromium: Any,
    lang: str,
) -> None:
    settings, inspection_id, token = room_home
    with session_scope(settings) as session:
        found = session.get(Inspection, inspection_id)
        assert found is not None
        master = found.master_workplace_id
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings, app_of(settings)) as url:
        context = chromium.new_context(locale="ko-KR", viewport=PHONE)
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)

        def check(where: str) -> None:
            assert page.locator("h1").count() == 1, where
            assert page.locator("script").count() == 1, where
            page.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
            no_violations(page, f"{where} ({lang})")
            _fits(page, f"{where} ({lang})")

        page.goto(f"{url}/safety/room?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        check("room")
        page.screenshot(path=str(ARTIFACTS / f"safety-room-phone-{lang}.png"), full_page=True)
        with page.expect_navigation():
            page.locator(f'#queue-table a[href="/safety/workplaces/{master}"]').first.click()
        check("workplace")
        form = f"#form-outcome-{inspection_id}"
        on = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
        page.locator(f"{form} input[name=inspected_on]").fill(on)
        page.locator(f"{form} input[name=findings]").fill("2")
        page.locator(f"{form} input[name=work_stopped]").check()
        with page.expect_navigation():
            page.locator(f"#outcome-{inspection_id}-submit").click()
        assert page.locator('#result[data-done="recorded"]').count() == 1
        done = page.locator(f'article[data-inspection="{inspection_id}"]')
        assert done.get_attribute("data-status") == "done"
        check("workplace after the outcome")
        for path in ("/safety/inspections", "/safety/inspections?status=done", "/safety"):
            sep = "&" if "?" in path else "?"
            page.goto(f"{url}{path}{sep}lang={lang}")
            check(path)
        context.close()
    with session_scope(settings) as session:
        recorded = session.get(Inspection, inspection_id)
        assert recorded is not None
        assert (recorded.status, recorded.findings, recorded.work_stopped) == ("done", 2, True)
