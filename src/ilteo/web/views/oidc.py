"""Simple authentication (OpenID Connect) pages, and the development provider's pages.

``/sign-in/oidc`` starts the flow (:func:`ilteo.identity.oidc.begin_login`) and sends the person
to the provider; ``/sign-in/oidc/callback`` finishes it. The state also travels in a cookie
scoped to ``/sign-in/oidc`` and ``/account/linked-ids``: a callback must come back to the
browser that started it, so nobody can make another person's browser finish their flow (login
CSRF). Each database step commits before the provider is called over HTTP.

A subject the provider vouches for but ilteo does not know gets a page offering a new citizen
account proofed by the provider (the verified identity waits in a token signed with the secret
key for ten minutes) or linking it to an existing account after signing in another way
(``/account/linked-ids``, where linked providers are listed and removed too).

The development provider (:mod:`ilteo.identity.dev_provider`) is mounted by
:func:`install_dev_provider` only where it is enabled; its ``/authorize`` page lives here
because it is a CSRF-checked form rendered like every other page.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import client_of, require_account
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.web.views.identity import (
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

router = APIRouter(include_in_schema=False)
#: The development provider's pages; included only by :func:`install_dev_provider`.
dev_pages = APIRouter(include_in_schema=False)

#: Cookie binding a started flow to the browser that started it.
STATE_COOKIE = "ilteo_oidc_state"
#: Seconds the verified identity of an unknown subject waits for the person's choice.
NEW_ACCOUNT_MAX_AGE = 600
_NEW_SALT = "ilteo.identity.oidc-new-account"

SignedInPage = Annotated[AccountPublic, Depends(require_account)]


def _refused(request: Request, reason: str, *, status_code: int = 401) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.oidc import refuse

    with session_scope(settings_of(request)) as session:
        refuse(session, reason, client=client_of(request))
    unreachable = reason in {"provider_unreachable", "not_configured", "discovery_invalid"}
    response = identity_page(
        request,
        "identity/oidc_refused.html",
        title_key="oidc.refused.title",
        status_code=503 if unreachable else status_code,
        unreachable=unreachable,
    )
    response.delete_cookie(STATE_COOKIE, path="/")
    return response


def _start(request: Request, next_path: str, link_account_id: str | None) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.oidc import OidcRefused, begin_login, client_config

    settings = settings_of(request)
    config = client_config(settings, str(request.base_url))
    if config is None:
        return _refused(request, "not_configured")
    try:
        with session_scope(settings) as session:
            url = begin_login(
                session,
                config,
                key=secret_of(request),
                next_path=next_path,
                link_account_id=link_account_id,
            )
    except OidcRefused as exc:
        return _refused(request, exc.reason)
    from urllib.parse import parse_qs, urlsplit

    state = parse_qs(urlsplit(url).query)["state"][0]
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.env != "dev",
    )
    return response


@router.get("/sign-in/oidc", name="web_sign_in_oidc")
def sign_in_oidc(request: Request, next: str = "/account") -> Response:
    """Start signing in through the provider (a redirect to it)."""
    funnel_started(request, "sign_in.oidc")
    return _start(request, safe_next(next), None)


@router.get("/sign-in/oidc/callback", response_class=HTMLResponse)
def sign_in_oidc_callback(
    request: Request,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Finish the flow: sign in, link, or offer a new account; refuse anything else."""
    from ilteo.api.routers.identity import current_account
    from ilteo.core.db import session_scope
    from ilteo.identity.oidc import (
        OidcRefused,
        client_config,
        consume_state,
        exchange_code,
        resolve_identity,
    )

    settings = settings_of(request)
    config = client_config(settings, str(request.base_url))
    cookie = request.cookies.get(STATE_COOKIE, "")
    if config is None:
        return _refused(request, "not_configured")
    if len(state) > 200 or len(code) > 2000 or not secrets.compare_digest(cookie, state):
        return _refused(request, "state_not_this_browser")
    try:
        with session_scope(settings) as session:
            pending = consume_state(session, state, key=secret_of(request))
        if error:
            raise OidcRefused("provider_error")
        signed_in = current_account(request)
        if pending.link_account_id and (
            signed_in is None or signed_in.id != pending.link_account_id
        ):
            raise OidcRefused("link_session_mismatch")
        identity = exchange_code(config, pending, code)
    except OidcRefused as exc:
        return _refused(request, exc.reason)
    with session_scope(settings) as session:
        result = resolve_identity(session, pending, identity, client=client_of(request))
    response: Response
    if result.outcome == "signed_in" and result.account_id:
        response = signed_in_response(request, result.account_id, pending.next_path, method="oidc")
    elif result.outcome == "linked":
        response = RedirectResponse("/account/linked-ids?linked=1", status_code=303)
    elif result.outcome == "unknown" and result.identity:
        funnel_started(request, "proofing.oidc")
        offer = sign_step(
            request,
            _NEW_SALT,
            [result.identity.issuer, result.identity.subject, result.identity.name],
        )
        response = identity_page(
            request,
            "identity/oidc_unknown.html",
            title_key="oidc.unknown.title",
            offer=offer,
            name=result.identity.name,
            next_path=pending.next_path,
            provider=settings.oidc_display_name,
        )
    else:
        response = identity_page(
            request,
            "identity/oidc_refused.html",
            title_key="oidc.refused.title",
            status_code=401,
            unreachable=False,
        )
    response.delete_cookie(STATE_COOKIE, path="/")
    return response


@router.post("/sign-in/oidc/new", response_class=HTMLResponse)
def sign_in_oidc_new(
    request: Request,
    offer: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/account",
) -> Response:
    """Open a new citizen account proofed by the provider, and sign it in."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.funnel import record_funnel
    from ilteo.identity.oidc import OidcRefused, VerifiedIdentity, open_account

    carried = read_step(request, _NEW_SALT, offer, NEW_ACCOUNT_MAX_AGE)
    if not isinstance(carried, list) or len(carried) != 3:  # tampered, expired or wrong shape
        return _refused(request, "offer_invalid")
    issuer, subject, name = carried
    identity = VerifiedIdentity(str(issuer), str(subject), str(name) if name else None)
    try:
        with session_scope(settings_of(request)) as session:
            account_id = open_account(session, identity, client=client_of(request))
            record_funnel(
                session,
                "proofing.oidc",
                "finished",
                account_id=account_id,
                client=client_of(request),
            )
    except OidcRefused as exc:
        return _refused(request, exc.reason)
    return signed_in_response(request, account_id, safe_next(next), method="oidc")


@router.get("/account/linked-ids", response_class=HTMLResponse, name="web_linked_ids")
def linked_ids(request: Request, account: SignedInPage, linked: str = "") -> Response:
    """The providers linked to my account, with a button to link one and to remove each."""
    from ilteo.core.db import session_scope
    from ilteo.identity.oidc import list_linked_ids

    with session_scope(settings_of(request)) as session:
        rows = [
            {"id": r.id, "name": r.display_name, "issuer": r.issuer, "at": r.created_at}
            for r in list_linked_ids(session, account.id)
        ]
    return identity_page(
        request,
        "identity/oidc_linked_ids.html",
        title_key="oidc.linked.title",
        account=account,
        rows=rows,
        just_linked=bool(linked),
        provider=settings_of(request).oidc_display_name,
    )


@router.post("/account/linked-ids")
def link_start(
    request: Request, account: SignedInPage, csrf: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    """Start a flow that links the provider's subject to my account."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    return _start(request, "/account/linked-ids", account.id)


@router.post("/account/linked-ids/{identity_id}/remove")
def link_remove(
    request: Request,
    account: SignedInPage,
    identity_id: int,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Remove one linked provider identity of mine."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.oidc import unlink_identity

    with session_scope(settings_of(request)) as session:
        unlink_identity(session, account.id, identity_id)
    return RedirectResponse("/account/linked-ids", status_code=303)


_AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _dev_refused(request: Request, reason: str) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import record_audit

    with session_scope(settings_of(request)) as session:
        record_audit(session, "dev_oidc.refused", client=client_of(request), reason=reason)
    return identity_page(
        request, "identity/oidc_dev_refused.html", title_key="oidc.dev.title", status_code=400
    )


@dev_pages.get("/dev/oidc/authorize", response_class=HTMLResponse)
def dev_authorize_form(request: Request) -> Response:
    """The development provider's sign-in: pick a synthetic test person."""
    from ilteo.identity.dev_provider import TEST_PEOPLE, check_authorize_request

    params = {name: request.query_params.get(name, "")[:500] for name in _AUTHORIZE_FIELDS}
    if reason := check_authorize_request(request, params):
        return _dev_refused(request, reason)
    return identity_page(
        request,
        "identity/oidc_dev_authorize.html",
        title_key="oidc.dev.title",
        params=params,
        people=TEST_PEOPLE,
    )


Field = Annotated[str, Form(max_length=500)]


@dev_pages.post("/dev/oidc/authorize")
def dev_authorize(
    request: Request,
    client_id: Field = "",
    redirect_uri: Field = "",
    response_type: Field = "",
    scope: Field = "",
    state: Field = "",
    nonce: Field = "",
    code_challenge: Field = "",
    code_challenge_method: Field = "",
    person: Field = "",
    action: Field = "allow",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Issue a code for the chosen person (or the person's refusal) back to the client."""
    from ilteo.identity.dev_provider import check_authorize_request, issue_code, person_of

    if not csrf_ok(request, csrf):
        return forbidden(request)
    values = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": response_type,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": code_challenge_method,
    }
    if reason := check_authorize_request(request, values):
        return _dev_refused(request, reason)
    if action == "deny":
        query = {"error": "access_denied", "state": state}
    elif chosen := person_of(person):
        query = {"code": issue_code(request, values, chosen), "state": state}
    else:
        return _dev_refused(request, "no_person")
    return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=303)


def install_dev_provider(app: FastAPI, settings: Settings) -> None:
    """Mount the development OpenID provider when ``settings`` enable it (dev/test only)."""
    from ilteo.identity import dev_provider

    if dev_provider.dev_provider_enabled(settings):
        app.include_router(dev_provider.router)
        app.include_router(dev_pages)
