"""Staff pages of incidents: the list, a form to open one by hand, and each incident's page.

Administrators only (``require_staff("administrator")``). Every form carries the CSRF token of
the session (:func:`ilteo.web.views.identity.csrf_ok`); a POST without it gets the 403 page and an
audit entry. The pages call the same functions as ``ilteo status open|note|close``
(:mod:`ilteo.status.incidents`), which audit each change. Plain HTML forms: no JavaScript.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import require_staff
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.status.incidents import MAX_NOTE_CHARS, MAX_POSTMORTEM_CHARS, as_utc, utcnow
from ilteo.status.report import clear_cache

router = APIRouter(include_in_schema=False)

Administrator = Annotated[AccountPublic, Depends(require_staff("administrator"))]
_NOTE = Annotated[str, Form(max_length=MAX_NOTE_CHARS + 1000)]
_POSTMORTEM = Annotated[str, Form(max_length=MAX_POSTMORTEM_CHARS + 1000)]
_CSRF = Annotated[str, Form(max_length=128)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _menu_name(menu_id: str, lang: str) -> str:
    from ilteo.status.menus import get_menu

    try:
        return get_menu(menu_id).name(lang)
    except KeyError:
        return menu_id


def _minutes(opened_at: datetime, closed_at: datetime | None) -> float:
    end = as_utc(closed_at) if closed_at else utcnow()
    return max(0.0, (end - as_utc(opened_at)).total_seconds() / 60)


def _row(incident: Any, lang: str) -> dict[str, Any]:
    return {
        "id": incident.id,
        "menu": incident.menu,
        "menu_name": _menu_name(incident.menu, lang),
        "cause": incident.cause,
        "opened_at": as_utc(incident.opened_at),
        "closed_at": as_utc(incident.closed_at) if incident.closed_at else None,
        "minutes": _minutes(incident.opened_at, incident.closed_at),
        "detail": incident.detail,
        "peak_error_rate": incident.peak_error_rate,
        "public_note_ko": incident.public_note_ko,
        "public_note_en": incident.public_note_en,
        "postmortem": incident.postmortem,
        "updated_at": as_utc(incident.updated_at) if incident.updated_at else None,
        "updated_by": incident.updated_by,
    }


def _list_page(
    request: Request, *, status_code: int = 200, error: str = "", form: dict[str, str] | None = None
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.status.incidents import list_incidents
    from ilteo.status.menus import MENUS
    from ilteo.web.rendering import request_language
    from ilteo.web.views.identity import identity_page

    lang = request_language(request)
    with session_scope(_settings(request)) as session:
        rows = [_row(i, lang) for i in list_incidents(session, limit=100)]
    return identity_page(
        request,
        "status/staff_incidents.html",
        title_key="status_staff.list.title",
        status_code=status_code,
        open_rows=[r for r in rows if r["closed_at"] is None],
        closed_rows=[r for r in rows if r["closed_at"] is not None],
        menus=[(m.id, m.name(lang)) for m in MENUS],
        error=error,
        form=form or {"menu": "", "note_ko": "", "note_en": ""},
        max_note=MAX_NOTE_CHARS,
    )


@router.get("/status/staff/incidents", response_class=HTMLResponse, name="web_status_incidents")
def incidents_page(request: Request, _account: Administrator) -> Response:
    """Open and recent incidents, and the form to open one by hand."""
    return _list_page(request)


@router.post("/status/staff/incidents", response_class=HTMLResponse)
def open_incident_form(
    request: Request,
    account: Administrator,
    menu: Annotated[str, Form(max_length=48)] = "",
    note_ko: _NOTE = "",
    note_en: _NOTE = "",
    csrf: _CSRF = "",
) -> Response:
    """Open a manual incident, then go to its page (the list again, with the error, if refused)."""
    from ilteo.core.db import session_scope
    from ilteo.status.incidents import open_incident
    from ilteo.web.views.identity import csrf_ok, forbidden

    if not csrf_ok(request, csrf):
        return forbidden(request)
    try:
        with session_scope(_settings(request)) as session:
            incident = open_incident(session, menu, by=account.id, note_ko=note_ko, note_en=note_en)
            incident_id = incident.id
    except (InvalidInputError, NotFoundError) as exc:
        return _list_page(
            request,
            status_code=422,
            error=exc.detail,
            form={"menu": menu, "note_ko": note_ko, "note_en": note_en},
        )
    clear_cache()  # the public page shows the change now, not after its few-second cache
    return RedirectResponse(f"/status/staff/incidents/{incident_id}?saved=opened", status_code=303)


def _measured(settings: Settings, incident: Any) -> dict[str, int]:
    """Requests and failures of the incident's menu while it lasted (server rows and probes)."""
    from sqlalchemy import case, func, select

    from ilteo.core.db import session_scope
    from ilteo.status.models import RequestLog

    end = as_utc(incident.closed_at) if incident.closed_at else utcnow()
    failed = RequestLog.failed.is_(True)
    with session_scope(settings) as session:
        found = session.execute(
            select(
                RequestLog.kind,
                func.count(),
                func.sum(case((failed, 1), else_=0)),
            )
            .where(
                RequestLog.menu == incident.menu,
                RequestLog.at >= as_utc(incident.opened_at),
                RequestLog.at <= end,
            )
            .group_by(RequestLog.kind)
        ).all()
    numbers = {"server": 0, "server_failed": 0, "probe": 0, "probe_failed": 0}
    for kind, count, failures in found:
        if kind in ("server", "probe"):
            numbers[kind] = int(count)
            numbers[f"{kind}_failed"] = int(failures or 0)
    return numbers


def _detail_page(
    request: Request,
    incident_id: int,
    *,
    status_code: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    from ilteo.core.db import session_scope
    from ilteo.status.models import Incident
    from ilteo.web.rendering import request_language
    from ilteo.web.views.identity import identity_page

    settings = _settings(request)
    with session_scope(settings) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"장애 {incident_id}번이 없습니다 / no incident {incident_id}")
        row = _row(incident, request_language(request))
    saved = request.query_params.get("saved", "")
    return identity_page(
        request,
        "status/staff_incident.html",
        page_title=f"#{row['id']} {row['menu_name']}",
        status_code=status_code,
        incident=row,
        measured=_measured(settings, incident),
        error=error,
        saved=saved if saved in ("opened", "notes", "closed") else "",
        form=form
        or {
            "public_note_ko": row["public_note_ko"],
            "public_note_en": row["public_note_en"],
            "postmortem": row["postmortem"],
        },
        max_note=MAX_NOTE_CHARS,
        max_postmortem=MAX_POSTMORTEM_CHARS,
    )


@router.get(
    "/status/staff/incidents/{incident_id}", response_class=HTMLResponse, name="web_status_incident"
)
def incident_page(request: Request, incident_id: int, _account: Administrator) -> Response:
    """One incident: what was measured, its notes and post-mortem, and the forms to change them."""
    return _detail_page(request, incident_id)


@router.post("/status/staff/incidents/{incident_id}", response_class=HTMLResponse)
def update_incident_form(
    request: Request,
    incident_id: int,
    account: Administrator,
    public_note_ko: _NOTE = "",
    public_note_en: _NOTE = "",
    postmortem: _POSTMORTEM = "",
    action: Annotated[str, Form(max_length=16)] = "save",
    csrf: _CSRF = "",
) -> Response:
    """Save the notes and post-mortem; with ``action=close`` also close the incident."""
    from ilteo.core.db import session_scope
    from ilteo.status.incidents import close_incident, update_notes
    from ilteo.web.views.identity import csrf_ok, forbidden

    if not csrf_ok(request, csrf):
        return forbidden(request)
    try:
        with session_scope(_settings(request)) as session:
            update_notes(
                session,
                incident_id,
                public_note_ko=public_note_ko,
                public_note_en=public_note_en,
                postmortem=postmortem,
                by=account.id,
            )
            if action == "close":
                close_incident(session, incident_id, by=account.id)
    except InvalidInputError as exc:
        return _detail_page(
            request,
            incident_id,
            status_code=422,
            error=exc.detail,
            form={
                "public_note_ko": public_note_ko,
                "public_note_en": public_note_en,
                "postmortem": postmortem,
            },
        )
    saved = "closed" if action == "close" else "notes"
    clear_cache()
    return RedirectResponse(f"/status/staff/incidents/{incident_id}?saved={saved}", status_code=303)


def install_incidents(app: FastAPI, settings: Settings) -> None:
    """Add the staff incident pages to ``app``."""
    app.include_router(router)
