"""Account recovery: recovery codes (once, replaced, throttled), in-person reset, password change.

Every test runs on SQLite and PostgreSQL (``db_settings``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import PASSWORD, T0, create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import get_account
from ilteo.identity.counter_codes import (
    NotCounsellorError,
    check_counter_code,
    issue_code_sheet,
    proof_in_person,
)
from ilteo.identity.models import AuditEntry, SignInSession
from ilteo.identity.passwords import verify_password
from ilteo.identity.recovery import (
    PasswordPolicyError,
    change_password,
    count_unused_recovery_codes,
    generate_recovery_codes,
    may_skip_current_password,
    recover_with_code,
    reset_in_person,
)
from ilteo.identity.recovery_models import RecoveryCode
from ilteo.identity.sessions import create_session, resolve_session
from ilteo.identity.signin import check_password

KEY = "test-secret-key-0123456789"
CLIENT = "203.0.113.9"
NEW = "a brand new passphrase"


@pytest.fixture
def db(db_settings: Settings) -> Settings:
    """The store on SQLite or PostgreSQL, migrated."""
    upgrade(db_settings)
    return db_settings


def _reasons(session: Session) -> list[object]:
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.event == "sign_in.failure").order_by(AuditEntry.id)
    )
    return [row.detail["reason"] for row in rows]


def _count(session: Session, event: str) -> int:
    return len(session.scalars(select(AuditEntry.id).where(AuditEntry.event == event)).all())


def test_a_recovery_code_replaces_the_password_once(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="minji", totp=True, at=T0)
        token = create_session(session, account.id, now=T0)
        codes = generate_recovery_codes(session, account.id, key=KEY, now=T0)
        assert len(codes) == len(set(codes)) == 10
        stored = set(session.scalars(select(RecoveryCode.digest)))
        assert not {c.replace("-", "") for c in codes} & stored  # only keyed digests are kept

        now = T0 + timedelta(minutes=1)
        typed = codes[3].upper().replace("-", " ")
        result = recover_with_code(session, "minji", typed, NEW, key=KEY, client=CLIENT, now=now)
        assert result.outcome == "ok"
        assert result.account_id == account.id
        account = get_account(session, account.id)
        assert verify_password(account.password_hash, NEW)
        assert not account.totp_active
        assert account.totp_secret is None
        assert resolve_session(session, token, now=now) is None  # every session ended
        assert _count(session, "account.recovered") == 1
        assert count_unused_recovery_codes(session, account.id) == 9

        replay = recover_with_code(session, "minji", codes[3], NEW, key=KEY, client=CLIENT, now=now)
        assert replay.outcome == "refused"
        assert _reasons(session) == ["recovery_code_replay"]
        # the new password signs in, without a second factor now
        assert check_password(session, "minji", NEW, client=CLIENT, now=now).outcome == "ok"


def test_wrong_unknown_and_other_accounts_codes_are_refused_alike(db: Settings) -> None:
    with session_scope(db) as session:
        minji, _ = create_test_account(session, login="minji")
        create_test_account(session, login="other")
        codes = generate_recovery_codes(session, minji.id, key=KEY, now=T0)
        answers = [
            recover_with_code(session, "minji", "zzzz-zzzz-zzzz", NEW, key=KEY, client=CLIENT),
            recover_with_code(session, "nobody", codes[0], NEW, key=KEY, client=CLIENT),
            recover_with_code(session, "other", codes[0], NEW, key=KEY, client=CLIENT),
        ]
        assert {a.outcome for a in answers} == {"refused"}
        assert {a.account_id for a in answers} == {None}
        assert _reasons(session) == ["recovery_code", "unknown_login", "recovery_code"]
        assert verify_password(get_account(session, minji.id).password_hash, PASSWORD)


def test_a_new_set_replaces_the_old_one(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="minji")
        old = generate_recovery_codes(session, account.id, key=KEY, now=T0)
        new = generate_recovery_codes(session, account.id, key=KEY, now=T0)
        assert not set(old) & set(new)
        assert count_unused_recovery_codes(session, account.id) == 10
        refused = recover_with_code(session, "minji", old[0], NEW, key=KEY, client=CLIENT)
        assert refused.outcome == "refused"
        assert recover_with_code(session, "minji", new[0], NEW, key=KEY, client=CLIENT).outcome == (
            "ok"
        )
        assert _count(session, "recovery_codes.generated") == 2


def test_guessing_recovery_codes_locks_the_account(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="minji")
        codes = generate_recovery_codes(session, account.id, key=KEY, now=T0)
        for n in range(5):
            guess = f"aaaa-bbbb-{n:04d}"
            refused = recover_with_code(
                session, "minji", guess, NEW, key=KEY, client=CLIENT, now=T0
            )
            assert refused.outcome == "refused"
        good = recover_with_code(session, "minji", codes[0], NEW, key=KEY, client=CLIENT, now=T0)
        assert good.outcome == "refused"
        assert _reasons(session)[-1] == "locked"
        assert _count(session, "account.locked") == 1


def test_a_short_new_password_is_refused_before_anything(db: Settings) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="minji")
        codes = generate_recovery_codes(session, account.id, key=KEY, now=T0)
        with pytest.raises(PasswordPolicyError):
            recover_with_code(session, "minji", codes[0], "short", key=KEY, client=CLIENT)
        assert count_unused_recovery_codes(session, account.id) == 10
        assert _reasons(session) == []


def test_reset_in_person_cuts_everything_off_and_issues_a_new_sheet(db: Settings) -> None:
    with session_scope(db) as session:
        counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        person, _ = create_test_account(session, login="grandma", totp=True, at=T0)
        first = proof_in_person(session, counsellor.id, person.id, "id_card", "주민등록증", now=T0)
        old_sheet = issue_code_sheet(session, first, key=KEY, now=T0)
        generate_recovery_codes(session, person.id, key=KEY, now=T0)
        token = create_session(session, person.id, now=T0)
        person.locked_until = T0 + timedelta(hours=1)
        person.failed_attempts = 3

        later = T0 + timedelta(minutes=5)
        proofing = proof_in_person(
            session,
            counsellor.id,
            person.id,
            "social_worker_voucher",
            "사진 신분증 없음",
            "박지원 사회복지사 제12345호",
            now=later,
        )
        sheet = reset_in_person(session, proofing, key=KEY, now=later)
        person = get_account(session, person.id)
        assert person.password_hash is None
        assert not person.totp_active
        assert person.locked_until is None
        assert person.failed_attempts == 0
        assert count_unused_recovery_codes(session, person.id) == 0
        row = session.scalars(select(SignInSession)).one()
        assert row.revoked_at is not None
        assert resolve_session(session, token, now=later) is None
        assert _count(session, "account.reset_in_person") == 1

        old = check_counter_code(
            session, "grandma", old_sheet.codes[0], key=KEY, client=CLIENT, now=later
        )
        assert old.outcome == "refused"
        assert _reasons(session) == ["code_revoked"]
        new = check_counter_code(
            session, "grandma", sheet.codes[0], key=KEY, client=CLIENT, now=later
        )
        assert new.outcome == "ok"
        # right after the code sign-in the person sets a password without an old one
        assert may_skip_current_password(session, person, now=later)
        assert change_password(session, person.id, "", NEW, NEW, now=later)


def test_only_a_counsellor_resets_and_a_disabled_account_stays_disabled(db: Settings) -> None:
    with session_scope(db) as session:
        counsellor, _ = create_test_account(session, login="counsellor", roles=("counsellor",))
        clerk, _ = create_test_account(session, login="clerk", roles=("desk_officer",))
        person, _ = create_test_account(session, login="grandma")
        proofing = proof_in_person(session, counsellor.id, person.id, "id_card", "면허증", now=T0)
        forged = replace(proofing, counsellor_id=clerk.id)
        with pytest.raises(NotCounsellorError):
            reset_in_person(session, forged, key=KEY, now=T0)
        assert _count(session, "codes.refused_not_counsellor") == 1
        assert get_account(session, person.id).password_hash is not None
        person.status = "disabled"
        with pytest.raises(InvalidInputError):
            reset_in_person(session, proofing, key=KEY, now=T0)


def test_changing_the_password_needs_the_current_one_unless_a_code_just_signed_in(
    db: Settings,
) -> None:
    with session_scope(db) as session:
        account, _ = create_test_account(session, login="minji")
        assert not may_skip_current_password(session, account, now=T0)
        assert not change_password(session, account.id, "wrong one!!", NEW, NEW, now=T0)
        assert _count(session, "password.change_refused") == 1
        with pytest.raises(PasswordPolicyError):
            change_password(session, account.id, PASSWORD, NEW, NEW + "x", now=T0)
        with pytest.raises(PasswordPolicyError):
            change_password(session, account.id, PASSWORD, "short", "short", now=T0)
        assert change_password(session, account.id, PASSWORD, NEW, NEW, now=T0)
        assert verify_password(get_account(session, account.id).password_hash, NEW)
        assert _count(session, "password.changed") == 1
