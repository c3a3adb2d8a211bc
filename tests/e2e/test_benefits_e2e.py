"""The benefits check page in Chromium: axe-clean in Korean and English, readable on a phone.

The form is filled in by label and submitted as a person would (the CSRF token travels in the
form), so the result page checked is the answer of the real check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_monitor_a11y import no_violations
from tests.web.test_benefits_pages import EXAMPLE_FORM

from ilteo.web.views.benefits import FIELD_BY_NAME

ARTIFACTS = Path(__file__).parent / "artifacts"
#: An iPhone SE-sized screen.
PHONE = {"width": 375, "height": 667}


def _no_horizontal_overflow(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"


def _fill(page: Any, fields: dict[str, str]) -> None:
    """Fill the form by control id and submit it; wait for the answer."""
    for name, value in fields.items():
        control = page.locator(f"#f-{name}")
        if FIELD_BY_NAME[name].kind in {"bool", "reason"}:
            control.select_option(value)
        else:
            control.fill(value)
    with page.expect_navigation():
        page.locator("#check-submit").click()


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_benefits_pages_are_accessible(live_url: str, chromium: Any, lang: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_navigation_timeout(120_000)  # the first check builds the OpenFisca system
    page.goto(f"{live_url}/benefits/check?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert page.locator("#f-separation_reason option").count() == 8
    no_violations(page, f"/benefits/check ({lang})")
    _fill(page, EXAMPLE_FORM)
    assert page.locator("h1").count() == 1
    assert page.locator(".benefits-card").count() >= 1
    assert page.locator('.benefits-card[data-state="eligible"]').count() >= 1
    page.locator(".benefits-trace summary").first.click()
    no_violations(page, f"result ({lang})")
    assert page.locator("script").count() == 1
    _fill(page, {"separation_date": "2018-12-31"})  # before the insured period: refused
    assert page.locator("#error-summary").count() == 1
    assert page.locator("#f-separation_date").get_attribute("aria-invalid") == "true"
    no_violations(page, f"422 form ({lang})")
    context.close()


@pytest.mark.e2e
def test_benefits_pages_fit_a_phone(live_url: str, chromium: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(locale="ko-KR", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_navigation_timeout(120_000)
    response = page.goto(f"{live_url}/benefits/check")
    assert response.status == 200
    page.locator("#more-details summary").click()
    _no_horizontal_overflow(page, "/benefits/check")
    # By label, as a screen-reader or keyboard user finds the fields.
    page.get_by_label("생년월일", exact=True).fill("1980-06-01")
    page.get_by_label("이직 사유").select_option("dismissal_business")
    _fill(page, {k: v for k, v in EXAMPLE_FORM.items() if k not in {"separation_reason"}})
    assert page.locator(".benefits-card").count() >= 1
    for trace in page.locator(".benefits-trace summary").all():
        trace.click()
    _no_horizontal_overflow(page, "result")
    page.screenshot(path=str(ARTIFACTS / "benefits-phone.png"), full_page=True)
    context.close()
