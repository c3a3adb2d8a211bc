"""Who is signed in, and the staff-role guard, for API routes and web pages alike.

:func:`current_account` reads the ``ilteo_session`` cookie or an ``Authorization: Bearer`` API key
(optional: ``None`` is anonymous).
:func:`require_account` and :func:`require_staff` protect a route: their names are in
``ilteo.api.access.PROTECTING_DEPENDENCIES``. Without a session an API route answers 401
problem+json and a page redirects to ``/sign-in?next=``; without the role, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from ilteo.api.security import is_source_system_token
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.api_keys import KEY_PREFIX, BearerCache

#: Paths whose callers are machines: they get 401 problem+json instead of a redirect.
_API_PREFIXES = ("/v1/", "/mcp")


class SignInRequired(Exception):
    """Raised by a page dependency when nobody is signed in; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        """Remember where to come back after signing in."""
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        """The sign-in URL with ``next`` set to the page asked for."""
        return "/sign-in?next=" + quote(self.next_path, safe="/")


def client_of(request: Request) -> str:
    """The caller's address, for throttling and the audit log."""
    return request.client.host if request.client else "unknown"


def session_token(request: Request) -> str | None:
    """The session cookie value of the request, if any."""
    from ilteo.identity.sessions import COOKIE_NAME

    return request.cookies.get(COOKIE_NAME)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any (``""`` for an empty one)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


@dataclass(frozen=True, slots=True)
class _Checked:
    """A checked API key as :class:`~ilteo.identity.api_keys.BearerCache` remembers it."""

    account: AccountPublic
    key_id: str | None
    scopes: tuple[str, ...]
    rate: int | None
    daily: int | None

    def apply(self, request: Request) -> AccountPublic:
        state = request.state
        state.auth_method = "api_key"
        state.api_key_id = self.key_id
        state.api_key_scopes = self.scopes  # empty: unrestricted (roles only)
        state.api_key_rate = self.rate
        state.api_key_daily = self.daily
        state.account = self.account
        state.account_checked = True
        return self.account


def _bearer_cache(request: Request) -> BearerCache[_Checked]:
    app_state = request.app.state
    cache: BearerCache[_Checked] | None = getattr(app_state, "bearer_cache", None)
    if cache is None:
        cache = BearerCache(app_state.settings.api_key_cache_seconds)
        app_state.bearer_cache = cache
    return cache


def remembered_account(request: Request) -> bool:
    """Settle the caller from the process's memory of checked keys, without the store.

    True when the request carries a bearer API key checked a moment ago (see
    :class:`~ilteo.identity.api_keys.BearerCache`); ``request.state`` then holds the caller as
    :func:`current_account` would set it.
    """
    if getattr(request.state, "account_checked", False):
        return True
    bearer = bearer_token(request)
    if bearer is None or not bearer.startswith(KEY_PREFIX):
        return False
    if session_token(request) and not _is_api(request):
        return False
    checked = _bearer_cache(request).get(bearer)
    if checked is None:
        return False
    checked.apply(request)
    return True


def _is_api(request: Request) -> bool:
    return any(request.url.path.startswith(prefix) for prefix in _API_PREFIXES)


def _bearer_account(request: Request, token: str) -> AccountPublic:
    """The account of a bearer API key (or OAuth token); 401 problem+json when refused."""
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import to_public
    from ilteo.identity.api_keys import resolve_bearer

    cache = _bearer_cache(request)
    remembered = cache.get(token)
    if remembered is not None:
        return remembered.apply(request)
    settings: Settings = request.app.state.settings
    account: AccountPublic | None = None
    with session_scope(settings) as session:  # the refusal's audit entry commits here
        caller = resolve_bearer(session, settings, token, client=client_of(request))
        if caller is not None:
            account = to_public(session, caller.account)
            request.state.auth_method = caller.method
            request.state.api_key_id = caller.key_id
            request.state.api_key_scopes = caller.scopes  # empty: unrestricted (roles only)
            request.state.api_key_rate = caller.rate_per_minute
            request.state.api_key_daily = caller.daily_quota
    if account is None:
        raise HTTPException(
            401,
            "API 키나 토큰이 올바르지 않거나 만료·폐기되었습니다 / the API key or token is "
            "invalid, expired or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="ilteo", error="invalid_token"'},
        )
    if caller is not None and caller.method == "api_key":
        checked = _Checked(
            account, caller.key_id, caller.scopes, caller.rate_per_minute, caller.daily_quota
        )
        cache.put(token, checked, expires_at=caller.expires_at)
    return account


def current_account(request: Request) -> AccountPublic | None:
    """The signed-in account, or ``None``; a tampered or unknown cookie is anonymous (audited).

    An ``Authorization: Bearer`` API key is used when there is no session cookie, and always for
    ``/v1`` and ``/mcp`` calls (a machine's key wins over a browser's cookie there). A bad,
    expired or revoked key is never anonymous: it is refused with 401 and audited.
    """
    if getattr(request.state, "account_checked", False):
        cached: AccountPublic | None = request.state.account
        return cached
    token = session_token(request)
    bearer = bearer_token(request)
    if bearer is not None and is_source_system_token(request.app.state.settings, bearer):
        bearer = None  # a source system's ingest token names no person (require_source_system)
    is_api = _is_api(request)
    if bearer is not None and (is_api or not token):
        by_key = _bearer_account(request, bearer)
        request.state.account = by_key
        request.state.account_checked = True
        return by_key
    account: AccountPublic | None = None
    if token:
        request.state.auth_method = "session"
        from ilteo.core.db import session_scope
        from ilteo.identity.accounts import to_public
        from ilteo.identity.sessions import resolve_session

        settings: Settings = request.app.state.settings
        with session_scope(settings) as session:
            found = resolve_session(session, token, client=client_of(request))
            account = to_public(session, found) if found else None
    request.state.account = account
    request.state.account_checked = True
    return account


def _unauthenticated(request: Request) -> Exception:
    path = request.url.path
    if any(path.startswith(prefix) for prefix in _API_PREFIXES):
        return HTTPException(
            401,
            "로그인이 필요합니다 / sign-in required",
            # An API key (RFC 6750 bearer) or the session cookie of a signed-in browser.
            headers={"WWW-Authenticate": 'Bearer realm="ilteo"'},
        )
    query = f"?{request.url.query}" if request.url.query else ""
    return SignInRequired(path + query)


def require_account(
    request: Request, account: Annotated[AccountPublic | None, Depends(current_account)]
) -> AccountPublic:
    """Admit any signed-in account; 401 (API) or a redirect to sign-in (pages) otherwise."""
    if account is None:
        raise _unauthenticated(request)
    return account


def require_staff(*roles: str) -> Callable[..., AccountPublic]:
    """A dependency admitting signed-in staff holding one of ``roles``.

    Args:
        *roles: Accepted staff roles; with none, any staff role is accepted.

    Returns:
        The dependency (named ``require_staff``, so the route-access test sees it).
    """
    wanted = frozenset(roles)

    def require_staff(
        request: Request, account: Annotated[AccountPublic | None, Depends(current_account)]
    ) -> AccountPublic:
        if account is None:
            raise _unauthenticated(request)
        held = set(account.roles)
        if not held or (wanted and not held & wanted):
            raise HTTPException(403, "이 기능을 쓸 권한이 없습니다 / your role does not allow this")
        return account

    return require_staff


def require_scope(scope: str) -> Callable[..., None]:
    """A dependency refusing an API key that lacks ``scope`` (403 ``insufficient-scope``).

    A session, an OAuth token or an anonymous caller passes (roles are checked by
    :func:`require_account` / :func:`require_staff`); so does a key without scopes (made before
    scopes existed). ``/v1`` routes are also checked by path in :mod:`ilteo.api.ratelimit`; this
    dependency declares a route's scope explicitly and guards it wherever it is mounted.

    Args:
        scope: One of :data:`ilteo.identity.api_keys.SCOPES` (or a ``<domain>:write`` scope).

    Returns:
        The dependency (named ``require_scope``).
    """

    def require_scope(
        request: Request, account: Annotated[AccountPublic | None, Depends(current_account)]
    ) -> None:
        from ilteo.identity.api_keys import has_scope

        if account is None or getattr(request.state, "auth_method", None) != "api_key":
            return
        granted: tuple[str, ...] = getattr(request.state, "api_key_scopes", ())
        if not has_scope(granted, scope):
            raise InsufficientScope(scope, granted)

    return require_scope


class InsufficientScope(Exception):
    """Raised by :func:`require_scope`; answered with a 403 ``insufficient-scope`` problem."""

    def __init__(self, scope: str, granted: tuple[str, ...]) -> None:
        """Remember the missing scope and the key's scopes."""
        super().__init__(scope)
        self.scope = scope
        self.granted = granted


CurrentAccount = Annotated[AccountPublic | None, Depends(current_account)]
SignedIn = Annotated[AccountPublic, Depends(require_account)]


# --- delegation: acting for another person (see ilteo.identity.delegation) -------------------
# The import sits with the block it serves (appended to this shared module); FastAPI reads the
# annotations below at runtime, so it cannot hide behind TYPE_CHECKING.
from ilteo.identity.delegation import ActingContext  # noqa: E402


def current_acting(request: Request, account: CurrentAccount) -> ActingContext | None:
    """Whom the signed-in person acts for now, checked against a live delegation.

    Asked on every request (cached for the request's length only): an expired or revoked
    delegation ends the acting at once, with an ``acting.ended`` audit entry, and
    ``request.state.acting_ended`` says why. Acting lives on the browser session, so a caller
    signed in by API key never acts for anyone.
    """
    if hasattr(request.state, "acting"):
        cached: ActingContext | None = request.state.acting
        return cached
    acting: ActingContext | None = None
    request.state.acting_ended = None
    token = session_token(request)
    if (
        account is not None
        and token
        and getattr(request.state, "auth_method", "session") == "session"
    ):
        from ilteo.core.db import session_scope
        from ilteo.identity.delegation import resolve_acting

        settings: Settings = request.app.state.settings
        with session_scope(settings) as session:
            state = resolve_acting(session, token, account.id, client=client_of(request))
        acting = state.context
        request.state.acting_ended = state.ended
    request.state.acting = acting
    return acting


def require_delegated(scope: str) -> Callable[..., ActingContext]:
    """A dependency admitting a delegate acting for someone under a delegation covering ``scope``.

    Routes using it must also depend on :func:`require_account` (the route-access test looks for
    that name); the account stays the delegate's, with the delegate's own roles. Refusals
    (not acting, or ``scope`` not covered) are audited and answered with 403.

    Args:
        scope: A service of :data:`ilteo.identity.delegation.SERVICES`.

    Returns:
        The dependency, returning the acting context (mark actions with ``audit_as``).
    """
    from ilteo.identity.delegation import SERVICES

    if scope not in SERVICES:
        raise ValueError(f"unknown delegation scope: {scope!r}")

    def require_delegated(
        request: Request,
        account: Annotated[AccountPublic | None, Depends(current_account)],
        acting: Annotated[ActingContext | None, Depends(current_acting)],
    ) -> ActingContext:
        if account is None:
            raise _unauthenticated(request)
        if acting is not None and acting.covers(scope):
            return acting
        from ilteo.core.db import session_scope
        from ilteo.identity.delegation import check_delegation

        settings: Settings = request.app.state.settings
        reason = "none"
        if acting is not None:
            from ilteo.identity.delegation import DelegationRefused

            with session_scope(settings) as session:  # audits the refusal
                try:
                    check_delegation(
                        session,
                        account.id,
                        acting.grantor_id,
                        scope=scope,
                        client=client_of(request),
                    )
                except DelegationRefused as refused:
                    reason = refused.reason
        else:
            from ilteo.identity.accounts import record_audit

            with session_scope(settings) as session:
                record_audit(
                    session,
                    "delegation.refused",
                    account_id=account.id,
                    client=client_of(request),
                    reason="not_acting",
                    scope=scope,
                )
            reason = "not_acting"
        raise HTTPException(
            403, f"이 일을 대신할 위임이 없습니다 / no delegation covers this ({reason})"
        )

    return require_delegated


Acting = Annotated[ActingContext | None, Depends(current_acting)]
