"""Who is signed in, and the staff-role guard, for API routes and web pages alike.

:func:`current_account` reads the ``ilteo_session`` cookie (optional: ``None`` is anonymous).
:func:`require_account` and :func:`require_staff` protect a route: their names are in
``ilteo.api.access.PROTECTING_DEPENDENCIES``. Without a session an API route answers 401
problem+json and a page redirects to ``/sign-in?next=``; without the role, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic

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


def current_account(request: Request) -> AccountPublic | None:
    """The signed-in account, or ``None``; a tampered or unknown cookie is anonymous (audited)."""
    if getattr(request.state, "account_checked", False):
        cached: AccountPublic | None = request.state.account
        return cached
    token = session_token(request)
    account: AccountPublic | None = None
    if token:
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
            headers={"WWW-Authenticate": 'Cookie realm="ilteo"'},
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


CurrentAccount = Annotated[AccountPublic | None, Depends(current_account)]
SignedIn = Annotated[AccountPublic, Depends(require_account)]
