"""A person searches the reference browser for 소프트웨어 and opens an occupation (real browser).

Every page visited is checked with axe-core; a serious or critical violation fails the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page: Any, where: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations, printing them."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]][:5]
        print(
            f"axe {where}: {violation['impact']} {violation['id']}: {violation['help']} {targets}"
        )
    assert not blocking, f"{where}: {[v['id'] for v in blocking]}"


@pytest.mark.e2e
def test_search_and_open_a_software_occupation(
    live_url: str, chromium: Any, tmp_path: Path
) -> None:
    page = chromium.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/reference")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert_accessible(page, "/reference")

    page.get_by_role("search", name="직업 찾기").get_by_label("검색어").fill("소프트웨어")
    page.get_by_role("search", name="직업 찾기").get_by_role("button", name="검색").click()
    page.wait_for_url("**/reference?*q=*")
    results = page.get_by_role("table")
    link = results.get_by_role("link", name="시스템 소프트웨어 개발자")
    assert link.count() == 1
    assert_accessible(page, "/reference?q=소프트웨어")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reference-search.png"), full_page=True)

    link.click()
    page.wait_for_url("**/reference/occupations/ksco8/2222")
    assert page.get_by_role("heading", level=1).inner_text().startswith("2222")
    assert page.get_by_text("노출 점수는 실직 확률이 아닙니다", exact=False).count() >= 1
    assert_accessible(page, "/reference/occupations/ksco8/2222")

    # The skip link is the first thing a keyboard reaches, and it is visible when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="본문 바로가기")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Escape")

    shot = tmp_path / "reference-occupation-2222.png"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copy(shot, ARTIFACTS / shot.name)

    page.goto(f"{live_url}/reference/occupations/onet/15-1252.00?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "/reference/occupations/onet/15-1252.00?lang=en")
    page.screenshot(path=str(ARTIFACTS / "reference-occupation-onet-en.png"), full_page=True)
    page.close()
