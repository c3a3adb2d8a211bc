"""The monitoring dashboard in Chromium: axe-clean in Korean and English, usable by keyboard.

The pages are served on the built synthetic lake of ``tests/monitor/conftest.py``, so every part
is drawn: the charts (inline SVG), their tables in ``<details>``, the alerts and the regions.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_reference_browser import assert_accessible
from tests.e2e.test_sign_in import tab_to
from tests.monitor.conftest import MonitorLake

from ilteo.core.settings import Settings

ARTIFACTS = Path(__file__).parent / "artifacts"
PAGES = (
    "/monitor",
    "/monitor/occupations?major=3",
    "/monitor/occupations/3403",
    "/monitor/regions",
    "/monitor/alerts",
    "/monitor/occupations/3490",  # the 404 page with the nearest codes
)


def no_violations(page: Any, where: str) -> None:
    """Serious or critical ones fail in :func:`assert_accessible`; here, any at all."""
    from axe_playwright_python.sync_playwright import Axe

    assert_accessible(page, where)
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations] == [], where


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_monitor_pages_are_accessible(
    monitor_lake: MonitorLake,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
    lang: str,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(monitor_lake.settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        # The first request of a fresh server builds the exposure index and the alert detection.
        page.set_default_navigation_timeout(300_000)
        for path in PAGES:
            sep = "&" if "?" in path else "?"
            page.goto(f"{url}{path}{sep}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            page.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
            no_violations(page, f"{path} ({lang})")
        page.goto(f"{url}/monitor?lang={lang}")
        page.screenshot(path=str(ARTIFACTS / f"monitor-{lang}.png"), full_page=True)
        context.close()


@pytest.mark.e2e
def test_chart_is_an_image_with_a_table_reachable_by_keyboard(
    monitor_lake: MonitorLake,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    with serve(monitor_lake.settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_navigation_timeout(300_000)
        page.goto(f"{url}/monitor?month=2025-06")
        chart = page.get_by_role("img", name="피보험 취업자 추이", exact=False)
        assert chart.count() == 1
        summary = page.locator("#chart-national-employment-table-summary")
        tab_to(page, "month")
        summary.focus()
        page.keyboard.press("Enter")
        table = page.get_by_role("table", name="피보험 취업자 추이", exact=False)
        assert table.is_visible()
        assert table.get_by_role("row").count() == 1 + 24
        assert page.locator("script").count() == 1
        context.close()
