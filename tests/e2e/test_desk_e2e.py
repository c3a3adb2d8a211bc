"""The one window's citizen pages in Chromium: axe-clean, one question per page, fit a phone.

A person asks a question without signing in (desktop, Korean and English), going through every
page by label and button as a screen-reader or keyboard user would, with a file attached; the
receipt shows the tracking number and the script typed in as text. A signed-in person reports a
workplace on a 390 x 844 phone screen; no page is wider than the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_monitor_a11y import no_violations
from tests.identity.factories import staff_session

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.identity import COOKIE_NAME

ARTIFACTS = Path(__file__).parent / "artifacts"
#: The phone screen of the brief (an iPhone 12-14 sized viewport).
PHONE = {"width": 390, "height": 844}
SCRIPT = "<script>alert('x')</script> 실업급여는 어디서 신청하나요? 지난달에 회사를 그만뒀어요."
LABELS = {
    "ko": {
        "unemployment": "실업급여",
        "continue": "다음",
        "text": "무엇이 궁금하신가요?",
        "send": "보내기",
        "error": "입력 내용을 확인해 주세요",
    },
    "en": {
        "unemployment": "Unemployment benefit",
        "continue": "Continue",
        "text": "What would you like to ask?",
        "send": "Send",
        "error": "There is a problem",
    },
}


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own database.

    ``dev``: the anonymous CSRF cookie is not ``Secure``, so it travels over plain-HTTP uvicorn.
    """
    from ilteo.desk.classify import classifier

    classifier(desk_settings)  # trained before the browser waits on the first triage
    own = desk_settings.model_copy(
        update={"env": "dev", "database_url": f"sqlite:///{tmp_path / 'desk-e2e.db'}"}
    )
    upgrade(own)
    return own


def _no_horizontal_overflow(page: Any, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{where}: page is {width}px wide on a {inner}px screen"


def _press(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_asking_a_question_is_accessible(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
    lang: str,
    tmp_path: Path,
) -> None:
    words = LABELS[lang]
    note = tmp_path / "memo.txt"
    note.write_text("급여 명세 메모", encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        context = chromium.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)
        page.set_default_timeout(120_000)  # "send" waits for the triage

        def check(where: str) -> None:
            assert page.locator("h1").count() == 1, where
            assert page.locator("script").count() == 1, where  # rum.js only
            assert page.locator("html").get_attribute("lang") == lang
            no_violations(page, f"{where} ({lang})")

        page.goto(f"{url}/desk?lang={lang}")
        check("/desk")
        with page.expect_navigation():
            page.locator("#start-inquiry").click()
        check("topic")
        _press(page, words["continue"])  # nothing chosen
        assert page.locator("#error-summary").count() == 1
        assert page.get_by_text(words["error"]).count() == 1
        check("topic with an error")
        page.get_by_label(words["unemployment"], exact=True).check()
        _press(page, words["continue"])
        check("text")
        page.get_by_label(words["text"]).fill("🙂🙂🙂")
        _press(page, words["continue"])
        assert page.locator("#f-text").get_attribute("aria-invalid") == "true"
        assert page.locator("#f-text").input_value() == "🙂🙂🙂"  # kept
        check("text with an error")
        page.get_by_label(words["text"]).fill(SCRIPT)
        _press(page, words["continue"])
        assert page.locator("#f-contact").count() == 1
        check("contact")
        page.locator("#f-contact").fill("010-0000-1234")
        _press(page, words["continue"])
        assert page.locator("#desk-summary").count() == 1
        assert SCRIPT in page.locator('[data-row="text"]').inner_text()
        check("check your answers")
        page.locator("#f-attachments").set_input_files([str(note)])
        _press(page, words["send"])
        assert "/desk/requests/" in page.url
        number = page.locator("#tracking-number").inner_text()
        assert number in page.url
        assert page.locator("#copy-number").input_value() == number
        assert page.locator("#desk-sent").count() == 1
        assert SCRIPT in page.locator("#desk-text").inner_text()  # text, not markup
        assert page.locator("#desk-files li").count() == 1
        check("receipt")
        page.screenshot(path=str(ARTIFACTS / f"desk-receipt-{lang}.png"), full_page=True)
        # the number typed into "check a request" leads back to the same page
        page.goto(f"{url}/desk/status?lang={lang}")
        check("status form")
        page.locator("#f-number").fill(number.lower())
        with page.expect_navigation():
            page.locator("#status-submit").click()
        assert page.locator("#tracking-number").inner_text() == number
        context.close()


@pytest.mark.e2e
def test_reporting_a_workplace_fits_a_phone(
    settings: Settings,
    serve: Callable[[Settings], AbstractContextManager[str]],
    chromium: Any,
) -> None:
    _, citizen = staff_session(settings, login="citizen", roles=())
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(settings) as url:
        # Not is_mobile: a mobile layout viewport would widen to fit the content and hide overflow.
        context = chromium.new_context(locale="ko-KR", viewport=PHONE)
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)
        page.set_default_timeout(120_000)

        def check(where: str) -> None:
            _no_horizontal_overflow(page, where)
            no_violations(page, f"{where} (phone)")

        page.goto(f"{url}/desk")
        check("/desk signed out")
        with page.expect_navigation():
            page.locator("#start-complaint").click()
        assert "/sign-in?next=/desk/new/complaint/topic" in page.url
        context.add_cookies([{"name": COOKIE_NAME, "value": citizen, "url": url}])
        page.goto(f"{url}/desk/new/complaint/topic")
        check("topic")
        page.screenshot(path=str(ARTIFACTS / "desk-topic-phone.png"), full_page=True)
        page.get_by_label("임금을 받지 못했어요", exact=True).check()
        _press(page, "다음")
        page.get_by_label("사업자등록번호 (선택)").fill("12-3")
        _press(page, "다음")
        assert page.locator("#error-summary li").count() == 2  # no name, a bad number
        check("workplace with errors")
        page.screenshot(path=str(ARTIFACTS / "desk-errors-phone.png"), full_page=True)
        page.get_by_label("사업장 이름이 무엇인가요?").fill("(주)가짜상사")
        page.get_by_label("사업자등록번호 (선택)").fill("123-45-67890")
        _press(page, "다음")
        page.get_by_label("사업장은 어디에 있나요?").fill("부산광역시 해운대구 센텀로 1")
        _press(page, "다음")
        check("text")
        page.get_by_label("어떤 일이 있었는지 적어 주세요").fill(
            "석 달째 월급을 못 받았어요. 직원 20명 모두 못 받았습니다."
        )
        _press(page, "다음")
        check("check your answers")
        page.screenshot(path=str(ARTIFACTS / "desk-check-phone.png"), full_page=True)
        page.locator("#change-workplace_address").click()
        page.wait_for_load_state()
        assert page.locator("#f-workplace_address").input_value().startswith("부산")
        _press(page, "다음")
        assert page.locator("#desk-summary").count() == 1  # straight back to the summary
        _press(page, "보내기")
        assert "/desk/requests/" in page.url
        assert page.locator("#desk-office").inner_text().strip()
        check("receipt")
        page.screenshot(path=str(ARTIFACTS / "desk-receipt-phone.png"), full_page=True)
        page.goto(f"{url}/desk/mine")
        assert page.locator("#mine-table tbody tr").count() == 1
        check("my requests")
        context.close()
