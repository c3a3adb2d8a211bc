"""Pages of the benefits offered without being asked: notices, consent-based applications, staff.

Citizen pages (signed in; the account linked to a lake person by ``Account.master_person_id``;
an unlinked account gets a plain page saying how to link it):

- ``GET /benefits/notices``: "나에게 온 급여·지원 안내" - the person's notices, newest first,
  the unopened ones marked (:func:`ilteo.benefits.notices.inbox`).
- ``GET /benefits/notices/{id}``: one notice - why, how much, what next, the articles of law and
  one "apply" button; opening it marks it read (:func:`~ilteo.benefits.notices.open_notice`).
- ``GET /benefits/notices/{id}/apply``: the consent screen - purpose, the documents the law asks
  for (each named), who holds them, who receives them and until when
  (:func:`ilteo.benefits.applications.terms_for`); ``POST`` (CSRF-checked) grants the consent and
  applies (:func:`~ilteo.benefits.applications.apply`), then redirects (303) to the application.
- ``GET /benefits/applications/{id}``: the application - status, the documents read from the
  lake, every read (when, by whom, why) and the withdrawal form (``POST
  /benefits/consents/{id}/withdraw``, CSRF-checked, with a confirmation box).
- ``GET /benefits/consents``: the person's consents and the reads made under each.

Another person's notice or application is answered exactly as an unknown one (404), so a page
never tells whether an id exists.

Staff pages:

- ``GET /benefits/outreach`` (analyst, counsellor, administrator): filters (rule, programme,
  시도, status, age range), the counts (by rule, status and 시도, and the total amount) and, for
  counsellors and administrators only, the paged table of notices - master person id, rule, 시도,
  age, amount, status, day; never a name. Analysts see the counts only: the aggregate is what
  their work needs, the per-person rows are not.
- ``GET /benefits/outreach.csv`` (counsellor, administrator): the same rows as CSV, attached.
- ``GET /benefits/outbox`` (counsellor, administrator): deliveries by channel and status and the
  newest messages with the recipient masked, filtered by channel.
- ``GET /benefits/staff/applications`` (counsellor, administrator): the applications, by status
  and programme; ``GET /benefits/staff/applications/{id}`` asks for the purpose of the read first,
  then shows the same application the citizen sees (audited: one person read and one consent read
  per document, :func:`~ilteo.benefits.applications.staff_application`);
  ``POST /benefits/staff/applications/{id}/status`` (CSRF-checked) moves it to in review,
  approved or rejected.

Bad filters get the page again with status 422 naming the field. Every text comes from
``messages/{ko,en}/benefits.yaml`` (section ``notices``); the pages are ``Cache-Control:
no-store``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from ilteo.api.routers.identity import require_account, require_staff
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.reads import MIN_PURPOSE_LENGTH
from ilteo.lake.codes import SIDO, SIDO_NAMES
from ilteo.web.i18n import Translator
from ilteo.web.rendering import request_language
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ilteo.benefits.notices import OutreachFilters
    from ilteo.identity.models import Account

router = APIRouter(include_in_schema=False)

#: Staff who handle applications, read the outreach rows and the outbox.
CASE_ROLES: Final = ("counsellor", "administrator")
#: Staff who may see the outreach page: analysts see its counts only.
OUTREACH_ROLES: Final = ("analyst", "counsellor", "administrator")
#: Rows per page of the outreach and application lists.
PAGE_SIZE: Final = 50
#: Newest outbox messages shown.
OUTBOX_LIMIT: Final = 50
#: Statuses staff may set on an application.
STAFF_STATUSES: Final = ("in_review", "approved", "rejected")
#: Oldest and youngest age the outreach filter accepts.
AGE_RANGE: Final = (0, 120)
#: Longest filter value read (codes and numbers are short).
MAX_FILTER: Final = 48
#: What the audit log says a staff read was for, after the reader's own purpose.
AUDIT_SUFFIX: Final = "[급여 신청 검토]"
_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

SignedIn = Annotated[AccountPublic, Depends(require_account)]
CaseStaff = Annotated[AccountPublic, Depends(require_staff(*CASE_ROLES))]
OutreachStaff = Annotated[AccountPublic, Depends(require_staff(*OUTREACH_ROLES))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value() if settings.secret_key else ""


def _account(session: Session, account_id: str) -> Account:
    from ilteo.identity.accounts import get_account

    return get_account(session, account_id)


def _check_id(value: str, what: str) -> str:
    """``value`` when it looks like an id; otherwise the same 404 as an unknown one."""
    if not _ID.fullmatch(value):
        raise NotFoundError(f"{what}: {value[:64]}")
    return value


def _page(
    request: Request,
    template: str,
    *,
    title_key: str = "",
    page_title: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A page of this module, with the CSRF token and ``no-store`` (identity pages' helper)."""
    t = Translator(request_language(request))
    return identity_page(
        request,
        template,
        page_title=page_title if page_title is not None else t(title_key),
        current="benefits",
        status_code=status_code,
        sido_names=SIDO_NAMES,
        **context,
    )


def _not_found(what: str, value: str) -> NotFoundError:
    """The one answer for an unknown id and for someone else's (no existence leak)."""
    return NotFoundError(f"{what}: {value}")


# ----------------------------------------------------------------------------- citizen pages


def _not_linked(request: Request, title_key: str) -> Response:
    return _page(request, "benefits/notices_unlinked.html", title_key=title_key)


@router.get("/benefits/notices", response_class=HTMLResponse, name="web_benefit_notices")
def inbox_page(request: Request, account: SignedIn) -> Response:
    """The person's notices, newest first; the unopened ones marked."""
    from ilteo.benefits.notices import inbox, notice_json

    lang = request_language(request)
    with _session(request) as session:
        master_id = _account(session, account.id).master_person_id
        if not master_id:
            return _not_linked(request, "notices.inbox.title")
        notices = [notice_json(n, lang) for n in inbox(session, master_id)]
    return _page(
        request,
        "benefits/notices.html",
        title_key="notices.inbox.title",
        notices=notices,
        new=sum(1 for n in notices if n["status"] == "new"),
    )


def _session(request: Request) -> Any:
    from ilteo.core.db import session_scope

    return session_scope(_settings(request))


def _owned_notice(session: Session, account_id: str, notice_id: str) -> Any:
    """The account's notice ``notice_id``; 404 for an unknown id or another person's."""
    from ilteo.benefits.notices import notice_of

    _check_id(notice_id, "notice")
    master_id = _account(session, account_id).master_person_id
    if not master_id:
        raise _not_found("notice", notice_id)
    try:
        return notice_of(session, notice_id, master_id)
    except NotFoundError:
        raise _not_found("notice", notice_id) from None


def _application_of_notice(session: Session, account_id: str, notice_id: str) -> str | None:
    """The id of the account's application from the notice still standing (not withdrawn)."""
    from ilteo.benefits.applications import applications_of

    for application in applications_of(session, _account(session, account_id)):
        if application.notice_id == notice_id and application.status != "withdrawn":
            return str(application.id)
    return None


@router.get("/benefits/notices/{notice_id}", response_class=HTMLResponse, name="web_benefit_notice")
def notice_page(request: Request, account: SignedIn, notice_id: str) -> Response:
    """One notice: why, how much, what next, the law, and the apply button; marks it read."""
    from ilteo.benefits.notices import notice_json, open_notice

    lang = request_language(request)
    with _session(request) as session:
        master_id = _account(session, account.id).master_person_id
        if not master_id:
            return _not_linked(request, "notices.inbox.title")
        notice = _owned_notice(session, account.id, notice_id)
        open_notice(session, notice)
        data = notice_json(notice, lang)
        application_id = _application_of_notice(session, account.id, notice_id)
    return _page(
        request,
        "benefits/notice.html",
        page_title=data["title"],
        notice=data,
        application_id=application_id,
    )


def _terms_view(terms: Any, lang: str) -> dict[str, Any]:
    from ilteo.benefits.applications import DOCUMENTS

    en = lang == "en"
    items = []
    for code in terms.items:
        doc = DOCUMENTS.get(code)
        items.append(
            {
                "code": code,
                "title": (doc.title_en if en else doc.title_ko) if doc else code,
                "source": doc.source_ko if doc else "",
                "law": doc.law if doc else "",
                "law_name": _law_name(doc.law) if doc else "",
            }
        )
    return {
        "purpose": terms.purpose_en if en else terms.purpose_ko,
        "items": items,
        "holder": terms.holder_en if en else terms.holder_ko,
        "recipient": terms.recipient_en if en else terms.recipient_ko,
        "days": terms.days,
    }


def _law_name(href: str) -> str:
    """The readable end of a law.go.kr link: "고용보험법 제42조".

    >>> _law_name("https://www.law.go.kr/법령/고용보험법/제42조")
    '고용보험법 제42조'
    """
    from urllib.parse import unquote

    parts = unquote(href).rstrip("/").split("/법령/", 1)
    return parts[1].replace("/", " ") if len(parts) == 2 else href


def _consent_page(
    request: Request, account_id: str, notice_id: str, *, problem: str | None = None
) -> Response:
    from datetime import UTC, timedelta

    from ilteo.benefits.applications import terms_for
    from ilteo.benefits.notices import notice_json

    lang = request_language(request)
    with _session(request) as session:
        if not _account(session, account_id).master_person_id:
            return _not_linked(request, "notices.apply.title")
        notice = _owned_notice(session, account_id, notice_id)
        data = notice_json(notice, lang)
        terms = _terms_view(terms_for(notice), lang)
        application_id = _application_of_notice(session, account_id, notice_id)
    until = (datetime.now(UTC) + timedelta(days=terms["days"])).date().isoformat()
    return _page(
        request,
        "benefits/apply.html",
        title_key="notices.apply.title",
        status_code=422 if problem else 200,
        notice=data,
        terms=terms,
        until=until,
        application_id=application_id,
        problem=problem,
    )


@router.get(
    "/benefits/notices/{notice_id}/apply",
    response_class=HTMLResponse,
    name="web_benefit_notice_apply_form",
)
def apply_form(request: Request, account: SignedIn, notice_id: str) -> Response:
    """The consent screen: purpose, documents, holder, recipient, until when; one button."""
    return _consent_page(request, account.id, notice_id)


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's text fields, each cut to 300 characters (the token to 128)."""
    form = await request.form()
    return {k: v[: 128 if k == "csrf" else 300] for k, v in form.items() if isinstance(v, str)}


Posted = Annotated[dict[str, str], Depends(_posted)]


@router.post(
    "/benefits/notices/{notice_id}/apply",
    response_class=HTMLResponse,
    name="web_benefit_notice_apply",
)
def apply_submit(request: Request, account: SignedIn, notice_id: str, posted: Posted) -> Response:
    """Grant the consent and apply; then the application page (303)."""
    from ilteo.benefits.applications import apply

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    with _session(request) as session:
        if not _account(session, account.id).master_person_id:
            return _not_linked(request, "notices.apply.title")
        _owned_notice(session, account.id, notice_id)
        existing = _application_of_notice(session, account.id, notice_id)
        if existing is None:
            application = apply(
                session, _settings(request), _account(session, account.id), notice_id
            )
            existing = str(application.id)
    return RedirectResponse(f"/benefits/applications/{existing}", status_code=303)


def _owned_application(session: Session, account_id: str, application_id: str) -> Any:
    from ilteo.benefits.applications import application_of

    _check_id(application_id, "application")
    try:
        return application_of(session, _account(session, account_id), application_id)
    except NotFoundError:
        raise _not_found("application", application_id) from None


@router.get(
    "/benefits/applications/{application_id}",
    response_class=HTMLResponse,
    name="web_benefit_application",
)
def application_page(request: Request, account: SignedIn, application_id: str) -> Response:
    """The application: status, the documents read from the lake, every read, withdrawal."""
    return _application_view(request, account.id, application_id)


def _application_view(
    request: Request, account_id: str, application_id: str, *, problem: str | None = None
) -> Response:
    from ilteo.benefits.applications import application_json

    lang = request_language(request)
    with _session(request) as session:
        application = _owned_application(session, account_id, application_id)
        data = application_json(session, application, lang)
    return _page(
        request,
        "benefits/application.html",
        title_key="notices.application.title",
        status_code=422 if problem else 200,
        application=data,
        staff_view=False,
        problem=problem,
    )


@router.post(
    "/benefits/consents/{consent_id}/withdraw",
    response_class=HTMLResponse,
    name="web_benefit_consent_withdraw",
)
def withdraw_submit(
    request: Request, account: SignedIn, consent_id: str, posted: Posted
) -> Response:
    """Withdraw a consent (the box "I understand" ticked): documents erased, status withdrawn."""
    from ilteo.benefits.applications import applications_of, consents_of, withdraw

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_id(consent_id, "consent")
    with _session(request) as session:
        owner = _account(session, account.id)
        if not any(c.id == consent_id for c in consents_of(session, owner)):
            raise _not_found("consent", consent_id)
        application_id = next(
            (str(a.id) for a in applications_of(session, owner) if a.consent_id == consent_id),
            None,
        )
    if posted.get("confirm") != "yes":
        if application_id is None:
            raise InvalidInputError("confirm: 확인란을 선택하세요 / tick the confirmation box")
        return _application_view(request, account.id, application_id, problem="confirm")
    with _session(request) as session:
        withdraw(session, _account(session, account.id), consent_id)
    target = f"/benefits/applications/{application_id}" if application_id else "/benefits/consents"
    return RedirectResponse(target, status_code=303)


@router.get("/benefits/consents", response_class=HTMLResponse, name="web_benefit_consents")
def consents_page(request: Request, account: SignedIn) -> Response:
    """The person's consents - purpose, items, holder, recipient, dates - and the reads of each."""
    from ilteo.benefits.applications import applications_of, consent_json, consents_of

    lang = request_language(request)
    with _session(request) as session:
        owner = _account(session, account.id)
        if not owner.master_person_id:
            return _not_linked(request, "notices.consents.title")
        by_consent = {a.consent_id: a for a in applications_of(session, owner)}
        consents = []
        for consent in consents_of(session, owner):
            application = by_consent.get(consent.id)
            consents.append(
                {
                    "consent": consent_json(session, consent, lang),
                    "application_id": application.id if application else None,
                    "status": application.status if application else None,
                }
            )
    return _page(
        request, "benefits/consents.html", title_key="notices.consents.title", consents=consents
    )


# ----------------------------------------------------------------------------- staff pages


def _short(t: Translator, group: str, key: str, fallback: str) -> str:
    """The short label of ``key`` (lists and selects on a phone), else ``fallback``."""
    label = t.label(group, key)
    return fallback if label == key else label


def _filter_options(lang: str = "ko") -> dict[str, Any]:
    """The choices of the filter forms, with their labels in ``lang``."""
    from ilteo.benefits.models import APPLICATION_STATUSES, NOTICE_STATUSES
    from ilteo.benefits.notices import programme_label
    from ilteo.benefits.rules import RULES

    t = Translator(lang)
    programmes = sorted({r.programme for r in RULES.values()})
    return {
        "rules": list(RULES),
        "rule_labels": {
            r.id: _short(t, "notices.rule_short", r.id, r.label_en if lang == "en" else r.label_ko)
            for r in RULES.values()
        },
        "programmes": programmes,
        "programme_labels": {
            p: _short(t, "notices.programme_short", p, programme_label(p, lang)) for p in programmes
        },
        "sido_codes": [s.code for s in SIDO],
        "statuses": list(NOTICE_STATUSES),
        "status_labels": {s: t.label("notices.status", s) for s in NOTICE_STATUSES},
        "app_status_labels": {s: t.label("notices.app_status", s) for s in APPLICATION_STATUSES},
    }


def parse_filters(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The outreach filters of a query, and the fields that could not be read.

    Returns:
        ``(filters, problems)``: ``filters`` holds the keyword arguments of
        :class:`ilteo.benefits.notices.OutreachFilters` (``None`` when not given); ``problems``
        maps a field name to a problem key (``notices.problems.<key>``).
    """
    options = _filter_options()
    allowed = {
        "rule": options["rules"],
        "programme": options["programmes"],
        "sido": options["sido_codes"],
        "status": options["statuses"],
    }
    filters: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, choices in allowed.items():
        raw = values.get(name, "").strip()[:MAX_FILTER]
        filters[name] = raw or None
        if raw and raw not in choices:
            problems[name] = "not_choice"
    for name in ("age_min", "age_max"):
        raw = values.get(name, "").strip()[:MAX_FILTER]
        filters[name] = None
        if not raw:
            continue
        if not re.fullmatch(r"\d{1,3}", raw) or not AGE_RANGE[0] <= int(raw) <= AGE_RANGE[1]:
            problems[name] = "not_age"
        else:
            filters[name] = int(raw)
    low, high = filters["age_min"], filters["age_max"]
    if low is not None and high is not None and low > high:
        problems["age_max"] = "age_order"
    return filters, problems


def _page_number(raw: str) -> int:
    """A page number of a query (1 or more); anything else is named in a 422."""
    if not re.fullmatch(r"\d{1,6}", raw.strip() or "1") or int(raw.strip() or "1") < 1:
        raise InvalidInputError(
            f"page: 쪽 번호는 1 이상입니다 / page must be 1 or more: {raw[:20]}"
        )
    return int(raw.strip() or "1")


def _filters_query(filters: dict[str, Any], **more: Any) -> str:
    pairs = {k: v for k, v in {**filters, **more}.items() if v is not None and v != ""}
    return urlencode(pairs)


def _outreach_filters(filters: dict[str, Any]) -> OutreachFilters:
    from ilteo.benefits.notices import OutreachFilters

    return OutreachFilters(**filters)


@router.get("/benefits/outreach", response_class=HTMLResponse, name="web_benefit_outreach")
def outreach_page(request: Request, staff: OutreachStaff) -> Response:
    """Outreach: filters, counts and (counsellors, administrators) the table without names."""
    from ilteo.benefits.notices import outreach

    values = {k: v[:MAX_FILTER] for k, v in request.query_params.items()}
    filters, problems = parse_filters(values)
    rows_allowed = bool(set(staff.roles) & set(CASE_ROLES))
    context: dict[str, Any] = {
        "filters": filters,
        "values": values,
        "problems": problems,
        "options": _filter_options(request_language(request)),
        "rows_allowed": rows_allowed,
        "result": None,
        "pages": 0,
        "query": _filters_query(filters),
    }
    if problems:
        return _page(
            request,
            "benefits/outreach.html",
            title_key="notices.outreach.title",
            status_code=422,
            **context,
        )
    page = _page_number(values.get("page", "1"))
    with _session(request) as session:
        found = outreach(session, _outreach_filters(filters), page=page, per_page=PAGE_SIZE)
        rows = [
            {
                "id": n.id,
                "master_person_id": n.master_person_id,
                "rule": n.rule,
                "programme": n.programme,
                "sido": n.sido,
                "age": n.age,
                "amount_krw": n.amount_krw,
                "status": n.status,
                "created_at": n.created_at.date().isoformat(),
            }
            for n in found.rows
        ]
    pages = max(1, -(-found.total // PAGE_SIZE))
    if page > pages:
        raise NotFoundError(f"page: {pages}쪽까지 있습니다 / the list has {pages} pages: {page}")
    context.update(
        result={"total": found.total, "counts": found.counts, "page": page},
        rows=rows if rows_allowed else [],
        pages=pages,
    )
    return _page(request, "benefits/outreach.html", title_key="notices.outreach.title", **context)


@router.get("/benefits/outreach.csv", name="web_benefit_outreach_csv")
def outreach_csv_export(request: Request, staff: CaseStaff) -> Response:
    """The outreach rows of the filters as CSV (no names), as an attachment."""
    from ilteo.benefits.notices import outreach_csv

    filters, problems = parse_filters(dict(request.query_params))
    if problems:
        field = sorted(problems)[0]
        raise InvalidInputError(f"{field}: {problems[field]}", fields=sorted(problems))
    settings = _settings(request)
    stamp = datetime.now().strftime("%Y%m%d")  # noqa: DTZ005 - a file name only

    def lines() -> Iterator[str]:
        from ilteo.core.db import session_scope

        with session_scope(settings) as session:
            yield from outreach_csv(session, _outreach_filters(filters))

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="benefits-outreach-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/benefits/outbox", response_class=HTMLResponse, name="web_benefit_outbox")
def outbox_page(request: Request, staff: CaseStaff, channel: str = "") -> Response:
    """The notice outbox: deliveries by channel and status, the newest messages (masked)."""
    from ilteo.benefits.models import CHANNELS
    from ilteo.benefits.notices import delivery_counts, outbox

    channel = channel.strip()[:MAX_FILTER]
    problem = channel and channel not in CHANNELS
    with _session(request) as session:
        counts = delivery_counts(session)
        entries = (
            []
            if problem
            else [
                asdict(e)
                for e in outbox(
                    session,
                    key=_key(_settings(request)),
                    channel=channel or None,
                    limit=OUTBOX_LIMIT,
                )
            ]
        )
    return _page(
        request,
        "benefits/outbox.html",
        title_key="notices.outbox.title",
        status_code=422 if problem else 200,
        channels=list(CHANNELS),
        channel=channel,
        problem=bool(problem),
        counts=counts,
        entries=entries,
        limit=OUTBOX_LIMIT,
    )


@router.get(
    "/benefits/staff/applications",
    response_class=HTMLResponse,
    name="web_benefit_staff_applications",
)
def staff_applications_page(
    request: Request,
    staff: CaseStaff,
    status: str = "",
    programme: str = "",
    page: str = "1",
    updated: str = "",
) -> Response:
    """The applications, filtered by status and programme, newest first; no names."""
    from ilteo.benefits.applications import staff_applications
    from ilteo.benefits.models import APPLICATION_STATUSES

    options = _filter_options(request_language(request))
    status, programme = status.strip()[:MAX_FILTER], programme.strip()[:MAX_FILTER]
    problems: dict[str, str] = {}
    if status and status not in APPLICATION_STATUSES:
        problems["status"] = "not_choice"
    if programme and programme not in options["programmes"]:
        problems["programme"] = "not_choice"
    context: dict[str, Any] = {
        "statuses": list(APPLICATION_STATUSES),
        "programmes": options["programmes"],
        "status_labels": options["app_status_labels"],
        "programme_labels": options["programme_labels"],
        "status": status,
        "programme": programme,
        "problems": problems,
        "rows": [],
        "total": 0,
        "page": 1,
        "pages": 0,
        "updated": updated if _ID.fullmatch(updated) else "",
        "query": urlencode({k: v for k, v in (("status", status), ("programme", programme)) if v}),
    }
    if not problems:
        number = _page_number(page)
        with _session(request) as session:
            found, total = staff_applications(
                session,
                status=status or None,
                programme=programme or None,
                page=number,
                per_page=PAGE_SIZE,
            )
            rows = [
                {
                    "id": a.id,
                    "programme": a.programme,
                    "status": a.status,
                    "office": a.office,
                    "created_at": a.created_at.date().isoformat(),
                    "master_person_id": a.master_person_id,
                }
                for a in found
            ]
        pages = max(1, -(-total // PAGE_SIZE))
        if number > pages:
            raise NotFoundError(f"page: {pages}쪽까지 있습니다 / the list has {pages} pages")
        context.update(rows=rows, total=total, page=number, pages=pages)
    return _page(
        request,
        "benefits/staff_applications.html",
        title_key="notices.staff.title",
        status_code=422 if problems else 200,
        **context,
    )


@router.get(
    "/benefits/staff/applications/{application_id}",
    response_class=HTMLResponse,
    name="web_benefit_staff_application",
)
def staff_application_page(
    request: Request, staff: CaseStaff, application_id: str, purpose: str = ""
) -> Response:
    """One application after the reader states a purpose; the read is audited."""
    from ilteo.benefits.applications import application_json, staff_application

    _check_id(application_id, "application")
    purpose = purpose.strip()[:300]
    t = Translator(request_language(request))
    title = t("notices.staff.one_title", id=application_id)
    if len(purpose) < MIN_PURPOSE_LENGTH:
        return _page(
            request,
            "benefits/staff_application.html",
            page_title=title,
            status_code=422 if purpose else 200,
            application_id=application_id,
            application=None,
            purpose=purpose,
            purpose_error=bool(purpose),
            min_purpose=MIN_PURPOSE_LENGTH,
            statuses=STAFF_STATUSES,
        )
    with _session(request) as session:
        application = staff_application(
            session, _account(session, staff.id), application_id, f"{purpose} {AUDIT_SUFFIX}"
        )
        data = application_json(session, application, t.lang)
    return _page(
        request,
        "benefits/staff_application.html",
        page_title=title,
        application_id=application_id,
        application=data,
        purpose=purpose,
        purpose_error=False,
        min_purpose=MIN_PURPOSE_LENGTH,
        statuses=STAFF_STATUSES,
    )


@router.post(
    "/benefits/staff/applications/{application_id}/status",
    response_class=HTMLResponse,
    name="web_benefit_staff_application_status",
)
def staff_status_submit(
    request: Request, staff: CaseStaff, application_id: str, posted: Posted
) -> Response:
    """Set an application's status (in review, approved, rejected); back to the list (303)."""
    from ilteo.benefits.applications import set_status

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_id(application_id, "application")
    status = posted.get("status", "")
    if status not in STAFF_STATUSES:
        raise InvalidInputError(
            f"status: {', '.join(STAFF_STATUSES)} 중 하나 / one of them: {status[:20]}"
        )
    with _session(request) as session:
        set_status(session, _account(session, staff.id), application_id, status)
    return RedirectResponse(
        f"/benefits/staff/applications?{urlencode({'updated': application_id})}", status_code=303
    )
