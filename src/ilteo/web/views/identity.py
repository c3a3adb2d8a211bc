"""Sign-in (password, then TOTP), sign-out, my account and TOTP enrolment pages.

Every form carries a CSRF token bound to the session (or, before sign-in, to a random
``ilteo_csrf`` cookie); a POST without the right token gets the 403 page. Between the password
and the TOTP step the account id travels in a token signed with the secret key that expires in
five minutes, so the second step cannot be reached without the first.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import (
    CurrentAccount,
    SignInRequired,
    client_of,
    require_account,
    session_token,
)
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.web.headers import install_security_headers
from ilteo.web.rendering import render

router = APIRouter(include_in_schema=False)

#: Cookie seeding the CSRF token of forms shown before sign-in.
ANON_COOKIE = "ilteo_csrf"
#: Seconds the password step's result stays valid for the TOTP step.
PENDING_MAX_AGE = 300
_PENDING_SALT = "ilteo.identity.sign-in-pending"
#: The usability task of these pages (``ilteo.status.usability``).
_TASK = "sign_in.password"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _secret(request: Request) -> str:
    key = _settings(request).secret_key
    return key.get_secret_value() if key else ""


def _safe_next(value: str | None) -> str:
    """A same-site path to go to after sign-in (anything else goes to ``/account``).

    >>> _safe_next("/lake?x=1"), _safe_next("//evil.example"), _safe_next("https://x")
    ('/lake?x=1', '/account', '/account')
    """
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/account"


def _seeds(request: Request) -> list[str]:
    seeds = []
    if token := session_token(request):
        seeds.append(token)
    if anon := request.cookies.get(ANON_COOKIE):
        seeds.append("anon:" + anon)
    return seeds


def _page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """Render an identity page with a CSRF token, seeding the anonymous cookie when needed."""
    from ilteo.identity.sessions import csrf_token

    seeds = _seeds(request)
    new_anon = None
    if not seeds:
        new_anon = secrets.token_urlsafe(32)
        seeds = ["anon:" + new_anon]
    response = render(
        request,
        template,
        status_code=status_code,
        csrf=csrf_token(_secret(request), seeds[0]),
        **context,
    )
    response.headers["Cache-Control"] = "no-store"  # pages about one account: never cached
    if new_anon:
        response.set_cookie(
            ANON_COOKIE,
            new_anon,
            httponly=True,
            samesite="lax",
            secure=_settings(request).env != "dev",
        )
    return response


def _csrf_ok(request: Request, given: str) -> bool:
    from ilteo.identity.sessions import check_csrf

    return any(check_csrf(_secret(request), seed, given) for seed in _seeds(request))


def _forbidden(request: Request) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import record_audit

    with session_scope(_settings(request)) as session:
        record_audit(session, "csrf.refused", client=client_of(request), path=request.url.path)
    return render(
        request, "identity/forbidden.html", title_key="identity.forbidden.title", status_code=403
    )


def _signed_in(
    request: Request, account_id: str, next_path: str, *, method: str = "password"
) -> Response:
    """Start a session for ``account_id`` and go to ``next_path``.

    ``method`` names the sign-in path finished (``sign_in.<method>`` in the drop-off report).
    """
    from ilteo.core.db import session_scope
    from ilteo.identity.funnel import record_funnel
    from ilteo.identity.sessions import COOKIE_NAME, create_session

    with session_scope(_settings(request)) as session:
        token = create_session(session, account_id, client=client_of(request))
        record_funnel(
            session,
            f"sign_in.{method}",
            "finished",
            account_id=account_id,
            client=client_of(request),
        )
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        COOKIE_NAME, token, httponly=True, samesite="lax", secure=_settings(request).env != "dev"
    )
    return response


def _started(request: Request, path: str) -> None:
    """Count a person opening the first form of ``path`` (the drop-off report's start)."""
    from ilteo.core.db import session_scope
    from ilteo.identity.funnel import record_funnel

    with session_scope(_settings(request)) as session:
        record_funnel(session, path, "started", client=client_of(request))


def sign_step(request: Request, salt: str, value: Any) -> str:
    """A token carrying ``value`` from one step of a flow to the next, signed with the secret key.

    ``salt`` names the flow, so a token of one flow never opens another.
    """
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(_secret(request), salt=salt).dumps(value)


def read_step(request: Request, salt: str, token: str, max_age: int) -> Any | None:
    """The value of a :func:`sign_step` token; ``None`` when tampered or past ``max_age``."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    try:
        return URLSafeTimedSerializer(_secret(request), salt=salt).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired included
        return None


@router.get("/sign-in", response_class=HTMLResponse, name="web_sign_in")
def sign_in_form(request: Request, account: CurrentAccount, next: str = "/account") -> Response:
    """The password step (or a note that you are already signed in), and the other ways in."""
    if account is None:
        _started(request, "sign_in.password")
    response = _page(
        request,
        "identity/sign_in.html",
        title_key="identity.sign_in.title",
        step="password",
        next_path=_safe_next(next),
        login="",
        failed=False,
        signed_in=account,
    )
    from ilteo.status.usability import track_task

    return track_task(request, response, _TASK, "form_viewed") if account is None else response


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    login: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/account",
) -> Response:
    """Check the password; go on to the TOTP step, or sign in, or say it failed."""
    if not _csrf_ok(request, csrf):
        return _forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.signin import check_password

    with session_scope(_settings(request)) as session:
        result = check_password(session, login, password, client=client_of(request))
    from ilteo.status.usability import track_task

    if result.outcome == "ok" and result.account_id:
        done = _signed_in(request, result.account_id, next)
        return track_task(request, done, _TASK, "password_ok", "signed_in")
    if result.outcome == "totp_required":
        pending = sign_step(request, _PENDING_SALT, result.account_id)
        asked = _page(
            request,
            "identity/sign_in.html",
            title_key="identity.totp_step.title",
            step="totp",
            pending=pending,
            next_path=_safe_next(next),
            failed=False,
            signed_in=None,
        )
        return track_task(request, asked, _TASK, "password_ok", "totp_asked")
    return _page(
        request,
        "identity/sign_in.html",
        title_key="identity.sign_in.title",
        status_code=401,
        step="password",
        next_path=_safe_next(next),
        login=login,
        failed=True,
        signed_in=None,
    )


@router.post("/sign-in/totp", response_class=HTMLResponse)
def sign_in_totp(
    request: Request,
    pending: Annotated[str, Form(max_length=512)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/account",
) -> Response:
    """Check the TOTP code of an account whose password step passed within five minutes."""
    if not _csrf_ok(request, csrf):
        return _forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.signin import check_totp

    carried = read_step(request, _PENDING_SALT, pending, PENDING_MAX_AGE)
    if carried is None:
        return _page(
            request,
            "identity/sign_in.html",
            title_key="identity.sign_in.title",
            status_code=401,
            step="password",
            next_path=_safe_next(next),
            login="",
            failed=True,
            signed_in=None,
        )
    account_id = str(carried)
    with session_scope(_settings(request)) as session:
        result = check_totp(
            session, account_id, code, key=_secret(request), client=client_of(request)
        )
    if result.outcome == "ok":
        from ilteo.status.usability import track_task

        return track_task(request, _signed_in(request, account_id, next), _TASK, "signed_in")
    return _page(
        request,
        "identity/sign_in.html",
        title_key="identity.totp_step.title",
        status_code=401,
        step="totp",
        pending=pending,
        next_path=_safe_next(next),
        failed=True,
        signed_in=None,
    )


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
    """End the session and go home."""
    if not _csrf_ok(request, csrf):
        return _forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.sessions import COOKIE_NAME, revoke_session

    with session_scope(_settings(request)) as session:
        revoke_session(session, session_token(request), client=client_of(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE_NAME, httponly=True, samesite="lax")
    return response


SignedInPage = Annotated[AccountPublic, Depends(require_account)]


@router.get("/account", response_class=HTMLResponse, name="web_account")
def my_account(request: Request, account: SignedInPage) -> Response:
    """My account: authenticators, recent sign-ins, and who read my data."""
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account, list_sign_ins
    from ilteo.identity.reads import list_reads_of

    with session_scope(_settings(request)) as session:
        reads = list_reads_of(session, get_account(session, account.id))
        sign_ins = list_sign_ins(session, account.id)
    return _page(
        request,
        "identity/account.html",
        title_key="identity.account.title",
        account=account,
        reads=reads,
        sign_ins=sign_ins,
    )


@router.get("/account/totp", response_class=HTMLResponse, name="web_account_totp")
def totp_form(request: Request, account: SignedInPage) -> Response:
    """Start TOTP enrolment (a button; the key is made on POST and shown once)."""
    return _page(
        request,
        "identity/totp.html",
        title_key="identity.totp.title",
        account=account,
        enrolment=None,
        failed=False,
        done=False,
    )


@router.post("/account/totp", response_class=HTMLResponse)
def totp_start(
    request: Request, account: SignedInPage, csrf: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    """Make a new TOTP key and show it once, with a field for the first code."""
    if not _csrf_ok(request, csrf):
        return _forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.signin import enrol_totp

    with session_scope(_settings(request)) as session:
        enrolment = enrol_totp(session, account.id, key=_secret(request))
    return _page(
        request,
        "identity/totp.html",
        title_key="identity.totp.title",
        account=account,
        enrolment=enrolment,
        failed=False,
        done=False,
    )


@router.post("/account/totp/activate", response_class=HTMLResponse)
def totp_activate(
    request: Request,
    account: SignedInPage,
    code: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Activate the key when the first code matches."""
    if not _csrf_ok(request, csrf):
        return _forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.signin import activate_totp

    with session_scope(_settings(request)) as session:
        done = activate_totp(session, account.id, code, key=_secret(request))
    return _page(
        request,
        "identity/totp.html",
        title_key="identity.totp.title",
        status_code=200 if done else 422,
        account=account,
        enrolment=None,
        failed=not done,
        done=done,
    )


def _sign_in_redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)  # noqa: S101 - registered for it only
    return RedirectResponse(exc.location, status_code=303)


#: Public names other identity views (passkeys, phone, counter codes, OpenID Connect …) share.
identity_page = _page
csrf_ok = _csrf_ok
forbidden = _forbidden
signed_in_response = _signed_in
funnel_started = _started
secret_of = _secret
settings_of = _settings
safe_next = _safe_next


def install_identity(app: FastAPI) -> None:
    """Add the identity pages, the sign-in redirect and the security headers to ``app``."""
    app.include_router(router)
    app.add_exception_handler(SignInRequired, _sign_in_redirect)
    install_security_headers(app)
