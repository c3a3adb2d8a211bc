"""Web pages of delegation: grant, list and revoke delegations; act for someone; stop.

``/account/delegations`` is the person's page: whom they let act for them (until when, for
what), a form to grant, whom they may act for, and what delegates did for them ("done by X for
Y", from the audit log). ``/account/acting`` is the delegate's: choose a person with a live
delegation, or stop. While acting every page shows a banner with a stop button: base.html calls
the ``acting_banner`` template global registered below, which asks
:func:`ilteo.api.routers.identity.current_acting` (a live delegation is checked on every page).

Dates are whole days in Korean time: a delegation "until 31 March" ends at midnight KST after
that day. Every POST checks CSRF; every refusal is audited and shown as a safe message. While
acting, the delegation forms refuse changes: a delegate cannot grant or revoke anything in the
person's name, and their own changes wait until they stop acting, so nobody confuses the two.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import (
    client_of,
    current_account,
    current_acting,
    require_account,
    require_delegated,
    session_token,
)
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.delegation import ActingContext
from ilteo.web.rendering import get_environment
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page, secret_of, settings_of

router = APIRouter(include_in_schema=False)

#: Korean standard time: the days of a delegation are the person's days.
KST = timezone(timedelta(hours=9), "KST")
SignedInPage = Annotated[AccountPublic, Depends(require_account)]
ActingNow = Annotated[ActingContext | None, Depends(current_acting)]
AccountViewer = Annotated[ActingContext, Depends(require_delegated("account_view"))]


def acting_banner(request: Request) -> dict[str, str] | None:
    """The banner of a page shown while acting: the person's name and a stop-form CSRF token."""
    from ilteo.identity.sessions import csrf_token

    token = session_token(request)
    if not token:
        return None
    acting = current_acting(request, current_account(request))
    if acting is None:
        return None
    return {"name": acting.grantor_name, "csrf": csrf_token(secret_of(request), token)}


# Registered when the web door mounts this module (not at ``import ilteo``); base.html checks
# ``acting_banner is defined`` so templates rendered without it still work.
get_environment().globals["acting_banner"] = acting_banner


def today_kst(now: datetime | None = None) -> date:
    """Today's date in Korea.

    >>> from datetime import UTC
    >>> today_kst(datetime(2026, 11, 21, 16, 0, tzinfo=UTC)).isoformat()
    '2026-11-22'
    """
    return (now or datetime.now(KST)).astimezone(KST).date()


def day_start(day: date) -> datetime:
    """Midnight KST at the start of ``day``.

    >>> day_start(date(2026, 3, 31)).isoformat()
    '2026-03-31T00:00:00+09:00'
    """
    return datetime.combine(day, time(), KST)


def _refused_audit(request: Request, account_id: str, reason: str) -> None:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import record_audit

    with session_scope(settings_of(request)) as session:
        record_audit(
            session,
            "delegation.refused",
            account_id=account_id,
            client=client_of(request),
            reason=reason,
            path=request.url.path,
        )


def _delegations_page(
    request: Request,
    account: AccountPublic,
    acting: ActingContext | None,
    *,
    status_code: int = 200,
    refused: str | None = None,
    done: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import RELATIONS, SERVICES, list_actions_for, list_delegations

    with session_scope(settings_of(request)) as session:
        given, received = list_delegations(session, account.id)
        trail = list_actions_for(session, account.id)
    today = today_kst()
    return identity_page(
        request,
        "identity/delegation_list.html",
        title_key="delegation.list.title",
        status_code=status_code,
        account=account,
        acting=acting,
        given=given,
        received=received,
        trail=trail,
        services=list(SERVICES),
        relations=list(RELATIONS),
        refused=refused,
        done=done,
        form=form or {"delegate_login": "", "relation": "family", "scopes": []},
        today=today.isoformat(),
        last_day=(today + timedelta(days=365)).isoformat(),
    )


@router.get("/account/delegations", response_class=HTMLResponse, name="web_delegations")
def delegations(
    request: Request, account: SignedInPage, acting: ActingNow, done: str = ""
) -> Response:
    """The person's delegations: given, received, a grant form and what was done for them.

    A grant or revocation redirects here with ``done`` (post/redirect/get: reloading the page
    does not send the form again).
    """
    shown = done if done in ("granted", "revoked") else None
    return _delegations_page(request, account, acting, done=shown)


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.post("/account/delegations", response_class=HTMLResponse)
def grant(
    request: Request,
    account: SignedInPage,
    acting: ActingNow,
    delegate_login: Annotated[str, Form(max_length=120)] = "",
    relation: Annotated[str, Form(max_length=16)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Grant a delegation to the account with ``delegate_login``."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import DelegationRefused, create_delegation

    chosen = [s[:32] for s in (scopes or [])][:10]
    form = {"delegate_login": delegate_login, "relation": relation, "scopes": chosen}
    if acting is not None:
        _refused_audit(request, account.id, "while_acting")
        return _delegations_page(
            request, account, acting, status_code=403, refused="while_acting", form=form
        )
    start, end = _parse_day(starts_on) if starts_on else today_kst(), _parse_day(ends_on)
    if start is None or end is None:
        _refused_audit(request, account.id, "dates")
        return _delegations_page(
            request, account, acting, status_code=422, refused="dates", form=form
        )
    refused = None
    with session_scope(settings_of(request)) as session:
        try:
            create_delegation(
                session,
                account.id,
                delegate_login=delegate_login,
                relation=relation,
                scopes=chosen,
                starts_at=None if start == today_kst() else day_start(start),
                expires_at=day_start(end + timedelta(days=1)),
                client=client_of(request),
            )
        except DelegationRefused as exc:  # caught inside: the refusal's audit entry commits
            refused = exc.reason
    if refused:
        return _delegations_page(
            request, account, acting, status_code=422, refused=refused, form=form
        )
    return RedirectResponse("/account/delegations?done=granted", status_code=303)


@router.post("/account/delegations/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    account: SignedInPage,
    acting: ActingNow,
    delegation_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """End a delegation given or received by the signed-in person."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import DelegationRefused, revoke_delegation

    if acting is not None:
        _refused_audit(request, account.id, "while_acting")
        return _delegations_page(request, account, acting, status_code=403, refused="while_acting")
    refused = None
    with session_scope(settings_of(request)) as session:
        try:
            revoke_delegation(
                session, delegation_id, by_account_id=account.id, client=client_of(request)
            )
        except DelegationRefused as exc:  # caught inside: the refusal's audit entry commits
            refused = exc.reason
    if refused:
        return _delegations_page(request, account, acting, status_code=422, refused=refused)
    return RedirectResponse("/account/delegations?done=revoked", status_code=303)


def _acting_page(
    request: Request,
    account: AccountPublic,
    acting: ActingContext | None,
    *,
    status_code: int = 200,
    refused: str | None = None,
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import list_live_received

    with session_scope(settings_of(request)) as session:
        live = list_live_received(session, account.id)
    return identity_page(
        request,
        "identity/delegation_acting.html",
        title_key="delegation.acting.title",
        status_code=status_code,
        account=account,
        acting=acting,
        ended=getattr(request.state, "acting_ended", None),
        live=live,
        refused=refused,
    )


@router.get("/account/acting", response_class=HTMLResponse, name="web_acting")
def acting_form(request: Request, account: SignedInPage, acting: ActingNow) -> Response:
    """Whom the signed-in person may act for now, and whom they act for."""
    return _acting_page(request, account, acting)


@router.post("/account/acting", response_class=HTMLResponse)
def start(
    request: Request,
    account: SignedInPage,
    acting: ActingNow,
    grantor_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Start acting for ``grantor_id`` (only under a live delegation)."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import DelegationRefused, start_acting

    refused = None
    with session_scope(settings_of(request)) as session:
        try:
            start_acting(
                session,
                session_token(request) or "",
                account.id,
                grantor_id,
                client=client_of(request),
            )
        except DelegationRefused as exc:  # caught inside: the refusal's audit entry commits
            refused = exc.reason
    if refused:
        return _acting_page(request, account, acting, status_code=403, refused=refused)
    return RedirectResponse("/account/acting", status_code=303)


@router.post("/account/acting/stop")
def stop(
    request: Request, account: SignedInPage, csrf: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    """Stop acting for anyone; back to the acting page."""
    if not csrf_ok(request, csrf):
        return forbidden(request)
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import stop_acting

    with session_scope(settings_of(request)) as session:
        stop_acting(session, session_token(request) or "", client=client_of(request))
    return RedirectResponse("/account/acting", status_code=303)


@router.get("/account/acting/overview", response_class=HTMLResponse, name="web_acting_overview")
def overview(request: Request, account: SignedInPage, acting: AccountViewer) -> Response:
    """The person's account as a delegate may see it (``account_view``), audited as theirs."""
    from ilteo.core.db import session_scope
    from ilteo.identity.delegation import audit_as

    with session_scope(settings_of(request)) as session:
        audit_as(session, acting, "delegation.account_viewed", client=client_of(request))
    return identity_page(
        request,
        "identity/delegation_overview.html",
        title_key="delegation.overview.title",
        account=account,
        acting=acting,
    )
