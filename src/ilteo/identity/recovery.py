"""Account recovery that does not lock people out: in person at the counter, or by recovery code.

Two paths, both audited and both counted in the drop-off report (``recovery.in_person``,
``recovery.recovery_code``):

* **In person** (:func:`reset_in_person`): after a counsellor has proofed the person
  (:func:`ilteo.identity.counter_codes.proof_in_person`, ID card or a social worker's voucher),
  the account is reset: every code sheet is revoked, every session ends, TOTP is switched off,
  the password and the recovery codes are removed, a lock is lifted, and a new sheet of one-time
  codes is handed over. The person signs in with a code and sets a new password. A ``disabled``
  account stays disabled: that is an administrator's decision, not something a reset undoes.
* **Self-service recovery codes** (:func:`generate_recovery_codes`, :func:`recover_with_code`):
  a signed-in person makes :data:`RECOVERY_CODE_COUNT` codes, shown once and stored only as an
  HMAC under the secret key (bound to the account); making a new set deletes the old one. With
  the login name, one unused code and a new password the password is replaced, TOTP is switched
  off and every session is revoked. The code check follows the sign-in rules of
  :mod:`ilteo.identity.signin`: one ``refused`` answer for every failure, the same account lockout
  and client throttle, and only an HMAC per attempt (argon2 runs only once the code is good).

Changing the password while signed in (:func:`change_password`) needs the current password,
except when the account has none (opened at the counter, or reset in person) or when the account's
latest sign-in was by a counter-issued code less than :data:`CODE_SIGN_IN_GRACE` ago: a person
holding a sheet of codes who forgot the password can then set a new one straight away. Both
exceptions rely on an authenticator handed over after in-person proofing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError
from ilteo.identity.accounts import as_utc, get_account, record_audit, utcnow
from ilteo.identity.code_models import CodeSheet
from ilteo.identity.counter_codes import (
    DEFAULT_COUNT,
    DEFAULT_VALID_FOR,
    InPersonProofing,
    IssuedSheet,
    NotCounsellorError,
    issue_code_sheet,
    revoke_code_sheet,
)
from ilteo.identity.models import Account, AccountRole, AuditEntry, SignInSession
from ilteo.identity.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from ilteo.identity.recovery_models import RecoveryCode
from ilteo.identity.signin import (
    SignInResult,
    _account_failed,
    _account_locked,
    _client_blocked,
    _refuse,
)

#: Recovery codes in one set.
RECOVERY_CODE_COUNT = 10
#: Characters of a recovery code: lower-case letters and digits that are hard to confuse.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
#: Characters per recovery code (printed in groups of four; about 59 bits).
RECOVERY_CODE_LENGTH = 12
#: How long after a sign-in with a counter code the password may be set without the old one.
CODE_SIGN_IN_GRACE = timedelta(minutes=15)


class PasswordPolicyError(InvalidInputError):
    """The new password is too short or the two copies differ (safe to say: no account data)."""


def normalise_recovery_code(value: str) -> str:
    """The characters of a typed recovery code (case, spaces and hyphens ignored).

    >>> normalise_recovery_code(" ABCD-efgh 2345 ")
    'abcdefgh2345'
    """
    return "".join(ch for ch in value.lower() if ch.isascii() and ch.isalnum())


def format_recovery_code(chars: str) -> str:
    """Group a recovery code in fours.

    >>> format_recovery_code("abcdefgh2345")
    'abcd-efgh-2345'
    """
    from ilteo.identity.counter_codes import format_code

    return format_code(chars)


def _digest(key: str, account_id: str, chars: str) -> str:
    message = f"recovery:{account_id}:{chars}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def check_new_password(new_password: str, repeated: str) -> None:
    """Refuse a new password that is too short or was not typed the same twice.

    Raises:
        PasswordPolicyError: With a plain message; it tells nothing about any account.
    """
    if new_password != repeated:
        raise PasswordPolicyError("두 비밀번호가 다릅니다 / the two passwords differ")
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상 / at least {MIN_PASSWORD_LENGTH} characters"
        )


def revoke_all_sessions(
    session: Session, account_id: str, *, now: datetime | None = None, reason: str = ""
) -> int:
    """End every open session of an account (audited); returns how many were open."""
    now = now or utcnow()
    result = session.execute(
        update(SignInSession)
        .where(SignInSession.account_id == account_id, SignInSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    record_audit(
        session, "session.revoked_all", account_id=account_id, now=now, count=count, reason=reason
    )
    return count


def _switch_off_totp(account: Account) -> None:
    account.totp_active = False
    account.totp_secret = None
    account.totp_last_step = None


def generate_recovery_codes(
    session: Session, account_id: str, *, key: str, now: datetime | None = None
) -> tuple[str, ...]:
    """Make a new set of recovery codes, replacing any old set; the clear codes appear only here.

    Args:
        session: The open session.
        account_id: The signed-in account.
        key: The server's secret key (``settings.secret_key``) for the code digests.
        now: The clock.

    Returns:
        :data:`RECOVERY_CODE_COUNT` codes as ``abcd-efgh-2345``.
    """
    now = now or utcnow()
    account = get_account(session, account_id)
    replaced = session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        if chars not in codes:
            codes.append(chars)
    session.add_all(
        RecoveryCode(account_id=account.id, digest=_digest(key, account.id, c), created_at=now)
        for c in codes
    )
    record_audit(
        session,
        "recovery_codes.generated",
        account_id=account.id,
        now=now,
        count=len(codes),
        replaced=int(getattr(replaced, "rowcount", 0) or 0),
    )
    session.flush()
    return tuple(format_recovery_code(c) for c in codes)


def count_unused_recovery_codes(session: Session, account_id: str) -> int:
    """Recovery codes of an account that can still be used."""
    rows = session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(rows.all())


def recover_with_code(
    session: Session,
    login: str,
    code: str,
    new_password: str,
    *,
    key: str,
    client: str,
    now: datetime | None = None,
) -> SignInResult:
    """Replace a forgotten password with a login name and one unused recovery code.

    The caller checks the new password first (:func:`check_new_password`). On success the
    password is replaced, TOTP is switched off, every session is revoked and the code is spent;
    the person then signs in with the new password.

    Returns:
        ``ok`` with the account id, or ``refused`` for every kind of failure (the audit log keeps
        the reason: throttled client, unknown login, locked account, wrong or used code).

    Raises:
        PasswordPolicyError: When ``new_password`` is too short (checked before anything else).
    """
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상 / at least {MIN_PASSWORD_LENGTH} characters"
        )
    now = now or utcnow()
    method = "recovery_code"
    account = session.scalar(select(Account).where(Account.login == login.strip()))
    chars = normalise_recovery_code(code)
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, account, method=method)
    if account is None:
        return _refuse(session, "unknown_login", client, now, method=method)
    if _account_locked(account, now):
        return _refuse(session, "locked", client, now, account, method=method)
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.digest == _digest(key, account.id, chars),
            RecoveryCode.account_id == account.id,
        )
    )
    reason = "recovery_code" if row is None else ("recovery_code_replay" if row.used_at else "")
    if not reason and row is not None:
        # Spend the code only if it is still unused, so two racing requests cannot both pass.
        marked = session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session="fetch")
        )
        reason = "" if getattr(marked, "rowcount", 0) == 1 else "recovery_code_replay"
    if reason:
        result = _refuse(session, reason, client, now, account, method=method)
        _account_failed(session, account, client, now)
        return result
    account.password_hash = hash_password(new_password)
    _switch_off_totp(account)
    account.failed_attempts = 0
    account.lock_count = 0
    account.locked_until = None
    account.updated_at = now
    revoke_all_sessions(session, account.id, now=now, reason="recovery_code")
    record_audit(
        session, "account.recovered", account_id=account.id, client=client, now=now, method=method
    )
    return SignInResult("ok", account.id)


def reset_in_person(
    session: Session,
    proofing: InPersonProofing,
    *,
    key: str,
    count: int = DEFAULT_COUNT,
    valid_for: timedelta = DEFAULT_VALID_FOR,
    now: datetime | None = None,
) -> IssuedSheet:
    """Reset an account at the counter after in-person proofing, and hand over a new sheet.

    Revokes every code sheet and session, switches TOTP off, removes the password and the
    recovery codes, lifts a lock, then issues a new sheet (audited as ``account.reset_in_person``).

    Raises:
        NotCounsellorError: When the proofing counsellor is not an active counsellor.
        InvalidInputError: When the account is disabled (an administrator must act first).
    """
    now = now or utcnow()
    counsellor = get_account(session, proofing.counsellor_id)
    held = session.scalars(
        select(AccountRole.role).where(AccountRole.account_id == counsellor.id)
    ).all()
    if counsellor.status != "active" or "counsellor" not in held:
        record_audit(session, "codes.refused_not_counsellor", account_id=counsellor.id, now=now)
        raise NotCounsellorError("상담사만 할 수 있습니다 / only a counsellor may do this")
    account = get_account(session, proofing.account_id)
    if account.status == "disabled":
        raise InvalidInputError("사용이 중지된 계정입니다 / the account is disabled")
    sheets = session.scalars(
        select(CodeSheet.id).where(
            CodeSheet.account_id == account.id, CodeSheet.revoked_at.is_(None)
        )
    ).all()
    for sheet_id in sheets:
        revoke_code_sheet(session, sheet_id, by=counsellor.id, now=now)
    revoke_all_sessions(session, account.id, now=now, reason="reset_in_person")
    session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    _switch_off_totp(account)
    account.password_hash = None
    account.failed_attempts = 0
    account.lock_count = 0
    account.locked_until = None
    account.status = "active"
    account.updated_at = now
    record_audit(
        session,
        "account.reset_in_person",
        account_id=account.id,
        now=now,
        counsellor=counsellor.id,
        method=proofing.method,
        sheets_revoked=len(sheets),
    )
    return issue_code_sheet(session, proofing, key=key, count=count, valid_for=valid_for, now=now)


def may_skip_current_password(
    session: Session, account: Account, *, now: datetime | None = None
) -> bool:
    """Whether a signed-in account may set a password without typing the current one.

    True when it has no password, or when its latest successful sign-in was by a counter-issued
    code within :data:`CODE_SIGN_IN_GRACE`.
    """
    if account.password_hash is None:
        return True
    now = now or utcnow()
    latest = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.account_id == account.id, AuditEntry.event == "sign_in.success")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    return bool(
        latest is not None
        and (latest.detail or {}).get("method") == "counter_code"
        and now - as_utc(latest.at) <= CODE_SIGN_IN_GRACE
    )


def change_password(
    session: Session,
    account_id: str,
    current: str,
    new_password: str,
    repeated: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Set a new password for a signed-in account (audited either way).

    Returns:
        ``False`` when the current password was needed and is wrong (``password.change_refused``).

    Raises:
        PasswordPolicyError: When the new password is too short or the copies differ.
    """
    check_new_password(new_password, repeated)
    now = now or utcnow()
    account = get_account(session, account_id)
    if not may_skip_current_password(session, account, now=now) and not verify_password(
        account.password_hash, current
    ):
        record_audit(
            session, "password.change_refused", account_id=account.id, client=client, now=now
        )
        _account_failed(session, account, client or "unknown", now)  # slows guessing by a thief
        return False
    account.password_hash = hash_password(new_password)
    account.updated_at = now
    record_audit(session, "password.changed", account_id=account.id, client=client, now=now)
    return True
