"""The pathways pages in Chromium: axe-clean in Korean and English, and readable on a phone.

Served on a copy of the built fixture lake (``tests/monitor/conftest.py``) so that "my next
steps" shows the plan of a real lake person, linked to a signed-in citizen account.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.e2e.test_monitor_a11y import no_violations
from tests.identity.factories import create_test_account
from tests.monitor.conftest import MonitorLake

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME, create_session
from ilteo.monitor.risk import write_outreach

ARTIFACTS = Path(__file__).parent / "artifacts"
PUBLIC = (
    "/pathways",
    "/pathways/occupations/3403?region=11",
    "/pathways/occupations/15-1299.99",  # the 404 page with the nearest occupations
)
#: An iPhone SE-sized screen.
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def lake(monitor_lake: MonitorLake, tmp_path: Path) -> tuple[Settings, str]:
    """A copy of the fixture lake with an outreach list, and a citizen's session cookie."""
    home = tmp_path / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    settings = monitor_lake.settings.model_copy(
        update={"home": home, "database_url": f"sqlite:///{tmp_path / 'identity.db'}"}
    )
    upgrade(settings)
    written = write_outreach(settings, "2025-12")
    master_id = str(pl.read_parquet(written.path)["master_id"][0])
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="citizen", master_person_id=master_id)
        token = create_session(session, account.id)
    return settings, token


def _no_horizontal_overflow(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_pathways_pages_are_accessible(
    lake: tuple[Settings, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
    lang: str,
) -> None:
    settings, token = lake
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_navigation_timeout(300_000)  # the first plan builds the indexes
        for path in PUBLIC:
            sep = "&" if "?" in path else "?"
            page.goto(f"{url}{path}{sep}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("h1").count() == 1
            no_violations(page, f"{path} ({lang})")
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": url}])
        response = page.goto(f"{url}/pathways/me?lang={lang}")
        assert response.status == 200
        assert page.locator(".pathways-target").count() >= 1
        no_violations(page, f"/pathways/me ({lang})")
        assert page.locator("script").count() == 1
        context.close()


@pytest.mark.e2e
def test_pathways_pages_fit_a_phone(
    lake: tuple[Settings, str],
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    settings, token = lake
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport=PHONE, is_mobile=True)
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": url}])
        page = context.new_page()
        page.set_default_navigation_timeout(300_000)
        for path in (*PUBLIC, "/pathways/me"):
            response = page.goto(f"{url}{path}")
            assert response.status == (404 if "15-1299.99" in path else 200), path
            _no_horizontal_overflow(page, path)
        page.goto(f"{url}/pathways/occupations/3403?region=11")
        page.screenshot(path=str(ARTIFACTS / "pathways-phone.png"), full_page=True)
        # The form works by keyboard alone: the code, the region, then Enter.
        page.goto(f"{url}/pathways")
        page.get_by_label("직업 코드 또는 직업명").fill("3403")
        page.get_by_label("지역(시도)").select_option("11")
        page.get_by_label("직업 코드 또는 직업명").press("Enter")
        page.wait_for_url("**/pathways/occupations/3403?region=11")
        assert page.locator(".pathways-target").count() >= 3
        context.close()
