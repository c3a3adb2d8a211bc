"""Personal API keys: one ID for the ``/v1`` API and the MCP door.

Design choices:

- A key reads ``ilteo_<public id>_<secret>``: 8 random bytes of public id (hex) and 32 random
  bytes of secret (URL-safe base64). The public id is the table's primary key, so resolving a key
  is one indexed lookup; the secret is never stored. The table keeps an HMAC-SHA256 of the whole
  key under the server's secret key (a stolen table cannot be replayed, nor checked offline
  without the secret key) and a short display prefix so a person can tell their keys apart.
  Rotating the secret key therefore retires every API key, like every session.
- A key is shown once, at creation. It lasts :data:`DEFAULT_LIFETIME` unless asked otherwise, at
  most :data:`MAX_LIFETIME`; it can be revoked at any time.
- A key carries no roles of its own: it acts with the account's roles *at the time of use*, so
  removing a role (or disabling the account) stops the key at once. ``scopes`` is kept, empty, for
  the per-domain scopes of a later issue.
- ``last_used_at`` is written at most once per :data:`TOUCH_INTERVAL`, like sessions, so a busy
  client does not turn every request into a database write.
- Every refusal (malformed, unknown, tampered, revoked, expired, inactive account) is audited as
  ``api_key.refused`` with a reason and the public id when there is one, never the key.
- :func:`resolve_bearer` is the one place a door hands a bearer token to: ``ilteo_`` keys are
  resolved here, and any other token is offered to the external identity provider's check
  (``ilteo.identity.oidc.account_for_access_token``: OAuth access tokens, e.g. of MCP clients),
  so both doors accept either without knowing which.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import as_utc, record_audit, utcnow
from ilteo.identity.apikey_models import ApiKey
from ilteo.identity.models import Account

#: Every API key starts with this, so a leaked key is easy to recognise (secret scanners).
KEY_PREFIX = "ilteo_"
DEFAULT_LIFETIME = timedelta(days=365)
MAX_LIFETIME = timedelta(days=730)
#: ``last_used_at`` is refreshed at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)
#: Bytes of randomness in the secret part of a key.
SECRET_BYTES = 32
MAX_NAME = 80
_KEY_PATTERN = re.compile(r"ilteo_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")

AuthMethod = Literal["api_key", "oauth"]


@dataclass(frozen=True)
class ApiKeyPublic:
    """What may be shown about a key (never the secret or its digest)."""

    id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if (now or utcnow()) >= self.expires_at else "active"


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key: its public view and the full key, which is shown once and never again."""

    key: ApiKeyPublic
    token: str


@dataclass(frozen=True)
class BearerCaller:
    """Who a bearer token stands for, and how it was recognised."""

    account: Account
    method: AuthMethod
    key_id: str | None = None


def _digest(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), b"api-key:" + token.encode(), hashlib.sha256).hexdigest()


def _public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes or ()),
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
    )


def parse_api_key(token: str) -> tuple[str, str] | None:
    """Split a key into its public id and secret; ``None`` when it is not shaped like a key.

    >>> parse_api_key("ilteo_0123456789abcdef_" + "A" * 43)[0]
    '0123456789abcdef'
    >>> parse_api_key("ilteo_nope") is None
    True
    """
    found = _KEY_PATTERN.fullmatch(token)
    return (found.group(1), found.group(2)) if found else None


def create_api_key(
    session: Session,
    account_id: str,
    *,
    name: str,
    secret_key: str,
    lifetime: timedelta = DEFAULT_LIFETIME,
    client: str | None = None,
    now: datetime | None = None,
) -> IssuedApiKey:
    """Make a key for ``account_id`` and return it with the full key (shown only here).

    Args:
        session: The open session.
        account_id: The owner; the key acts with this account's roles at the time of use.
        name: What the person calls the key (1-80 characters), e.g. "my laptop".
        secret_key: The server's secret key (``settings.secret_key``), which keys the digest.
        lifetime: How long the key lasts: at least one day, at most :data:`MAX_LIFETIME`.
        client: The caller's address, for the audit log.
        now: The current time (tests).

    Raises:
        InvalidInputError: For an empty or too-long name or a lifetime out of range.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(f"키 이름은 1~{MAX_NAME}자입니다 / a name has 1-{MAX_NAME} chars")
    if not timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInputError("키 유효 기간은 1일~2년입니다 / a key lasts 1 day to 2 years")
    now = now or utcnow()
    public_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = f"{KEY_PREFIX}{public_id}_{secret}"
    row = ApiKey(
        id=public_id,
        account_id=account_id,
        name=name,
        prefix=f"{KEY_PREFIX}{public_id}_{secret[:4]}",
        digest=_digest(secret_key, token),
        scopes=[],
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    record_audit(
        session, "api_key.created", account_id=account_id, client=client, now=now, key_id=public_id
    )
    session.flush()
    return IssuedApiKey(key=_public(row), token=token)


def list_api_keys(session: Session, account_id: str) -> list[ApiKeyPublic]:
    """The keys of an account, newest first (revoked and expired ones included)."""
    rows = session.scalars(
        select(ApiKey)
        .where(ApiKey.account_id == account_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return [_public(row) for row in rows]


def revoke_api_key(
    session: Session,
    account_id: str,
    key_id: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> ApiKeyPublic:
    """Revoke one of the account's own keys (revoking twice is harmless).

    Raises:
        NotFoundError: When the account has no key ``key_id`` (someone else's key included).
    """
    row = session.get(ApiKey, key_id)
    if row is None or row.account_id != account_id:
        raise NotFoundError("API 키가 없습니다 / no such API key")
    if row.revoked_at is None:
        now = now or utcnow()
        row.revoked_at = now
        record_audit(
            session, "api_key.revoked", account_id=account_id, client=client, now=now, key_id=key_id
        )
    return _public(row)


def resolve_api_key(
    session: Session,
    token: str,
    *,
    secret_key: str,
    client: str | None = None,
    now: datetime | None = None,
) -> Account | None:
    """The active account an API key stands for, or ``None`` (refused and audited).

    One primary-key lookup of the key and one of its account; the digest is compared in constant
    time. ``last_used_at`` moves at most once per :data:`TOUCH_INTERVAL`.
    """
    now = now or utcnow()
    parsed = parse_api_key(token)
    row = session.get(ApiKey, parsed[0]) if parsed else None
    account = session.get(Account, row.account_id) if row else None
    reason = None
    if parsed is None:
        reason = "malformed"
    elif row is None:
        reason = "unknown"
    elif not hmac.compare_digest(row.digest, _digest(secret_key, token)):
        reason = "tampered"
    elif row.revoked_at is not None:
        reason = "revoked"
    elif now >= as_utc(row.expires_at):
        reason = "expired"
    elif account is None or account.status != "active":
        reason = "account-inactive"
    if reason is not None or row is None or account is None:
        record_audit(
            session,
            "api_key.refused",
            account_id=row.account_id if row else None,
            client=client,
            now=now,
            reason=reason,
            key_id=parsed[0] if parsed else None,
        )
        return None
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= TOUCH_INTERVAL:
        row.last_used_at = now
    return account


def resolve_bearer(
    session: Session,
    settings: Settings,
    token: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> BearerCaller | None:
    """Who an ``Authorization: Bearer`` token stands for, or ``None`` (refused and audited).

    ``ilteo_`` tokens are API keys. Any other token is offered to
    :func:`ilteo.identity.oidc.account_for_access_token`: an OAuth access token (RFC 9068 JWT)
    issued by the trusted external provider to a person whose account is linked to it, e.g. for
    an MCP client. Anything else is refused.
    """
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if token.startswith(KEY_PREFIX):
        account = resolve_api_key(session, token, secret_key=secret_key, client=client, now=now)
        if account is None:
            return None
        return BearerCaller(account=account, method="api_key", key_id=token.split("_", 2)[1])
    account_id = _oauth_account(session, settings, token)
    found = session.get(Account, account_id) if account_id else None
    if found is None or found.status != "active":
        record_audit(
            session, "bearer.refused", client=client, now=now or utcnow(), reason="unknown-token"
        )
        return None
    return BearerCaller(account=found, method="oauth")


def _oauth_account(session: Session, settings: Settings, token: str) -> str | None:
    """The account of an external provider's OAuth access token (JWT), or ``None`` (audited)."""
    from ilteo.identity.oidc import account_for_access_token

    return account_for_access_token(session, settings, token)
