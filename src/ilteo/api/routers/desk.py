"""The one window over HTTP: file a request, follow it, the public statistics, the staff queue.

Public: anyone files an inquiry (``POST /v1/desk/requests``, JSON; with files
``POST /v1/desk/requests/upload``, ``multipart/form-data``) and gets a receipt with a tracking
number, the deadline and a ``Location``; a complaint about a workplace needs a sign-in (401). The
status of an inquiry filed without a sign-in opens with its number; a request filed signed in
opens only for its account (404 otherwise, the same answer as for an unknown number). The
categories and the timeliness statistics (open data, JSON and CSV) are public.

Every door files through :func:`ilteo.desk.intake.submit` (channel ``api`` here): the request is
written before the receipt exists, then triaged. Bad input is a 422 problem naming the field. A
text is stored and answered as text: HTML or script in it is never rendered by this API (JSON
strings only).

Staff (handlers: desk officers, inspectors, counsellors, administrators): the queue with its
filters, one request (its original text only with a stated ``purpose``, audited), assignment,
overrides of category, route and urgency with a reason (audited; they feed retraining), the
answer, status changes, acknowledging urgent alerts (supervisors), overdue lists, workplace cases
and attachment downloads (audited). ``POST /v1/desk/triage`` triages a text without storing it,
for staff and API-key holders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from math import gcd
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, encode_cursor, page_params
from ilteo.api.routers.identity import CurrentAccount, SignedIn, client_of, require_staff
from ilteo.core.errors import InvalidInputError
from ilteo.desk.intake import MAX_TEXT, MAX_TITLE
from ilteo.identity.accounts import AccountPublic, as_utc
from ilteo.identity.reads import MIN_PURPOSE_LENGTH

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ilteo.core.settings import Settings
    from ilteo.desk.intake import Receipt
    from ilteo.desk.models import Case
    from ilteo.desk.models import Request as DeskRequest
    from ilteo.identity.models import Account

router = APIRouter(prefix="/desk", tags=["desk"])

#: Handlers of requests (the same as :data:`ilteo.desk.queue.HANDLER_ROLES`).
HANDLER_ROLES: Final = ("desk_officer", "inspector", "counsellor", "administrator")
Handler = Annotated[AccountPublic, Depends(require_staff(*HANDLER_ROLES))]

_PROBLEMS: dict[int | str, dict[str, object]] = {
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}
_PERSONAL: dict[int | str, dict[str, object]] = {
    **_PROBLEMS,
    401: {"description": "로그인이 필요합니다 / Sign-in required (application/problem+json)"},
    403: {"description": "권한이 없습니다 / Role not allowed (application/problem+json)"},
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
}
_COMPLAINT_NEEDS_SIGN_IN = (
    "사업장에 대한 신고(complaint)는 로그인이 필요합니다. 로그인하거나 API 키를 보내 주세요; "
    "문의(inquiry)는 로그인 없이 접수됩니다. / A complaint about a workplace needs a signed-in "
    "account (a session or an API key); an inquiry needs none."
)

Number = Annotated[
    str,
    Path(
        min_length=16,
        max_length=16,
        pattern=r"^\d{4}-\d{4}-[0-9A-Z]{6}$",
        description="접수번호 / The tracking number, e.g. `2026-1121-K7QX4D`.",
        examples=["2026-1121-K7QX4D"],
    ),
]


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value.isoformat()


# --- filing a request ------------------------------------------------------------------------


class RequestIn(BaseModel):
    """A request to the one window."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "회사에서 석 달째 월급을 받지 못했습니다. 어떻게 신고하나요?",
                    "kind": "inquiry",
                    "title": "임금체불 문의",
                    "workplace_name": "(주)가온물류",
                    "workplace_address": "부산광역시 해운대구 센텀중앙로 999",
                }
            ]
        },
    )

    text: str = Field(
        max_length=MAX_TEXT,
        description=f"내용 / The request in the person's words (1-{MAX_TEXT:,} characters, with "
        "at least one letter or digit). Stored as text: HTML is never rendered.",
    )
    kind: Literal["inquiry", "complaint"] = Field(
        "inquiry",
        description="inquiry(문의, 로그인 불필요) 또는 complaint(사업장 신고, 로그인 필요) / an "
        "inquiry needs no sign-in; a complaint about a workplace needs one.",
    )
    title: str = Field("", max_length=MAX_TITLE, description="제목 / An optional title.")
    contact: str | None = Field(
        None,
        max_length=200,
        description="연락처(전화·전자우편, 선택) / How to reach the person (optional; kept sealed, "
        "shown masked).",
    )
    workplace_name: str | None = Field(None, max_length=200, description="사업장 이름 / Name.")
    workplace_address: str | None = Field(
        None,
        max_length=300,
        description="사업장 주소 / The workplace's address: decides the office with jurisdiction.",
    )
    workplace_brn: str | None = Field(
        None, max_length=20, description="사업자등록번호(10자리) / Business number (10 digits)."
    )
    service_code: str | None = Field(
        None,
        max_length=48,
        description="분류 코드(선택, /v1/desk/categories) / The category the person chose, if any.",
    )


_RECEIPT_EXAMPLE: dict[str, Any] = {
    "tracking_number": "2026-1121-K7QX4D",
    "received_at": "2026-11-21T01:00:00+00:00",
    "status": "classified",
    "kind": "inquiry",
    "status_url": "/desk/requests/2026-1121-K7QX4D",
    "deadline": "2026-12-02",
    "deadline_basis": "민원 처리에 관한 법률 시행령 제14조: 질의민원 7일",
    "category": "wage_arrears",
    "office_name": "부산북부지청",
    "attachments": 0,
}


class ReceiptOut(BaseModel):
    """The receipt: the request exists once this is shown."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_RECEIPT_EXAMPLE]})

    tracking_number: str = Field(description="접수번호 / The tracking number.")
    received_at: str
    status: str = Field(description="received(분류 대기) 또는 classified / The state now.")
    kind: str
    status_url: str = Field(description="상태 화면(웹) / The status page on the web.")
    deadline: str | None = Field(description="처리 기한 / The legal deadline, YYYY-MM-DD.")
    deadline_basis: str | None = Field(description="기한의 근거 / The rule behind the deadline.")
    category: str | None = Field(description="자동 분류 / The category found, if triaged.")
    office_name: str | None = Field(description="처리 기관 / The office that handles it.")
    attachments: int = Field(description="첨부 파일 수 / Files received.")


def _only_symbols(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not any(ch.isalnum() for ch in stripped)


def _file(
    settings: Settings,
    account: AccountPublic | None,
    body: RequestIn,
    attachments: list[tuple[str, bytes]],
) -> JSONResponse:
    from ilteo.desk.intake import submit

    if body.kind == "complaint" and account is None:
        raise HTTPException(
            401, _COMPLAINT_NEEDS_SIGN_IN, headers={"WWW-Authenticate": 'Bearer realm="ilteo"'}
        )
    if _only_symbols(body.text):
        raise InvalidInputError(
            "text: 글자나 숫자로 내용을 적어 주세요 / write the request in words (only symbols "
            "or emoji)",
            fields=["text"],
        )
    receipt: Receipt = submit(
        settings,
        text=body.text,
        channel="api",
        kind=body.kind,
        title=body.title,
        account_id=account.id if account else None,
        contact=body.contact or None,
        workplace_name=body.workplace_name or None,
        workplace_address=body.workplace_address or None,
        workplace_brn=body.workplace_brn or None,
        service_code=body.service_code or None,
        attachments=attachments,
    )
    location = f"/v1/desk/requests/{receipt.tracking_number}"
    return JSONResponse(receipt.to_json(), status_code=201, headers={"Location": location})


_CREATED: dict[int | str, dict[str, object]] = {
    201: {
        "description": "접수됨: 영수증 / Received: the receipt",
        "model": ReceiptOut,
        "headers": {
            "Location": {
                "description": "상태 조회 주소 / Where the status is read (GET).",
                "schema": {"type": "string"},
            }
        },
    },
    **_PROBLEMS,
    401: {"description": "신고(complaint)는 로그인이 필요합니다 / A complaint needs a sign-in"},
}


@router.post(
    "/requests",
    operation_id="file_desk_request",
    summary="민원·문의 접수 / File a request",
    status_code=201,
    response_model=ReceiptOut,
    responses=_CREATED,
)
def file_request(settings: SettingsDep, account: CurrentAccount, body: RequestIn) -> JSONResponse:
    """File an inquiry or a complaint; the answer is the receipt (`201`, `Location` header).

    An inquiry needs no sign-in; a complaint about a workplace (`kind: complaint`) needs a
    signed-in account (401 otherwise). The request is written before the receipt is returned,
    then triaged: the receipt names the category, the office and the legal deadline (a request
    whose triage failed stays `received` with the general deadline and is retried). Personal data
    in the text are masked for staff and models; the original is kept sealed. Files: use
    `POST /v1/desk/requests/upload`.
    """
    return _file(settings, account, body, [])


@router.post(
    "/requests/upload",
    operation_id="file_desk_request_with_files",
    summary="민원·문의 접수(첨부 파일) / File a request with attachments",
    status_code=201,
    response_model=ReceiptOut,
    responses={
        **_CREATED,
        413: {"description": "본문이 너무 큽니다 / Body too large (files over 20 MB in all)"},
    },
)
def file_request_with_files(
    settings: SettingsDep,
    account: CurrentAccount,
    text: Annotated[str, Form(max_length=MAX_TEXT, description="내용 / The request.")],
    kind: Annotated[
        Literal["inquiry", "complaint"], Form(description="inquiry 또는 complaint.")
    ] = "inquiry",
    title: Annotated[str, Form(max_length=MAX_TITLE, description="제목 / Title.")] = "",
    contact: Annotated[str | None, Form(max_length=200, description="연락처 / Contact.")] = None,
    workplace_name: Annotated[str | None, Form(max_length=200)] = None,
    workplace_address: Annotated[str | None, Form(max_length=300)] = None,
    workplace_brn: Annotated[str | None, Form(max_length=20)] = None,
    service_code: Annotated[str | None, Form(max_length=48)] = None,
    attachments: Annotated[
        list[UploadFile] | None,
        File(
            description="첨부 파일(최대 5개, 각 10 MB, 합계 20 MB; PDF, PNG, JPEG, HWP, HWPX, "
            "DOCX, XLSX, TXT) / Up to 5 files, 10 MB each, 20 MB in all; the kind is read from "
            "the bytes and must match the extension."
        ),
    ] = None,
) -> JSONResponse:
    """The same as `POST /v1/desk/requests`, as `multipart/form-data` with files `attachments`.

    Each file is checked by its bytes before anything is written: executables, scripts, HTML,
    SVG, macros, PDFs with JavaScript, zip bombs, paths that climb out and extensions that do not
    match the content are refused with a 422 naming `attachments` and the file.
    """
    from ilteo.desk.attachments import MAX_BYTES

    body = RequestIn.model_construct(  # the form fields were checked as the JSON ones are
        text=text,
        kind=kind,
        title=title,
        contact=contact,
        workplace_name=workplace_name,
        workplace_address=workplace_address,
        workplace_brn=workplace_brn,
        service_code=service_code,
    )
    files = [
        (upload.filename or "", upload.file.read(MAX_BYTES + 1))
        for upload in attachments or []
        if upload.filename or upload.size
    ]
    return _file(settings, account, body, files)


class HistoryEntry(BaseModel):
    """One change of state: when, to what, why."""

    at: str
    status: str
    reason: str


class StatusOut(BaseModel):
    """What the person sees of their request."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "tracking_number": "2026-1121-K7QX4D",
                    "kind": "inquiry",
                    "received_at": "2026-11-21T01:00:00+00:00",
                    "status": "classified",
                    "status_at": "2026-11-21T01:00:01+00:00",
                    "category": "wage_arrears",
                    "office_name": "부산북부지청",
                    "deadline": "2026-12-02",
                    "answer": None,
                    "history": [
                        {
                            "at": "2026-11-21T01:00:00+00:00",
                            "status": "received",
                            "reason": "api 접수 / received by api",
                        }
                    ],
                }
            ]
        },
    )

    tracking_number: str
    kind: str
    received_at: str
    status: str = Field(
        description="received, classified, assigned, in_progress, waiting_citizen, answered, closed"
    )
    status_at: str
    category: str | None
    office_name: str | None
    deadline: str | None
    answer: str | None = Field(description="답변(답변 뒤) / The answer, once given.")
    history: list[HistoryEntry]


@router.get(
    "/requests/{number}",
    operation_id="get_desk_request_status",
    summary="접수번호로 처리 상태 보기 / The status of a request",
    response_model=StatusOut,
    responses=_PERSONAL,
)
def get_request_status(settings: SettingsDep, account: CurrentAccount, number: Number) -> StatusOut:
    """State, office, deadline, the time-stamped history and the answer once given.

    An inquiry filed without a sign-in opens with its number alone; a request filed signed in
    opens only for its own account. Anything else is a 404, the same as an unknown number.
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.intake import status_of

    with session_scope(settings) as session:
        return StatusOut.model_validate(status_of(session, number, account.id if account else None))


class MyRequest(BaseModel):
    """One of the person's requests."""

    tracking_number: str
    kind: str
    channel: str
    title: str = Field(description="제목(개인정보 가림) / The title, personal data masked.")
    received_at: str
    status: str
    status_at: str
    category: str | None
    office_name: str | None
    deadline: str | None
    status_url: str


class MyRequestsPage(Page[MyRequest]):
    """A page of the person's requests, newest first."""

    total: int = Field(description="전체 건수 / How many in all.")


def _mine(request: DeskRequest) -> MyRequest:
    return MyRequest(
        tracking_number=request.id,
        kind=request.kind,
        channel=request.channel,
        title=request.title_masked or "",
        received_at=_iso(request.received_at) or "",
        status=request.status,
        status_at=_iso(request.status_at) or "",
        category=request.category,
        office_name=(request.route or {}).get("office_name"),
        deadline=_iso(request.deadline),
        status_url=f"/v1/desk/requests/{request.id}",
    )


@router.get(
    "/requests",
    operation_id="list_my_desk_requests",
    summary="내 민원 목록 / My requests",
    response_model=MyRequestsPage,
    responses=_PERSONAL,
)
def list_my_requests(
    settings: SettingsDep,
    account: SignedIn,
    page: Annotated[PageRequest, Depends(page_params())],
) -> MyRequestsPage:
    """The signed-in person's requests, newest first (cursor pages: `limit`, `cursor`)."""
    from sqlalchemy import func, select

    from ilteo.core.db import session_scope
    from ilteo.desk.models import Request as DeskRequest

    with session_scope(settings) as session:
        mine = DeskRequest.account_id == account.id
        total = session.scalar(select(func.count()).select_from(DeskRequest).where(mine)) or 0
        rows = session.scalars(
            select(DeskRequest)
            .where(mine)
            .order_by(DeskRequest.received_at.desc(), DeskRequest.id.desc())
            .offset(page.offset)
            .limit(page.limit + 1)
        ).all()
        found = page.page([_mine(r) for r in rows])
    return MyRequestsPage(**dict(found), total=total)


# --- public: categories and statistics -----------------------------------------------------------


class CategoryOut(BaseModel):
    """A category of the taxonomy (the codes are part of the API)."""

    code: str
    label_ko: str
    label_en: str
    organisation: str = Field(
        description="처리 기관 종류 / labour_office (지방고용노동청·지청), job_centre (고용센터), "
        "comwel (근로복지공단), labour_commission (노동위원회), ministry (본부)"
    )


class FlagOut(BaseModel):
    """An urgency flag: it puts a request on top and alerts a supervisor."""

    code: str
    label_ko: str
    label_en: str


class CategoriesOut(BaseModel):
    """The taxonomy of the one window."""

    categories: list[CategoryOut]
    urgent_flags: list[FlagOut]


def categories_json() -> dict[str, Any]:
    """The taxonomy as JSON: every category and urgency flag (shared with the MCP tool)."""
    from ilteo.desk.taxonomy import CATEGORIES, URGENT_FLAGS

    return {
        "categories": [
            {"code": c.code, "label_ko": c.label_ko, "label_en": c.label_en,
             "organisation": c.organisation}
            for c in CATEGORIES.values()
        ],
        "urgent_flags": [
            {"code": code, "label_ko": ko, "label_en": en}
            for code, (ko, en) in URGENT_FLAGS.items()
        ],
    }  # fmt: skip


@router.get(
    "/categories",
    operation_id="list_desk_categories",
    summary="민원 분류 / Request categories",
    response_model=CategoriesOut,
)
def list_categories() -> CategoriesOut:
    """The 19 category codes with labels and the organisation that handles each, and the flags."""
    return CategoriesOut.model_validate(categories_json())


Since = Annotated[
    date | None,
    Query(description="시작일(접수일 기준) / First day of receipt, YYYY-MM-DD (default: a year)."),
]
Until = Annotated[
    date | None, Query(description="마지막 날 / Last day of receipt, YYYY-MM-DD (default: today).")
]


class StatsOut(BaseModel):
    """Timeliness and outcomes per category and office (open data)."""

    model_config = ConfigDict(extra="allow")

    since: str | None
    until: str | None
    generated_at: str
    by_category: list[dict[str, Any]]
    by_office: list[dict[str, Any]]
    total: dict[str, Any]
    suppressed_below: int = Field(description="이보다 적은 수는 null(<5) / Counts hidden below.")


def _check_period(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise InvalidInputError(
            "since: until보다 늦습니다 / since is after until", fields=["since"], parameter="since"
        )


@router.get(
    "/stats",
    operation_id="get_desk_statistics",
    summary="민원 처리 기간·결과 통계 / Timeliness and outcome statistics",
    response_model=StatsOut,
)
def get_stats(settings: SettingsDep, since: Since = None, until: Until = None) -> StatsOut:
    """Received, answered, on time, median and 90th-percentile working days, open and overdue.

    Per category and per office, over requests received from `since` to `until`. Counts under
    five are `null` (shown as <5) for privacy.
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.stats import public_stats, stats_json

    _check_period(since, until)
    with session_scope(settings) as session:
        return StatsOut.model_validate(stats_json(public_stats(session, since=since, until=until)))


@router.get(
    "/stats.csv",
    operation_id="export_desk_statistics_csv",
    summary="민원 처리 통계 CSV / The statistics as CSV (open data)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV, one row a group."}},
)
def export_stats_csv(settings: SettingsDep, since: Since = None, until: Until = None) -> Response:
    """The same statistics as UTF-8 CSV, one row per category and per office."""
    from ilteo.core.db import session_scope
    from ilteo.desk.stats import public_stats, stats_csv

    _check_period(since, until)
    with session_scope(settings) as session:
        text = stats_csv(public_stats(session, since=since, until=until))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ilteo-desk-statistics.csv"'},
    )


# --- triage without storing ----------------------------------------------------------------------


class TriageIn(BaseModel):
    """A text to triage; nothing is stored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "사장님이 석 달째 월급을 안 줘요. 회사는 부산 해운대구에 있어요."}
            ]
        },
    )

    text: str = Field(max_length=MAX_TEXT, description="내용 / The text.")
    workplace_address: str | None = Field(
        None, max_length=300, description="사업장 주소 / The workplace's address, if known."
    )


@router.post(
    "/triage",
    operation_id="triage_desk_text",
    summary="저장 없이 분류해 보기 / Triage a text without storing it",
    responses=_PERSONAL,
)
def triage_text(
    request: Request, settings: SettingsDep, account: SignedIn, body: TriageIn
) -> dict[str, Any]:
    """Category, confidence, runners-up, route, urgency, masked text, summary, draft, deadline.

    For staff and API-key holders (a signed-in browser without a staff role is refused): the
    same answer as `ilteo desk triage --json`. The text is not stored or logged.
    """
    from ilteo.desk.triage import triage

    if getattr(request.state, "auth_method", None) != "api_key" and not account.roles:
        raise HTTPException(
            403,
            "직원 또는 API 키로만 쓸 수 있습니다 / staff or an API key only",
        )
    result = triage(settings, body.text, workplace_address=body.workplace_address or None)
    return result.to_json()


# --- staff ---------------------------------------------------------------------------------------


def _staff(session: Session, staff: AccountPublic) -> Account:
    from ilteo.identity.accounts import get_account

    return get_account(session, staff.id)


class StaffQueueOut(Page[dict[str, Any]]):
    """A page of the staff queue and the counts over the whole filter."""

    total: int = Field(description="필터 전체 건수 / Rows matching the filter.")
    counts: dict[str, Any] = Field(
        description="by_status, by_category, urgent_unacknowledged, overdue (the whole filter)"
    )


#: Largest page of the staff lists (the queue and cases serve at most 200 rows a page).
STAFF_MAX_LIMIT: Final = 200


def _window(
    fetch: Callable[[int, int], tuple[list[Any], int]], offset: int, limit: int
) -> tuple[list[Any], int]:
    """``limit`` rows from ``offset`` of a page-numbered service, and its total.

    ``fetch(page, per_page)`` answers one page and the total. A cursor's offset is a multiple of
    its limit unless the client changed ``limit`` between pages: then pages of their greatest
    common divisor are read until the window is full.
    """
    size = gcd(offset, limit) if offset else limit
    rows: list[Any] = []
    total = 0
    page = offset // size + 1
    while len(rows) < limit:
        found, total = fetch(page, size)
        rows += found
        if len(found) < size:
            break
        page += 1
    return rows[:limit], total


def _cursor_page(page: PageRequest, items: list[Any], total: int) -> Page[Any]:
    """A cursor page from one page of a page-numbered service (``total`` says if more)."""
    if page.offset + len(items) >= total or not items:
        return Page[Any](items=items, next_cursor=None, next=None)
    cursor = encode_cursor(page.key, page.offset + len(items), page.scope)
    url = page.request.url.include_query_params(cursor=cursor, limit=page.limit)
    page.response.headers.append("Link", f'<{url}>; rel="next"')
    return Page[Any](items=items, next_cursor=cursor, next=str(url))


_STATUS_FILTER = "^(open|received|classified|assigned|in_progress|waiting_citizen|answered|closed)$"


@router.get(
    "/staff/requests",
    operation_id="list_desk_queue",
    summary="민원 처리 대기열(직원) / The staff queue",
    response_model=StaffQueueOut,
    responses=_PERSONAL,
)
def list_queue(
    settings: SettingsDep,
    staff: Handler,
    page: Annotated[PageRequest, Depends(page_params(maximum=STAFF_MAX_LIMIT))],
    status: Annotated[
        str | None,
        Query(
            pattern=_STATUS_FILTER, description="상태 또는 open(끝나지 않은 것) / A state or open."
        ),
    ] = None,
    category: Annotated[str | None, Query(max_length=32, description="분류 코드")] = None,
    office_code: Annotated[str | None, Query(max_length=32, description="기관 코드")] = None,
    urgent: Annotated[bool | None, Query(description="긴급만 / Urgent only (or not).")] = None,
    assigned_to: Annotated[
        str | None,
        Query(max_length=32, description="담당자 계정 ID, 또는 me / An account id or me."),
    ] = None,
    overdue: Annotated[bool | None, Query(description="기한 지남 / Past the deadline.")] = None,
    case_id: Annotated[str | None, Query(max_length=32, description="사건 ID / A case.")] = None,
    channel: Annotated[
        str | None,
        Query(pattern="^(web|api|mcp|open311|counter)$", description="접수 경로 / Channel."),
    ] = None,
    number: Annotated[
        str | None, Query(max_length=24, description="접수번호(일부) / A tracking number.")
    ] = None,
) -> StaffQueueOut:
    """Urgent and unacknowledged first, then overdue, then by deadline; counts for the filter.

    Handlers only (desk officers, inspectors, counsellors, administrators). Rows carry masked
    text only; the original opens one request at a time with a purpose.
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import QueueFilters, queue, request_json

    filters = QueueFilters(
        status=status,
        category=category,
        office_code=office_code,
        urgent=urgent,
        assigned_to=staff.id if assigned_to == "me" else assigned_to,
        overdue=overdue,
        case_id=case_id,
        channel=channel,
        number=number,
    )
    counts: dict[str, Any] = {}
    with session_scope(settings) as session:

        def fetch(number_of: int, per_page: int) -> tuple[list[Any], int]:
            found = queue(session, filters, page=number_of, per_page=per_page)
            counts.update(found.counts)
            return list(found.rows), found.total

        rows, total = _window(fetch, page.offset, page.limit)
        items = [request_json(r) for r in rows]
    cursor_page = _cursor_page(page, items, total)
    return StaffQueueOut(**dict(cursor_page), total=total, counts=counts)


Purpose = Annotated[
    str | None,
    Query(
        min_length=MIN_PURPOSE_LENGTH,
        max_length=300,
        description="원문 열람 목적(감사 기록) / Why you open the original text and contact "
        "(audited); without it only the masked text is shown.",
    ),
]


@router.get(
    "/staff/requests/{number}",
    operation_id="get_desk_request_staff",
    summary="민원 보기(직원) / Open a request (staff)",
    responses=_PERSONAL,
)
def get_staff_request(
    settings: SettingsDep, staff: Handler, number: Number, purpose: Purpose = None
) -> dict[str, Any]:
    """The request with its history, overrides, attachments, case and duplicate.

    The masked text by default; the original text and contact with a `purpose`, audited (and
    recorded for the person when their account is linked to their records).
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import staff_view

    with session_scope(settings) as session:
        return staff_view(
            session, settings, _staff(session, staff), number,
            purpose=purpose.strip() if purpose else None,
        )  # fmt: skip


class AssignIn(BaseModel):
    """Whom to give the request to, and why."""

    model_config = ConfigDict(extra="forbid")

    assignee_id: str = Field(
        min_length=1, max_length=32, description="담당자 계정 ID, 또는 me / An account id or `me`."
    )
    reason: str = Field(min_length=2, max_length=300, description="사유 / Why.")


def _request_json(session: Session, number: str) -> dict[str, Any]:
    from ilteo.core.errors import NotFoundError
    from ilteo.desk.models import Request as DeskRequest
    from ilteo.desk.queue import request_json

    row = session.get(DeskRequest, number)
    if row is None:
        raise NotFoundError(f"민원을 찾을 수 없습니다 / no such request: {number}")
    return request_json(row)


@router.post(
    "/staff/requests/{number}/assign",
    operation_id="assign_desk_request",
    summary="담당자 지정(직원) / Assign a request (staff)",
    responses=_PERSONAL,
)
def assign_request(
    settings: SettingsDep, staff: Handler, number: Number, body: AssignIn
) -> dict[str, Any]:
    """Give the request to a handler (`me` for yourself); an event records who, when and why."""
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import assign

    assignee = staff.id if body.assignee_id == "me" else body.assignee_id
    with session_scope(settings) as session:
        assign(session, _staff(session, staff), number, assignee, reason=body.reason.strip())
        return _request_json(session, number)


class OverrideIn(BaseModel):
    """A correction of the triage, with the reason (audited; feeds retraining)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"field": "category", "value": "severance_pay", "reason": "퇴직금 문의임"},
                {"field": "urgent", "value": ["violence"], "reason": "폭행 언급"},
            ]
        },
    )

    field: Literal["category", "route", "urgent"] = Field(
        description="category (분류 코드), route (기관 코드), urgent (긴급 표시 목록)"
    )
    value: str | list[str] = Field(
        description="새 값: 분류 코드, 기관 코드, 또는 긴급 표시 목록 / A category code, an office "
        "code, or a list of urgency flags."
    )
    reason: str = Field(min_length=2, max_length=300, description="사유 / Why.")


def _override_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": _iso(row.at),
        "field": row.field,
        "old": row.old,
        "new": row.new,
        "reason": row.reason,
        "staff_account_id": row.staff_account_id,
        "used_in_model": row.used_in_model,
    }


@router.post(
    "/staff/requests/{number}/override",
    operation_id="override_desk_triage",
    summary="분류·기관·긴급 바로잡기(직원) / Override the triage (staff)",
    responses=_PERSONAL,
)
def override_triage(
    settings: SettingsDep, staff: Handler, number: Number, body: OverrideIn
) -> dict[str, Any]:
    """Correct the category (re-routes, new deadline), the office or the urgency flags.

    Recorded with the reason (an override row, an event and an audit entry); category
    corrections feed `ilteo desk retrain`. Answers the override and the request after it.
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import override

    with session_scope(settings) as session:
        row = override(
            session, _staff(session, staff), number, body.field, body.value,
            reason=body.reason.strip(),
        )  # fmt: skip
        return {"override": _override_json(row), "request": _request_json(session, number)}


class AnswerIn(BaseModel):
    """The answer's text (saved as a draft until sent)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000, description="답변 / The answer.")


@router.put(
    "/staff/requests/{number}/answer",
    operation_id="save_desk_answer",
    summary="답변 저장(직원) / Save the answer (staff)",
    responses=_PERSONAL,
)
def save_answer(
    settings: SettingsDep, staff: Handler, number: Number, body: AnswerIn
) -> dict[str, Any]:
    """Save the answer being written (not sent; the suggested draft is kept beside it)."""
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import save_answer as save

    with session_scope(settings) as session:
        save(session, _staff(session, staff), number, body.text)
        return _request_json(session, number)


@router.post(
    "/staff/requests/{number}/answer/send",
    operation_id="send_desk_answer",
    summary="답변 보내기(직원) / Send the answer (staff)",
    responses=_PERSONAL,
)
def send_answer(settings: SettingsDep, staff: Handler, number: Number) -> dict[str, Any]:
    """Send the saved answer: the request becomes `answered` and the person sees it.

    An empty answer, or one holding a resident registration or account number, is refused.
    """
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import send_answer as send

    with session_scope(settings) as session:
        send(session, _staff(session, staff), number)
        return _request_json(session, number)


class StatusIn(BaseModel):
    """A change of state, with the reason the person will see."""

    model_config = ConfigDict(extra="forbid")

    status: Literal[
        "classified", "assigned", "in_progress", "waiting_citizen", "answered", "closed"
    ] = Field(description="새 상태 / The new state.")
    reason: str = Field(min_length=2, max_length=300, description="사유 / Why (shown to them).")


@router.post(
    "/staff/requests/{number}/status",
    operation_id="set_desk_request_status",
    summary="처리 상태 바꾸기(직원) / Change a request's state (staff)",
    responses=_PERSONAL,
)
def set_request_status(
    settings: SettingsDep, staff: Handler, number: Number, body: StatusIn
) -> dict[str, Any]:
    """Move the request along its states (moves the process does not allow are a 422)."""
    from ilteo.core.db import session_scope
    from ilteo.desk.intake import set_status

    with session_scope(settings) as session:
        set_status(session, number, body.status, reason=body.reason, actor=f"account:{staff.id}")
        return _request_json(session, number)


@router.post(
    "/staff/requests/{number}/acknowledge",
    operation_id="acknowledge_desk_alert",
    summary="긴급 알림 확인(감독자) / Acknowledge an urgent alert (supervisors)",
    responses=_PERSONAL,
)
def acknowledge_alert(settings: SettingsDep, staff: Handler, number: Number) -> dict[str, Any]:
    """A supervisor (desk officer, administrator) has seen the urgent request: it leaves the top."""
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import acknowledge

    with session_scope(settings) as session:
        acknowledge(session, _staff(session, staff), number)
        return _request_json(session, number)


class OverdueOut(BaseModel):
    """Open requests past their deadline."""

    requests: list[dict[str, Any]]
    total: int


@router.get(
    "/staff/overdue",
    operation_id="list_desk_overdue",
    summary="기한 지난 민원(직원) / Overdue requests (staff)",
    response_model=OverdueOut,
    responses=_PERSONAL,
)
def list_overdue(
    settings: SettingsDep,
    staff: Handler,
    office_code: Annotated[str | None, Query(max_length=32, description="기관 코드")] = None,
) -> OverdueOut:
    """Every open request past its legal deadline, oldest deadline first."""
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import overdue, request_json

    with session_scope(settings) as session:
        rows = [request_json(r) for r in overdue(session, office_code=office_code)]
    return OverdueOut(requests=rows, total=len(rows))


def case_json(case: Case) -> dict[str, Any]:
    """A workplace case as JSON."""
    return {
        "id": case.id,
        "master_workplace_id": case.master_workplace_id,
        "workplace_name": case.workplace_name,
        "sido": case.sido,
        "sigungu": case.sigungu,
        "office_code": case.office_code,
        "opened_at": _iso(case.opened_at),
        "updated_at": _iso(case.updated_at),
        "status": case.status,
        "request_count": case.request_count,
        "categories": dict(case.categories or {}),
        "urgent": list(case.urgent or []),
        "assigned_to": case.assigned_to,
    }


class CasesPage(Page[dict[str, Any]]):
    """A page of workplace cases."""

    total: int


@router.get(
    "/staff/cases",
    operation_id="list_desk_cases",
    summary="사업장별 사건(직원) / Workplace cases (staff)",
    response_model=CasesPage,
    responses=_PERSONAL,
)
def list_cases(
    settings: SettingsDep,
    staff: Handler,
    page: Annotated[PageRequest, Depends(page_params(maximum=STAFF_MAX_LIMIT))],
    office_code: Annotated[str | None, Query(max_length=32, description="기관 코드")] = None,
    status: Annotated[
        Literal["open", "closed"], Query(description="사건 상태 / open or closed.")
    ] = "open",
    min_requests: Annotated[
        int, Query(ge=1, le=100_000, description="최소 민원 수 / At least this many requests.")
    ] = 1,
) -> CasesPage:
    """Requests against one workplace grouped for the inspector: urgent first, then the largest."""
    from ilteo.core.db import session_scope
    from ilteo.desk.cases import cases

    with session_scope(settings) as session:

        def fetch(number_of: int, per_page: int) -> tuple[list[Any], int]:
            found, total = cases(
                session, office_code=office_code, status=status, min_requests=min_requests,
                page=number_of, per_page=per_page,
            )  # fmt: skip
            return list(found), total

        rows, total = _window(fetch, page.offset, page.limit)
        items = [case_json(c) for c in rows]
    return CasesPage(**dict(_cursor_page(page, items, total)), total=total)


CaseId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="사건 ID / The case's id.",
    ),
]


@router.get(
    "/staff/cases/{case_id}",
    operation_id="get_desk_case",
    summary="사건 보기(직원) / A workplace case (staff)",
    responses=_PERSONAL,
)
def get_case(settings: SettingsDep, staff: Handler, case_id: CaseId) -> dict[str, Any]:
    """The case and its requests, oldest first (masked texts)."""
    from ilteo.core.db import session_scope
    from ilteo.desk.cases import case_of, case_requests
    from ilteo.desk.queue import request_json

    with session_scope(settings) as session:
        case = case_of(session, case_id)
        return {
            "case": case_json(case),
            "requests": [request_json(r) for r in case_requests(session, case_id)],
        }


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@router.get(
    "/staff/attachments/{attachment_id}",
    operation_id="download_desk_attachment",
    summary="첨부 파일 받기(직원, 목적 기록) / Download an attachment (staff, audited)",
    response_class=Response,
    responses={
        **_PERSONAL,
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."},
    },
)
def download_attachment(
    request: Request,
    settings: SettingsDep,
    staff: Handler,
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="첨부 ID")],
    purpose: Annotated[
        str,
        Query(
            min_length=MIN_PURPOSE_LENGTH,
            max_length=300,
            description="열람 목적(감사 기록) / Why you open the file (audited).",
        ),
    ],
) -> Response:
    """The file as received, always as a download (`Content-Disposition: attachment`, `nosniff`).

    Each download is audited with its purpose (and recorded for the person when their account is
    linked to their records).
    """
    from urllib.parse import quote

    from ilteo.core.db import session_scope
    from ilteo.desk.attachments import read
    from ilteo.desk.models import Request as DeskRequest
    from ilteo.identity.accounts import record_audit

    with session_scope(settings) as session:
        row, data = read(session, settings, attachment_id)
        reason = purpose.strip()
        record_audit(
            session,
            "desk.attachment_read",
            account_id=staff.id,
            client=client_of(request),
            request=row.request_id,
            attachment=row.id,
            purpose=reason[:200],
        )
        owner = session.get(DeskRequest, row.request_id)
        if owner is not None and owner.account_id:
            from ilteo.identity.accounts import get_account
            from ilteo.identity.reads import audit_person_read

            person = get_account(session, owner.account_id).master_person_id
            if person:
                audit_person_read(
                    session,
                    _staff(session, staff),
                    person,
                    f"민원 {row.request_id} 첨부 열람: {reason}"[:300],
                )
        filename, content_type = row.filename, row.content_type
    ascii_name = _SAFE_NAME.sub("_", filename) or "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
