"""Sign-in through an external OpenID provider (the government's simple authentication).

The flow is the authorization code flow with PKCE (S256), run by Authlib's HTTPX client:

1. :func:`begin_login` reads the provider's discovery document, makes a fresh ``state``,
   ``nonce`` and PKCE code verifier, keeps them server-side (:class:`OidcLoginState`: digests of
   state and nonce, the verifier sealed) and returns the provider's authorization URL.
2. The provider sends the person back to ``/sign-in/oidc/callback`` with ``code`` and ``state``.
   :func:`consume_state` takes the state row exactly once (an atomic ``UPDATE … WHERE used_at
   IS NULL``) within ten minutes; a replayed, unknown or expired state is refused.
3. :func:`exchange_code` exchanges the code (with the verifier and the client secret) and
   validates the id_token with :mod:`joserfc` (Authlib's JOSE library): RS256 signature against
   the provider's JWKS, ``iss``, ``aud``, ``exp``, ``iat`` and the ``nonce`` of step 1.
4. :func:`resolve_identity` maps (issuer, subject) to an account: a known pair signs in through
   the same lockout, client throttling and audit as every other method
   (:mod:`ilteo.identity.signin`); an unknown pair is offered a new account or linking; a flow
   started by a signed-in person links the pair to that account.

No HTTP call happens inside a database transaction (the web door commits step 2 before step 3),
so a slow provider never holds a lock. Every refusal is one audit entry ``sign_in.failure`` with
``method=oidc`` and the reason; tokens, codes and verifiers are never logged.

:func:`account_for_access_token` verifies a provider-issued JWT access token (RFC 9068,
``typ: at+jwt``) so bearer-token doors (MCP, API) can accept it: signature, ``iss``, ``aud`` and
``exp``, then the linked account. An id_token is not accepted as an access token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ilteo.core.errors import IlteoError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import as_utc, create_account, record_audit, utcnow
from ilteo.identity.oidc_models import ExternalIdentity, OidcLoginState

#: How long a started flow may take (state, nonce and verifier expire then).
STATE_TTL: Final = timedelta(minutes=10)
#: Seconds discovery documents and key sets are kept before being read again.
METADATA_TTL: Final = 300
#: Seconds of clock difference tolerated with the provider.
LEEWAY: Final = 30
#: Seconds an HTTP call to the provider may take.
HTTP_TIMEOUT: Final = 5.0
#: Purpose under which PKCE verifiers are sealed (see :mod:`ilteo.core.crypto`).
VERIFIER_SEAL_PURPOSE: Final = "identity.oidc.verifier"
#: Longest subject and name kept (the columns' sizes); a longer subject is refused.
MAX_SUBJECT: Final = 255
MAX_NAME: Final = 120
#: Where the provider sends people back (joined to this server's base URL).
CALLBACK_PATH: Final = "/sign-in/oidc/callback"


class OidcRefused(IlteoError):
    """A step of the flow failed; ``reason`` is for the audit log, never for the page."""

    def __init__(self, reason: str) -> None:
        """Keep the audit reason (a short code such as ``id_token_invalid``)."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ClientConfig:
    """Where the provider is and who this service is at it."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of a discovery document the flow uses, and the provider's keys."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks: dict[str, Any]


@dataclass(frozen=True)
class PendingLogin:
    """A consumed login state: what step 3 needs."""

    issuer: str
    nonce_hash: str
    code_verifier: str
    next_path: str
    link_account_id: str | None


@dataclass(frozen=True)
class VerifiedIdentity:
    """An (issuer, subject) pair the provider vouched for in a valid id_token."""

    issuer: str
    subject: str
    name: str | None


@dataclass(frozen=True)
class OidcResult:
    """What the callback leads to.

    ``signed_in``: sign ``account_id`` in; ``linked``: the pair was linked to ``account_id``;
    ``unknown``: offer a new account or linking for ``identity``; ``refused``: a safe message.
    """

    outcome: Literal["signed_in", "linked", "unknown", "refused"]
    account_id: str | None = None
    identity: VerifiedIdentity | None = None


def digest(value: str) -> str:
    """SHA-256 hex digest of a state or nonce (they are stored only this way).

    >>> digest("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(value.encode()).hexdigest()


def client_config(settings: Settings, base_url: str) -> ClientConfig | None:
    """The client configuration, or ``None`` when OpenID sign-in is off.

    A configured ``oidc_issuer`` wins; otherwise, where the development provider runs, the
    client points at it on this server (``base_url`` is the serving request's base URL).
    """
    from ilteo.identity.dev_provider import (
        DEV_CLIENT_ID,
        DEV_PATH,
        dev_client_secret,
        dev_provider_enabled,
    )

    base = base_url.rstrip("/")
    if settings.oidc_issuer:
        secret = settings.oidc_client_secret
        if not settings.oidc_client_id or secret is None:
            return None
        return ClientConfig(
            settings.oidc_issuer.rstrip("/"),
            settings.oidc_client_id,
            secret.get_secret_value(),
            base + CALLBACK_PATH,
        )
    if dev_provider_enabled(settings):
        return ClientConfig(
            base + DEV_PATH, DEV_CLIENT_ID, dev_client_secret(settings), base + CALLBACK_PATH
        )
    return None


_CACHE_LOCK = threading.Lock()
_METADATA: dict[str, tuple[float, ProviderMetadata]] = {}


def _get_json(url: str) -> dict[str, Any]:
    import httpx2

    response = httpx2.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return body


def fetch_provider(issuer: str, *, refresh: bool = False) -> ProviderMetadata:
    """Read (or reuse for :data:`METADATA_TTL` seconds) the provider's discovery and JWKS.

    Raises:
        OidcRefused: ``provider_unreachable`` when either document cannot be read, or
            ``discovery_invalid`` when the discovery document names another issuer.
    """
    with _CACHE_LOCK:
        cached = _METADATA.get(issuer)
    if cached and not refresh and time.monotonic() - cached[0] < METADATA_TTL:
        return cached[1]
    try:
        doc = _get_json(issuer + "/.well-known/openid-configuration")
        if doc.get("issuer") != issuer:
            raise OidcRefused("discovery_invalid")
        jwks = _get_json(str(doc["jwks_uri"]))
        metadata = ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks=jwks,
        )
    except OidcRefused:
        raise
    except Exception as exc:  # any network, HTTP or format error is "unreachable" to a person
        raise OidcRefused("provider_unreachable") from exc
    with _CACHE_LOCK:
        _METADATA[issuer] = (time.monotonic(), metadata)
    return metadata


def _oauth_client(config: ClientConfig) -> Any:
    # Authlib ships no type information; its client is used through ``Any``.
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        scope="openid profile",
        redirect_uri=config.redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


def begin_login(
    session: Session,
    config: ClientConfig,
    *,
    key: str,
    next_path: str,
    link_account_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new login state and return the provider's authorization URL.

    Args:
        session: The operational store.
        config: The client configuration (:func:`client_config`).
        key: The server's secret key (seals the PKCE verifier).
        next_path: Where to go after signing in (already checked as same-site).
        link_account_id: The signed-in account to link the provider's subject to, if linking.
        now: The clock.

    Raises:
        OidcRefused: When the provider's discovery document cannot be read.
    """
    from authlib.common.security import generate_token  # type: ignore[import-untyped]

    from ilteo.core.crypto import seal

    provider = fetch_provider(config.issuer)
    now = now or utcnow()
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    session.add(
        OidcLoginState(
            state_hash=digest(state),
            nonce_hash=digest(nonce),
            code_verifier=seal(key, VERIFIER_SEAL_PURPOSE, verifier),
            issuer=config.issuer,
            next_path=next_path,
            link_account_id=link_account_id,
            created_at=now,
            expires_at=now + STATE_TTL,
        )
    )
    with _oauth_client(config) as client:
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    return str(url)


def consume_state(
    session: Session, state: str, *, key: str, now: datetime | None = None
) -> PendingLogin:
    """Take the login state named by ``state`` (single use, within :data:`STATE_TTL`).

    Raises:
        OidcRefused: ``state_unknown`` (never issued or already used) or ``state_expired``.
    """
    from ilteo.core.crypto import SealedValueError, unseal

    now = now or utcnow()
    state_hash = digest(state or "")
    taken = session.execute(
        update(OidcLoginState)
        .where(OidcLoginState.state_hash == state_hash, OidcLoginState.used_at.is_(None))
        .values(used_at=now)
    )
    row = session.get(OidcLoginState, state_hash)
    if getattr(taken, "rowcount", 0) != 1 or row is None:
        raise OidcRefused("state_unknown")
    if as_utc(row.expires_at) <= now:
        raise OidcRefused("state_expired")
    try:
        verifier = unseal(key, VERIFIER_SEAL_PURPOSE, row.code_verifier)
    except SealedValueError as exc:
        raise OidcRefused("state_unknown") from exc
    return PendingLogin(row.issuer, row.nonce_hash, verifier, row.next_path, row.link_account_id)


def validate_id_token(
    id_token: str,
    *,
    jwks: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce_hash: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check an id_token and return its claims.

    RS256 only, signed by a key of ``jwks``; ``iss`` is ``issuer``, ``aud`` contains
    ``client_id`` (and ``azp`` is it when there are several audiences), ``exp`` is in the
    future and ``iat`` not, and the ``nonce`` digest matches the stored one.

    Raises:
        OidcRefused: ``id_token_invalid`` or ``nonce_mismatch``.
    """
    claims = _decode(id_token, jwks=jwks, issuer=issuer, audience=client_id, now=now)
    subject = claims.get("sub")
    if not isinstance(claims.get("iat"), int) or not isinstance(subject, str):
        raise OidcRefused("id_token_invalid")
    if not 0 < len(subject) <= MAX_SUBJECT:
        raise OidcRefused("id_token_invalid")
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise OidcRefused("id_token_invalid")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not secrets.compare_digest(digest(nonce), nonce_hash):
        raise OidcRefused("nonce_mismatch")
    return claims


def _decode(
    token: str,
    *,
    jwks: dict[str, Any],
    issuer: str,
    audience: str,
    now: datetime | None,
    typ: str | None = None,
) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    moment = int((now or utcnow()).timestamp())
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type] # a JWKS document as read
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            now=moment,
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcRefused("id_token_invalid" if typ is None else "access_token_invalid") from exc
    if typ is not None and str(decoded.header.get("typ", "")).lower() != typ:
        raise OidcRefused("access_token_invalid")
    return dict(decoded.claims)


def exchange_code(
    config: ClientConfig, pending: PendingLogin, code: str, *, now: datetime | None = None
) -> VerifiedIdentity:
    """Exchange ``code`` at the token endpoint and validate the id_token it returns.

    Raises:
        OidcRefused: ``issuer_mismatch``, ``provider_unreachable``, ``token_exchange``,
            ``id_token_invalid`` or ``nonce_mismatch``.
    """
    from authlib.integrations.httpx_client import OAuthError

    if pending.issuer != config.issuer:
        raise OidcRefused("issuer_mismatch")
    provider = fetch_provider(config.issuer)
    try:
        with _oauth_client(config) as client:
            token = client.fetch_token(
                provider.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
    except OAuthError as exc:
        raise OidcRefused("token_exchange") from exc
    except Exception as exc:  # network failures of every kind
        raise OidcRefused("provider_unreachable") from exc
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise OidcRefused("token_exchange")
    checks: dict[str, Any] = {
        "issuer": config.issuer,
        "client_id": config.client_id,
        "nonce_hash": pending.nonce_hash,
        "now": now,
    }
    try:
        claims = validate_id_token(id_token, jwks=provider.jwks, **checks)
    except OidcRefused as exc:
        # The provider may have rotated its keys since the JWKS was cached: read it once more.
        fresh = fetch_provider(config.issuer, refresh=True)
        if exc.reason != "id_token_invalid" or fresh.jwks == provider.jwks:
            raise
        claims = validate_id_token(id_token, jwks=fresh.jwks, **checks)
    name = claims.get("name")
    shown = name.strip()[:MAX_NAME] if isinstance(name, str) and name.strip() else None
    return VerifiedIdentity(config.issuer, claims["sub"], shown)


def refuse(session: Session, reason: str, *, client: str, now: datetime | None = None) -> None:
    """Audit a refused OpenID sign-in (and count it against the client's throttle)."""
    from ilteo.identity.signin import _refuse

    _refuse(session, reason, client, now or utcnow(), method="oidc")


def find_identity(session: Session, issuer: str, subject: str) -> ExternalIdentity | None:
    """The linked identity for (issuer, subject), if any."""
    return session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )


def link_identity(
    session: Session,
    account_id: str,
    identity: VerifiedIdentity,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> ExternalIdentity:
    """Link ``identity`` to ``account_id`` (audited ``oidc.linked``).

    Raises:
        OidcRefused: ``already_linked`` when the pair belongs to another account.
    """
    now = now or utcnow()
    found = find_identity(session, identity.issuer, identity.subject)
    if found is not None:
        if found.account_id != account_id:
            raise OidcRefused("already_linked")
        return found
    row = ExternalIdentity(
        account_id=account_id,
        issuer=identity.issuer,
        subject=identity.subject,
        display_name=identity.name,
        created_at=now,
    )
    session.add(row)
    session.flush()
    record_audit(
        session, "oidc.linked", account_id=account_id, client=client, now=now, issuer=row.issuer
    )
    return row


def resolve_identity(
    session: Session,
    pending: PendingLogin,
    identity: VerifiedIdentity,
    *,
    client: str,
    now: datetime | None = None,
) -> OidcResult:
    """Sign in, link, or offer a new account for a verified identity (refusals audited)."""
    from ilteo.identity.models import Account
    from ilteo.identity.signin import _account_locked, _client_blocked, _refuse, _succeed

    now = now or utcnow()
    if pending.link_account_id is not None:
        try:
            link_identity(session, pending.link_account_id, identity, client=client, now=now)
        except OidcRefused as exc:
            refuse(session, exc.reason, client=client, now=now)
            return OidcResult("refused")
        return OidcResult("linked", pending.link_account_id)
    found = find_identity(session, identity.issuer, identity.subject)
    if found is None:
        return OidcResult("unknown", identity=identity)
    account = session.get(Account, found.account_id)
    if account is None:  # pragma: no cover - the foreign key cascades
        return OidcResult("refused")
    if _client_blocked(session, client, now):
        _refuse(session, "client_throttled", client, now, account, method="oidc")
        return OidcResult("refused")
    if _account_locked(account, now):
        _refuse(session, "locked", client, now, account, method="oidc")
        return OidcResult("refused")
    found.last_used_at = now
    _succeed(session, account, client, now, method="oidc")
    return OidcResult("signed_in", account.id)


def open_account(
    session: Session,
    identity: VerifiedIdentity,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> str:
    """Open a citizen account proofed by the provider, link ``identity`` and sign it in.

    Audited as ``account.created``, ``oidc.linked``, ``account.proofed`` and ``sign_in.success``.

    Raises:
        OidcRefused: ``already_linked`` when the pair already has an account (a replayed offer).
    """
    from ilteo.identity.signin import _succeed

    now = now or utcnow()
    if find_identity(session, identity.issuer, identity.subject) is not None:
        raise OidcRefused("already_linked")
    account = create_account(
        session,
        login="oidc-" + secrets.token_hex(6),
        display_name=identity.name or "간편인증 사용자",
        now=now,
    )
    link_identity(session, account.id, identity, client=client, now=now)
    record_audit(
        session, "account.proofed", account_id=account.id, client=client, now=now, method="oidc"
    )
    _succeed(session, account, client or "unknown", now, method="oidc")
    return account.id


def list_linked_ids(session: Session, account_id: str) -> list[ExternalIdentity]:
    """The provider identities linked to an account, oldest first."""
    return list(
        session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.account_id == account_id)
            .order_by(ExternalIdentity.id)
        )
    )


def unlink_identity(
    session: Session, account_id: str, identity_id: int, *, now: datetime | None = None
) -> bool:
    """Remove a linked identity of ``account_id`` (audited); ``False`` when it is not theirs."""
    row = session.get(ExternalIdentity, identity_id)
    if row is None or row.account_id != account_id:
        return False
    session.delete(row)
    record_audit(session, "oidc.unlinked", account_id=account_id, now=now, issuer=row.issuer)
    return True


def _access_token_keys(settings: Settings, issuer: str) -> dict[str, Any] | None:
    from ilteo.identity.dev_provider import DEV_PATH, dev_provider_enabled, public_jwks

    if settings.oidc_issuer:
        if issuer != settings.oidc_issuer.rstrip("/"):
            return None
        return fetch_provider(issuer).jwks
    if dev_provider_enabled(settings) and issuer.endswith(DEV_PATH):
        return public_jwks(settings)  # the development provider of this very server
    return None


def account_for_access_token(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> str | None:
    """The account linked to the subject of a provider-issued JWT access token, or ``None``.

    The token must be an RS256 JWT of type ``at+jwt`` signed by the trusted provider (the
    configured issuer's JWKS; in development, this server's development provider), with that
    ``iss``, ``aud`` = this service's client id and an ``exp`` in the future; its (issuer,
    subject) must be linked to an active account. Every refusal is audited
    (``oidc.access_token_refused`` with the reason), never with the token.
    """
    from joserfc.errors import JoseError
    from joserfc.jws import extract_compact

    from ilteo.identity.dev_provider import DEV_CLIENT_ID
    from ilteo.identity.models import Account

    now = now or utcnow()
    client_id = settings.oidc_client_id if settings.oidc_issuer else DEV_CLIENT_ID
    try:
        import json

        unverified = json.loads(extract_compact(token.encode()).payload)
        issuer = unverified.get("iss") if isinstance(unverified, dict) else None
        if not isinstance(issuer, str) or not client_id:
            raise OidcRefused("issuer_untrusted")
        keys = _access_token_keys(settings, issuer)
        if keys is None:
            raise OidcRefused("issuer_untrusted")
        claims = _decode(token, jwks=keys, issuer=issuer, audience=client_id, now=now, typ="at+jwt")
        found = find_identity(session, issuer, str(claims["sub"]))
        account = session.get(Account, found.account_id) if found else None
        if account is None or account.status != "active":
            raise OidcRefused("not_linked")
    except OidcRefused as exc:
        record_audit(session, "oidc.access_token_refused", now=now, reason=exc.reason)
        return None
    except (JoseError, ValueError, TypeError, UnicodeDecodeError):
        record_audit(session, "oidc.access_token_refused", now=now, reason="malformed")
        return None
    return account.id
