"""Counter-issued one-time codes: proofing, issue, once-only use, expiry, revocation, the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import T0, create_test_account
from tests.identity.test_cli import run

from ilteo.core.db import session_scope
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity.code_models import OneTimeCode
from ilteo.identity.counter_codes import (
    IssuedSheet,
    NotCounsellorError,
    check_counter_code,
    count_unused_codes,
    issue_code_sheet,
    proof_in_person,
    revoke_code_sheet,
)
from ilteo.identity.models import AuditEntry

KEY = "test-secret-key-0123456789"
CLIENT = "203.0.113.7"


def _events(session: Session, event: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id))
    )


def _issue(session: Session, *, count: int = 10) -> IssuedSheet:
    counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
    person, _ = create_test_account(session, login="grandma")
    proofing = proof_in_person(
        session, counsellor.id, person.id, "id_card", "주민등록증 확인", now=T0
    )
    return issue_code_sheet(session, proofing, key=KEY, count=count, now=T0)


def test_a_code_signs_in_once_and_its_replay_is_refused_and_audited(store: Settings) -> None:
    with session_scope(store) as session:
        sheet = _issue(session)
        assert len(sheet.codes) == 10
        assert len(set(sheet.codes)) == 10
        assert all(len(code) == 9 and code[4] == "-" for code in sheet.codes)
        stored = session.scalars(select(OneTimeCode.digest)).all()
        assert not {code.replace("-", "") for code in sheet.codes} & set(stored)

        first = check_counter_code(session, "grandma", sheet.codes[0], key=KEY, client=CLIENT)
        assert first.outcome == "ok"
        assert first.account_id == sheet.account_id
        again = check_counter_code(session, "grandma", sheet.codes[0], key=KEY, client=CLIENT)
        assert again.outcome == "refused"
        reasons = [e.detail["reason"] for e in _events(session, "sign_in.failure")]
        assert reasons == ["code_replay"]
        assert len(_events(session, "codes.used")) == 1
        assert len(_events(session, "codes.issued")) == 1
        assert count_unused_codes(session, sheet.sheet_id) == 9


def test_typed_spacing_is_forgiven_but_another_accounts_code_is_not(store: Settings) -> None:
    with session_scope(store) as session:
        sheet = _issue(session)
        create_test_account(session, login="other")
        spaced = " " + sheet.codes[1].replace("-", " ") + " "
        stolen = check_counter_code(session, "other", sheet.codes[2], key=KEY, client=CLIENT)
        assert stolen.outcome == "refused"
        assert (
            check_counter_code(session, "grandma", spaced, key=KEY, client=CLIENT).outcome == "ok"
        )


def test_an_expired_sheet_is_refused(store: Settings) -> None:
    with session_scope(store) as session:
        sheet = _issue(session)
        later = T0 + timedelta(days=90, seconds=1)
        result = check_counter_code(
            session, "grandma", sheet.codes[0], key=KEY, client=CLIENT, now=later
        )
        assert result.outcome == "refused"
        assert _events(session, "sign_in.failure")[0].detail["reason"] == "code_expired"
        before = T0 + timedelta(days=89)
        ok = check_counter_code(
            session, "grandma", sheet.codes[0], key=KEY, client=CLIENT, now=before
        )
        assert ok.outcome == "ok"


def test_a_revoked_sheet_kills_its_unused_codes(store: Settings) -> None:
    with session_scope(store) as session:
        sheet = _issue(session)
        assert (
            check_counter_code(session, "grandma", sheet.codes[0], key=KEY, client=CLIENT).outcome
            == "ok"
        )
        assert revoke_code_sheet(session, sheet.sheet_id, by=sheet.account_id) == 9
        result = check_counter_code(session, "grandma", sheet.codes[1], key=KEY, client=CLIENT)
        assert result.outcome == "refused"
        assert _events(session, "sign_in.failure")[0].detail["reason"] == "code_revoked"
        assert len(_events(session, "codes.revoked")) == 1
        assert count_unused_codes(session, sheet.sheet_id) == 0


def test_the_voucher_path_needs_the_social_worker(store: Settings) -> None:
    with session_scope(store) as session:
        counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        person, _ = create_test_account(session, login="grandma")
        with pytest.raises(InvalidInputError, match="social worker"):
            proof_in_person(
                session, counsellor.id, person.id, "social_worker_voucher", "동행 방문", "  "
            )
        proofing = proof_in_person(
            session,
            counsellor.id,
            person.id,
            "social_worker_voucher",
            "동행 방문",
            "박복지 (사회복지사 1급 제12345호)",
        )
        assert proofing.voucher_name == "박복지 (사회복지사 1급 제12345호)"
        (entry,) = _events(session, "account.proofed_in_person")
        assert entry.detail["voucher_name"] == proofing.voucher_name
        assert entry.detail["counsellor"] == counsellor.id


def test_only_counsellors_proof_and_issue(store: Settings) -> None:
    with session_scope(store) as session:
        inspector, _ = create_test_account(session, login="inspector", roles=("inspector",))
        person, _ = create_test_account(session, login="grandma")
        with pytest.raises(NotCounsellorError):
            proof_in_person(session, inspector.id, person.id, "id_card", "주민등록증 확인")
        assert len(_events(session, "codes.refused_not_counsellor")) == 1
        assert not _events(session, "account.proofed_in_person")


def test_wrong_codes_lock_the_account_and_unknown_logins_look_the_same(store: Settings) -> None:
    with session_scope(store) as session:
        sheet = _issue(session)
        unknown = check_counter_code(session, "nobody", "0000-0000", key=KEY, client=CLIENT)
        assert unknown.outcome == "refused"
        assert unknown.account_id is None
        for _ in range(5):
            wrong = check_counter_code(session, "grandma", "0000-0000", key=KEY, client=CLIENT)
            assert wrong == unknown
        locked = check_counter_code(session, "grandma", sheet.codes[0], key=KEY, client=CLIENT)
        assert locked.outcome == "refused"
        assert len(_events(session, "account.locked")) == 1


def test_the_cli_prints_the_sheet_once_and_codes_sign_in(store: Settings) -> None:
    with session_scope(store) as session:
        counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        person, _ = create_test_account(session, login="grandma")
        ids = counsellor.id, person.id
    issued = run(
        "issue-codes",
        ids[1],
        "--counsellor",
        ids[0],
        "--method",
        "id_card",
        "--note",
        "주민등록증 확인",
        "--json",
        home=store.home,
    )
    assert issued.returncode == 0, issued.stderr
    sheet = json.loads(issued.stdout)
    assert len(sheet["codes"]) == 10
    refused = run(
        "issue-codes",
        ids[1],
        "--counsellor",
        ids[1],
        "--method",
        "id_card",
        "--note",
        "x",
        home=store.home,
    )
    assert refused.returncode != 0
    key = store.secret_key.get_secret_value() if store.secret_key else ""
    with session_scope(store) as session:
        result = check_counter_code(session, "grandma", sheet["codes"][0], key=key, client=CLIENT)
        assert result.outcome == "ok"
    revoked = run("revoke-codes", sheet["sheet_id"], "--by", ids[0], "--json", home=store.home)
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["unused_codes"] == 9
