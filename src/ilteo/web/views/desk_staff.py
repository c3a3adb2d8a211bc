"""Staff pages of the one window, and the public timeliness statistics (issue 10).

Staff pages (handlers: desk officers, inspectors, counsellors, administrators; anyone else gets
the 403 page; supervisors - administrators and desk officers - also acknowledge urgent alerts):

- ``GET /desk/staff``: the queue (:func:`ilteo.desk.queue.queue`): a GET filter form (state or
  "open", category, office, urgent, overdue, assigned to me / anyone / nobody, channel, tracking
  number), the counts, a banner of the urgent requests nobody acknowledged yet (with the
  "acknowledge" button for supervisors, ``POST /desk/staff/requests/{number}/acknowledge``),
  the paged table.
- ``GET /desk/staff/requests/{number}``: one request (:func:`ilteo.desk.queue.staff_view`): the
  triage panel, the masked text, its case and a possible duplicate, the attachments, the history
  and the forms - assign, override (category, office, urgency, each with a reason), status
  change (the moves :data:`ilteo.desk.intake.TRANSITIONS` allows), the answer editor (save,
  send). Every form is CSRF-checked and answered with a redirect (303) back to the page.
- ``POST /desk/staff/requests/{number}/original``: the original text and contact, after a stated
  purpose; audited by the library and shown once on this answer only (``no-store``).
- ``GET /desk/staff/overdue``: the open requests past their deadline, by office.
- ``GET /desk/staff/cases`` and ``GET /desk/staff/cases/{case_id}``: the workplace cases, one
  case with its requests, and ``POST /desk/staff/cases/{case_id}/assign``.

Public page: ``GET /desk/stats`` - timeliness and outcomes per category and per office for a
period (:func:`ilteo.desk.stats.public_stats`), counts under the threshold shown as "<5", a link
to the open-data CSV and the definitions; the demo's figures are labelled synthetic.

Every text comes from ``messages/{ko,en}/desk_staff.yaml``; the staff pages are ``no-store``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import require_staff
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ilteo.desk.models import Request as DeskRequest
    from ilteo.identity.models import Account

router = APIRouter(include_in_schema=False)

#: Staff who handle requests (the same set as :data:`ilteo.desk.queue.HANDLER_ROLES`).
HANDLER_ROLES: Final = ("administrator", "counsellor", "desk_officer", "inspector")
#: Staff who acknowledge urgent alerts and reassign (:data:`ilteo.desk.queue.SUPERVISOR_ROLES`).
SUPERVISOR_ROLES: Final = ("administrator", "desk_officer")
#: Rows per page of the queue and the case list.
PAGE_SIZE: Final = 50
#: Urgent requests listed in the banner at most.
BANNER_LIMIT: Final = 20
#: Longest filter value read.
MAX_FILTER: Final = 48
#: Longest answer accepted from the editor (characters).
MAX_ANSWER: Final = 20_000
#: Shortest purpose of reading the original text (the library checks it too).
MIN_PURPOSE: Final = 4
#: Assignment filter choices (the empty choice, "anyone", shows every request).
ASSIGNED_CHOICES: Final = ("me", "nobody")
#: A tracking number: ``YYYY-MMDD-XXXXXX`` (Crockford base 32).
NUMBER: Final = re.compile(r"\d{4}-\d{4}-[0-9A-HJKMNP-TV-Z]{6}")
#: The beginning of a tracking number (the queue's number filter).
NUMBER_PREFIX: Final = re.compile(r"[0-9][0-9A-Z-]{0,15}")
_CASE_ID: Final = re.compile(r"[A-Za-z0-9_.:-]{1,32}")
_ACCOUNT_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: What a POST done says on the page it redirects to.
DONE: Final = ("assigned", "overridden", "status", "saved", "sent", "acknowledged", "case")

Handler = Annotated[AccountPublic, Depends(require_staff(*HANDLER_ROLES))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Any:
    from ilteo.core.db import session_scope

    return session_scope(_settings(request))


def _account(session: Session, account_id: str) -> Account:
    from ilteo.identity.accounts import get_account

    return get_account(session, account_id)


def _is_supervisor(staff: AccountPublic) -> bool:
    return bool(set(staff.roles) & set(SUPERVISOR_ROLES))


def _check_number(number: str) -> str:
    """``number`` when it looks like a tracking number; otherwise the 404 of an unknown one."""
    if not NUMBER.fullmatch(number):
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {number[:24]}")
    return number


def _check_case(case_id: str) -> str:
    if not _CASE_ID.fullmatch(case_id):
        raise NotFoundError(f"사건을 찾을 수 없습니다 / no such case: {case_id[:32]}")
    return case_id


def _page(
    request: Request,
    template: str,
    *,
    title_key: str = "",
    page_title: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A staff page: CSRF token, ``no-store``, the shared labels."""
    t = Translator(request_language(request))
    return identity_page(
        request,
        template,
        page_title=page_title if page_title is not None else t(title_key),
        current="desk",
        status_code=status_code,
        labels=_labels(t.lang),
        **context,
    )


def _labels(lang: str) -> dict[str, Any]:
    """Labels of the codes the pages show: categories, offices, urgent flags, states, channels."""
    from ilteo.desk.models import CHANNELS, STATUSES
    from ilteo.desk.taxonomy import CATEGORIES, URGENT_FLAGS

    en = lang == "en"
    t = Translator(lang)
    return {
        "categories": {c: (v.label_en if en else v.label_ko) for c, v in CATEGORIES.items()},
        "offices": _office_names(lang),
        "flags": {f: (en_label if en else ko) for f, (ko, en_label) in URGENT_FLAGS.items()},
        "statuses": {s: t.label("desk_staff.status", s) for s in STATUSES},
        "channels": {c: t.label("desk_staff.channel", c) for c in CHANNELS},
    }


def _office_names(lang: str) -> dict[str, str]:
    """Every office code with its name in ``lang``, in the tables' order."""
    from ilteo.desk.routing import offices

    names: dict[str, str] = {}
    for group in offices().values():
        for office in group:
            names.setdefault(office.code, office.name_en if lang == "en" else office.name_ko)
    return names


async def _posted(request: Request) -> dict[str, Any]:
    """The posted form: text fields cut to :data:`MAX_ANSWER` characters, lists for repeats."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in set(form.keys()):
        items = [v[:MAX_ANSWER] for v in form.getlist(key) if isinstance(v, str)]
        values[key] = items if key == "urgent" else (items[0] if items else "")
    return values


Posted = Annotated[dict[str, Any], Depends(_posted)]


# ----------------------------------------------------------------------------- the queue


def parse_filters(values: dict[str, str], staff_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The queue filters of a query and the fields that could not be read.

    Args:
        values: The query parameters.
        staff_id: The signed-in account (``assigned=me``).

    Returns:
        ``(filters, problems)``: ``filters`` holds the keyword arguments of
        :class:`ilteo.desk.queue.QueueFilters`; ``problems`` maps a field to a problem key
        (``desk_staff.problems.<key>``).
    """
    from ilteo.desk.models import CHANNELS, STATUSES
    from ilteo.desk.taxonomy import CATEGORIES

    raw = {k: values.get(k, "").strip()[:MAX_FILTER] for k in _FILTER_FIELDS}
    problems: dict[str, str] = {}
    choices: dict[str, Any] = {
        "status": ("open", *STATUSES),
        "category": CATEGORIES,
        "office": _office_names("ko"),
        "channel": CHANNELS,
        "assigned": ("anyone", *ASSIGNED_CHOICES),
        "urgent": ("yes",),
        "overdue": ("yes",),
    }
    for name, allowed in choices.items():
        if raw[name] and raw[name] not in allowed:
            problems[name] = "not_choice"
    number = raw["number"].upper()
    if number and not NUMBER_PREFIX.fullmatch(number):
        problems["number"] = "not_number"
    if problems:
        return {}, problems
    assigned = {"me": staff_id, "nobody": "none"}.get(raw["assigned"])
    filters: dict[str, Any] = {
        "status": raw["status"] or None,
        "category": raw["category"] or None,
        "office_code": raw["office"] or None,
        "urgent": True if raw["urgent"] else None,
        "overdue": True if raw["overdue"] else None,
        "assigned_to": assigned,
        "channel": raw["channel"] or None,
        "number": number or None,
    }
    return filters, problems


_FILTER_FIELDS: Final = (
    "status",
    "category",
    "office",
    "urgent",
    "overdue",
    "assigned",
    "channel",
    "number",
)


def _page_number(raw: str) -> int:
    """A page number (1 or more); anything else is refused naming the field."""
    text = raw.strip() or "1"
    if not re.fullmatch(r"\d{1,6}", text) or int(text) < 1:
        raise InvalidInputError(
            f"page: 쪽 번호는 1 이상입니다 / page must be 1 or more: {raw[:20]}"
        )
    return int(text)


def _row(request: DeskRequest, today: date) -> dict[str, Any]:
    """One queue row for the table."""
    from ilteo.identity.accounts import as_utc

    open_ = request.status not in ("answered", "closed")
    return {
        "id": request.id,
        "received_at": as_utc(request.received_at).isoformat(),
        "category": request.category,
        "confidence": request.confidence,
        "urgent": list(request.urgent or []),
        "acknowledged": request.urgent_ack_at is not None,
        "office_code": request.office_code,
        "office_name": (request.route or {}).get("office_name"),
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "overdue": bool(open_ and request.deadline and request.deadline < today),
        "status": request.status,
        "assigned_to": request.assigned_to,
        "channel": request.channel,
        "kind": request.kind,
    }


def _today() -> date:
    from ilteo.desk.deadlines import SEOUL
    from ilteo.identity.accounts import utcnow

    return utcnow().astimezone(SEOUL).date()


def _unacknowledged(session: Session, today: date) -> list[dict[str, Any]]:
    """The open urgent requests no supervisor acknowledged yet, oldest first."""
    from sqlalchemy import select

    from ilteo.desk.models import Request as DeskRequest

    rows = session.scalars(
        select(DeskRequest)
        .where(
            DeskRequest.alerted_at.is_not(None),
            DeskRequest.urgent_ack_at.is_(None),
            DeskRequest.status.not_in(("answered", "closed")),
        )
        .order_by(DeskRequest.received_at)
        .limit(BANNER_LIMIT)
    )
    return [_row(r, today) for r in rows]


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    """Display names of the staff accounts ``ids`` (their login when unnamed)."""
    from sqlalchemy import select

    from ilteo.identity.models import Account

    if not ids:
        return {}
    rows = session.execute(
        select(Account.id, Account.display_name, Account.login).where(Account.id.in_(ids))
    ).all()
    return {r[0]: r[1] or r[2] for r in rows}


@router.get("/desk/staff", response_class=HTMLResponse, name="web_desk_staff_queue")
def queue_page(request: Request, staff: Handler) -> Response:
    """The queue: filters, counts, the unacknowledged urgent banner and the paged table."""
    from ilteo.desk.queue import QueueFilters, queue

    values = {k: v[:MAX_FILTER] for k, v in request.query_params.items()}
    filters, problems = parse_filters(values, staff.id)
    today = _today()
    context: dict[str, Any] = {
        "values": {k: values.get(k, "") for k in _FILTER_FIELDS},
        "problems": problems,
        "assigned_choices": ASSIGNED_CHOICES,
        "supervisor": _is_supervisor(staff),
        "rows": [],
        "result": None,
        "pages": 0,
        "query": urlencode({k: values[k] for k in _FILTER_FIELDS if values.get(k)}),
        "done": _done(values.get("done", "")),
        "today": today.isoformat(),
        "me": staff.id,
    }
    with _session(request) as session:
        context["banner"] = _unacknowledged(session, today)
        if not problems:
            page = _page_number(values.get("page", "1"))
            found = queue(
                session, QueueFilters(**filters), today=today, page=page, per_page=PAGE_SIZE
            )
            pages = max(1, -(-found.total // PAGE_SIZE))
            if page > pages:
                raise NotFoundError(f"page: {pages}쪽까지 있습니다 / the list has {pages} pages")
            rows = [_row(r, today) for r in found.rows]
            context.update(
                rows=rows,
                result={"total": found.total, "page": page, "counts": found.counts},
                pages=pages,
                names=_names(session, {r["assigned_to"] for r in rows if r["assigned_to"]}),
            )
        else:
            context["names"] = {}
    return _page(
        request,
        "desk_staff/queue.html",
        title_key="desk_staff.queue.title",
        status_code=422 if problems else 200,
        **context,
    )


def _done(value: str) -> str:
    return value if value in DONE else ""


@router.post(
    "/desk/staff/requests/{number}/acknowledge",
    response_class=HTMLResponse,
    name="web_desk_staff_acknowledge",
)
def acknowledge_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """A supervisor acknowledges an urgent alert; back to where the button was (303)."""
    from ilteo.desk.queue import acknowledge

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    with _session(request) as session:
        acknowledge(session, _account(session, staff.id), number)
    target = "/desk/staff" if posted.get("back") != "request" else f"/desk/staff/requests/{number}"
    return RedirectResponse(f"{target}?done=acknowledged", status_code=303)


# ----------------------------------------------------------------------------- one request


def _law_link(reference: str) -> dict[str, str]:
    """A knowledge-base reference ``[title](href)`` as a title and a law.go.kr link."""
    from ilteo.desk.knowledge import links

    title, href = links(reference)
    safe = href if href.startswith(("https://www.law.go.kr/", "https://law.go.kr/")) else ""
    return {"title": title, "href": safe}


def _sources(draft: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The passages a draft answer was built from, each with its law links."""
    found = []
    for source in (draft or {}).get("sources") or []:
        if not isinstance(source, dict):
            continue
        refs = [_law_link(str(r)) for r in source.get("references") or []]
        found.append(
            {
                "title": str(source.get("title") or source.get("id") or ""),
                "version": str(source.get("version") or ""),
                "references": refs,
            }
        )
    return found


def _deadline_basis(view: dict[str, Any], lang: str) -> dict[str, str] | None:
    """The rule the request's deadline comes from (its category's), with its link."""
    from datetime import datetime

    from ilteo.desk.deadlines import deadline

    request = view["request"]
    received = request.get("received_at")
    if not received:
        return None
    try:
        rule = deadline(request.get("category") or "other", datetime.fromisoformat(received))
    except (KeyError, ValueError):
        return None
    return {"basis": rule.basis_ko, "reference": rule.reference, "days": str(rule.working_days)}


def _request_context(
    session: Session, settings: Settings, staff: AccountPublic, number: str
) -> dict[str, Any]:
    """Everything the request page shows, from :func:`ilteo.desk.queue.staff_view`."""
    from ilteo.desk.intake import TRANSITIONS
    from ilteo.desk.queue import staff_view

    view = staff_view(session, settings, _account(session, staff.id), number)
    data = view["request"]
    status = str(data.get("status") or "received")
    assigned = data.get("assigned_to")
    ids = {str(assigned)} if assigned else set()
    for event in view.get("history") or []:
        actor = str(event.get("actor") or "")
        if actor.startswith("account:"):
            ids.add(actor.split(":", 1)[1])
    today = _today()
    deadline = data.get("deadline")
    open_ = status not in ("answered", "closed")
    return {
        "number": number,
        "view": view,
        "data": data,
        "draft": data.get("draft") or {},
        "sources": _sources(data.get("draft")),
        "next_states": list(TRANSITIONS.get(status, ())),
        "names": _names(session, ids),
        "overdue": bool(open_ and deadline and str(deadline) < today.isoformat()),
        "answer_text": data.get("answer_text") or (data.get("draft") or {}).get("text") or "",
        "supervisor": _is_supervisor(staff),
        "me": staff.id,
    }


def _request_page(
    request: Request,
    staff: AccountPublic,
    number: str,
    *,
    problem: InvalidInputError | None = None,
    form: str = "",
    posted: dict[str, Any] | None = None,
) -> Response:
    _check_number(number)
    lang = request_language(request)
    with _session(request) as session:
        context = _request_context(session, _settings(request), staff, number)
    context["basis"] = _deadline_basis(context["view"], lang)
    t = Translator(lang)
    fields = list(problem.extra.get("fields") or []) if problem else []
    return _page(
        request,
        "desk_staff/request.html",
        page_title=t("desk_staff.request.title", number=number),
        status_code=422 if problem else 200,
        problem={"form": form, "detail": problem.detail, "fields": fields} if problem else None,
        posted=posted or {},
        done=_done(request.query_params.get("done", "")),
        min_purpose=MIN_PURPOSE,
        original=None,
        purpose="",
        **context,
    )


@router.get(
    "/desk/staff/requests/{number}", response_class=HTMLResponse, name="web_desk_staff_request"
)
def request_page(request: Request, staff: Handler, number: str) -> Response:
    """One request: triage, masked text, case, attachments, history and the forms."""
    return _request_page(request, staff, number)


def _back(number: str, done: str) -> Response:
    return RedirectResponse(f"/desk/staff/requests/{number}?done={done}#result", status_code=303)


def _assignee(staff: AccountPublic, posted: dict[str, Any]) -> str:
    """The account id the form names: "me" (or nothing) is the signed-in member of staff.

    Raises:
        InvalidInputError: Not an account id.
    """
    target = str(posted.get("assignee") or "").strip()
    assignee = staff.id if target in ("", "me") else target
    if not _ACCOUNT_ID.fullmatch(assignee):
        raise InvalidInputError(
            "assignee: 계정 번호를 확인하세요 / check the account id", fields=["assignee"]
        )
    return assignee


def _reason(posted: dict[str, Any], name: str = "reason") -> str:
    return str(posted.get(name) or "").strip()[:300]


@router.post(
    "/desk/staff/requests/{number}/assign",
    response_class=HTMLResponse,
    name="web_desk_staff_assign",
)
def assign_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """Assign the request to the signed-in member of staff or to an account id (with a reason)."""
    from ilteo.desk.queue import assign

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    try:
        assignee = _assignee(staff, posted)
        with _session(request) as session:
            assign(session, _account(session, staff.id), number, assignee, reason=_reason(posted))
    except InvalidInputError as error:
        return _request_page(request, staff, number, problem=error, form="assign", posted=posted)
    except NotFoundError as error:
        if assignee == staff.id or "계정" not in error.detail:
            raise
        unknown = InvalidInputError(error.detail, fields=["assignee"])
        return _request_page(request, staff, number, problem=unknown, form="assign", posted=posted)
    return _back(number, "assigned")


@router.post(
    "/desk/staff/requests/{number}/override",
    response_class=HTMLResponse,
    name="web_desk_staff_override",
)
def override_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """Override the category, the office or the urgency flags, with a reason (audited)."""
    from ilteo.desk.queue import override

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    field = str(posted.get("field") or "")
    form = f"override-{field}"
    value: Any
    if field == "category":
        value = str(posted.get("category") or "").strip()
    elif field == "route":
        value = str(posted.get("office") or "").strip()
    elif field == "urgent":
        value = [str(v) for v in posted.get("urgent") or []]
    else:
        error = InvalidInputError("field: category, route, urgent", fields=["field"])
        return _request_page(request, staff, number, problem=error, form=form, posted=posted)
    try:
        with _session(request) as session:
            override(
                session, _account(session, staff.id), number, field, value, reason=_reason(posted)
            )
    except InvalidInputError as error:
        return _request_page(request, staff, number, problem=error, form=form, posted=posted)
    return _back(number, "overridden")


@router.post(
    "/desk/staff/requests/{number}/status",
    response_class=HTMLResponse,
    name="web_desk_staff_status",
)
def status_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """Move the request to one of the next states the process allows, with a reason."""
    from ilteo.desk.intake import set_status

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    try:
        with _session(request) as session:
            set_status(
                session,
                number,
                str(posted.get("status") or "")[:MAX_FILTER],
                reason=_reason(posted),
                actor=f"account:{staff.id}",
            )
    except InvalidInputError as error:
        return _request_page(request, staff, number, problem=error, form="status", posted=posted)
    return _back(number, "status")


@router.post(
    "/desk/staff/requests/{number}/answer",
    response_class=HTMLResponse,
    name="web_desk_staff_answer",
)
def answer_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """Save the answer (``action=save``) or save and send it (``action=send``)."""
    from ilteo.desk.queue import save_answer, send_answer

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    action = str(posted.get("action") or "save")
    text = str(posted.get("answer") or "").strip()
    try:
        if not text:
            raise InvalidInputError(
                "answer: 답변을 적어 주세요 / write the answer", fields=["answer"]
            )
        with _session(request) as session:
            account = _account(session, staff.id)
            save_answer(session, account, number, text)
        if action == "send":
            with _session(request) as session:
                send_answer(session, _account(session, staff.id), number)
    except InvalidInputError as error:
        return _request_page(request, staff, number, problem=error, form="answer", posted=posted)
    return _back(number, "sent" if action == "send" else "saved")


@router.post(
    "/desk/staff/requests/{number}/original",
    response_class=HTMLResponse,
    name="web_desk_staff_original",
)
def original_submit(request: Request, staff: Handler, number: str, posted: Posted) -> Response:
    """The original text and contact after a stated purpose: audited, shown once, never cached."""
    from ilteo.desk.queue import staff_view

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_number(number)
    purpose = _reason(posted, "purpose")
    if len(purpose) < MIN_PURPOSE:
        error = InvalidInputError(
            f"purpose: {MIN_PURPOSE}자 이상 / at least {MIN_PURPOSE} characters",
            fields=["purpose"],
        )
        return _request_page(request, staff, number, problem=error, form="original", posted=posted)
    with _session(request) as session:
        opened = staff_view(
            session, _settings(request), _account(session, staff.id), number, purpose=purpose
        )
    t = Translator(request_language(request))
    response = _page(
        request,
        "desk_staff/original.html",
        page_title=t("desk_staff.original.title", number=number),
        number=number,
        original=opened.get("original"),
        original_contact=opened.get("original_contact"),
        purpose=purpose,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------------------- overdue, cases


@router.get("/desk/staff/overdue", response_class=HTMLResponse, name="web_desk_staff_overdue")
def overdue_page(request: Request, staff: Handler) -> Response:
    """The open requests past their deadline, grouped by office (most first)."""
    from ilteo.desk.queue import overdue

    today = _today()
    groups: dict[str, list[dict[str, Any]]] = {}
    with _session(request) as session:
        for row in overdue(session, today=today):
            groups.setdefault(row.office_code or "", []).append(_row(row, today))
        names = _names(
            session, {r["assigned_to"] for g in groups.values() for r in g if r["assigned_to"]}
        )
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return _page(
        request,
        "desk_staff/overdue.html",
        title_key="desk_staff.overdue.title",
        groups=ordered,
        total=sum(len(g) for g in groups.values()),
        names=names,
        today=today.isoformat(),
    )


def _case_row(case: Any) -> dict[str, Any]:
    from ilteo.identity.accounts import as_utc

    return {
        "id": case.id,
        "workplace_name": case.workplace_name,
        "master_workplace_id": case.master_workplace_id,
        "office_code": case.office_code,
        "status": case.status,
        "request_count": case.request_count,
        "categories": dict(case.categories or {}),
        "urgent": list(case.urgent or []),
        "assigned_to": case.assigned_to,
        "updated_at": as_utc(case.updated_at).isoformat(),
        "opened_at": as_utc(case.opened_at).isoformat(),
    }


@router.get("/desk/staff/cases", response_class=HTMLResponse, name="web_desk_staff_cases")
def cases_page(request: Request, staff: Handler) -> Response:
    """The workplace cases: urgent first, then the most requests; filters office and state."""
    from ilteo.desk.cases import cases
    from ilteo.desk.models import CASE_STATUSES

    values = {k: v.strip()[:MAX_FILTER] for k, v in request.query_params.items()}
    office, status = values.get("office", ""), values.get("status", "open")
    problems: dict[str, str] = {}
    if office and office not in _office_names("ko"):
        problems["office"] = "not_choice"
    if status not in CASE_STATUSES:
        problems["status"] = "not_choice"
    context: dict[str, Any] = {
        "office": office,
        "status": status,
        "case_statuses": CASE_STATUSES,
        "problems": problems,
        "rows": [],
        "total": 0,
        "page": 1,
        "pages": 0,
        "names": {},
        "query": urlencode({k: v for k, v in (("office", office), ("status", status)) if v}),
    }
    if not problems:
        page = _page_number(values.get("page", "1"))
        with _session(request) as session:
            found, total = cases(
                session, office_code=office or None, status=status, page=page, per_page=PAGE_SIZE
            )
            rows = [_case_row(c) for c in found]
            names = _names(session, {r["assigned_to"] for r in rows if r["assigned_to"]})
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            raise NotFoundError(f"page: {pages}쪽까지 있습니다 / the list has {pages} pages")
        context.update(rows=rows, total=total, page=page, pages=pages, names=names)
    return _page(
        request,
        "desk_staff/cases.html",
        title_key="desk_staff.cases.title",
        status_code=422 if problems else 200,
        **context,
    )


def _case_page(
    request: Request,
    staff: AccountPublic,
    case_id: str,
    *,
    problem: InvalidInputError | None = None,
    posted: dict[str, Any] | None = None,
) -> Response:
    from ilteo.desk.cases import case_of, case_requests

    _check_case(case_id)
    today = _today()
    with _session(request) as session:
        case = _case_row(case_of(session, case_id))
        requests = [_row(r, today) for r in case_requests(session, case_id)]
        ids = {r["assigned_to"] for r in requests if r["assigned_to"]}
        names = _names(session, ids | ({case["assigned_to"]} if case["assigned_to"] else set()))
    t = Translator(request_language(request))
    return _page(
        request,
        "desk_staff/case.html",
        page_title=t("desk_staff.case.title", id=case_id),
        status_code=422 if problem else 200,
        case=case,
        requests=requests,
        names=names,
        problem={"detail": problem.detail, "fields": list(problem.extra.get("fields") or [])}
        if problem
        else None,
        posted=posted or {},
        done=_done(request.query_params.get("done", "")),
        me=staff.id,
    )


@router.get("/desk/staff/cases/{case_id}", response_class=HTMLResponse, name="web_desk_staff_case")
def case_page(request: Request, staff: Handler, case_id: str) -> Response:
    """One case: the workplace, its office, the counts and its requests; the assign form."""
    return _case_page(request, staff, case_id)


@router.post(
    "/desk/staff/cases/{case_id}/assign",
    response_class=HTMLResponse,
    name="web_desk_staff_case_assign",
)
def case_assign_submit(request: Request, staff: Handler, case_id: str, posted: Posted) -> Response:
    """Assign the case (and its open requests) to me or to an account id, with a reason."""
    from ilteo.desk.cases import assign_case

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    _check_case(case_id)
    try:
        assignee = _assignee(staff, posted)
        with _session(request) as session:
            assign_case(
                session, _account(session, staff.id), case_id, assignee, reason=_reason(posted)
            )
    except InvalidInputError as error:
        return _case_page(request, staff, case_id, problem=error, posted=posted)
    return RedirectResponse(f"/desk/staff/cases/{case_id}?done=case", status_code=303)


# ----------------------------------------------------------------------------- public statistics


def _day(raw: str, name: str, problems: dict[str, str]) -> date | None:
    text = raw.strip()[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = "not_date"
        return None


def _stat_row(row: Any, lang: str) -> dict[str, Any]:
    """A statistics row for the tables (``None`` counts are the suppressed "<5" cells)."""
    return {
        "key": row.key,
        "label": row.label_en if lang == "en" and row.label_en else row.label_ko,
        "received": row.received,
        "answered": row.answered,
        "on_time_rate": row.on_time_rate,
        "median_days": row.median_days,
        "p90_days": row.p90_days,
        "open": row.open,
        "open_overdue": row.open_overdue,
    }


@router.get("/desk/stats", response_class=HTMLResponse, name="web_desk_stats")
def stats_page(request: Request, since: str = "", until: str = "") -> Response:
    """Public timeliness and outcome statistics per category and office, for a period."""
    from ilteo.core.db import session_scope
    from ilteo.desk.stats import public_stats
    from ilteo.monitor.report import is_synthetic

    lang = request_language(request)
    problems: dict[str, str] = {}
    start, end = _day(since, "since", problems), _day(until, "until", problems)
    if start and end and start > end:
        problems["until"] = "date_order"
    settings = _settings(request)
    stats: dict[str, Any] | None = None
    if not problems:
        with session_scope(settings) as session:
            found = public_stats(session, since=start, until=end)
        stats = {
            "since": found.since.isoformat() if found.since else "",
            "until": found.until.isoformat() if found.until else "",
            "generated_at": str(found.generated_at)[:16].replace("T", " "),
            "by_category": [_stat_row(r, lang) for r in found.by_category],
            "by_office": [_stat_row(r, lang) for r in found.by_office],
            "total": _stat_row(found.total, lang),
            "suppressed_below": found.suppressed_below,
        }
    query = urlencode({k: v for k, v in (("since", since), ("until", until)) if v and not problems})
    return render(
        request,
        "desk_staff/stats.html",
        title_key="desk_staff.stats.title",
        current="desk_stats",
        status_code=422 if problems else 200,
        stats=stats,
        problems=problems,
        values={"since": since[:10], "until": until[:10]},
        csv_url="/v1/desk/stats.csv" + (f"?{query}" if query else ""),
        synthetic=is_synthetic(settings),
    )
