"""Staff page of one high-risk group: the people in it, for pathways and benefits outreach.

``GET /monitor/high-risk/{group_id}`` (not public): analysts, counsellors and administrators only
(``require_staff``). The page first asks for the purpose of the read; given one (at least
:data:`ilteo.identity.reads.MIN_PURPOSE_LENGTH` characters), it lists the group's people - master
person ID, age band, occupation, workplace 시도, tenure, wage band, score and reasons - and records
one audited read per person (:func:`ilteo.identity.reads.audit_person_read`), which each person
sees on their account page. No RRN is ever shown; names only to counsellors.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ilteo.api.routers.identity import require_staff
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.reads import MIN_PURPOSE_LENGTH
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language

#: Staff roles that may read a group's people.
ROLES: Final = ("analyst", "counsellor", "administrator")
#: Only counsellors see names (they contact the people).
NAME_ROLES: Final = ("counsellor",)

router = APIRouter(include_in_schema=False)
Staff = Annotated[AccountPublic, Depends(require_staff(*ROLES))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "/monitor/high-risk/{group_id}", response_class=HTMLResponse, name="web_monitor_high_risk"
)
def members_page(request: Request, staff: Staff, group_id: str, purpose: str = "") -> HTMLResponse:
    """The people of one group, after the reader states a purpose (each read audited)."""
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account
    from ilteo.identity.reads import audit_person_read
    from ilteo.monitor.exposure import CAVEAT
    from ilteo.monitor.report import is_synthetic
    from ilteo.monitor.risk import group_members, parse_group_id, risk_config

    settings = _settings(request)
    parse_group_id(group_id)
    purpose = purpose.strip()[:300]
    with_names = bool(set(staff.roles) & set(NAME_ROLES))
    context: dict[str, Any] = {
        "group_id": group_id,
        "purpose": purpose,
        "min_purpose": MIN_PURPOSE_LENGTH,
        "with_names": with_names,
        "version": risk_config().version,
        "caveat": CAVEAT,
        "synthetic": is_synthetic(settings),
        "threshold": settings.monitor_min_cell,
    }
    title = Translator(request_language(request))("mrisk.title", group_id=group_id)
    if len(purpose) < MIN_PURPOSE_LENGTH:
        return render(
            request,
            "monitor/risk_members.html",
            page_title=title,
            current="monitor",
            members=None,
            purpose_error=bool(purpose),
            status_code=422 if purpose else 200,
            **context,
        )
    members = group_members(settings, group_id, with_names=with_names)
    with session_scope(settings) as session:
        reader = get_account(session, staff.id)
        for member in members:
            audit_person_read(
                session, reader, member.master_id, f"{purpose} [고위험 집단 {group_id}]"
            )
    return render(
        request,
        "monitor/risk_members.html",
        page_title=title,
        current="monitor",
        members=members,
        purpose_error=False,
        **context,
    )
