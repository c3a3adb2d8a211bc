"""Sign-in: password then TOTP, lockout with growing locks, client throttling, no enumeration."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select
from tests.identity.factories import PASSWORD, T0, create_test_account

from ilteo.core.db import session_scope
from ilteo.core.settings import DEV_SECRET_KEY, Settings
from ilteo.identity import check_password, check_totp, get_account, unlock_account
from ilteo.identity.models import AuditEntry
from ilteo.identity.signin import CLIENT_MAX_FAILURES, MAX_FAILURES

CLIENT = "203.0.113.7"


def _events(store: Settings) -> list[tuple[str, dict[str, object]]]:
    with session_scope(store) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.event, row.detail) for row in rows]


def test_password_only_account_signs_in(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        result = check_password(session, "minji", PASSWORD, client=CLIENT, now=T0)
    assert (result.outcome, result.account_id) == ("ok", account.id)
    assert ("sign_in.success", {"method": "password"}) in _events(store)


def test_totp_is_asked_after_the_password_and_a_code_is_single_use(store: Settings) -> None:
    with session_scope(store) as session:
        account, secret = create_test_account(session, totp=True)
        assert check_password(session, "minji", PASSWORD, client=CLIENT, now=T0).outcome == (
            "totp_required"
        )
        code = pyotp.TOTP(secret or "").at(T0)
        key = DEV_SECRET_KEY
        assert check_totp(session, account.id, code, key=key, client=CLIENT, now=T0).outcome == "ok"
        later = T0 + timedelta(seconds=5)
        replay = check_totp(session, account.id, code, key=key, client=CLIENT, now=later)
        assert replay.outcome == "refused"
        wrong = check_totp(session, account.id, "000000", key=key, client=CLIENT, now=T0)
        assert wrong.outcome == "refused"
    events = [event for event, _ in _events(store)]
    assert "totp.enrolled" in events
    assert events.count("sign_in.failure") == 2


def test_unknown_login_and_wrong_password_are_the_same_answer(store: Settings) -> None:
    with session_scope(store) as session:
        create_test_account(session)
        unknown = check_password(session, "nobody", PASSWORD, client=CLIENT, now=T0)
        wrong = check_password(session, "minji", "wrong password!", client=CLIENT, now=T0)
    assert unknown == wrong
    assert unknown.account_id is None
    reasons = [d.get("reason") for event, d in _events(store) if event == "sign_in.failure"]
    assert reasons == ["unknown_login", "password"]


def test_lockout_after_failures_then_unlock_after_time_and_longer_next_time(
    store: Settings,
) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        for _ in range(MAX_FAILURES):
            check_password(session, "minji", "wrong password!", client=CLIENT, now=T0)
        locked_until = get_account(session, account.id).locked_until
        # even the right password is refused while locked
        refused = check_password(session, "minji", PASSWORD, client=CLIENT, now=T0)
        assert refused.outcome == "refused"
        later = T0 + timedelta(minutes=15, seconds=1)
        assert check_password(session, "minji", PASSWORD, client="x", now=later).outcome == "ok"
        for _ in range(MAX_FAILURES):
            check_password(session, "minji", "wrong password!", client="x", now=later)
        second_lock = get_account(session, account.id).locked_until
    assert locked_until is not None
    assert second_lock is not None
    assert locked_until.replace(tzinfo=None) == (T0 + timedelta(minutes=15)).replace(tzinfo=None)
    # success resets the lock count, so the second lock is again 15 minutes
    assert second_lock.replace(tzinfo=None) == (later + timedelta(minutes=15)).replace(tzinfo=None)
    assert [d for e, d in _events(store) if e == "account.locked"] == [
        {"minutes": 15},
        {"minutes": 15},
    ]


def test_repeated_locks_without_success_double(store: Settings) -> None:
    with session_scope(store) as session:
        create_test_account(session)
        now = T0
        for _ in range(2):
            for _ in range(MAX_FAILURES):
                check_password(session, "minji", "wrong password!", client="c", now=now)
            now = now + timedelta(minutes=16)
    minutes = [d["minutes"] for e, d in _events(store) if e == "account.locked"]
    assert minutes == [15, 30]


def test_admin_unlock_lifts_the_lock(store: Settings) -> None:
    with session_scope(store) as session:
        account, _ = create_test_account(session)
        for _ in range(MAX_FAILURES):
            check_password(session, "minji", "wrong password!", client=CLIENT, now=T0)
        unlock_account(session, account.id, now=T0)
        assert check_password(session, "minji", PASSWORD, client="y", now=T0).outcome == "ok"
    assert "account.unlocked" in [e for e, _ in _events(store)]


def test_a_client_guessing_across_accounts_is_throttled(store: Settings) -> None:
    with session_scope(store) as session:
        create_test_account(session)
        for n in range(CLIENT_MAX_FAILURES):
            check_password(session, f"guess{n}", "wrong password!", client=CLIENT, now=T0)
        blocked = check_password(session, "minji", PASSWORD, client=CLIENT, now=T0)
        other = check_password(session, "minji", PASSWORD, client="198.51.100.1", now=T0)
        after = check_password(
            session, "minji", PASSWORD, client=CLIENT, now=T0 + timedelta(minutes=16)
        )
    assert blocked.outcome == "refused"
    assert other.outcome == "ok"
    assert after.outcome == "ok"
    assert "client.throttled" in [e for e, _ in _events(store)]


def test_totp_seed_is_sealed_at_rest_and_a_wrong_key_refuses(store: Settings) -> None:
    with session_scope(store) as session:
        account, secret = create_test_account(session, totp=True)
        assert secret is not None
        stored = get_account(session, account.id).totp_secret or ""
        assert stored.startswith("v1.")
        assert secret not in stored
        code = pyotp.TOTP(secret).at(T0)
        other_key = "another-secret-key-0123456789abcdef"
        refused = check_totp(session, account.id, code, key=other_key, client=CLIENT, now=T0)
        assert refused.outcome == "refused"
        ok = check_totp(session, account.id, code, key=DEV_SECRET_KEY, client=CLIENT, now=T0)
        assert ok.outcome == "ok"
