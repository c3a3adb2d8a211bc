"""A local OpenID provider for development and tests only — not real authentication.

The government's simple-authentication providers cannot be reached from a closed network or a
test run, so ilteo carries a small provider of its own, mounted at :data:`DEV_PATH` only when
``ILTEO_ENV`` is ``dev`` or ``test`` (or ``ILTEO_OIDC_DEV_PROVIDER`` is set). It speaks the same
protocol as a real one, so the client in :mod:`ilteo.identity.oidc` is exercised end to end over
HTTP: discovery, a JWKS, ``/authorize`` (a page listing synthetic test people; served by the web
door, :mod:`ilteo.web.views.oidc`, because it is a CSRF-checked form), ``/token`` and
``/userinfo``.

Design choices:

- The RSA signing key is generated once and kept under ``settings.home`` (``dev-oidc/``, mode
  0600), so tokens stay verifiable across restarts of a development server and two app objects
  on the same home agree; the public half is served as the JWKS.
- The issuer is the serving request's base URL plus :data:`DEV_PATH`: a development server does
  not know its public address otherwise. Only the development provider trusts the Host header.
- Authorization codes live in memory (one process), are single use, expire after
  :data:`CODE_TTL` seconds and are bound to the client, the redirect URI and a PKCE S256
  challenge; the token endpoint checks all of them and the client secret.
- The client secret of the development client is derived from the server's secret key (HMAC),
  so there is no shared placeholder secret to leak.
- Tokens are RS256 JWTs: an id_token and an access token (``typ: at+jwt``, RFC 9068), both with
  ``aud`` = the client id and a :data:`TOKEN_TTL`-second lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse

from ilteo.core.settings import Settings

#: Where the development provider is mounted (under the app's own base URL).
DEV_PATH: Final = "/dev/oidc"
#: The development client's id.
DEV_CLIENT_ID: Final = "ilteo-dev"
#: Seconds an authorization code stays valid.
CODE_TTL: Final = 60
#: Seconds id_tokens and access tokens stay valid.
TOKEN_TTL: Final = 300


@dataclass(frozen=True)
class SyntheticPerson:
    """A synthetic person the development provider can vouch for."""

    subject: str
    name: str
    birth_year: int


#: The synthetic people offered on the development provider's page (never real people).
TEST_PEOPLE: Final = (
    SyntheticPerson("dev-person-001", "김하늘", 1968),
    SyntheticPerson("dev-person-002", "이바다", 1985),
    SyntheticPerson("dev-person-003", "박가람", 1999),
)


def dev_provider_enabled(settings: Settings) -> bool:
    """Whether the development provider is served (``dev``/``test``, or explicitly enabled)."""
    return settings.env in {"dev", "test"} or settings.oidc_dev_provider


def dev_client_secret(settings: Settings) -> str:
    """The development client's secret, derived from the server's secret key.

    >>> s = Settings(env="dev")
    >>> dev_client_secret(s) == dev_client_secret(s) and len(dev_client_secret(s))
    43
    """
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    digest = hmac.new(key.encode(), b"ilteo.dev-oidc-client", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issuer_of(request: Request) -> str:
    """The development provider's issuer as seen by ``request`` (its base URL + DEV_PATH)."""
    return str(request.base_url).rstrip("/") + DEV_PATH


_KEYS_LOCK = threading.Lock()
_KEYS: dict[Path, Any] = {}


def signing_keys(settings: Settings) -> Any:
    """The provider's RSA key set (a :class:`joserfc.jwk.KeySet` with one private key).

    Made on first use and kept in ``<home>/dev-oidc/signing-key.json`` (readable by the owner
    only); later calls and later processes read it back.
    """
    from joserfc.jwk import KeySet, RSAKey

    path = settings.home / "dev-oidc" / "signing-key.json"
    with _KEYS_LOCK:
        if path in _KEYS:
            return _KEYS[path]
        if path.is_file():
            keys = KeySet.import_key_set(json.loads(path.read_text(encoding="utf-8")))
        else:
            key = RSAKey.generate_key(
                2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True
            )
            keys = KeySet([key])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps(keys.as_dict(private=True)), encoding="utf-8")
        _KEYS[path] = keys
        return keys


def public_jwks(settings: Settings) -> dict[str, Any]:
    """The JWKS document: the public half of :func:`signing_keys`."""
    jwks: dict[str, Any] = signing_keys(settings).as_dict(private=False)
    return jwks


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    person: SyntheticPerson
    issuer: str
    expires: float


@dataclass
class _CodeStore:
    grants: dict[str, _Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, grant: _Grant) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            for old in [c for c, g in self.grants.items() if g.expires < now]:
                del self.grants[old]
            self.grants[code] = grant
        return code

    def take(self, code: str) -> _Grant | None:
        with self.lock:
            return self.grants.pop(code, None)


def _codes(request: Request) -> _CodeStore:
    store: _CodeStore | None = getattr(request.app.state, "dev_oidc_codes", None)
    if store is None:
        store = _CodeStore()
        request.app.state.dev_oidc_codes = store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def person_of(subject: str) -> SyntheticPerson | None:
    """The test person with ``subject``, if any.

    >>> person_of("dev-person-002").name, person_of("nobody")
    ('이바다', None)
    """
    return next((p for p in TEST_PEOPLE if p.subject == subject), None)


def check_authorize_request(request: Request, params: dict[str, str]) -> str | None:
    """Why an authorization request must be refused outright, or ``None`` when it is sound.

    The client id and the redirect URI must be the development client's (the app's own
    callback); ``response_type`` must be ``code`` with a PKCE S256 challenge, ``state`` and
    ``nonce``.
    """
    base = str(request.base_url).rstrip("/")
    if params.get("client_id") != DEV_CLIENT_ID:
        return "unknown_client"
    if params.get("redirect_uri") != base + "/sign-in/oidc/callback":
        return "redirect_uri"
    if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256":
        return "response_type"
    if not (params.get("code_challenge") and params.get("state") and params.get("nonce")):
        return "missing_parameter"
    if "openid" not in params.get("scope", "").split():
        return "scope"
    return None


def issue_code(request: Request, params: dict[str, str], person: SyntheticPerson) -> str:
    """Record a single-use code for ``person`` under a checked authorization request."""
    grant = _Grant(
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        code_challenge=params["code_challenge"],
        nonce=params["nonce"],
        person=person,
        issuer=issuer_of(request),
        expires=time.time() + CODE_TTL,
    )
    return _codes(request).put(grant)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _client_of_token_request(
    authorization: str | None, client_id: str, client_secret: str
) -> tuple[str, str]:
    if authorization and authorization.lower().startswith("basic "):
        from urllib.parse import unquote

        try:
            raw = base64.b64decode(authorization[6:]).decode()
        except ValueError:
            return "", ""
        user, _, password = raw.partition(":")
        return unquote(user), unquote(password)
    return client_id, client_secret


def _error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store"})


def sign(settings: Settings, claims: dict[str, Any], *, typ: str = "JWT") -> str:
    """Sign ``claims`` as an RS256 JWT with the provider's key."""
    from joserfc import jwt

    keys = signing_keys(settings)
    key = keys.keys[0]
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": typ}, claims, key)


router = APIRouter(prefix=DEV_PATH, include_in_schema=False)


@router.get("/.well-known/openid-configuration")
def discovery(request: Request) -> JSONResponse:
    """The provider's discovery document."""
    issuer = issuer_of(request)
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "userinfo_endpoint": issuer + "/userinfo",
            "jwks_uri": issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        }
    )


@router.get("/jwks")
def jwks(request: Request) -> JSONResponse:
    """The provider's public keys."""
    return JSONResponse(public_jwks(_settings(request)))


@router.post("/token")
def token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=200)] = "",
    redirect_uri: Annotated[str, Form(max_length=2000)] = "",
    code_verifier: Annotated[str, Form(max_length=200)] = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=200)] = "",
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Exchange a code: checks the client, single use, expiry, redirect URI and PKCE."""
    settings = _settings(request)
    given_id, given_secret = _client_of_token_request(authorization, client_id, client_secret)
    if given_id != DEV_CLIENT_ID or not hmac.compare_digest(
        given_secret.encode(), dev_client_secret(settings).encode()
    ):
        return _error("invalid_client", 401)
    if grant_type != "authorization_code":
        return _error("unsupported_grant_type")
    grant = _codes(request).take(code)  # taken before any check: a code never works twice
    if (
        grant is None
        or grant.expires < time.time()
        or grant.client_id != given_id
        or grant.redirect_uri != redirect_uri
        or not code_verifier
        or not hmac.compare_digest(_s256(code_verifier), grant.code_challenge)
    ):
        return _error("invalid_grant")
    now = int(time.time())
    common = {"iss": grant.issuer, "sub": grant.person.subject, "aud": grant.client_id}
    id_token = sign(
        settings,
        {
            **common,
            "iat": now,
            "exp": now + TOKEN_TTL,
            "auth_time": now,
            "nonce": grant.nonce,
            "name": grant.person.name,
        },
    )
    access_token = sign(
        settings,
        {
            **common,
            "iat": now,
            "exp": now + TOKEN_TTL,
            "client_id": grant.client_id,
            "scope": "openid profile",
            "jti": secrets.token_hex(16),
        },
        typ="at+jwt",
    )
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL,
            "id_token": id_token,
            "scope": "openid profile",
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@router.get("/userinfo")
def userinfo(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> JSONResponse:
    """The person behind a valid access token (``sub`` and ``name``)."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    if not authorization or not authorization.lower().startswith("bearer "):
        return _error("invalid_token", 401)
    try:
        decoded = jwt.decode(authorization[7:], signing_keys(_settings(request)), ["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer_of(request)},
            aud={"essential": True, "value": DEV_CLIENT_ID},
            exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError):
        return _error("invalid_token", 401)
    if decoded.header.get("typ") != "at+jwt" or not (person := person_of(decoded.claims["sub"])):
        return _error("invalid_token", 401)
    return JSONResponse({"sub": person.subject, "name": person.name})
