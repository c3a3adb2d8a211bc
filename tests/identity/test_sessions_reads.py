"""Sessions (expiry, sign-out, unknown cookies), CSRF tokens, and audited staff reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.identity.factories import T0, create_test_account

from ilteo.core.db import session_scope
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity import (
    audit_person_read,
    check_csrf,
    create_session,
    csrf_token,
    list_reads_of,
    resolve_session,
    revoke_session,
)
from ilteo.identity.models import AuditEntry, SignInSession


def test_session_resolves_until_idle_timeout_and_is_stored_hashed(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        token = create_session(session, account.id, now=T0)
        session.flush()
        assert session.scalars(select(SignInSession.id_hash)).one() != token
        seen = resolve_session(session, token, now=T0 + timedelta(minutes=29))
        assert seen is not None
        assert seen.id == account.id
        # use refreshed the idle timer
        assert resolve_session(session, token, now=T0 + timedelta(minutes=58)) is not None
        assert resolve_session(session, token, now=T0 + timedelta(minutes=89)) is None


def test_the_idle_timer_is_written_at_most_once_a_minute(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        token = create_session(session, account.id, now=T0)
        session.flush()
        row = session.scalars(select(SignInSession)).one()
        resolve_session(session, token, now=T0 + timedelta(seconds=30))
        assert row.last_seen_at.replace(tzinfo=None) == T0.replace(tzinfo=None)
        resolve_session(session, token, now=T0 + timedelta(seconds=61))
        assert row.last_seen_at.replace(tzinfo=None) == (T0 + timedelta(seconds=61)).replace(
            tzinfo=None
        )


def test_absolute_timeout_ends_even_a_busy_session(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        token = create_session(session, account.id, now=T0)
        now = T0
        while now < T0 + timedelta(hours=12):
            assert resolve_session(session, token, now=now) is not None
            now += timedelta(minutes=20)
        assert resolve_session(session, token, now=T0 + timedelta(hours=12, minutes=1)) is None


def test_sign_out_revokes_and_unknown_cookie_is_anonymous_and_audited(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        token = create_session(session, account.id, now=T0)
        assert revoke_session(session, token, now=T0)
        assert resolve_session(session, token, now=T0) is None
        assert not revoke_session(session, token, now=T0)
        assert resolve_session(session, token + "x", client="c", now=T0) is None
        events = session.scalars(select(AuditEntry.event)).all()
    assert "session.revoked" in events
    assert "session.unknown" in events


def test_csrf_token_is_bound_to_the_session_and_key() -> None:
    key = "k" * 32
    token = csrf_token(key, "session-a")
    assert check_csrf(key, "session-a", token)
    assert not check_csrf(key, "session-b", token)
    assert not check_csrf("j" * 32, "session-a", token)
    assert not check_csrf(key, "session-a", None)
    assert not check_csrf(key, None, token)


def test_staff_reads_are_recorded_with_purpose_and_listed_to_the_person(store: Settings) -> None:
    with session_scope(store) as session:
        person, _ = create_test_account(session, master_person_id="P000000001")
        staff, _ = create_test_account(session, login="counsellor1", roles=("counsellor",))
        other, _ = create_test_account(session, login="stranger", master_person_id="P000000002")
        audit_person_read(session, staff, "P000000001", "상담 예약 확인", now=T0)
        audit_person_read(session, staff, "P000000002", "다른 사람", now=T0)
        reads = list_reads_of(session, person)
        assert [(r.staff_name, r.staff_roles, r.purpose) for r in reads] == [
            ("counsellor1 님", ("counsellor",), "상담 예약 확인")
        ]
        with pytest.raises(InvalidInputError):
            audit_person_read(session, staff, "P000000001", " ", now=T0)
        with pytest.raises(InvalidInputError):
            audit_person_read(session, other, "P000000001", "궁금해서요", now=T0)
