"""Web pages of passkeys: manage them under ``/account/passkeys``, sign in at ``/sign-in/passkey``.

The WebAuthn ceremonies need the browser's ``navigator.credentials`` API, so ``static/passkeys.js``
(an external same-origin script, as the CSP allows no inline code) fetches the options as JSON
from a POST endpoint and posts the authenticator's answer back as JSON. Those JSON endpoints take
the page's CSRF token in the ``X-CSRF-Token`` header and answer refusals as JSON with a message
from the catalogue; a sign-in that passes gets the normal session cookie and the address to go to.

The relying party is the ``passkey_origin`` setting when set, else the request's own origin
(:func:`ilteo.identity.passkeys.relying_party` refuses IP addresses, which WebAuthn does not
accept: use ``localhost`` in development).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ilteo.api.routers.identity import CurrentAccount, client_of, require_account
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.passkeys import MAX_RESPONSE_CHARS, NAME_MAX, PasskeyError, RelyingParty
from ilteo.web.i18n import Translator
from ilteo.web.rendering import request_language
from ilteo.web.views.identity import (
    csrf_ok,
    forbidden,
    funnel_started,
    identity_page,
    safe_next,
    settings_of,
    signed_in_response,
)

router = APIRouter(include_in_schema=False)

SignedInPage = Annotated[AccountPublic, Depends(require_account)]
#: Header carrying the CSRF token of the JSON endpoints.
CSRF_HEADER = "X-CSRF-Token"


class PasskeyAnswer(BaseModel):
    """The browser's answer to a ceremony: the credential as JSON text, and page fields."""

    credential: str = Field(max_length=MAX_RESPONSE_CHARS)
    name: str = Field(default="", max_length=NAME_MAX * 2)
    next: str = Field(default="/account", max_length=2000)


def _rp(request: Request) -> RelyingParty:
    from ilteo.identity.passkeys import relying_party

    configured = settings_of(request).passkey_origin
    return relying_party(configured or f"{request.url.scheme}://{request.url.netloc}")


def _rp_problem(request: Request) -> str | None:
    try:
        _rp(request)
    except PasskeyError:
        return "passkeys.errors.ip_origin"
    return None


def _message(request: Request, key: str, status_code: int) -> JSONResponse:
    text = Translator(request_language(request))(key)
    return JSONResponse({"message": text}, status_code=status_code)


def _refused_csrf(request: Request) -> JSONResponse:
    forbidden(request)  # audits the refusal; the page itself is not used by a script
    return _message(request, "identity.forbidden.body", 403)


def _options(options_json: str) -> Response:
    return Response(
        options_json, media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get("/account/passkeys", response_class=HTMLResponse, name="web_account_passkeys")
def passkeys_page(request: Request, account: SignedInPage, done: str = "") -> Response:
    """My passkeys: the list with a revoke button each, and a form to register a new one."""
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import list_passkeys

    with session_scope(settings_of(request)) as session:
        passkeys = list_passkeys(session, account.id)
    return identity_page(
        request,
        "identity/passkey_manage.html",
        title_key="passkeys.manage.title",
        account=account,
        passkeys=passkeys,
        done=done if done in {"added", "revoked"} else "",
        rp_problem=_rp_problem(request),
    )


@router.post("/account/passkeys/options")
def registration_options(request: Request, account: SignedInPage) -> Response:
    """Start registering a passkey: the creation options as JSON."""
    if not csrf_ok(request, request.headers.get(CSRF_HEADER, "")):
        return _refused_csrf(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import begin_registration

    try:
        rp = _rp(request)
    except PasskeyError:
        return _message(request, "passkeys.errors.ip_origin", 400)
    with session_scope(settings_of(request)) as session:
        return _options(begin_registration(session, account.id, rp))


@router.post("/account/passkeys")
def register_passkey(request: Request, account: SignedInPage, answer: PasskeyAnswer) -> Response:
    """Keep the new passkey when the authenticator's answer verifies."""
    if not csrf_ok(request, request.headers.get(CSRF_HEADER, "")):
        return _refused_csrf(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import finish_registration

    try:
        rp = _rp(request)
    except PasskeyError:
        return _message(request, "passkeys.errors.ip_origin", 400)
    refusal: PasskeyError | None = None
    with session_scope(settings_of(request)) as session:
        try:
            finish_registration(
                session,
                account.id,
                answer.credential,
                rp,
                name=answer.name,
                client=client_of(request),
            )
        except PasskeyError as refused:
            refusal = refused
    if refusal is not None:  # the session above committed the audit entry and used ceremony
        key = (
            "passkeys.errors.duplicate"
            if refusal.reason == "duplicate"
            else "passkeys.errors.register"
        )
        return _message(request, key, 422)
    return JSONResponse({"location": "/account/passkeys?done=added"})


@router.post("/account/passkeys/{passkey_id}/revoke")
def revoke(
    request: Request,
    account: SignedInPage,
    passkey_id: str,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Revoke one of my passkeys (a form button), then show the list again."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import revoke_passkey

    with session_scope(settings_of(request)) as session:
        revoke_passkey(session, account.id, passkey_id[:32], client=client_of(request))
    return RedirectResponse("/account/passkeys?done=revoked", status_code=303)


@router.get("/sign-in/passkey", response_class=HTMLResponse, name="web_sign_in_passkey")
def sign_in_page(request: Request, account: CurrentAccount, next: str = "/account") -> Response:
    """Sign in with a passkey (no login name), with the other ways in for people without one."""
    if account is None:
        funnel_started(request, "sign_in.passkey")
    return identity_page(
        request,
        "identity/passkey_sign_in.html",
        title_key="passkeys.sign_in.title",
        next_path=safe_next(next),
        signed_in=account,
        rp_problem=_rp_problem(request),
    )


@router.post("/sign-in/passkey/options")
def sign_in_options(request: Request) -> Response:
    """Start a passkey sign-in: the request options as JSON (no login name asked)."""
    if not csrf_ok(request, request.headers.get(CSRF_HEADER, "")):
        return _refused_csrf(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import begin_sign_in

    try:
        rp = _rp(request)
    except PasskeyError:
        return _message(request, "passkeys.errors.ip_origin", 400)
    with session_scope(settings_of(request)) as session:
        try:
            return _options(begin_sign_in(session, rp, client=client_of(request)))
        except PasskeyError:
            pass
    return _message(request, "passkeys.errors.sign_in", 429)


@router.post("/sign-in/passkey")
def sign_in(request: Request, answer: PasskeyAnswer) -> Response:
    """Check the passkey's signed answer; on success start a session like every other way in."""
    if not csrf_ok(request, request.headers.get(CSRF_HEADER, "")):
        return _refused_csrf(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.passkeys import check_passkey

    try:
        rp = _rp(request)
    except PasskeyError:
        return _message(request, "passkeys.errors.ip_origin", 400)
    with session_scope(settings_of(request)) as session:
        result = check_passkey(session, answer.credential, rp, client=client_of(request))
    if result.outcome != "ok" or result.account_id is None:
        return _message(request, "passkeys.errors.sign_in", 401)
    redirect = signed_in_response(request, result.account_id, answer.next, method="passkey")
    response = JSONResponse({"location": redirect.headers["location"]})
    for cookie in redirect.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    response.headers["Cache-Control"] = "no-store"
    return response
