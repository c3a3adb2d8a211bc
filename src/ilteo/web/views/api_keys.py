"""My API keys: create (shown once), list and revoke, at ``/account/api-keys``.

Signed-in pages only; every POST checks the CSRF token. The full key appears once, in the answer
to the POST that made it (``Cache-Control: no-store``), and never again: the list shows only the
display prefix, dates, scopes, limits and state. A person can revoke only their own keys.

The form offers the scopes the account's roles can use as checkboxes, all checked by default
(a form posted without the ``scope_choice`` marker, e.g. by an older page, gets them all too).
Limits are the settings' defaults here; a per-key rate or quota is an operator's decision
(``ilteo keys create --rate --daily``). Usage per key per Asia/Seoul day over
:data:`USAGE_DAYS` days is shown under the list (counts reach the store in batches, so the last
few seconds may be missing).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ilteo.api.routers.identity import client_of, require_account
from ilteo.identity.accounts import AccountPublic
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page, secret_of, settings_of

router = APIRouter(include_in_schema=False)

SignedInPage = Annotated[AccountPublic, Depends(require_account)]
#: Lifetimes offered on the form, in days (the default first; two years at most).
LIFETIMES = (365, 90, 30, 730)
#: Days of usage shown on the page, today included.
USAGE_DAYS = 7


def _page(
    request: Request,
    account: AccountPublic,
    *,
    status_code: int = 200,
    issued: object = None,
    error: str | None = None,
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import utcnow
    from ilteo.identity.api_keys import list_api_keys, scopes_for_roles, usage_of

    settings = settings_of(request)
    with session_scope(settings) as session:
        keys = list_api_keys(session, account.id)
        usage = usage_of(session, [key.id for key in keys], days=USAGE_DAYS) if keys else []
    names = {key.id: key.name for key in keys}
    return identity_page(
        request,
        "identity/api_keys.html",
        status_code=status_code,
        title_key="api_keys.title",
        account=account,
        keys=keys,
        now=utcnow(),
        issued=issued,
        error=error,
        lifetimes=LIFETIMES,
        scopes=scopes_for_roles(account.roles),
        usage=[(names.get(u.key_id, u.key_id), u) for u in usage],
        usage_days=USAGE_DAYS,
        default_rate=settings.api_rate_per_minute,
        default_daily=settings.api_daily_quota,
    )


@router.get("/account/api-keys", response_class=HTMLResponse, name="web_api_keys")
def api_keys_page(request: Request, account: SignedInPage) -> Response:
    """My API keys and a form to make one."""
    from ilteo.status.usability import track_task

    return track_task(request, _page(request, account), "api_key.create", "form_viewed")


@router.post("/account/api-keys", response_class=HTMLResponse)
def create_key(
    request: Request,
    account: SignedInPage,
    name: Annotated[str, Form(max_length=200)] = "",
    days: Annotated[int, Form(ge=1, le=730)] = 365,
    scope: Annotated[list[str] | None, Form(max_length=40)] = None,
    scope_choice: Annotated[str, Form(max_length=4)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Make a key with the scopes ticked and show it once."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.core.errors import InvalidInputError
    from ilteo.identity.api_keys import create_api_key

    try:
        with session_scope(settings_of(request)) as session:
            issued = create_api_key(
                session,
                account.id,
                name=name,
                secret_key=secret_of(request),
                lifetime=timedelta(days=days),
                scopes=(scope or []) if scope_choice else None,
                client=client_of(request),
            )
    except InvalidInputError as exc:
        no_scope = "scopes" in exc.extra or (bool(scope_choice) and not scope)
        error = "api_keys.error.scope" if no_scope else "api_keys.error.name"
        return _page(request, account, status_code=422, error=error)
    from ilteo.status.usability import track_task

    created = _page(request, account, status_code=201, issued=issued)
    return track_task(request, created, "api_key.create", "key_created")


@router.post("/account/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(
    request: Request,
    account: SignedInPage,
    key_id: str,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Revoke one of my keys (someone else's key id is simply not found)."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.core.errors import NotFoundError
    from ilteo.identity.api_keys import revoke_api_key

    try:
        with session_scope(settings_of(request)) as session:
            revoke_api_key(session, account.id, key_id[:32], client=client_of(request))
    except NotFoundError:
        return _page(request, account, status_code=404, error="api_keys.error.not_found")
    return _page(request, account)
