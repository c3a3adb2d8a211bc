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
  removing a role (or disabling the account) stops the key at once. On top of the roles a key
  holds per-domain :data:`SCOPES` chosen at creation (default: every read scope the account's
  roles can use): a scope narrows what a key may do, it never adds a right.
- A key may carry its own rate limit (requests per minute) and daily quota (requests per
  Asia/Seoul day); unset means the settings' defaults. Usage per key per day
  (:class:`ApiKeyUsage`) is added in batches by :mod:`ilteo.api.ratelimit`
  (:func:`add_usage`) and read by :func:`usage_of`.
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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Generic, Literal, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import as_utc, record_audit, utcnow
from ilteo.identity.apikey_models import ApiKey, ApiKeyUsage
from ilteo.identity.models import Account

_V = TypeVar("_V")

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

#: The per-domain scopes a key may carry, one per domain, read-only for now. A key holds a
#: non-empty subset; a session or an OAuth token carries none, which means "every scope the
#: account's roles allow" (roles are always checked as well: a scope never adds a right).
SCOPES: tuple[str, ...] = ("reference:read", "lake:read", "identity:read")


#: Staff roles that may read the lake (the ``/v1/lake`` read routes need one of them).
LAKE_ROLES = frozenset({"data_steward", "administrator"})
#: Korea keeps no daylight saving time: the Asia/Seoul day is the UTC+9 day.
SEOUL = timezone(timedelta(hours=9), "Asia/Seoul")
#: The ceiling of a per-key limit or quota (a typo must not become "unlimited").
MAX_LIMIT = 100_000_000


def seoul_day(now: datetime) -> date:
    """The Asia/Seoul calendar day of ``now`` (quotas and usage are counted per this day).

    >>> seoul_day(datetime(2026, 11, 21, 15, 0, tzinfo=timezone.utc)).isoformat()
    '2026-11-22'
    """
    return as_utc(now).astimezone(SEOUL).date()


def scopes_for_roles(roles: Sequence[str]) -> tuple[str, ...]:
    """The scopes an account with ``roles`` can use.

    Everyone reads reference data and their own identity; the lake needs a data steward or an
    administrator.

    >>> scopes_for_roles(()), scopes_for_roles(("data_steward",))[1]
    (('reference:read', 'identity:read'), 'lake:read')
    """
    return tuple(s for s in SCOPES if s != "lake:read" or LAKE_ROLES & set(roles))


def has_scope(scopes: Sequence[str] | None, needed: str) -> bool:
    """Whether a caller holding ``scopes`` may use a route that needs ``needed``.

    Empty or ``None`` means unrestricted (a session, an OAuth token, or a key made before
    scopes existed); otherwise ``needed`` must be listed.

    >>> has_scope(("lake:read",), "lake:read"), has_scope(("lake:read",), "identity:read")
    (True, False)
    >>> has_scope((), "identity:read"), has_scope(None, "lake:read")
    (True, True)
    """
    return not scopes or needed in scopes


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
    account_id: str = ""
    rate_per_minute: int | None = None
    daily_quota: int | None = None

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
    #: The key's scopes; empty for an OAuth token (all scopes the account's roles allow).
    scopes: tuple[str, ...] = ()
    #: The key's own limits; ``None`` means the settings' defaults.
    rate_per_minute: int | None = None
    daily_quota: int | None = None
    #: When the key stops working (``None`` for an OAuth token: never cached).
    expires_at: datetime | None = None


# --- a short memory of checked keys, per server process ----------------------------------------

_generation = 0


def _bump_generation(session: Session, _context: object) -> None:
    """Forget every remembered key when a flush touches keys, accounts or their roles."""
    global _generation  # one process-wide counter, read by every cache
    from ilteo.identity.models import AccountRole

    touched = (ApiKey, Account, AccountRole)
    if any(isinstance(obj, touched) for obj in (*session.new, *session.dirty, *session.deleted)):
        _generation += 1


event.listen(Session, "after_flush", _bump_generation)


class BearerCache(Generic[_V]):
    """Checked API keys remembered for a few seconds, so a busy key costs no store read.

    Entries are found by a SHA-256 of the token (never the token itself) and dropped after
    ``ttl`` seconds, at the key's expiry, and at once when this process writes any API key,
    account or role (a revocation, a role change, a lock: see :func:`_bump_generation`). A
    change written by another process is seen within ``ttl`` seconds. Bounded: cleared when it
    holds ``size`` entries.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        """Remember for ``ttl`` seconds (0: never remember)."""
        self.ttl = ttl
        self.size = size
        self._entries: dict[bytes, tuple[int, float, _V]] = {}

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> _V | None:
        """What ``token`` resolved to, if remembered and still fresh."""
        entry = self._entries.get(self._key(token))
        if entry is None:
            return None
        generation, until, value = entry
        if generation != _generation or time.monotonic() >= until:
            self._entries.pop(self._key(token), None)
            return None
        return value

    def put(self, token: str, value: _V, *, expires_at: datetime | None) -> None:
        """Remember ``value`` for ``token`` (not past ``expires_at``)."""
        if self.ttl <= 0:
            return
        ttl = self.ttl
        if expires_at is not None:
            ttl = min(ttl, (as_utc(expires_at) - utcnow()).total_seconds())
        if ttl <= 0:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[self._key(token)] = (_generation, time.monotonic() + ttl, value)


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
        account_id=row.account_id,
        rate_per_minute=row.rate_per_minute,
        daily_quota=row.daily_quota,
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
    scopes: Sequence[str] | None = None,
    rate_per_minute: int | None = None,
    daily_quota: int | None = None,
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
        scopes: The key's scopes (:data:`SCOPES`); ``None`` means every read scope the
            account's roles can use (:func:`scopes_for_roles`).
        rate_per_minute: The key's own rate limit; ``None`` uses the settings' default.
        daily_quota: The key's own daily quota; ``None`` uses the settings' default.
        client: The caller's address, for the audit log.
        now: The current time (tests).

    Raises:
        InvalidInputError: For an empty or too-long name, a lifetime out of range, an unknown
            scope or one the account's roles cannot use, no scope at all, or a limit out of
            range.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(f"키 이름은 1~{MAX_NAME}자입니다 / a name has 1-{MAX_NAME} chars")
    if not timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInputError("키 유효 기간은 1일~2년입니다 / a key lasts 1 day to 2 years")
    chosen = check_scopes(session, account_id, scopes)
    for label, limit in (("rate", rate_per_minute), ("daily", daily_quota)):
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError(
                f"한도는 1~{MAX_LIMIT}입니다 / the {label} limit must be 1-{MAX_LIMIT}"
            )
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
        scopes=list(chosen),
        created_at=now,
        expires_at=now + lifetime,
        rate_per_minute=rate_per_minute,
        daily_quota=daily_quota,
    )
    session.add(row)
    record_audit(
        session,
        "api_key.created",
        account_id=account_id,
        client=client,
        now=now,
        key_id=public_id,
        scopes=list(chosen),
    )
    session.flush()
    return IssuedApiKey(key=_public(row), token=token)


def check_scopes(
    session: Session, account_id: str, scopes: Sequence[str] | None
) -> tuple[str, ...]:
    """The scopes a new key of ``account_id`` gets, in :data:`SCOPES` order.

    Raises:
        InvalidInputError: For an unknown scope, one the account's roles cannot use, or none.
    """
    from ilteo.identity.accounts import roles_of

    usable = scopes_for_roles(roles_of(session, account_id))
    if scopes is None:
        return usable
    wanted = set(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise InvalidInputError(
            f"알 수 없는 범위 / unknown scopes: {', '.join(unknown)} (known: {', '.join(SCOPES)})",
            scopes=unknown,
        )
    denied = sorted(wanted - set(usable))
    if denied:
        raise InvalidInputError(
            f"계정의 역할로 쓸 수 없는 범위 / the account's roles do not allow: "
            f"{', '.join(denied)}",
            scopes=denied,
        )
    if not wanted:
        raise InvalidInputError("범위를 하나 이상 고르세요 / choose at least one scope")
    return tuple(s for s in SCOPES if s in wanted)


def list_api_keys(session: Session, account_id: str) -> list[ApiKeyPublic]:
    """The keys of an account, newest first (revoked and expired ones included)."""
    rows = session.scalars(
        select(ApiKey)
        .where(ApiKey.account_id == account_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return [_public(row) for row in rows]


def list_all_api_keys(session: Session) -> list[ApiKeyPublic]:
    """Every key of every account, newest first (for the admin CLI)."""
    rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id))
    return [_public(row) for row in rows]


def get_api_key(session: Session, key_id: str) -> ApiKeyPublic:
    """One key by its public id.

    Raises:
        NotFoundError: When there is no such key.
    """
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError(f"API 키가 없습니다 / no API key {key_id!r}")
    return _public(row)


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
    found = _resolve_key(session, token, secret_key=secret_key, client=client, now=now)
    return found[0] if found else None


def _resolve_key(
    session: Session,
    token: str,
    *,
    secret_key: str,
    client: str | None,
    now: datetime | None,
) -> tuple[Account, ApiKey] | None:
    """:func:`resolve_api_key`, also returning the key's row (its scopes and limits)."""
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
    return account, row


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
        found = _resolve_key(session, token, secret_key=secret_key, client=client, now=now)
        if found is None:
            return None
        account, row = found
        return BearerCaller(
            account=account,
            method="api_key",
            key_id=row.id,
            scopes=tuple(row.scopes or ()),
            rate_per_minute=row.rate_per_minute,
            daily_quota=row.daily_quota,
            expires_at=row.expires_at,
        )
    account_id = _oauth_account(session, settings, token)
    linked = session.get(Account, account_id) if account_id else None
    if linked is None or linked.status != "active":
        record_audit(
            session, "bearer.refused", client=client, now=now or utcnow(), reason="unknown-token"
        )
        return None
    return BearerCaller(account=linked, method="oauth")


def _oauth_account(session: Session, settings: Settings, token: str) -> str | None:
    """The account of an external provider's OAuth access token (JWT), or ``None`` (audited)."""
    from ilteo.identity.oidc import account_for_access_token

    return account_for_access_token(session, settings, token)


@dataclass(frozen=True)
class UsageCount:
    """Requests admitted and refused with 429 for one key on one Asia/Seoul day."""

    key_id: str
    day: date
    requests: int
    rejected: int


def add_usage(session: Session, counts: dict[tuple[str, date], tuple[int, int]]) -> None:
    """Add ``(requests, rejected)`` per ``(key id, day)`` to the stored usage.

    One ``UPDATE ... SET requests = requests + n`` per pair, so processes adding at the same time
    never lose counts; a missing row is inserted (and a lost insert race retried as an update).
    Counts of a key deleted meanwhile are dropped.
    """
    for (key_id, day), (requests, rejected) in sorted(counts.items()):
        if not requests and not rejected:
            continue
        for _attempt in range(2):
            done = session.execute(
                update(ApiKeyUsage)
                .where(ApiKeyUsage.key_id == key_id, ApiKeyUsage.day == day)
                .values(
                    requests=ApiKeyUsage.requests + requests,
                    rejected=ApiKeyUsage.rejected + rejected,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0):
                break
            if session.get(ApiKey, key_id) is None:
                break
            try:
                with session.begin_nested():
                    session.add(
                        ApiKeyUsage(key_id=key_id, day=day, requests=requests, rejected=rejected)
                    )
                break
            except IntegrityError:
                continue  # another process inserted it first: add to its row


def daily_requests(session: Session, key_ids: Sequence[str], day: date) -> dict[str, int]:
    """The stored admitted requests of each key on ``day`` (keys without usage are left out)."""
    if not key_ids:
        return {}
    rows = session.execute(
        select(ApiKeyUsage.key_id, ApiKeyUsage.requests).where(
            ApiKeyUsage.key_id.in_(list(key_ids)), ApiKeyUsage.day == day
        )
    )
    return {str(key_id): int(requests) for key_id, requests in rows}


def usage_of(
    session: Session,
    key_ids: Sequence[str] | None = None,
    *,
    days: int = 30,
    now: datetime | None = None,
) -> list[UsageCount]:
    """Usage per key per day over the last ``days`` Asia/Seoul days, newest day first.

    Args:
        session: The open session.
        key_ids: The keys to report; ``None`` means every key.
        days: How many days back, today included (1-366).
        now: The current time (tests).

    Raises:
        InvalidInputError: For ``days`` out of range.
    """
    if not 1 <= days <= 366:
        raise InvalidInputError("기간은 1~366일입니다 / days must be 1-366")
    since = seoul_day(now or utcnow()) - timedelta(days=days - 1)
    query = select(ApiKeyUsage).where(ApiKeyUsage.day >= since)
    if key_ids is not None:
        query = query.where(ApiKeyUsage.key_id.in_(list(key_ids)))
    rows = session.scalars(query.order_by(ApiKeyUsage.day.desc(), ApiKeyUsage.key_id))
    return [UsageCount(row.key_id, row.day, row.requests, row.rejected) for row in rows]
