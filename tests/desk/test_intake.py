"""Intake: written before the receipt (masked and sealed), triaged after, tracked by state."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.identity.factories import create_test_account

from ilteo.core.crypto import unseal
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.intake import (
    SEAL_PURPOSE,
    process,
    process_pending,
    receive,
    set_status,
    status_of,
)
from ilteo.desk.models import Event, Request

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul
TEXT = (
    "서울특별시 강남구 테헤란로 999에 있는 (주)가온물류에서 일했는데 석 달째 월급을 못 받았습니다. "
    "제 번호는 010-0000-1234 이고 주민번호 901301-1234567 입니다. 어떻게 신고하나요?"
)


@pytest.fixture
def settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


def _key(settings: Settings) -> str:
    assert settings.secret_key is not None
    return settings.secret_key.get_secret_value()


def test_a_request_is_written_masked_and_sealed_before_the_receipt(settings: Settings) -> None:
    with session_scope(settings) as session:
        receipt = receive(session, settings, text=TEXT, channel="web", now=NOW)
    assert re.fullmatch(r"2026-0303-[0-9A-HJKMNP-TV-Z]{6}", receipt.tracking_number)
    with session_scope(settings) as session:  # a new session: it was committed
        row = session.get(Request, receipt.tracking_number)
        assert row is not None
        events = session.scalars(select(Event)).all()
        assert row.status == "received"
        assert "901301-1234567" not in row.text_masked
        assert "010-0000-1234" not in row.text_masked
        assert "강남구" in row.text_masked  # routing keeps the district
        assert unseal(_key(settings), SEAL_PURPOSE, row.text_sealed) == TEXT
        assert row.pii_counts.get("rrn") == 1
    assert [(e.status, e.actor) for e in events] == [("received", "system")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "가" * 100_001}, "text"),
        ({"channel": "fax"}, "channel"),
        ({"kind": "complaint"}, "kind"),
        ({"kind": "petition"}, "kind"),
        ({"title": "제목" * 101}, "title"),
    ],
)
def test_bad_input_names_the_field(settings: Settings, kwargs: dict[str, str], field: str) -> None:
    arguments = {"text": TEXT, "channel": "web", **kwargs}
    with pytest.raises(InvalidInputError) as error, session_scope(settings) as session:
        receive(session, settings, **arguments)  # type: ignore[arg-type]
    assert field in error.value.extra["fields"]
    with session_scope(settings) as session:
        assert session.scalars(select(Request)).all() == []


def test_triage_classifies_routes_and_sets_the_deadline(settings: Settings) -> None:
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="worker")
        receipt = receive(
            session, settings, text=TEXT, channel="web", kind="complaint",
            account_id=account.id, workplace_address="서울특별시 강남구 테헤란로 999", now=NOW,
        )  # fmt: skip
    with session_scope(settings) as session:
        row = process(session, settings, receipt.tracking_number, now=NOW)
        assert row.status == "classified"
        assert row.category == "wage_arrears"
        assert row.route is not None
        assert row.route["organisation"] == "labour_office"
        assert row.deadline is not None
        assert row.deadline > NOW.date()
        assert row.draft is not None
        assert row.draft["sources"]
        seen = status_of(session, receipt.tracking_number, account.id)
        with pytest.raises(NotFoundError):
            status_of(session, receipt.tracking_number, "someone-else")
        with pytest.raises(NotFoundError):
            status_of(session, receipt.tracking_number, None)
    assert [h["status"] for h in seen["history"]] == ["received", "classified"]
    assert seen["deadline"] == row.deadline.isoformat()


def test_pending_requests_are_triaged_later_and_states_move_by_the_rules(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        numbers = [
            receive(session, settings, text=t, channel="api", now=NOW).tracking_number
            for t in ("육아휴직 급여는 언제 신청하나요?", "실업급여 신청 방법 알려주세요")
        ]
    with session_scope(settings) as session:
        assert process_pending(session, settings) == 2
        assert process_pending(session, settings) == 0
        with pytest.raises(InvalidInputError):
            set_status(session, numbers[0], "answered", reason="", actor="system")
        with pytest.raises(InvalidInputError):
            set_status(session, numbers[0], "received", reason="되돌림", actor="system")
        set_status(session, numbers[0], "assigned", reason="담당자 배정", actor="account:x")
        set_status(session, numbers[0], "answered", reason="답변 발송", actor="account:x")
        public = status_of(session, numbers[0], None)  # an inquiry: the number is enough
    assert [h["status"] for h in public["history"]] == [
        "received",
        "classified",
        "assigned",
        "answered",
    ]
