"""Duplicates and clusters: the same person again, and many requests against one workplace.

After the triage (:func:`ilteo.desk.intake.process`) :func:`link` looks at a request twice:

1. **The same person again.** An earlier request with the same ``person_key`` (a keyed hash of
   the account or the contact, :func:`ilteo.desk.intake.person_key`), received in the last
   :data:`HORIZON_DAYS` days, of the same category and with a similar masked text
   (:func:`similarity`, character 3-gram Jaccard, at least :data:`SIMILAR`) makes the new one a
   duplicate: ``request.duplicate_of`` is the earliest such request. Texts of other people are
   never compared.
2. **The workplace.** :func:`workplace_for` finds the lake's master workplace (by business
   registration number, else by standardised name in the same 시도 and, when known, 시군구);
   ``request.master_workplace_id`` keeps it. For the categories the labour offices handle
   (taxonomy organisation ``labour_office``: wage arrears, working hours, harassment, safety...)
   the workplace's one open :class:`~ilteo.desk.models.Case` gets the request, created if none,
   so an inspector sees every open request against that workplace together.

Staff read cases with :func:`cases`, :func:`case_of`, :func:`case_requests` and assign a whole
case with :func:`assign_case`. Method and limits: ``docs/desk-cases.md``.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.models import CASE_STATUSES, Case, Request
from ilteo.identity.models import Account

__all__ = [
    "HORIZON_DAYS",
    "SIMILAR",
    "Link",
    "WorkplaceMatch",
    "assign_case",
    "case_of",
    "case_requests",
    "cases",
    "link",
    "similarity",
    "workplace_for",
]

_log = logging.getLogger("ilteo.desk")

#: How far back "the same person again" looks (days).
HORIZON_DAYS: Final = 90
#: The least character 3-gram Jaccard similarity of two masked texts of one person that makes
#: the later one a duplicate (chosen in ``docs/desk-cases.md``).
SIMILAR: Final = 0.5
#: Statuses of a request still being handled (a case's requests assigned with the case).
OPEN_STATUSES: Final[frozenset[str]] = frozenset(
    {"received", "classified", "assigned", "in_progress", "waiting_citizen"}
)
#: Who may handle desk requests (:data:`ilteo.desk.queue.HANDLER_ROLES`).
HANDLER_ROLES: Final[frozenset[str]] = frozenset(
    {"desk_officer", "inspector", "counsellor", "administrator"}
)


@dataclass(frozen=True)
class WorkplaceMatch:
    """A master workplace of the lake that a request names, and how it was found."""

    master_id: str
    name: str
    address: str | None
    sido_code: str | None
    ksic_code: str | None
    method: str  # "brn" | "name_address"


@dataclass(frozen=True)
class Link:
    """What :func:`link` found for one request (also written on the request)."""

    duplicate_of: str | None
    master_workplace_id: str | None
    case_id: str | None
    reasons: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# The lake's master workplaces


@dataclass(frozen=True)
class _Master:
    master_id: str
    name: str
    address: str | None
    sido_code: str | None
    sigungu: str | None
    ksic_code: str | None


@dataclass(frozen=True)
class _Index:
    by_brn: dict[str, _Master]
    by_name: dict[tuple[str, str], tuple[_Master, ...]]


_INDEX_LOCK = threading.Lock()
_INDEX: dict[Path, tuple[float, _Index]] = {}


def _masters_path(settings: Settings) -> Path:
    from ilteo.lake.layout import LakePaths

    return LakePaths.of(settings).master("workplaces")


def _build_index(path: Path) -> _Index:
    """Read the active masters once and index them by BRN and by (name key, 시도)."""
    import polars as pl

    from ilteo.desk.routing import parse_address
    from ilteo.lake.standardise import workplace_name_key

    wanted = ["master_id", "status", "brn", "name", "address", "sido_code", "ksic_code"]
    frame = pl.read_parquet(path)
    for column in wanted:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))
    frame = frame.select(wanted).filter(pl.col("status") == "active")
    by_brn: dict[str, _Master] = {}
    by_name: dict[tuple[str, str], list[_Master]] = {}
    for row in frame.iter_rows(named=True):
        address = row["address"]
        parsed = parse_address(address) if address else None
        sido = row["sido_code"] or (parsed.sido if parsed else None)
        master = _Master(
            master_id=str(row["master_id"]),
            name=str(row["name"] or ""),
            address=address,
            sido_code=sido,
            sigungu=parsed.sigungu if parsed and parsed.sido == sido else None,
            ksic_code=row["ksic_code"],
        )
        brn = re.sub(r"\D", "", row["brn"] or "")
        if len(brn) == 10:
            by_brn.setdefault(brn, master)
        key = workplace_name_key(master.name) if master.name else None
        if key and sido:
            by_name.setdefault((key, sido), []).append(master)
    return _Index(by_brn, {k: tuple(v) for k, v in by_name.items()})


def _index(settings: Settings) -> _Index | None:
    """The index of the lake's master workplaces, rebuilt when the file changes; None if none."""
    path = _masters_path(settings)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    with _INDEX_LOCK:
        cached = _INDEX.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        built = _build_index(path)
        _INDEX[path] = (mtime, built)
        return built


def _match(master: _Master, method: str) -> WorkplaceMatch:
    return WorkplaceMatch(
        master.master_id, master.name, master.address, master.sido_code, master.ksic_code, method
    )


def workplace_for(
    settings: Settings,
    *,
    brn: str | None = None,
    name: str | None = None,
    address: str | None = None,
) -> WorkplaceMatch | None:
    """The lake's master workplace a request names, or ``None``.

    By the business registration number first (10 digits, hyphens ignored); else by the
    standardised name (:func:`ilteo.lake.standardise.workplace_name_key`: legal form, site
    suffix, spaces and punctuation removed) among the masters of the same 시도 as ``address``
    (:func:`ilteo.desk.routing.parse_address`); when the address gives a 시군구 and some of
    them are there, only those (a branch elsewhere in the 시도 still finds its head office).
    Two masters left with the same name: ``None`` - no guess. Without an address whose 시도
    can be read, a name alone matches nothing.

    Only ``active`` masters of ``<lake>/master/workplaces.parquet`` are used; the index is
    built once per process and rebuilt when the file's modification time changes.

    Args:
        settings: Settings naming the lake (``settings.lake_dir``).
        brn: Business registration number, if given.
        name: Workplace name as the person wrote it.
        address: Workplace address, or any text naming its 시도 and 시군구.

    Returns:
        The match with its ``method`` (``"brn"`` or ``"name_address"``), or ``None`` when there
        is no lake, no match, or more than one candidate.
    """
    index = _index(settings)
    if index is None:
        return None
    digits = re.sub(r"\D", "", brn or "")
    if len(digits) == 10 and digits in index.by_brn:
        return _match(index.by_brn[digits], "brn")
    if not name or not address:
        return None
    from ilteo.desk.routing import parse_address
    from ilteo.lake.standardise import workplace_name_key

    key = workplace_name_key(name)
    place = parse_address(address)
    if key is None or place is None:
        return None
    candidates = index.by_name.get((key, place.sido), ())
    if place.sigungu is not None:  # the same 시군구 is preferred, not required (branches)
        same = tuple(m for m in candidates if m.sigungu == place.sigungu)
        candidates = same or candidates
    if len(candidates) != 1:
        return None
    return _match(candidates[0], "name_address")


# ---------------------------------------------------------------------------------------------
# The same person again


def _grams(text: str) -> frozenset[str]:
    """Character 3-grams of a text with spaces and punctuation collapsed (NFC, lower case)."""
    norm = unicodedata.normalize("NFC", text).lower()
    norm = re.sub(r"[\W_]+", " ", norm).strip()
    if len(norm) < 3:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + 3] for i in range(len(norm) - 2))


def similarity(a: str, b: str) -> float:
    """Character 3-gram Jaccard similarity of two (masked) texts, 0 to 1.

    >>> similarity("월급을 석 달째 못 받았습니다", "월급을 석 달째 못 받았습니다!")
    1.0
    >>> similarity("육아휴직 급여 문의", "퇴직금을 못 받았어요") < 0.1
    True
    """
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


def _as_utc(value: datetime) -> datetime:
    from ilteo.identity.accounts import as_utc

    return as_utc(value)


def _duplicate(session: Session, request: Request) -> tuple[str, float] | None:
    """The earliest earlier similar request of the same person and category, with its score."""
    if not request.person_key or not request.category:
        return None
    received = _as_utc(request.received_at)
    earlier = session.scalars(
        select(Request)
        .where(
            Request.person_key == request.person_key,
            Request.category == request.category,
            Request.id != request.id,
            Request.received_at >= received - timedelta(days=HORIZON_DAYS),
            Request.received_at <= received,
        )
        .order_by(Request.received_at, Request.id)
    )
    for other in earlier:
        if _as_utc(other.received_at) == received and other.id > request.id:
            continue  # the same instant: the smaller number is the earlier one
        score = similarity(request.text_masked, other.text_masked)
        if score >= SIMILAR:
            return other.id, score
    return None


# ---------------------------------------------------------------------------------------------
# Cases


def _workplace_address(request: Request) -> str | None:
    """The form's workplace address, else the 시도 and 시군구 the triage read from the text."""
    if request.workplace_address:
        return request.workplace_address
    place = (request.route or {}).get("address") or {}
    words = [str(place[k]) for k in ("sido_name", "sigungu_name") if place.get(k)]
    return " ".join(words) or None


def _new_case_id(session: Session, master_id: str) -> str:
    count = session.scalar(
        select(func.count()).select_from(Case).where(Case.master_workplace_id == master_id)
    )
    return f"C-{master_id}-{int(count or 0) + 1}"[:32]


def _open_case(
    session: Session, match: WorkplaceMatch, request: Request, now: datetime
) -> tuple[Case, bool]:
    """The workplace's open case, created (and flushed) when there is none."""
    case = session.scalars(
        select(Case)
        .where(Case.master_workplace_id == match.master_id, Case.status == "open")
        .order_by(Case.opened_at)
        .limit(1)
    ).first()
    if case is not None:
        return case, False
    from ilteo.desk.routing import parse_address

    place = parse_address(match.address) if match.address else None
    case = Case(
        id=_new_case_id(session, match.master_id),
        master_workplace_id=match.master_id,
        workplace_name=match.name[:200],
        sido=match.sido_code or (place.sido if place else None),
        sigungu=place.sigungu if place else None,
        office_code=request.office_code,
        opened_at=now,
        updated_at=now,
        status="open",
        request_count=0,
        categories={},
        urgent=[],
    )
    session.add(case)
    session.flush()
    return case, True


def _add_to_case(case: Case, request: Request, now: datetime) -> None:
    categories = dict(case.categories or {})
    if request.category:
        categories[request.category] = categories.get(request.category, 0) + 1
    case.categories = categories  # a new object: the JSON column sees the change
    case.urgent = sorted(set(case.urgent or []) | set(request.urgent or []))
    case.request_count = (case.request_count or 0) + 1
    case.updated_at = now
    if case.office_code is None:
        case.office_code = request.office_code
    request.case_id = case.id


def link(
    session: Session, settings: Settings, request: Request, *, now: datetime | None = None
) -> Link:
    """Link a triaged request to the same person's earlier one and to its workplace's case.

    Sets ``request.duplicate_of``, ``request.master_workplace_id`` and, for labour-office
    categories, ``request.case_id`` (the case's ``request_count``, ``categories``, ``urgent``
    and ``updated_at`` follow). Running it twice on one request changes nothing more. The
    caller commits.

    Args:
        session: Open session of the operational store.
        settings: Settings naming the lake (master workplaces).
        request: A triaged request (its ``category`` set).
        now: The clock (the case's ``opened_at``/``updated_at``).

    Returns:
        What was found, with the reasons in words.
    """
    from ilteo.desk.taxonomy import CATEGORIES

    now = now or _utcnow()
    reasons: list[str] = []
    found = _duplicate(session, request)
    if found is not None:
        request.duplicate_of = found[0]
        reasons.append(f"duplicate_of {found[0]}: same person, category, similarity {found[1]:.2f}")
    match = workplace_for(
        settings,
        brn=request.workplace_brn,
        name=request.workplace_name,
        address=_workplace_address(request),
    )
    if match is not None:
        request.master_workplace_id = match.master_id
        reasons.append(f"workplace {match.master_id} by {match.method}")
    category = CATEGORIES.get(request.category or "")
    if match is not None and category is not None and category.organisation == "labour_office":
        if request.case_id is None:
            case, created = _open_case(session, match, request, now)
            _add_to_case(case, request, now)
            reasons.append(f"case {case.id} ({'new' if created else 'joined'})")
        else:
            reasons.append(f"case {request.case_id} (already)")
    session.flush()
    return Link(request.duplicate_of, request.master_workplace_id, request.case_id, tuple(reasons))


def _utcnow() -> datetime:
    from ilteo.identity.accounts import utcnow

    return utcnow()


def cases(
    session: Session,
    *,
    office_code: str | None = None,
    status: str | None = "open",
    min_requests: int = 1,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Case], int]:
    """One page of cases and how many there are in all.

    Ordered: cases with an urgent request first, then the most requests, then the most recently
    updated.

    Args:
        session: Open session.
        office_code: Only this office's cases.
        status: ``"open"``, ``"closed"`` or ``None`` for both.
        min_requests: Only cases with at least this many requests.
        page: 1-based page number.
        per_page: Cases per page (1 to 200).

    Raises:
        InvalidInputError: An unknown status or a bad page.
    """
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInputError(
            f"status: unknown (known: {', '.join(CASE_STATUSES)})", fields=["status"]
        )
    if page < 1 or not 1 <= per_page <= 200:
        raise InvalidInputError("page: from 1; per_page: 1 to 200", fields=["page", "per_page"])
    conditions = [Case.request_count >= min_requests]
    if status is not None:
        conditions.append(Case.status == status)
    if office_code is not None:
        conditions.append(Case.office_code == office_code)
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    flags = func.coalesce(cast(Case.urgent, String), "[]")
    urgent_first = sa_case((and_(flags != "[]", flags != "null", flags != ""), 0), else_=1)
    rows = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(urgent_first, Case.request_count.desc(), Case.updated_at.desc(), Case.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), int(total)


def case_of(session: Session, case_id: str) -> Case:
    """One case.

    Raises:
        NotFoundError: Unknown case.
    """
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"사건을 찾을 수 없습니다 / no such case: {case_id}")
    return case


def case_requests(session: Session, case_id: str) -> list[Request]:
    """The requests of a case, oldest first.

    Raises:
        NotFoundError: Unknown case.
    """
    case_of(session, case_id)
    return list(
        session.scalars(
            select(Request)
            .where(Request.case_id == case_id)
            .order_by(Request.received_at, Request.id)
        )
    )


def assign_case(
    session: Session,
    staff: Account,
    case_id: str,
    assignee_id: str,
    *,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Assign a case and every open request of it to one member of staff.

    The rules and events of :func:`ilteo.desk.queue.assign`, checked for the whole case before
    anything changes: a handler may take a case nobody else holds; supervisors (administrator,
    desk officer) give it to any handler. Each open request gets ``assigned_to`` and an event
    (moved to ``assigned`` when received, classified or in progress); answered and closed ones
    are left as they are. The assignment is written to the audit log.

    Raises:
        NotHandlerError: ``staff`` may not make this assignment
            (:class:`ilteo.desk.queue.NotHandlerError`, HTTP 403).
        NotFoundError: Unknown case or assignee.
        InvalidInputError: The assignee is not a handler, or no reason.
    """
    from ilteo.desk.queue import (
        SUPERVISOR_ROLES,
        NotHandlerError,
        assign,
        is_handler,
        is_supervisor,
    )
    from ilteo.identity.accounts import get_account, record_audit

    case = case_of(session, case_id)
    if not is_handler(session, staff):
        raise NotHandlerError(
            "assign: 권한이 없습니다 / only desk handlers may assign", roles=sorted(HANDLER_ROLES)
        )
    why = reason.strip()
    if len(why) < 2:
        raise InvalidInputError("reason: 사유를 적어 주세요 / give a reason", fields=["reason"])
    open_requests = [r for r in case_requests(session, case.id) if r.status in OPEN_STATUSES]
    held = {case.assigned_to} | {r.assigned_to for r in open_requests}
    if (assignee_id != staff.id or not held <= {None, staff.id}) and not is_supervisor(
        session, staff
    ):
        raise NotHandlerError(
            "assign: 다른 직원에게 배정은 관리자만 / only supervisors assign to others",
            roles=sorted(SUPERVISOR_ROLES),
        )
    if not is_handler(session, get_account(session, assignee_id)):
        raise InvalidInputError(
            "assignee_id: 민원 처리 권한이 없는 계정 / not a handler", fields=["assignee_id"]
        )
    now = now or _utcnow()
    text = f"사건 {case.id}: {why}"[:300]
    for request in open_requests:
        assign(session, staff, request.id, assignee_id, reason=text, now=now)
    case.assigned_to = assignee_id
    case.updated_at = now
    record_audit(
        session,
        "desk.case_assign",
        account_id=staff.id,
        now=now,
        case_id=case.id,
        assignee_id=assignee_id,
        requests=[r.id for r in open_requests],
        reason=why[:300],
    )
    session.flush()
    return case
