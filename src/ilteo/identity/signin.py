"""Sign-in: password, then TOTP when enrolled; lockout and client throttling; TOTP enrolment.

Every refusal carries the same outcome (``refused``) whatever the reason (unknown login, wrong
password, locked account, throttled client), and the unknown-login path still runs an argon2
verify, so neither the answer nor its timing tells which logins exist. The audit log records the
real reason.

Lockout: after :data:`MAX_FAILURES` failures in a row an account is locked for
:data:`BASE_LOCK` doubling with each lock (15 min, 30 min, 1 h … at most :data:`MAX_LOCK`).
A client (address) with :data:`CLIENT_MAX_FAILURES` failures within :data:`CLIENT_WINDOW` is
refused for the rest of the window, so guessing across many accounts is slowed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.identity.accounts import as_utc, get_account, record_audit, utcnow
from ilteo.identity.models import Account, ClientThrottle
from ilteo.identity.passwords import verify_password
from ilteo.identity.totp import matching_step, new_secret, provisioning_uri

#: Purpose under which TOTP seeds are sealed at rest (see :mod:`ilteo.core.crypto`).
TOTP_SEAL_PURPOSE = "identity.totp"

MAX_FAILURES = 5
BASE_LOCK = timedelta(minutes=15)
MAX_LOCK = timedelta(hours=24)
CLIENT_MAX_FAILURES = 20
CLIENT_WINDOW = timedelta(minutes=15)

Outcome = Literal["ok", "totp_required", "refused"]


@dataclass(frozen=True)
class SignInResult:
    """The answer to one sign-in step; ``account_id`` is set only when not refused."""

    outcome: Outcome
    account_id: str | None = None


@dataclass(frozen=True)
class TotpEnrolment:
    """Shown once at enrolment: the URI for a QR code and the key for typing by hand."""

    secret: str
    uri: str


def _client_blocked(session: Session, client: str, now: datetime) -> bool:
    row = session.get(ClientThrottle, client)
    return bool(row and row.blocked_until and as_utc(row.blocked_until) > now)


def _client_failed(session: Session, client: str, now: datetime) -> None:
    row = session.get(ClientThrottle, client)
    if row is None or now - as_utc(row.window_start) > CLIENT_WINDOW:
        if row is None:
            row = ClientThrottle(client=client, failures=0, window_start=now)
            session.add(row)
        row.failures, row.window_start, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures >= CLIENT_MAX_FAILURES:
        row.blocked_until = as_utc(row.window_start) + CLIENT_WINDOW
        record_audit(session, "client.throttled", client=client, now=now)


def _account_locked(account: Account, now: datetime) -> bool:
    return account.status != "active" or bool(
        account.locked_until and as_utc(account.locked_until) > now
    )


def _account_failed(session: Session, account: Account, client: str, now: datetime) -> None:
    account.failed_attempts += 1
    account.updated_at = now
    if account.failed_attempts >= MAX_FAILURES:
        duration = min(BASE_LOCK * (2**account.lock_count), MAX_LOCK)
        account.locked_until = now + duration
        account.lock_count += 1
        account.failed_attempts = 0
        record_audit(
            session,
            "account.locked",
            account_id=account.id,
            client=client,
            now=now,
            minutes=int(duration.total_seconds() // 60),
        )


def _refuse(
    session: Session,
    reason: str,
    client: str,
    now: datetime,
    account: Account | None = None,
    *,
    method: str = "password",
) -> SignInResult:
    record_audit(
        session,
        "sign_in.failure",
        account_id=account.id if account else None,
        client=client,
        now=now,
        reason=reason,
        method=method,
    )
    _client_failed(session, client, now)
    if account is not None and reason in {"password", "totp"}:
        _account_failed(session, account, client, now)
    return SignInResult("refused")


def _succeed(
    session: Session, account: Account, client: str, now: datetime, *, method: str = "password"
) -> SignInResult:
    account.failed_attempts = 0
    account.lock_count = 0
    account.locked_until = None
    account.updated_at = now
    record_audit(
        session, "sign_in.success", account_id=account.id, client=client, now=now, method=method
    )
    return SignInResult("ok", account.id)


def check_password(
    session: Session, login: str, password: str, *, client: str, now: datetime | None = None
) -> SignInResult:
    """The first sign-in step.

    Returns:
        ``ok`` (no second factor enrolled), ``totp_required`` (ask for a code next, via
        :func:`check_totp`) or ``refused`` for every kind of failure.
    """
    now = now or utcnow()
    account = session.scalar(select(Account).where(Account.login == login.strip()))
    valid = verify_password(account.password_hash if account else None, password)
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, account)
    if account is None:
        return _refuse(session, "unknown_login", client, now)
    if _account_locked(account, now):
        return _refuse(session, "locked", client, now, account)
    if not valid:
        return _refuse(session, "password", client, now, account)
    if account.totp_active:
        record_audit(session, "sign_in.password_ok", account_id=account.id, client=client, now=now)
        return SignInResult("totp_required", account.id)
    return _succeed(session, account, client, now)


def _totp_seed(account: Account, key: str) -> str | None:
    from ilteo.core.crypto import SealedValueError, unseal

    if not account.totp_secret:
        return None
    try:
        return unseal(key, TOTP_SEAL_PURPOSE, account.totp_secret)
    except SealedValueError:
        return None  # sealed under an old key: the person re-enrols (see docs/security.md)


def check_totp(
    session: Session,
    account_id: str,
    code: str,
    *,
    key: str,
    client: str,
    now: datetime | None = None,
) -> SignInResult:
    """The second step, after :func:`check_password` answered ``totp_required``.

    The caller must prove that the first step passed (the web door keeps the account id in a
    short-lived signed token). A code's time step is remembered, so the same code is refused
    the second time. ``key`` is the server's secret key, which unseals the stored seed.
    """
    now = now or utcnow()
    account = get_account(session, account_id)
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, account)
    seed = _totp_seed(account, key)
    if _account_locked(account, now) or not account.totp_active or seed is None:
        return _refuse(session, "locked", client, now, account)
    step = matching_step(seed, code, now, account.totp_last_step)
    if step is None:
        return _refuse(session, "totp", client, now, account)
    account.totp_last_step = step
    return _succeed(session, account, client, now)


def enrol_totp(
    session: Session, account_id: str, *, key: str, now: datetime | None = None
) -> TotpEnrolment:
    """Start TOTP enrolment: a new secret, inactive until :func:`activate_totp` sees a code.

    The seed is stored sealed under ``key`` (AES-GCM, :func:`ilteo.core.crypto.seal`); the
    clear seed is returned once, for the QR code.
    """
    from ilteo.core.crypto import seal

    account = get_account(session, account_id)
    secret = new_secret()
    account.totp_secret = seal(key, TOTP_SEAL_PURPOSE, secret)
    account.totp_active = False
    account.totp_last_step = None
    account.updated_at = now or utcnow()
    record_audit(session, "totp.enrolment_started", account_id=account.id, now=now)
    return TotpEnrolment(secret=secret, uri=provisioning_uri(secret, account.login))


def activate_totp(
    session: Session, account_id: str, code: str, *, key: str, now: datetime | None = None
) -> bool:
    """Activate the pending TOTP secret when ``code`` matches it; audited either way."""
    now = now or utcnow()
    account = get_account(session, account_id)
    seed = _totp_seed(account, key)
    if seed is None:
        return False
    step = matching_step(seed, code, now, account.totp_last_step)
    if step is None:
        record_audit(session, "totp.activation_failed", account_id=account.id, now=now)
        return False
    account.totp_active = True
    account.totp_last_step = step
    account.updated_at = now
    record_audit(session, "totp.enrolled", account_id=account.id, now=now)
    return True
