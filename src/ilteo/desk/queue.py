"""The staff queue of the one window: list, read, assign, correct, answer, acknowledge, retrain.

Who may do what (roles of :func:`ilteo.identity.accounts.roles_of`):

- **handlers** (:data:`HANDLER_ROLES`: desk officers, inspectors, counsellors, administrators)
  read the queue and the requests, take a request, correct its triage (:func:`override`), write
  and send the answer;
- **supervisors** (:data:`SUPERVISOR_ROLES`: administrators and desk officers) also assign a
  request to someone else, reassign it, and acknowledge urgent alerts;
- analysts see the public statistics only (:mod:`ilteo.desk.stats`).

Anyone else gets :class:`NotHandlerError` (HTTP 403).

The queue's order (:func:`queue`): urgent requests not yet acknowledged by a supervisor first,
then overdue ones, then by deadline (soonest first), then by time of receipt (oldest first).

What is audited: reading the original (unmasked) text with a purpose (:func:`staff_view`: an
audit entry, and a person read the citizen sees when the request's account is linked to a
master person), every override, every acknowledgement. No audit entry holds the clear text,
the masked text or the staff's free-text reason - only codes, identifiers and the purpose.

Overrides of the category feed retraining (:func:`retrain`): the last category set by staff for
each request, on its masked text, is added to the labelled training data; the new model gets a
new version (a hash of the code, the labelled data and the corrections) and every override used
is marked with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ilteo.core.errors import IlteoError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.models import STATUSES, Case, Override, Request
from ilteo.identity.models import Account

if TYPE_CHECKING:
    from ilteo.desk.routing import Office

#: Roles that work the queue: read, take, correct and answer requests.
HANDLER_ROLES: Final = frozenset({"desk_officer", "inspector", "counsellor", "administrator"})
#: Roles that also assign to others, reassign and acknowledge urgent alerts.
SUPERVISOR_ROLES: Final = frozenset({"administrator", "desk_officer"})
#: States in which a request still waits for its answer.
OPEN_STATUSES: Final[tuple[str, ...]] = (
    "received",
    "classified",
    "assigned",
    "in_progress",
    "waiting_citizen",
)
#: Fields a member of staff may correct.
OVERRIDE_FIELDS: Final[tuple[str, ...]] = ("category", "route", "urgent")
#: Kinds of personal data an answer may never carry (:func:`ilteo.desk.pii.mask`).
FORBIDDEN_IN_ANSWER: Final[tuple[str, ...]] = ("rrn", "foreign_rrn", "card", "account")
#: The shortest reason accepted for an assignment or an override.
MIN_REASON_LENGTH: Final = 2
#: The shortest purpose accepted for reading the original text.
MIN_PURPOSE_LENGTH: Final = 4
#: The longest answer (characters).
MAX_ANSWER: Final = 20_000


class NotHandlerError(IlteoError):
    """The acting account lacks the role the action needs (mapped to HTTP 403)."""

    code: ClassVar[str] = "forbidden"
    status: ClassVar[int] = 403
    title_ko: ClassVar[str] = "권한이 없습니다"
    title_en: ClassVar[str] = "Forbidden"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows; ``None`` means any.

    Attributes:
        status: One of :data:`ilteo.desk.models.STATUSES`, or ``"open"`` (not yet answered).
        category: A category code.
        office_code: The office the request is routed to.
        urgent: Only requests with (``True``) or without (``False``) urgency flags.
        assigned_to: An account id; ``"none"`` for unassigned requests.
        overdue: Only open requests past (``True``) or within (``False``) their deadline.
        case_id: The workplace case.
        channel: How it arrived (:data:`ilteo.desk.models.CHANNELS`).
        number: A tracking number or its beginning.
    """

    status: str | None = None
    category: str | None = None
    office_code: str | None = None
    urgent: bool | None = None
    assigned_to: str | None = None
    overdue: bool | None = None
    case_id: str | None = None
    channel: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the counts for its tabs.

    ``counts`` = ``{"by_status": {status: n}, "by_category": {code: n},
    "urgent_unacknowledged": n, "overdue": n}``: ``by_status`` over every filter but ``status``
    (so each tab shows its count); the others over every filter.
    """

    rows: list[Request]
    total: int
    page: int
    per_page: int
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrainResult:
    """What :func:`retrain` did: the new and previous model versions, corrections, metrics.

    ``metrics`` are those of the new model on the held-out fifth of the labelled set
    (``n``, ``accuracy``, ``macro_f1``, ``f1`` per category).
    """

    version: str
    previous_version: str
    corrections: int
    metrics: dict[str, Any]


# --- helpers ---------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    from ilteo.identity.accounts import utcnow

    return now or utcnow()


def _today(today: date | None) -> date:
    from ilteo.desk.deadlines import SEOUL

    return today or datetime.now(SEOUL).date()


def _iso(value: datetime | None) -> str | None:
    from ilteo.identity.accounts import as_utc

    return as_utc(value).isoformat() if value is not None else None


def _require(session: Session, staff: Account, roles: frozenset[str], what: str) -> None:
    if not set(roles_of_account(session, staff)) & roles:
        raise NotHandlerError(
            f"{what}: 권한이 없습니다 / only {', '.join(sorted(roles))} may do this",
            roles=sorted(roles),
        )


def roles_of_account(session: Session, staff: Account) -> tuple[str, ...]:
    """The staff roles of ``staff`` (none for a disabled account)."""
    from ilteo.identity.accounts import roles_of

    if staff.status == "disabled":
        return ()
    return roles_of(session, staff.id)


def is_handler(session: Session, staff: Account) -> bool:
    """Whether ``staff`` may work the queue."""
    return bool(set(roles_of_account(session, staff)) & HANDLER_ROLES)


def is_supervisor(session: Session, staff: Account) -> bool:
    """Whether ``staff`` may assign to others and acknowledge urgent alerts."""
    return bool(set(roles_of_account(session, staff)) & SUPERVISOR_ROLES)


def _get(session: Session, request_id: str) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {request_id}")
    return request


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON_LENGTH:
        raise InvalidInputError("reason: 사유를 적어 주세요 / give a reason", fields=["reason"])
    return text[:300]


def _actor(staff: Account) -> str:
    return f"account:{staff.id}"


def _event(session: Session, request: Request, reason: str, actor: str, now: datetime) -> None:
    """An event that records an action without changing the state."""
    from ilteo.desk.models import Event

    session.add(
        Event(request_id=request.id, at=now, status=request.status, reason=reason, actor=actor)
    )
    session.flush()


def _is_urgent() -> ColumnElement[bool]:
    text = func.coalesce(cast(Request.urgent, String), "[]")
    return and_(text != "[]", text != "null", text != "")


def _unacknowledged() -> ColumnElement[bool]:
    return and_(
        Request.alerted_at.is_not(None),
        Request.urgent_ack_at.is_(None),
        Request.status.in_(OPEN_STATUSES),
        _is_urgent(),
    )


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(
        Request.status.in_(OPEN_STATUSES),
        Request.deadline.is_not(None),
        Request.deadline < today,
    )


def _status_condition(status: str) -> Any:
    if status == "open":
        return Request.status.in_(OPEN_STATUSES)
    if status in STATUSES:
        return Request.status == status
    raise InvalidInputError(
        f"status: unknown (known: open, {', '.join(STATUSES)})", fields=["status"]
    )


def _conditions(filters: QueueFilters, today: date, *, with_status: bool) -> list[Any]:
    where: list[Any] = []
    if with_status and filters.status:
        where.append(_status_condition(filters.status))
    equal = (
        (Request.category, filters.category),
        (Request.office_code, filters.office_code),
        (Request.case_id, filters.case_id),
        (Request.channel, filters.channel),
    )
    where.extend(column == value for column, value in equal if value)
    if filters.urgent is not None:
        where.append(_is_urgent() if filters.urgent else ~_is_urgent())
    if filters.assigned_to == "none":
        where.append(Request.assigned_to.is_(None))
    elif filters.assigned_to:
        where.append(Request.assigned_to == filters.assigned_to)
    if filters.overdue is not None:
        where.append(_overdue(today) if filters.overdue else ~_overdue(today))
    number = (filters.number or "").strip().upper()
    if number:
        where.append(Request.id.startswith(number, autoescape=True))
    return where


# --- reading ---------------------------------------------------------------------------------


def queue(
    session: Session,
    filters: QueueFilters,
    *,
    today: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> QueuePage:
    """One page of the staff queue.

    Order: urgent and not yet acknowledged first, then overdue, then by deadline (soonest
    first, none last), then by time of receipt (oldest first).

    Args:
        session: The store.
        filters: What to show.
        today: The Asia/Seoul day that decides "overdue" (today by default).
        page: The page, from 1.
        per_page: Rows per page (1 to 200).

    Returns:
        The rows, the total matching, and the counts for the tabs.

    Raises:
        InvalidInputError: An unknown status, or a page or page size out of range.
    """
    if page < 1:
        raise InvalidInputError("page: 1 이상 / at least 1", fields=["page"])
    if not 1 <= per_page <= 200:
        raise InvalidInputError("per_page: 1-200", fields=["per_page"])
    day = _today(today)
    where = _conditions(filters, day, with_status=True)
    total = int(session.scalar(select(func.count()).select_from(Request).where(*where)) or 0)
    order = (
        case((_unacknowledged(), 0), else_=1),
        case((_overdue(day), 0), else_=1),
        case((Request.deadline.is_(None), 1), else_=0),
        Request.deadline,
        Request.received_at,
        Request.id,
    )
    rows = list(
        session.scalars(
            select(Request)
            .where(*where)
            .order_by(*order)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    without_status = _conditions(filters, day, with_status=False)
    by_status = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(
        select(Request.status, func.count()).where(*without_status).group_by(Request.status)
    ):
        by_status[str(status)] = int(n)
    by_category = {
        str(category or "unclassified"): int(n)
        for category, n in session.execute(
            select(Request.category, func.count())
            .where(*where)
            .group_by(Request.category)
            .order_by(func.count().desc(), Request.category)
        )
    }
    unacknowledged = session.scalar(
        select(func.count()).select_from(Request).where(*where, _unacknowledged())
    )
    overdue_n = session.scalar(
        select(func.count()).select_from(Request).where(*where, _overdue(day))
    )
    counts: dict[str, Any] = {
        "by_status": by_status,
        "by_category": by_category,
        "urgent_unacknowledged": int(unacknowledged or 0),
        "overdue": int(overdue_n or 0),
    }
    return QueuePage(rows, total, page, per_page, counts)


def request_json(request: Request, *, today: date | None = None) -> dict[str, Any]:
    """Every field staff see of a request (never the sealed text or contact).

    Adds ``overdue`` (open and past its deadline on ``today``) and ``urgent_unacknowledged``.
    """
    from ilteo.desk.taxonomy import CATEGORIES

    day = _today(today)
    is_open = request.status in OPEN_STATUSES
    category = CATEGORIES.get(request.category or "")
    return {
        "tracking_number": request.id,
        "received_at": _iso(request.received_at),
        "channel": request.channel,
        "kind": request.kind,
        "account_id": request.account_id,
        "service_code": request.service_code,
        "title": request.title_masked,
        "text_masked": request.text_masked,
        "pii_counts": dict(request.pii_counts or {}),
        "contact_masked": request.contact_masked,
        "workplace_name": request.workplace_name,
        "workplace_address": request.workplace_address,
        "workplace_brn": request.workplace_brn,
        "master_workplace_id": request.master_workplace_id,
        "latitude": request.latitude,
        "longitude": request.longitude,
        "status": request.status,
        "status_at": _iso(request.status_at),
        "category": request.category,
        "category_label_ko": category.label_ko if category else None,
        "category_label_en": category.label_en if category else None,
        "confidence": request.confidence,
        "candidates": [list(c) for c in request.candidates or []],
        "model_version": request.model_version,
        "urgent": list(request.urgent or []),
        "route": dict(request.route) if request.route else None,
        "office_code": request.office_code,
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "overdue": bool(is_open and request.deadline is not None and request.deadline < day),
        "summary": list(request.summary or []),
        "draft": request.draft,
        "triaged_at": _iso(request.triaged_at),
        "triage_error": request.triage_error,
        "assigned_to": request.assigned_to,
        "case_id": request.case_id,
        "duplicate_of": request.duplicate_of,
        "answer_text": request.answer_text,
        "answered_at": _iso(request.answered_at),
        "answered_by": request.answered_by,
        "alerted_at": _iso(request.alerted_at),
        "urgent_ack_at": _iso(request.urgent_ack_at),
        "urgent_ack_by": request.urgent_ack_by,
        "urgent_unacknowledged": bool(
            is_open and request.urgent and request.alerted_at and request.urgent_ack_at is None
        ),
    }


def _override_json(row: Override) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": _iso(row.at),
        "staff_account_id": row.staff_account_id,
        "field": row.field,
        "old": row.old,
        "new": row.new,
        "reason": row.reason,
        "used_in_model": row.used_in_model,
    }


def _case_json(row: Case) -> dict[str, Any]:
    return {
        "id": row.id,
        "master_workplace_id": row.master_workplace_id,
        "workplace_name": row.workplace_name,
        "office_code": row.office_code,
        "status": row.status,
        "opened_at": _iso(row.opened_at),
        "updated_at": _iso(row.updated_at),
        "request_count": row.request_count,
        "categories": dict(row.categories or {}),
        "urgent": list(row.urgent or []),
        "assigned_to": row.assigned_to,
    }


def overrides_of(session: Session, request_id: str) -> list[Override]:
    """The corrections of a request, oldest first."""
    return list(
        session.scalars(
            select(Override)
            .where(Override.request_id == request_id)
            .order_by(Override.at, Override.id)
        )
    )


def staff_view(
    session: Session,
    settings: Settings,
    staff: Account,
    request_id: str,
    *,
    purpose: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What a handler sees of one request; the original text only with a purpose (audited).

    Returns:
        ``{"request": request_json, "history": [...], "overrides": [...],
        "attachments": [...], "case": {...} | None, "duplicate_of": id | None,
        "original": str | None, "original_contact": str | None}``.

    Raises:
        NotHandlerError: ``staff`` is not a handler.
        NotFoundError: Unknown request.
        InvalidInputError: A purpose shorter than :data:`MIN_PURPOSE_LENGTH` characters.
    """
    from ilteo.desk.attachments import attachments_of
    from ilteo.desk.intake import history

    _require(session, staff, HANDLER_ROLES, "staff_view")
    request = _get(session, request_id)
    original: str | None = None
    original_contact: str | None = None
    if purpose is not None:
        original, original_contact = _open_original(session, settings, staff, request, purpose, now)
    case_row = session.get(Case, request.case_id) if request.case_id else None
    return {
        "request": request_json(request),
        "history": [
            {"at": _iso(e.at), "status": e.status, "reason": e.reason, "actor": e.actor}
            for e in history(session, request.id)
        ],
        "overrides": [_override_json(o) for o in overrides_of(session, request.id)],
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "received_at": _iso(a.received_at),
            }
            for a in attachments_of(session, request.id)
        ],
        "case": _case_json(case_row) if case_row is not None else None,
        "duplicate_of": request.duplicate_of,
        "original": original,
        "original_contact": original_contact,
    }


def _open_original(
    session: Session,
    settings: Settings,
    staff: Account,
    request: Request,
    purpose: str,
    now: datetime | None,
) -> tuple[str, str | None]:
    from ilteo.core.crypto import unseal
    from ilteo.desk.intake import SEAL_PURPOSE, _key
    from ilteo.identity.accounts import record_audit
    from ilteo.identity.reads import audit_person_read

    purpose = purpose.strip()
    if len(purpose) < MIN_PURPOSE_LENGTH:
        raise InvalidInputError(
            "purpose: 열람 목적을 적어 주세요 / state the purpose of the read", fields=["purpose"]
        )
    at = _now(now)
    key = _key(settings)
    text = unseal(key, SEAL_PURPOSE, request.text_sealed)
    contact = unseal(key, SEAL_PURPOSE, request.contact_sealed) if request.contact_sealed else None
    record_audit(
        session,
        "desk.original_read",
        account_id=staff.id,
        now=at,
        request=request.id,
        purpose=purpose[:200],
    )
    if request.account_id:
        owner = session.get(Account, request.account_id)
        if owner is not None and owner.master_person_id:
            audit_person_read(
                session,
                staff,
                owner.master_person_id,
                f"민원 {request.id} 원문 열람: {purpose}"[:300],
                now=at,
            )
    session.flush()
    return text, contact


def overdue(
    session: Session, *, today: date | None = None, office_code: str | None = None
) -> list[Request]:
    """Open requests past their deadline on ``today`` (Asia/Seoul), most overdue first."""
    where = [_overdue(_today(today))]
    if office_code:
        where.append(Request.office_code == office_code)
    return list(
        session.scalars(
            select(Request).where(*where).order_by(Request.deadline, Request.received_at)
        )
    )


# --- acting ----------------------------------------------------------------------------------


def assign(
    session: Session,
    staff: Account,
    request_id: str,
    assignee_id: str,
    *,
    reason: str,
    now: datetime | None = None,
) -> Request:
    """Give a request to a handler (an event records who, to whom and why).

    A handler may take an unassigned request (``assignee_id`` = their own id); assigning to
    someone else or taking it from someone needs a supervisor. A request received, classified
    or in progress moves to ``assigned``; one assigned or waiting for the citizen keeps its state.

    Raises:
        NotHandlerError: ``staff`` may not make this assignment.
        NotFoundError: Unknown request or assignee.
        InvalidInputError: The assignee is not a handler, the request is answered or closed,
            or no reason.
    """
    from ilteo.desk.intake import set_status
    from ilteo.identity.accounts import get_account

    _require(session, staff, HANDLER_ROLES, "assign")
    request = _get(session, request_id)
    why = _reason(reason)
    if (assignee_id != staff.id or request.assigned_to not in (None, staff.id)) and not (
        is_supervisor(session, staff)
    ):
        raise NotHandlerError(
            "assign: 다른 직원에게 배정은 관리자만 / only supervisors assign to others",
            roles=sorted(SUPERVISOR_ROLES),
        )
    assignee = get_account(session, assignee_id)
    if not is_handler(session, assignee):
        raise InvalidInputError(
            "assignee_id: 민원 처리 권한이 없는 계정 / not a handler", fields=["assignee_id"]
        )
    if request.status in ("answered", "closed"):
        raise InvalidInputError(
            f"status: {request.status} 민원은 배정할 수 없습니다 / cannot assign "
            "an answered or closed request (reopen it first)",
            fields=["status"],
        )
    at = _now(now)
    request.assigned_to = assignee.id
    text = f"배정 → {assignee.id}: {why}"[:300]
    if request.status in ("received", "classified", "in_progress"):
        set_status(session, request.id, "assigned", reason=text, actor=_actor(staff), now=at)
    else:
        _event(session, request, text, _actor(staff), at)
    return request


def _route_json(organisation: str, code: str, name: str, ko: str, en: str) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "office_code": code,
        "office_name": name,
        "reason_ko": ko,
        "reason_en": en,
    }


def office_by_code(code: str) -> Office | None:
    """The :class:`ilteo.desk.routing.Office` with ``code``, or ``None``."""
    from ilteo.desk.routing import offices

    for group in offices().values():
        for office in group:
            if office.code == code:
                return office
    return None


def override(
    session: Session,
    staff: Account,
    request_id: str,
    field: str,
    value: Any,
    *,
    reason: str,
    now: datetime | None = None,
) -> Override:
    """Correct the triage of a request: its category, route or urgency flags.

    - ``category`` (a code of :data:`ilteo.desk.taxonomy.CATEGORIES`): the request is routed
      again for that category (:func:`ilteo.desk.routing.route` on the workplace's address, or
      the masked text) and its deadline is recomputed from the time of receipt;
    - ``route`` (an office code of :func:`ilteo.desk.routing.offices`): the office, kept;
    - ``urgent`` (a list of :data:`ilteo.desk.taxonomy.URGENT_FLAGS`): a new flag alerts the
      supervisors again; clearing every flag ends the alert.

    An :class:`~ilteo.desk.models.Override` row, an event and an audit entry (codes only) are
    written. A request the model could not triage (still ``received``) becomes ``classified``:
    staff triaged it by hand, and no retry of the model overwrites their decision.

    Raises:
        NotHandlerError: ``staff`` is not a handler.
        NotFoundError: Unknown request.
        InvalidInputError: An unknown field or value, an unchanged value, or no reason.
    """
    from ilteo.identity.accounts import record_audit

    _require(session, staff, HANDLER_ROLES, "override")
    request = _get(session, request_id)
    why = _reason(reason)
    if field not in OVERRIDE_FIELDS:
        raise InvalidInputError(
            f"field: unknown (known: {', '.join(OVERRIDE_FIELDS)})", fields=["field"]
        )
    at = _now(now)
    old: Any
    new: Any
    if field == "category":
        old, new = request.category, _override_category(request, value)
    elif field == "route":
        old, new = request.office_code, _override_route(request, value)
    else:
        old, new = list(request.urgent or []), _override_urgent(request, staff, value, at)
    row = Override(
        request_id=request.id,
        at=at,
        staff_account_id=staff.id,
        field=field,
        old=old,
        new=new,
        reason=why,
    )
    session.add(row)
    _event(session, request, f"수정 / override {field}: {old} → {new}"[:300], _actor(staff), at)
    if request.status == "received":  # not triaged (the model failed): staff triaged it by hand
        _triaged_by_staff(session, request, staff, at)
    record_audit(
        session,
        "desk.override",
        account_id=staff.id,
        now=at,
        request=request.id,
        field=field,
        old=old,
        new=new,
    )
    session.flush()
    return row


def _triaged_by_staff(session: Session, request: Request, staff: Account, at: datetime) -> None:
    """Move a request the model could not triage to ``classified``, so no retry overwrites it."""
    from ilteo.desk.deadlines import deadline
    from ilteo.desk.intake import set_status

    if request.deadline is None:
        request.deadline = deadline(request.category or "other", request.received_at).due
    set_status(
        session,
        request.id,
        "classified",
        reason="직원 분류 / triaged by staff",
        actor=_actor(staff),
        now=at,
    )


def _unchanged(field: str) -> InvalidInputError:
    return InvalidInputError(f"value: {field} 변경 없음 / unchanged", fields=["value"])


def _override_category(request: Request, value: Any) -> str:
    from ilteo.desk.deadlines import deadline
    from ilteo.desk.routing import parse_address, route
    from ilteo.desk.taxonomy import CATEGORIES

    if not isinstance(value, str) or value not in CATEGORIES:
        raise InvalidInputError("value: 알 수 없는 분류 / unknown category", fields=["value"])
    if value == request.category:
        raise _unchanged("category")
    address = parse_address(request.workplace_address or request.text_masked)
    routed = route(value, address)
    request.category = value
    request.route = {
        **_route_json(
            routed.organisation,
            routed.office_code,
            routed.office_name,
            routed.reason_ko,
            routed.reason_en,
        ),
        "address": None
        if address is None
        else {
            "sido": address.sido,
            "sido_name": address.sido_name,
            "sigungu": address.sigungu,
            "sigungu_name": address.sigungu_name,
        },
        "by": "override",
    }
    request.office_code = routed.office_code
    request.deadline = deadline(value, request.received_at).due
    return value


def _override_route(request: Request, value: Any) -> str:
    office = office_by_code(value) if isinstance(value, str) else None
    if office is None:
        raise InvalidInputError("value: 알 수 없는 기관 / unknown office", fields=["value"])
    if office.code == request.office_code:
        raise _unchanged("route")
    address = (request.route or {}).get("address")
    request.route = {
        **_route_json(
            office.organisation,
            office.code,
            office.name_ko,
            f"담당자가 {office.name_ko}로 지정 / set by staff",
            f"set by staff: {office.name_en}",
        ),
        "address": address,
        "by": "override",
    }
    request.office_code = office.code
    return str(office.code)


def _override_urgent(request: Request, staff: Account, value: Any, at: datetime) -> list[str]:
    from ilteo.desk.taxonomy import URGENT_FLAGS

    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, Sequence) or any(
        not isinstance(v, str) or v.strip() not in URGENT_FLAGS for v in value
    ):
        raise InvalidInputError(
            f"value: 긴급 표시는 {', '.join(URGENT_FLAGS)} 중에서 / flags among "
            f"{', '.join(URGENT_FLAGS)}",
            fields=["value"],
        )
    new = sorted({v.strip() for v in value})
    old = set(request.urgent or [])
    if set(new) == old:
        raise _unchanged("urgent")
    request.urgent = new
    if set(new) - old:  # a new flag: the supervisors are alerted (again)
        request.alerted_at = at
        request.urgent_ack_at = None
        request.urgent_ack_by = None
    elif not new and request.alerted_at is not None and request.urgent_ack_at is None:
        request.urgent_ack_at = at  # no flag left: the alert ends with this override
        request.urgent_ack_by = staff.id
    return new


def save_answer(
    session: Session,
    staff: Account,
    request_id: str,
    text: str,
    *,
    now: datetime | None = None,
) -> Request:
    """Save the answer being written (the AI draft is kept); a first save starts the work.

    A classified or assigned request moves to ``in_progress``. An empty text clears the answer.

    Raises:
        NotHandlerError: ``staff`` is not a handler.
        NotFoundError: Unknown request.
        InvalidInputError: The request is answered or closed, or the text is too long.
    """
    from ilteo.desk.intake import set_status

    _require(session, staff, HANDLER_ROLES, "save_answer")
    request = _get(session, request_id)
    if request.status in ("answered", "closed"):
        raise InvalidInputError(
            f"status: {request.status} - 이미 답변됨 / already answered (reopen it first)",
            fields=["status"],
        )
    body = (text or "").strip()
    if len(body) > MAX_ANSWER:
        raise InvalidInputError(
            f"text: {MAX_ANSWER:,}자 이내 / at most {MAX_ANSWER:,} characters", fields=["text"]
        )
    request.answer_text = body or None
    if body and request.status in ("classified", "assigned"):
        set_status(
            session,
            request.id,
            "in_progress",
            reason="답변 작성 중 / answer being written",
            actor=_actor(staff),
            now=_now(now),
        )
    session.flush()
    return request


def answer_problems(text: str | None) -> list[str]:
    """Why an answer cannot be sent: empty, or the kinds of personal data it holds."""
    from ilteo.desk.pii import mask

    if not (text or "").strip():
        return ["empty"]
    counts = mask(text or "").counts
    return [kind for kind in FORBIDDEN_IN_ANSWER if counts.get(kind)]


def send_answer(
    session: Session, staff: Account, request_id: str, *, now: datetime | None = None
) -> Request:
    """Send the saved answer: the request becomes ``answered`` (time and author recorded).

    Raises:
        NotHandlerError: ``staff`` is not a handler.
        NotFoundError: Unknown request.
        InvalidInputError: No answer saved, an answer holding a registration, card or account
            number (``fields`` = ``["answer_text"]``), or a state that cannot be answered.
    """
    from ilteo.desk.intake import set_status

    _require(session, staff, HANDLER_ROLES, "send_answer")
    request = _get(session, request_id)
    problems = answer_problems(request.answer_text)
    if problems == ["empty"]:
        raise InvalidInputError(
            "answer_text: 답변이 비어 있습니다 / the answer is empty", fields=["answer_text"]
        )
    if problems:
        raise InvalidInputError(
            "answer_text: 답변에 개인정보가 있습니다 / the answer holds personal data "
            f"({', '.join(problems)})",
            fields=["answer_text"],
            kinds=problems,
        )
    at = _now(now)
    set_status(
        session,
        request.id,
        "answered",
        reason="답변 발송 / answer sent",
        actor=_actor(staff),
        now=at,
    )
    request.answered_at = at
    request.answered_by = staff.id
    session.flush()
    return request


def acknowledge(
    session: Session, staff: Account, request_id: str, *, now: datetime | None = None
) -> Request:
    """A supervisor acknowledges an urgent alert (once; again is a no-op).

    Raises:
        NotHandlerError: ``staff`` is not a supervisor.
        NotFoundError: Unknown request.
        InvalidInputError: The request is not flagged urgent.
    """
    from ilteo.identity.accounts import record_audit

    _require(session, staff, SUPERVISOR_ROLES, "acknowledge")
    request = _get(session, request_id)
    if not request.urgent:
        raise InvalidInputError("request: 긴급 민원이 아닙니다 / not urgent", fields=["request"])
    if request.urgent_ack_at is not None:
        return request
    at = _now(now)
    request.alerted_at = request.alerted_at or at
    request.urgent_ack_at = at
    request.urgent_ack_by = staff.id
    _event(session, request, "긴급 확인 / urgent alert acknowledged", _actor(staff), at)
    record_audit(
        session, "desk.urgent_ack", account_id=staff.id, now=at, request=request.id,
        flags=list(request.urgent),
    )  # fmt: skip
    session.flush()
    return request


# --- retraining ------------------------------------------------------------------------------


def corrections(session: Session) -> tuple[list[tuple[str, str]], list[int]]:
    """The category corrections: the last category override per request, on its masked text.

    Returns:
        ``(masked text, category)`` pairs (oldest request first) and the ids of the overrides
        they come from.
    """
    rows = session.execute(
        select(Override, Request.text_masked)
        .join(Request, Request.id == Override.request_id)
        .where(Override.field == "category")
        .order_by(Override.at, Override.id)
    )
    last: dict[str, tuple[Override, str]] = {}
    for row, text in rows:
        last[row.request_id] = (row, text)
    pairs: list[tuple[str, str]] = []
    ids: list[int] = []
    for row, text in last.values():
        if isinstance(row.new, str) and text:
            pairs.append((text, row.new))
            ids.append(row.id)
    return pairs, ids


def retrain(session: Session, settings: Settings, *, now: datetime | None = None) -> RetrainResult:
    """Train the classifier again with the staff's category corrections and make it current.

    Every override used is marked with the new version (``used_in_model``). The model is
    written under ``cache_dir/desk`` and becomes the current one of the home and the process
    (:func:`ilteo.desk.classify.train`); requests already classified keep their category.

    Raises:
        InvalidInputError: There is no category correction to learn from.
    """
    from ilteo.desk.classify import classifier, train

    del now  # the model card records its own training time
    pairs, ids = corrections(session)
    if not pairs:
        raise InvalidInputError(
            "corrections: 분류 수정이 없어 재학습할 것이 없습니다 / no category override to learn",
            fields=["corrections"],
        )
    previous = classifier(settings).version
    info = train(settings, corrections=pairs)
    for row in session.scalars(select(Override).where(Override.id.in_(ids))):
        row.used_in_model = info.version
    session.flush()
    return RetrainResult(
        version=info.version,
        previous_version=previous,
        corrections=len(pairs),
        metrics=dict(info.card.get("metrics_test") or {}),
    )


__all__ = [
    "HANDLER_ROLES",
    "OPEN_STATUSES",
    "SUPERVISOR_ROLES",
    "NotHandlerError",
    "QueueFilters",
    "QueuePage",
    "RetrainResult",
    "acknowledge",
    "assign",
    "corrections",
    "overdue",
    "override",
    "queue",
    "request_json",
    "retrain",
    "save_answer",
    "send_answer",
    "staff_view",
]
