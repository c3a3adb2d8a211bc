"""The citizen's pages of the one window: the one-question-per-page form, the receipt, follow-up.

The whole app on the shared desk home (the classifier trained once per worker) with this test's
own database; requests are filed through the pages as a browser would (the CSRF token and the
carried answers travel in the forms), then read back from the database.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import MAX_TEXT, process, receive, set_status
from ilteo.desk.models import Attachment, Event
from ilteo.desk.models import Request as DeskRequest
from ilteo.web.views.desk import FIELDS, STEPS, normalise_number

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TEXT = (
    "사장님이 석 달째 월급을 안 줘요. 직원 20명이 다 못 받았어요. 회사는 부산 해운대구에 "
    "있어요. 제 번호는 010-0000-1234입니다."
)
SCRIPT = "<script>alert('x')</script> 실업급여 신청은 어디서 하나요?"


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own database."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'web.db'}"})
    upgrade(own)
    return own


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings),
        base_url="https://testserver",  # the test env's cookies are Secure
        headers={"Accept": "text/html"},
        follow_redirects=False,
    ) as client:
        yield client


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _carried(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page) if k != "csrf"}


def _answer(web: TestClient, kind: str, step: str, page: str, **answers: str) -> object:
    """Post one step as the browser would: the token, the carried answers and this answer."""
    data = {**_carried(page), "csrf": _csrf(page), **answers}
    return web.post(f"/desk/new/{kind}/{step}", data=data)


def _requests(settings: Settings) -> int:
    with session_scope(settings) as session:
        return int(session.scalar(select(func.count()).select_from(DeskRequest)) or 0)


def _inquiry_to_check(web: TestClient, text: str = SCRIPT, contact: str = "") -> str:
    page = web.get("/desk/new/inquiry/topic").text
    page = _answer(web, "inquiry", "topic", page, service_code="unemployment_benefit").text
    page = _answer(web, "inquiry", "text", page, text=text).text
    response = _answer(web, "inquiry", "contact", page, contact=contact)
    assert response.status_code == 200, response.text[:500]
    return response.text


def test_start_page_offers_the_ways_in(web: TestClient, settings: Settings) -> None:
    page = web.get("/desk")
    assert page.status_code == 200
    assert 'href="/desk/new/inquiry/topic"' in page.text
    assert 'href="/sign-in?next=/desk/new/complaint/topic"' in page.text  # back here after
    assert 'href="/desk/status"' in page.text
    assert 'href="/desk/mine"' not in page.text
    assert page.headers["cache-control"] == "no-store"
    sign_in_client(web, settings, login="citizen", roles=())
    signed = web.get("/desk?lang=en").text
    assert 'href="/desk/new/complaint/topic"' in signed
    assert 'href="/desk/mine"' in signed
    assert "Report a workplace" in signed


def test_an_inquiry_one_question_per_page_then_the_receipt(
    web: TestClient, settings: Settings
) -> None:
    first = web.get("/desk/new/inquiry/topic")
    assert first.status_code == 200
    assert first.text.count('type="radio"') == 20  # 19 categories and "not sure"
    assert first.text.count('name="text"') == 0  # one question per page
    # nothing chosen: the same page, the error summary linking to the first radio button
    refused = _answer(web, "inquiry", "topic", first.text)
    assert refused.status_code == 422
    assert 'id="error-summary"' in refused.text
    assert 'href="#f-service_code"' in refused.text
    assert 'id="f-service_code"' in refused.text
    text_page = _answer(web, "inquiry", "topic", first.text, service_code="unsure")
    assert text_page.status_code == 200
    assert 'id="f-text"' in text_page.text
    assert _carried(text_page.text) == {"service_code": "unsure"}
    assert "주민등록번호" in text_page.text  # the hint: do not write it
    contact_page = _answer(web, "inquiry", "text", text_page.text, text=SCRIPT)
    assert 'id="f-contact"' in contact_page.text
    assert _requests(settings) == 0  # nothing stored before "send"
    bad = _answer(web, "inquiry", "contact", contact_page.text, contact="not a contact")
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert 'value="not a contact"' in bad.text  # what was typed is kept
    check = _answer(web, "inquiry", "contact", bad.text, contact="010-0000-1234")
    assert check.status_code == 200
    assert 'enctype="multipart/form-data"' in check.text
    assert "&lt;script&gt;alert" in check.text
    assert "<script>alert" not in check.text
    assert check.text.count('name="go" value="show"') == 3  # a "change" per answer
    files = [("attachments", ("진정서.txt", "임금 명세 메모".encode(), "text/plain"))]
    data = {**_carried(check.text), "csrf": _csrf(check.text)}
    sent = web.post("/desk/new/inquiry/send", data=data, files=files)
    assert sent.status_code == 303, sent.text[:800]
    location = sent.headers["location"]
    number = location.split("/")[-1].split("?")[0]
    assert normalise_number(number) == number
    receipt = web.get(location)
    assert receipt.status_code == 200
    assert f'id="tracking-number" lang="en">{number}<' in receipt.text
    assert 'id="desk-sent"' in receipt.text
    assert 'data-status="classified"' in receipt.text
    assert "진정서.txt" in receipt.text
    # the script typed in is text on the receipt, never markup
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in receipt.text
    assert "<script>alert" not in receipt.text
    with session_scope(settings) as session:
        row = session.get(DeskRequest, number)
        assert row is not None
        assert row.channel == "web"
        assert row.kind == "inquiry"
        assert row.account_id is None
        assert row.contact_masked is not None
        assert row.service_code is None  # "not sure": the triage decides
        assert row.status == "classified"
        assert row.deadline is not None
        assert session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert str(row.deadline) in receipt.text
    # anyone holding the number of an anonymous inquiry may read it
    web.cookies.clear()
    assert web.get(f"/desk/requests/{number}").status_code == 200


def test_text_problems_keep_what_was_typed(web: TestClient, settings: Settings) -> None:
    page = web.get("/desk/new/inquiry/topic").text
    page = _answer(web, "inquiry", "topic", page, service_code="other").text
    empty = _answer(web, "inquiry", "text", page, text="   ")
    assert empty.status_code == 422
    assert "f-text-error" in empty.text
    emoji = _answer(web, "inquiry", "text", page, text="😀😀😀 🙏")
    assert emoji.status_code == 422
    assert (
        "emoji"
        in web.post(
            "/desk/new/inquiry/text?lang=en",
            data={"csrf": _csrf(page), "service_code": "other", "text": "😀😀😀"},
        ).text
    )
    huge = "임금체불 " * (MAX_TEXT // 5 + 50_000)  # over a million characters
    too_long = _answer(web, "inquiry", "text", page, text=huge)
    assert too_long.status_code == 422
    assert f"{MAX_TEXT:,}" in too_long.text
    assert f"{len(huge.strip()):,}" in too_long.text
    assert html.unescape(too_long.text).count(huge.strip()) == 1  # kept in the text box
    assert _requests(settings) == 0


def test_send_checks_every_answer_again(web: TestClient, settings: Settings) -> None:
    """A tampered hidden field (emoji, an unknown topic) is refused at "send" on its own page."""
    check = _inquiry_to_check(web)
    data = {**_carried(check), "csrf": _csrf(check), "text": "🙂🙂"}
    refused = web.post("/desk/new/inquiry/send", data=data)
    assert refused.status_code == 422
    assert 'id="f-text"' in refused.text
    data = {**_carried(check), "csrf": _csrf(check), "service_code": "nonsense"}
    assert 'href="#f-service_code"' in web.post("/desk/new/inquiry/send", data=data).text
    assert _requests(settings) == 0


def test_a_malicious_attachment_is_named_next_to_the_file_input(
    web: TestClient, settings: Settings
) -> None:
    check = _inquiry_to_check(web)
    data = {**_carried(check), "csrf": _csrf(check)}
    files = [("attachments", ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf"))]
    refused = web.post("/desk/new/inquiry/send?lang=en", data=data, files=files)
    assert refused.status_code == 422
    assert 'id="f-attachments-error"' in refused.text
    assert "invoice.pdf: executables are refused" in refused.text
    assert 'aria-describedby="f-attachments-hint f-attachments-error"' in refused.text
    six = [("attachments", (f"n{i}.txt", b"note", "text/plain")) for i in range(6)]
    too_many = web.post("/desk/new/inquiry/send?lang=en", data=data, files=six)
    assert too_many.status_code == 422
    assert "at most 5 files" in too_many.text
    assert _requests(settings) == 0
    # the answers are still there for another try
    assert _carried(refused.text)["text"] == SCRIPT


def test_attachments_up_to_20_mb_in_all_are_accepted(web: TestClient, settings: Settings) -> None:
    check = _inquiry_to_check(web, text=TEXT)
    data = {**_carried(check), "csrf": _csrf(check)}
    big = b"wage slip line\n" * (9 * 1024 * 1024 // 15)  # about 9 MB of text each
    files = [("attachments", (f"slips{i}.txt", big, "text/plain")) for i in (1, 2)]
    sent = web.post("/desk/new/inquiry/send", data=data, files=files)
    assert sent.status_code == 303, sent.text[:500]
    with session_scope(settings) as session:
        sizes = session.scalars(select(Attachment.size)).all()
    assert sorted(sizes) == [len(big), len(big)]
    assert 2 * len(big) > 17 * 1024 * 1024


def test_a_body_over_the_limit_gets_a_page_stating_the_limits(web: TestClient) -> None:
    page = web.get("/desk/new/inquiry/topic").text
    too_big = web.post(
        "/desk/new/inquiry/send?lang=en",
        content=b"x",
        headers={"Content-Length": str(64 * 1024 * 1024), "Content-Type": "multipart/form-data"},
    )
    assert too_big.status_code == 413
    assert "10 MB each and 20 MB in all" in too_big.text
    assert _csrf(page)


def test_a_complaint_needs_a_sign_in(web: TestClient) -> None:
    start = web.get("/desk/new/complaint/topic")
    assert start.status_code == 303
    assert start.headers["location"] == "/sign-in?next=/desk/new/complaint/topic"
    page = web.get("/desk/new/inquiry/topic").text
    posted = web.post(
        "/desk/new/complaint/send",
        data={"csrf": _csrf(page), "text": TEXT, "service_code": "other"},
    )
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/sign-in")


def test_a_complaint_is_seen_by_its_owner_only(web: TestClient, settings: Settings) -> None:
    owner = sign_in_client(web, settings, login="citizen", roles=())
    page = web.get("/desk/new/complaint/topic").text
    assert 'id="f-contact"' not in page
    page = _answer(web, "complaint", "topic", page, service_code="wage_arrears").text
    assert 'id="f-workplace_name"' in page
    bad = _answer(web, "complaint", "workplace", page, workplace_name="", workplace_brn="12-3")
    assert bad.status_code == 422
    assert 'href="#f-workplace_name"' in bad.text
    assert 'href="#f-workplace_brn"' in bad.text
    page = _answer(
        web,
        "complaint",
        "workplace",
        bad.text,
        workplace_name="(주)가짜상사",
        workplace_brn="123-45-67890",
    ).text
    assert 'id="f-workplace_address"' in page
    page = _answer(
        web, "complaint", "address", page, workplace_address="부산광역시 해운대구 센텀로 1"
    ).text
    check = _answer(web, "complaint", "text", page, text=TEXT).text
    assert "citizen" in check  # the account is the contact
    assert set(_carried(check)) >= {"service_code", "workplace_name", "workplace_address", "text"}
    sent = web.post("/desk/new/complaint/send", data={**_carried(check), "csrf": _csrf(check)})
    assert sent.status_code == 303, sent.text[:500]
    number = sent.headers["location"].split("/")[-1].split("?")[0]
    receipt = web.get(f"/desk/requests/{number}")
    assert receipt.status_code == 200
    assert "(주)가짜상사" in receipt.text
    assert "010-0000-1234" not in receipt.text  # masked
    with session_scope(settings) as session:
        row = session.get(DeskRequest, number)
        assert row is not None
        assert row.account_id == owner.id
        assert row.kind == "complaint"
        assert row.workplace_brn == "1234567890"
        assert row.service_code == "wage_arrears"
        office = (row.route or {}).get("office_name")
    assert office
    assert office in receipt.text
    mine = web.get("/desk/mine")
    assert mine.status_code == 200
    assert f'data-number="{number}"' in mine.text
    # another account and nobody at all get the same 404 page as an unknown number
    sign_in_client(web, settings, login="someone", roles=())
    assert web.get(f"/desk/requests/{number}").status_code == 404
    assert f'data-number="{number}"' not in web.get("/desk/mine").text
    web.cookies.clear()
    other = web.get(f"/desk/requests/{number}")
    unknown = web.get("/desk/requests/2026-0101-AAAAAA")
    assert other.status_code == unknown.status_code == 404
    assert web.get("/desk/mine").headers["location"] == "/sign-in?next=/desk/mine"


def test_change_returns_to_the_summary(web: TestClient) -> None:
    check = _inquiry_to_check(web)
    data = {**_carried(check), "csrf": _csrf(check), "go": "show"}
    change = web.post("/desk/new/inquiry/text", data=data)
    assert change.status_code == 200
    assert html.unescape(change.text).count(SCRIPT) == 1  # in the text box
    assert 'name="return_to" value="check"' in change.text
    again = _answer(web, "inquiry", "text", change.text, text="육아휴직 급여는 얼마인가요?")
    assert 'id="desk-summary"' in again.text
    assert "육아휴직 급여는 얼마인가요?" in again.text
    back = web.post(
        "/desk/new/inquiry/contact",
        data={**_carried(again.text), "csrf": _csrf(again.text), "go": "back"},
    )
    assert 'id="f-text"' in back.text


def test_forms_without_the_token_are_refused(web: TestClient, settings: Settings) -> None:
    web.get("/desk/new/inquiry/topic")
    for step in ("topic", "send"):
        refused = web.post(f"/desk/new/inquiry/{step}", data={"service_code": "other"})
        assert refused.status_code == 403
    assert _requests(settings) == 0


def test_status_form_validates_and_redirects(web: TestClient) -> None:
    assert web.get("/desk/status").status_code == 200
    bad = web.get("/desk/status", params={"number": "12345"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert web.get("/desk/status", params={"number": " "}).status_code == 422
    good = web.get("/desk/status", params={"number": "2026 1121 k7qx4d"})
    assert good.status_code == 303
    assert good.headers["location"] == "/desk/requests/2026-1121-K7QX4D"
    missing = web.get("/desk/requests/2026-1121-K7QX4D")
    assert missing.status_code == 404
    assert "2026-1121-K7QX4D" in missing.text
    assert web.get("/desk/requests/not-a-number").status_code == 404
    assert web.get("/desk/new/nothing/topic").status_code == 404


def test_a_request_the_triage_could_not_read_says_so(web: TestClient, settings: Settings) -> None:
    """A triage that failed (a model down) leaves the request received: the page says so."""
    with session_scope(settings) as session:
        number = receive(session, settings, text=TEXT, channel="api").tracking_number
        request = session.get(DeskRequest, number)
        assert request is not None
        request.triage_error = "RuntimeError: model unavailable"  # what process() records
    page = web.get(f"/desk/requests/{number}?lang=en")
    assert page.status_code == 200
    assert 'id="desk-triage-note"' in page.text
    assert 'data-status="received"' in page.text
    assert "Provisional" in page.text


def test_the_history_and_the_answer_are_shown(web: TestClient, settings: Settings) -> None:
    with session_scope(settings) as session:
        number = receive(session, settings, text=TEXT, channel="web").tracking_number
    with session_scope(settings) as session:
        process(session, settings, number)
        set_status(session, number, "assigned", reason="담당자 지정", actor="account:x")
        set_status(session, number, "waiting_citizen", reason="임금명세서를 보내 주세요", actor="x")
        set_status(session, number, "answered", reason="답변 완료", actor="x")
        row = session.get(DeskRequest, number)
        assert row is not None
        row.answer_text = "체불 임금은 <b>진정</b>으로 해결할 수 있습니다.\n다음 단계를 안내합니다."
        events = session.scalar(select(func.count()).select_from(Event))
    page = web.get(f"/desk/requests/{number}")
    assert page.status_code == 200
    assert page.text.count('<tr data-status="') == events == 5
    assert "임금명세서를 보내 주세요" in page.text
    assert "&lt;b&gt;진정&lt;/b&gt;" in page.text
    assert "<br>" in page.text
    assert page.text.index('data-status="answered"') < page.text.index('data-status="received"')


def test_every_step_template_exists_and_fields_are_carried() -> None:
    from ilteo.web.rendering import TEMPLATES_DIR

    for steps in STEPS.values():
        for step in steps:
            assert (TEMPLATES_DIR / "desk" / f"step_{step}.html").exists()
    assert "text" in FIELDS
    assert "service_code" in FIELDS
