"""The staff queue: order and filters, roles, audited reads, overrides, answers, alerts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk import queue as q
from ilteo.desk.deadlines import deadline
from ilteo.desk.intake import history, process, receive, set_status, status_of
from ilteo.desk.models import Request
from ilteo.desk.routing import offices, parse_address, route
from ilteo.identity.models import Account, AuditEntry, PersonRead

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul
TODAY = date(2026, 3, 20)
TEXT = (
    "부산 해운대구에 있는 (주)가온물류에서 일했는데 석 달째 월급을 못 받았습니다. "
    "제 번호는 010-0000-1234 이고 주민번호 901301-1234567 입니다. 어떻게 신고하나요?"
)


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


def _staff(session: Session, login: str, *roles: str, person: str | None = None) -> Account:
    account, _ = create_test_account(session, login=login, roles=roles, master_person_id=person)
    return account


def _filed(
    session: Session,
    settings: Settings,
    *,
    text: str = "육아휴직 급여는 언제 들어오나요?",
    category: str = "parental_leave",
    due: date | None = date(2026, 3, 31),
    urgent: tuple[str, ...] = (),
    received: datetime = NOW,
    office: str = "moel-hq",
    account_id: str | None = None,
    contact: str | None = None,
    workplace_address: str | None = None,
) -> Request:
    """A request received and classified with the given triage (no model involved)."""
    number = receive(
        session,
        settings,
        text=text,
        channel="web",
        now=received,
        account_id=account_id,
        contact=contact,
        workplace_address=workplace_address,
    ).tracking_number
    request = session.get(Request, number)
    assert request is not None
    request.category, request.deadline, request.office_code = category, due, office
    request.route = {"organisation": "ministry", "office_code": office, "office_name": office}
    request.urgent = list(urgent)
    request.alerted_at = received if urgent else None
    set_status(session, number, "classified", reason="test triage", actor="system", now=received)
    return request


def test_only_handlers_work_the_queue_and_only_supervisors_acknowledge(settings: Settings) -> None:
    with session_scope(settings) as session:
        analyst = _staff(session, "analyst", "analyst")
        citizen = _staff(session, "citizen")
        counsellor = _staff(session, "counsellor", "counsellor")
        request = _filed(session, settings, urgent=("self_harm_risk",))
        for who in (analyst, citizen):
            calls = [
                lambda who=who: q.staff_view(session, settings, who, request.id),
                lambda who=who: q.override(
                    session, who, request.id, "category", "other", reason="잘못 분류됨"
                ),
                lambda who=who: q.assign(session, who, request.id, who.id, reason="제가 맡음"),
                lambda who=who: q.save_answer(session, who, request.id, "답변"),
                lambda who=who: q.send_answer(session, who, request.id),
                lambda who=who: q.acknowledge(session, who, request.id),
            ]
            for call in calls:
                with pytest.raises(q.NotHandlerError) as error:
                    call()
                assert error.value.status == 403
        q.staff_view(session, settings, counsellor, request.id)  # a handler reads
        with pytest.raises(q.NotHandlerError):
            q.acknowledge(session, counsellor, request.id)  # but is no supervisor
        with pytest.raises(NotFoundError):
            q.staff_view(session, settings, counsellor, "2026-0303-NOSUCH")


def test_the_queue_puts_unacknowledged_urgent_first_then_overdue_then_deadline(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        officer = _staff(session, "officer", "desk_officer")
        later = _filed(session, settings, due=date(2026, 4, 10))
        sooner = _filed(session, settings, due=date(2026, 3, 25))
        late = _filed(session, settings, due=date(2026, 3, 10), office="moel-busan")
        urgent = _filed(session, settings, due=date(2026, 4, 20), urgent=("violence",))
        seen = _filed(session, settings, due=date(2026, 4, 30), urgent=("violence",))
        q.acknowledge(session, officer, seen.id, now=NOW)
        answered = _filed(session, settings, due=date(2026, 3, 5))  # late, but answered
        q.save_answer(session, officer, answered.id, "신청 후 한 달 안에 지급됩니다.")
        q.send_answer(session, officer, answered.id)

        page = q.queue(session, q.QueueFilters(status="open"), today=TODAY)
        assert [r.id for r in page.rows] == [urgent.id, late.id, sooner.id, later.id, seen.id]
        assert page.total == 5
        assert page.counts["urgent_unacknowledged"] == 1
        assert page.counts["overdue"] == 1
        assert page.counts["by_status"]["answered"] == 1  # tab counts ignore the status filter
        assert page.counts["by_status"]["in_progress"] == 0
        assert page.counts["by_category"] == {"parental_leave": 5}

        def ids(**filters: object) -> set[str]:
            found = q.queue(session, q.QueueFilters(**filters), today=TODAY)  # type: ignore[arg-type]
            return {r.id for r in found.rows}

        assert ids(overdue=True) == {late.id}
        assert ids(urgent=True) == {urgent.id, seen.id}
        assert ids(urgent=False, status="open") == {later.id, sooner.id, late.id}
        assert ids(office_code="moel-busan") == {late.id}
        assert ids(status="answered") == {answered.id}
        assert ids(number=late.id[:-2].lower()) >= {late.id}
        assert ids(assigned_to="none", status="open") == ids(status="open")
        second = q.queue(session, q.QueueFilters(status="open"), today=TODAY, page=2, per_page=2)
        assert [r.id for r in second.rows] == [sooner.id, later.id]
        with pytest.raises(InvalidInputError):
            q.queue(session, q.QueueFilters(status="lost"))
        overdue = q.overdue(session, today=TODAY)
        assert [r.id for r in overdue] == [late.id]
        assert q.overdue(session, today=TODAY, office_code="moel-hq") == []


def test_the_original_is_shown_only_with_a_purpose_and_the_read_is_audited(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        inspector = _staff(session, "inspector", "inspector")
        citizen = _staff(session, "citizen", person="MP-TEST-0001")
        request = _filed(
            session, settings, text=TEXT, account_id=citizen.id, contact="010-0000-5678"
        )
        plain = q.staff_view(session, settings, inspector, request.id)
        assert plain["original"] is None
        assert plain["original_contact"] is None
        assert "901301-1234567" not in json.dumps(plain, ensure_ascii=False)
        assert "text_sealed" not in plain["request"]
        assert request.text_sealed not in json.dumps(plain, ensure_ascii=False)
        assert [h["status"] for h in plain["history"]] == ["received", "classified"]
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.event.like("desk.%"))).all() == []
        )
        with pytest.raises(InvalidInputError) as error:
            q.staff_view(session, settings, inspector, request.id, purpose="  ab ")
        assert error.value.extra["fields"] == ["purpose"]

        view = q.staff_view(
            session, settings, inspector, request.id, purpose="임금체불 신고 조사", now=NOW
        )
        assert view["original"] == TEXT
        assert view["original_contact"] == "010-0000-5678"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.event == "desk.original_read"))
        entry = audit.one()
        assert entry.account_id == inspector.id
        assert entry.detail == {"request": request.id, "purpose": "임금체불 신고 조사"}
        reads = session.scalars(select(PersonRead)).all()
        assert [(r.staff_account_id, r.master_person_id) for r in reads] == [
            (inspector.id, "MP-TEST-0001")
        ]
        assert "901301" not in reads[0].purpose


def test_a_category_override_reroutes_and_recomputes_the_deadline(settings: Settings) -> None:
    with session_scope(settings) as session:
        officer = _staff(session, "officer", "desk_officer")
        request = _filed(
            session,
            settings,
            text=TEXT,
            category="other",
            due=date(2026, 3, 17),
            workplace_address="부산광역시 해운대구 센텀중앙로 1",
        )
        row = q.override(
            session, officer, request.id, "category", "wage_arrears", reason="임금체불 신고임",
            now=NOW + timedelta(days=1),
        )  # fmt: skip
        expected = route("wage_arrears", parse_address("부산광역시 해운대구 센텀중앙로 1"))
        assert request.category == "wage_arrears"
        assert request.office_code == expected.office_code
        assert request.route is not None
        assert request.route["office_name"] == expected.office_name
        assert request.deadline == deadline("wage_arrears", NOW).due
        assert (row.field, row.old, row.new, row.staff_account_id) == (
            "category", "other", "wage_arrears", officer.id,
        )  # fmt: skip
        assert history(session, request.id)[-1].actor == f"account:{officer.id}"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.event == "desk.override"))
        detail = audit.one().detail
        assert detail == {
            "request": request.id, "field": "category", "old": "other", "new": "wage_arrears",
        }  # fmt: skip
        for value, reason in (
            ("astrology", "없는 분류"),
            ("wage_arrears", "그대로"),
            ("other", " "),
        ):
            with pytest.raises(InvalidInputError):
                q.override(session, officer, request.id, "category", value, reason=reason)
        with pytest.raises(InvalidInputError):
            q.override(session, officer, request.id, "colour", "red", reason="필드 없음")
        assert len(q.overrides_of(session, request.id)) == 1


def test_a_route_override_takes_a_known_office(settings: Settings) -> None:
    office = offices()["labour_office"][1]
    with session_scope(settings) as session:
        officer = _staff(session, "officer", "inspector")
        request = _filed(session, settings)
        due = request.deadline
        with pytest.raises(InvalidInputError):
            q.override(session, officer, request.id, "route", "moel-atlantis", reason="이송")
        q.override(session, officer, request.id, "route", office.code, reason="관할 이송")
        assert request.office_code == office.code
        assert request.route is not None
        assert request.route["office_name"] == office.name_ko
        assert request.deadline == due
        view = q.staff_view(session, settings, officer, request.id)
        assert [(o["field"], o["new"]) for o in view["overrides"]] == [("route", office.code)]


def test_urgency_overrides_alert_and_supervisors_acknowledge(settings: Settings) -> None:
    with session_scope(settings) as session:
        counsellor = _staff(session, "counsellor", "counsellor")
        admin = _staff(session, "admin", "administrator")
        request = _filed(session, settings, due=date(2026, 4, 30))
        other = _filed(session, settings, due=date(2026, 3, 25))
        with pytest.raises(InvalidInputError):
            q.acknowledge(session, admin, request.id)  # nothing to acknowledge
        with pytest.raises(InvalidInputError):
            q.override(session, counsellor, request.id, "urgent", ["panic"], reason="위험")
        q.override(
            session, counsellor, request.id, "urgent", ["self_harm_risk"], reason="자해 언급"
        )
        assert request.urgent == ["self_harm_risk"]
        assert request.alerted_at is not None
        first = q.queue(session, q.QueueFilters(status="open"), today=TODAY).rows
        assert [r.id for r in first] == [request.id, other.id]
        q.acknowledge(session, admin, request.id, now=NOW)
        q.acknowledge(session, admin, request.id)  # again: nothing changes
        assert (request.urgent_ack_by, request.urgent_ack_at) == (admin.id, NOW)
        assert q.request_json(request)["urgent_unacknowledged"] is False
        after = q.queue(session, q.QueueFilters(status="open"), today=TODAY).rows
        assert [r.id for r in after] == [other.id, request.id]
        q.override(session, counsellor, request.id, "urgent", [], reason="오해였음")
        assert request.urgent == []


def test_assignment_by_handlers_and_supervisors(settings: Settings) -> None:
    with session_scope(settings) as session:
        inspector = _staff(session, "inspector", "inspector")
        colleague = _staff(session, "colleague", "counsellor")
        officer = _staff(session, "officer", "desk_officer")
        analyst = _staff(session, "analyst", "analyst")
        request = _filed(session, settings)
        with pytest.raises(q.NotHandlerError):
            q.assign(session, inspector, request.id, colleague.id, reason="부탁합니다")
        q.assign(session, inspector, request.id, inspector.id, reason="제가 맡겠습니다")
        assert (request.status, request.assigned_to) == ("assigned", inspector.id)
        with pytest.raises(q.NotHandlerError):
            q.assign(session, colleague, request.id, colleague.id, reason="가져갑니다")
        with pytest.raises(InvalidInputError) as error:
            q.assign(session, officer, request.id, analyst.id, reason="분석가에게")
        assert error.value.extra["fields"] == ["assignee_id"]
        with pytest.raises(InvalidInputError):
            q.assign(session, officer, request.id, colleague.id, reason="")
        q.assign(session, officer, request.id, colleague.id, reason="상담 건이라 재배정")
        assert (request.status, request.assigned_to) == ("assigned", colleague.id)
        events = history(session, request.id)
        assert events[-1].actor == f"account:{officer.id}"
        assert colleague.id in events[-1].reason
        mine = q.queue(session, q.QueueFilters(assigned_to=colleague.id), today=TODAY)
        assert [r.id for r in mine.rows] == [request.id]


def test_an_answer_is_saved_then_sent_and_never_carries_registration_numbers(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        counsellor = _staff(session, "counsellor", "counsellor")
        request = _filed(session, settings)
        request.draft = {"text": "초안", "sources": []}
        with pytest.raises(InvalidInputError) as error:
            q.send_answer(session, counsellor, request.id)
        assert error.value.extra["fields"] == ["answer_text"]
        q.save_answer(
            session,
            counsellor,
            request.id,
            "주민번호 901301-1234567 로 조회해 보니 지급 예정입니다.",
        )
        assert request.status == "in_progress"
        assert request.draft == {"text": "초안", "sources": []}  # the AI draft is kept
        with pytest.raises(InvalidInputError) as error:
            q.send_answer(session, counsellor, request.id)
        assert error.value.extra["kinds"] == ["rrn"]
        assert request.status == "in_progress"
        q.save_answer(session, counsellor, request.id, "신청 후 한 달 안에 지급됩니다. 문의 1350.")
        sent = q.send_answer(session, counsellor, request.id, now=NOW + timedelta(days=2))
        assert (sent.status, sent.answered_by) == ("answered", counsellor.id)
        assert sent.answered_at == NOW + timedelta(days=2)
        shown = status_of(session, request.id, None)
        assert shown["answer"] == "신청 후 한 달 안에 지급됩니다. 문의 1350."
        with pytest.raises(InvalidInputError):
            q.save_answer(session, counsellor, request.id, "고쳐 씁니다")


def test_a_triaged_request_is_corrected_in_the_queue(settings: Settings) -> None:
    """The real path: received, triaged by the model, then corrected by staff."""
    with session_scope(settings) as session:
        officer = _staff(session, "officer", "desk_officer")
        number = receive(session, settings, text=TEXT, channel="web", now=NOW).tracking_number
        request = process(session, settings, number, now=NOW)
        assert request.status == "classified"
        new = (
            "industrial_accident_comp"
            if request.category != "industrial_accident_comp"
            else "other"
        )
        q.override(session, officer, number, "category", new, reason="산재 신청 문의")
        assert request.category == new
        assert request.deadline == deadline(new, NOW).due
        data = q.request_json(request, today=TODAY)
        assert data["category"] == new
        assert data["model_version"]
        assert "901301-1234567" not in json.dumps(data, ensure_ascii=False)


def test_staff_triage_a_request_the_model_could_not(settings: Settings) -> None:
    with session_scope(settings) as session:
        officer = _staff(session, "officer", "desk_officer")
        number = receive(session, settings, text=TEXT, channel="web", now=NOW).tracking_number
        request = session.get(Request, number)
        assert request is not None
        request.triage_error = "RuntimeError: model unavailable"
        q.override(session, officer, number, "urgent", "mass_wage_arrears", reason="집단 체불")
        assert request.status == "classified"
        assert request.deadline == deadline("other", NOW).due
        assert request.alerted_at is not None
        assert process(session, settings, number).urgent == ["mass_wage_arrears"]  # no retry
        assert [e.status for e in history(session, number)][-1] == "classified"
