"""Sign-in by a code sent as a text message or a voice call, and "my phone numbers".

Sign-in has two steps. The first (login name and channel) always answers the same way — "if the
account has a registered number, a code was sent" — so it tells nobody which logins exist or have
a number; the second takes the code. Between them the challenge id travels in a token signed
with the secret key that expires in five minutes (as the TOTP step of
:mod:`ilteo.web.views.identity` does), so a tampered or stale token is refused and audited.
Every form checks CSRF. ``/account/phone`` lets a signed-in person add a number (a code is sent
at once: a text to a mobile, a call to a landline), verify, resend and remove it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import CurrentAccount, SignedIn, client_of
from ilteo.web.views.identity import (
    PENDING_MAX_AGE,
    csrf_ok,
    forbidden,
    funnel_started,
    identity_page,
    read_step,
    safe_next,
    secret_of,
    settings_of,
    sign_step,
    signed_in_response,
)

if TYPE_CHECKING:
    from ilteo.identity.phone import Channel

router = APIRouter(include_in_schema=False)

_PENDING_SALT = "ilteo.identity.phone-pending"
_SIGN_IN_TEMPLATE = "identity/phone_sign_in.html"
_ACCOUNT_TEMPLATE = "identity/phone_account.html"
#: Errors the "my phone numbers" page has a message for (``phone.account.errors.*``).
_ERRORS = frozenset(
    {"not_korean", "duplicate", "too_many", "landline_sms", "verified", "unsealable"}
    | {"channel", "rate_limited", "not_found", "verify_code", "verify_code_expired"}
    | {"verify_code_tries", "verify_code_replay", "verify_no_challenge", "verify_purpose"}
)


def _sign_in_page(request: Request, *, status_code: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {"failed": "", "pending": "", "channel": "sms", "signed_in": None}
    values.update(context)
    step = "code" if values["pending"] else "start"
    title = "phone.sign_in.code_title" if step == "code" else "phone.sign_in.title"
    return identity_page(
        request, _SIGN_IN_TEMPLATE, status_code=status_code, title_key=title, step=step, **values
    )


@router.get("/sign-in/phone", response_class=HTMLResponse, name="web_sign_in_phone")
def phone_sign_in_form(
    request: Request, account: CurrentAccount, next: str = "/account"
) -> Response:
    """The first step: login name and how to receive the code."""
    if account is None:
        funnel_started(request, "sign_in.phone")
    return _sign_in_page(request, next_path=safe_next(next), signed_in=account)


@router.post("/sign-in/phone", response_class=HTMLResponse)
def phone_sign_in_start(
    request: Request,
    login: Annotated[str, Form(max_length=120)] = "",
    channel: Annotated[str, Form(max_length=8)] = "sms",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/account",
) -> Response:
    """Send a code if the account has a verified number; answer the same way in every case."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.phone import start_phone_sign_in
    from ilteo.identity.senders import get_sender

    key = secret_of(request)
    chosen = "voice" if channel == "voice" else "sms"
    with session_scope(settings_of(request)) as session:
        sender = get_sender(settings_of(request).phone_sender, session=session, key=key)
        challenge_id = start_phone_sign_in(
            session, login, chosen, key=key, sender=sender, client=client_of(request)
        )
    pending = sign_step(request, _PENDING_SALT, challenge_id)
    return _sign_in_page(request, pending=pending, channel=chosen, next_path=safe_next(next))


@router.post("/sign-in/phone/code", response_class=HTMLResponse)
def phone_sign_in_code(
    request: Request,
    pending: Annotated[str, Form(max_length=512)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/account",
) -> Response:
    """Check the code of a first step made within five minutes; sign in or refuse."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.phone import check_phone_sign_in, refuse_pending_token

    result = None
    challenge_id = read_step(request, _PENDING_SALT, pending, PENDING_MAX_AGE)
    with session_scope(settings_of(request)) as session:
        if challenge_id is None:  # tampered, or older than five minutes
            refuse_pending_token(session, client=client_of(request))
        else:
            result = check_phone_sign_in(
                session, str(challenge_id), code, key=secret_of(request), client=client_of(request)
            )
    if result is None:
        return _sign_in_page(request, status_code=401, failed="pending", next_path=safe_next(next))
    if result.outcome == "ok" and result.account_id:
        return signed_in_response(request, result.account_id, next, method="phone")
    return _sign_in_page(
        request, status_code=401, failed="code", pending=pending, next_path=safe_next(next)
    )


def _account_page(
    request: Request, account_id: str, *, status_code: int = 200, **context: Any
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.phone import list_phones

    with session_scope(settings_of(request)) as session:
        phones = list_phones(session, account_id)
    values: dict[str, Any] = {"notice": "", "error": "", "pending": None, "number": ""}
    values.update(context)
    if values["error"] and values["error"] not in _ERRORS:
        values["error"] = "other"
    return identity_page(
        request,
        _ACCOUNT_TEMPLATE,
        status_code=status_code,
        title_key="phone.account.title",
        phones=phones,
        **values,
    )


@router.get("/account/phone", response_class=HTMLResponse, name="web_account_phone")
def phone_account(request: Request, account: SignedIn, removed: int = 0) -> Response:
    """My phone numbers: masked, with their kind and whether they are verified."""
    return _account_page(request, account.id, notice="removed" if removed else "")


def _send(request: Request, account_id: str, phone_id: str, channel: str | None) -> Response:
    """Send a verification code and show the code form, or say why not."""
    from ilteo.core.db import session_scope
    from ilteo.core.errors import InvalidInputError, NotFoundError
    from ilteo.identity.phone import PhoneRateLimitedError, send_verification_code
    from ilteo.identity.senders import get_sender

    key = secret_of(request)
    chosen: Channel | None = "voice" if channel == "voice" else "sms" if channel == "sms" else None
    error, status = "", 200
    # Errors are caught inside the transaction so the rate-limit audit entry is kept.
    with session_scope(settings_of(request)) as session:
        sender = get_sender(settings_of(request).phone_sender, session=session, key=key)
        try:
            sent = send_verification_code(
                session, account_id, phone_id, chosen, key=key, sender=sender
            )
        except PhoneRateLimitedError:
            error, status = "rate_limited", 429
        except NotFoundError:
            error, status = "not_found", 404
        except InvalidInputError as exc:
            error, status = str(exc.extra.get("reason", "not_korean")), 422
    if error:
        return _account_page(request, account_id, status_code=status, error=error)
    return _account_page(request, account_id, notice=f"sent_{sent.channel}", pending=sent)


@router.post("/account/phone", response_class=HTMLResponse)
def phone_add(
    request: Request,
    account: SignedIn,
    number: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Add a number (audited) and send it a code to prove the person holds it."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.core.errors import InvalidInputError
    from ilteo.identity.phone import add_phone

    try:
        with session_scope(settings_of(request)) as session:
            phone = add_phone(session, account.id, number, key=secret_of(request))
    except InvalidInputError as exc:
        reason = str(exc.extra.get("reason", "not_korean"))
        return _account_page(request, account.id, status_code=422, error=reason, number=number)
    return _send(request, account.id, phone.id, None)


@router.post("/account/phone/{phone_id}/send", response_class=HTMLResponse)
def phone_resend(
    request: Request,
    account: SignedIn,
    phone_id: str,
    channel: Annotated[str, Form(max_length=8)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Send a new verification code to an unverified number."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    return _send(request, account.id, phone_id, channel or None)


@router.post("/account/phone/{phone_id}/verify", response_class=HTMLResponse)
def phone_verify(
    request: Request,
    account: SignedIn,
    phone_id: str,
    challenge: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Check the code sent to a new number; a verified number can sign in."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.phone import verify_phone

    with session_scope(settings_of(request)) as session:
        reason = verify_phone(session, account.id, challenge, code, key=secret_of(request))
    if not reason:
        return _account_page(request, account.id, notice="verified")
    pending = {"challenge_id": challenge, "phone_id": phone_id} if reason == "code" else None
    return _account_page(
        request, account.id, status_code=422, error=f"verify_{reason}", pending=pending
    )


@router.post("/account/phone/{phone_id}/remove")
def phone_remove(
    request: Request,
    account: SignedIn,
    phone_id: str,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Remove a number (audited); its pending codes die with it."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.core.errors import NotFoundError
    from ilteo.identity.phone import remove_phone

    try:
        with session_scope(settings_of(request)) as session:
            remove_phone(session, account.id, phone_id)
    except NotFoundError:
        return _account_page(request, account.id, status_code=404, error="not_found")
    return RedirectResponse("/account/phone?removed=1", status_code=303)
