"""Server-side sessions and CSRF tokens bound to them.

The cookie carries 256 random bits; the table keeps only their SHA-256, so a copy of the database
cannot be replayed as cookies. A session ends after :data:`IDLE_TIMEOUT` without use, after
:data:`ABSOLUTE_TIMEOUT` in any case, or at sign-out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ilteo.identity.accounts import as_utc, record_audit, utcnow
from ilteo.identity.models import Account, SignInSession

#: Name of the session cookie.
COOKIE_NAME = "ilteo_session"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: The idle timer is refreshed at most this often: a write on every request would make each
#: session check a database commit.
TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    session: Session, account_id: str, *, client: str | None = None, now: datetime | None = None
) -> str:
    """Open a session for ``account_id`` and return the cookie value (shown only here)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        SignInSession(
            id_hash=_digest(token), account_id=account_id, created_at=now, last_seen_at=now
        )
    )
    record_audit(session, "session.created", account_id=account_id, client=client, now=now)
    return token


def resolve_session(
    session: Session, token: str | None, *, client: str | None = None, now: datetime | None = None
) -> Account | None:
    """The signed-in account for a cookie value, or ``None`` (anonymous).

    An unknown, revoked or expired value is anonymous; an unknown value is audited (a tampered
    or forged cookie), and use refreshes the idle timer (at most once per
    :data:`TOUCH_INTERVAL`, so the idle timeout is exact to within that interval).
    """
    if not token:
        return None
    now = now or utcnow()
    row = session.get(SignInSession, _digest(token))
    if row is None:
        record_audit(session, "session.unknown", client=client, now=now)
        return None
    expired = (
        row.revoked_at is not None
        or now - as_utc(row.last_seen_at) > IDLE_TIMEOUT
        or now - as_utc(row.created_at) > ABSOLUTE_TIMEOUT
    )
    account = session.get(Account, row.account_id)
    if expired or account is None or account.status != "active":
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return account


def revoke_session(
    session: Session, token: str | None, *, client: str | None = None, now: datetime | None = None
) -> bool:
    """End a session (sign-out); ``False`` when there was none to end."""
    if not token:
        return False
    now = now or utcnow()
    row = session.get(SignInSession, _digest(token))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    record_audit(session, "session.revoked", account_id=row.account_id, client=client, now=now)
    return True


def get_session_row(session: Session, token: str | None) -> SignInSession | None:
    """The stored session of a cookie value (by its digest), or ``None``; no validity check.

    Callers check the session with :func:`resolve_session` first; delegation reads and sets the
    row's ``acting_for`` through this.
    """
    return session.get(SignInSession, _digest(token)) if token else None


def csrf_token(secret_key: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session value with the secret key.

    >>> len(csrf_token("k" * 32, "s"))
    64
    """
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), "sha256").hexdigest()


def check_csrf(secret_key: str, session_token: str | None, given: str | None) -> bool:
    """Whether ``given`` is the CSRF token of ``session_token`` (constant-time compare)."""
    if not session_token or not given:
        return False
    return hmac.compare_digest(csrf_token(secret_key, session_token), given)
