"""Benefits over HTTP: the check, OpenFisca calculate and trace, notices, applications, outreach.

Public: a check computes from what the caller sends and stores nothing (no account needed, like
the ministry's public calculators); it is rate-limited as any anonymous call. Each endpoint calls
one :mod:`ilteo.benefits` service function; bad input becomes a 422 problem naming the field.

Personal (signed in, the account linked to a lake record): the notices the proactive scan wrote
for the person, applications made by consent instead of paper, the consents and every read under
them. Staff (counsellors, administrators): outreach lists without names, the notice outbox, and
the applications, each opened with a stated purpose and audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ilteo.api.deps import SettingsDep
from ilteo.api.routers.identity import SignedIn, require_staff
from ilteo.benefits.inputs import CheckInput
from ilteo.benefits.models import CHANNELS, NOTICE_STATUSES
from ilteo.benefits.rules import RULES
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.identity.accounts import AccountPublic, as_utc, utcnow
from ilteo.identity.reads import MIN_PURPOSE_LENGTH

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ilteo.benefits.models import Application, Consent, Notice
    from ilteo.benefits.notices import OutreachFilters
    from ilteo.identity.models import Account

router = APIRouter(prefix="/benefits", tags=["benefits"])

_PROBLEMS: dict[int | str, dict[str, object]] = {
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}


class CheckOut(BaseModel):
    """Every programme's answer for one person."""

    as_of: str = Field(description="기준일 / the day of the check")
    programs: dict[str, dict[str, Any]] = Field(
        description="제도별 답 / per programme: eligible (null when something is missing), amounts "
        "in integer won, reasons in Korean, references (articles of law), missing, trace"
    )
    caveat: str


@router.post(
    "/check",
    operation_id="check_benefits",
    summary="받을 수 있는 급여·지원 확인 / What am I entitled to",
    response_model=CheckOut,
    responses=_PROBLEMS,
)
def check_benefits(body: CheckInput) -> CheckOut:
    """Every programme evaluated for one person, with reasons, articles of law and the trace.

    Fields may be omitted: a programme that needs one answers `eligible: null` and names it in
    `missing` (never a guessed amount). Impossible input (a separation before the first insured
    day, a negative wage, an unknown reason code) is a 422 naming the field.
    """
    from ilteo.benefits.check import check

    return CheckOut.model_validate(check(body))


class Situation(BaseModel):
    """An OpenFisca situation: persons and households with their variables by period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "persons": {"p": {"age_at_separation": {"ETERNITY": 45}}},
                    "households": {"h": {"members": ["p"], "household_size": {"ETERNITY": None}}},
                }
            ]
        },
    )

    persons: dict[str, dict[str, Any]] = Field(
        description="개인 / persons: id → {variable: {period: value or null}}; null is computed"
    )
    households: dict[str, dict[str, Any]] | None = Field(
        None, description="가구 / households: id → {members: [ids], variable: {period: value}}"
    )

    def plain(self) -> dict[str, Any]:
        """The situation as OpenFisca reads it (without an absent households key)."""
        return self.model_dump(exclude_none=True)


@router.post(
    "/calculate",
    operation_id="calculate_openfisca",
    summary="OpenFisca 계산 / OpenFisca-compatible calculate",
    responses=_PROBLEMS,
)
def calculate_openfisca(situation: Situation) -> dict[str, Any]:
    """The situation with every `null` filled in, as the OpenFisca Web API's `/calculate`."""
    from ilteo.benefits.openfisca_api import calculate

    filled, _ = calculate(situation.plain())
    return filled


@router.post(
    "/trace",
    operation_id="trace_openfisca",
    summary="OpenFisca 계산 추적 / OpenFisca-compatible trace",
    responses=_PROBLEMS,
)
def trace_openfisca(situation: Situation) -> dict[str, Any]:
    """Each requested value's computation: dependencies and parameters, as OpenFisca's `/trace`."""
    from ilteo.benefits.openfisca_api import trace

    return trace(situation.plain())


@router.get(
    "/variables",
    operation_id="list_benefit_variables",
    summary="변수 목록 / The model's variables",
)
def list_benefit_variables() -> dict[str, Any]:
    """Every variable: id, Korean/English label, entity, period, type, legal references."""
    from ilteo.benefits.openfisca_api import variables

    return {"result": variables()}


# --- notices, applications by consent, outreach and the outbox ------------------------------------

#: Staff roles of the outreach lists, the outbox and the applications.
STAFF_ROLES: Final = ("counsellor", "administrator")
Staff = Annotated[AccountPublic, Depends(require_staff(*STAFF_ROLES))]

_PERSONAL: dict[int | str, dict[str, object]] = {
    **_PROBLEMS,
    401: {"description": "로그인이 필요합니다 / Sign-in required (application/problem+json)"},
    403: {"description": "권한이 없습니다 / Role not allowed (application/problem+json)"},
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
}
_NOT_LINKED = (
    "계정이 고용보험 기록과 연결되지 않았습니다: 고용센터에서 본인 확인(대면)을 하면 연결되고, "
    "그 뒤 받을 수 있는 급여·지원 안내가 여기에 옵니다. 지금도 '받을 수 있는 급여 확인'은 쓸 수 "
    "있습니다. / Your account is not linked to your employment records: an in-person identity "
    "check at a job centre links it, and notices of benefits you may receive then arrive here. "
    "The benefits check works without a link."
)

Lang = Annotated[
    Literal["ko", "en"], Query(description="안내문 언어 / Language of the texts: `ko` or `en`.")
]
NoticeId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="안내 ID / The notice's id.",
    ),
]
ApplicationId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="신청 ID / The application's id.",
    ),
]
ConsentId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="동의 ID / The consent's id.",
    ),
]


class _Open(BaseModel):
    """Fields the services add later are passed through, not dropped."""

    model_config = ConfigDict(extra="allow")


class LegalReference(_Open):
    """An article of law and its page on law.go.kr."""

    title: str
    href: str


_NOTICE_EXAMPLE: dict[str, Any] = {
    "id": "N1E163BD5647569F2",
    "rule": "job_seeking_not_claimed",
    "rule_label": "구직급여 대상이지만 신청하지 않은 이직자",
    "programme": "job_seeking_allowance",
    "programme_label": "구직급여",
    "status": "new",
    "as_of": "2025-12-31",
    "created_at": "2026-01-02T09:00:00+00:00",
    "amount_krw": 9120000,
    "title": "구직급여를 받으실 수 있습니다",
    "why": "2025년 11월 14일 회사 사정으로 이직하셨고 고용보험 가입 기간이 충분합니다.",
    "how_much": "하루 64,192원씩 150일, 모두 약 9,628,800원입니다.",
    "what_next": "이 화면에서 신청하시면 이직확인서와 임금 기록은 동의로 확인합니다.",
    "legal_basis": [
        {"title": "고용보험법 제40조", "href": "https://www.law.go.kr/법령/고용보험법/제40조"}
    ],
    "apply_url": "/benefits/notices/N1E163BD5647569F2/apply",
    "details": {"separation_date": "2025-11-14", "benefit_days": 150},
}


class NoticeOut(_Open):
    """A benefit the scan found for the person, in plain language, with the law."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_NOTICE_EXAMPLE]})

    id: str
    rule: str = Field(description="찾은 규칙 / The scan rule that found it.")
    rule_label: str | None = None
    programme: str
    programme_label: str | None = None
    status: str = Field(description="new, read, applied or dismissed.")
    as_of: str = Field(description="검사 기준일 / The scan's day, YYYY-MM-DD.")
    created_at: str
    amount_krw: int | None = Field(description="받을 수 있는 금액(원) / The amount in won.")
    title: str
    why: str | None = Field(None, description="왜 / Why the person was found.")
    how_much: str | None = Field(None, description="얼마 / How much, in plain words.")
    what_next: str | None = Field(None, description="다음 할 일 / What to do next.")
    legal_basis: list[LegalReference] = Field(default_factory=list)
    apply_url: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class NoticesOut(BaseModel):
    """The person's inbox, newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"notices": [_NOTICE_EXAMPLE], "unread": 1}]}
    )

    notices: list[NoticeOut]
    unread: int = Field(description="읽지 않은 안내 수 / Notices not yet opened.")


class DataItem(_Open):
    """A data item a consent covers: a document the law requires, read instead of submitted."""

    code: str = Field(description="separation_certificate, wage_records, ...")
    title: str


class TermItem(DataItem):
    """A data item of the terms: where it is held and the law that asks for it."""

    source: str | None = None
    law: str | None = None


class ConsentTerms(BaseModel):
    """What the person consents to by applying."""

    programme: str
    programme_label: str | None = None
    purpose: str = Field(description="이용 목적 / The purpose.")
    items: list[TermItem] = Field(description="열람하는 정보 / The data items read.")
    holder: str = Field(description="보유 기관 / Who holds the data.")
    recipient: str = Field(description="받는 기관 / Who receives it.")
    days: int = Field(description="동의 유효 일수 / Days the consent lasts.")
    expires_at: str = Field(description="지금 동의하면 끝나는 때 / Ends if granted now.")


class TermsOut(BaseModel):
    """The consent terms of a notice's application."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notice_id": "N1E163BD5647569F2",
                    "terms": {
                        "programme": "job_seeking_allowance",
                        "purpose": "구직급여 수급자격 인정 신청 심사",
                        "items": [
                            {
                                "code": "separation_certificate",
                                "title": "이직확인서",
                                "source": "고용보험 피보험자격 신고",
                                "law": "고용보험법 제42조",
                            }
                        ],
                        "holder": "근로복지공단",
                        "recipient": "고용노동부 고용센터",
                        "days": 365,
                        "expires_at": "2027-01-02T09:00:00+00:00",
                    },
                }
            ]
        }
    )

    notice_id: str
    terms: ConsentTerms


class ConsentAnswer(BaseModel):
    """The person's answer to the terms."""

    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="동의함 / true to grant the consent of the terms.")


class ApplyIn(BaseModel):
    """Apply from a notice: the consent replaces the paper documents."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"notice_id": "N1E163BD5647569F2", "consent": {"accept": True}}]
        },
    )

    notice_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    consent: ConsentAnswer


class ConsentReadOut(_Open):
    """One read of a data item under a consent."""

    at: str
    item: str
    reader_kind: str = Field(description="system 또는 staff / system or staff.")
    reader: str | None = Field(None, description="system, or staff and their roles.")
    purpose: str
    records: int


class ConsentOut(_Open):
    """A consent: purpose, data items, holder, recipient, validity, and every read under it."""

    id: str
    programme: str
    programme_label: str | None = None
    purpose: str
    items: list[TermItem]
    holder: str
    recipient: str
    granted_at: str
    expires_at: str
    withdrawn_at: str | None
    active: bool = Field(description="철회·만료 전 / Neither withdrawn nor expired.")
    reads: list[ConsentReadOut] = Field(default_factory=list)


class DocumentOut(_Open):
    """A document read from the lake under the consent, instead of a paper copy."""

    title: str
    source: str | None = None
    read_at: str | None = None
    records: list[dict[str, Any]] = Field(default_factory=list)


_APPLICATION_EXAMPLE: dict[str, Any] = {
    "id": "A5F0C2B9E81D4A7C3",
    "programme": "job_seeking_allowance",
    "programme_label": "구직급여",
    "status": "submitted",
    "office": "서울고용복지플러스센터",
    "created_at": "2026-01-02T09:05:00+00:00",
    "updated_at": "2026-01-02T09:05:00+00:00",
    "notice_id": "N1E163BD5647569F2",
    "consent": {
        "id": "C9B2E47D10A3F6E85",
        "purpose": "구직급여 수급자격 인정 신청 심사",
        "items": [{"code": "separation_certificate", "title": "이직확인서"}],
        "holder": "근로복지공단",
        "recipient": "고용노동부 고용센터",
        "granted_at": "2026-01-02T09:05:00+00:00",
        "expires_at": "2027-01-02T09:05:00+00:00",
        "withdrawn_at": None,
        "active": True,
    },
    "documents": {
        "separation_certificate": {
            "title": "이직확인서",
            "source": "고용보험 피보험자격 신고",
            "read_at": "2026-01-02T09:05:00+00:00",
            "records": [{"loss_date": "2025-11-14", "loss_reason_code": "23"}],
        }
    },
    "reads": [
        {
            "at": "2026-01-02T09:05:00+00:00",
            "item": "separation_certificate",
            "reader_kind": "system",
            "reader": "system",
            "purpose": "구직급여 수급자격 인정 신청 심사",
            "records": 1,
        }
    ],
}


class ApplicationOut(_Open):
    """An application: its consent, the documents read under it, and every read."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_APPLICATION_EXAMPLE]})

    id: str
    programme: str
    programme_label: str | None = None
    status: str = Field(description="submitted, in_review, approved, rejected or withdrawn.")
    office: str | None = None
    created_at: str
    updated_at: str
    notice_id: str | None
    consent: ConsentOut | None
    documents: dict[str, DocumentOut] | None = Field(
        description="동의로 읽은 서류; 동의 철회·만료 뒤에는 null / Null once withdrawn or expired."
    )
    reads: list[ConsentReadOut]


class ApplicationsOut(BaseModel):
    """The person's applications, newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"applications": [_APPLICATION_EXAMPLE]}]}
    )

    applications: list[ApplicationOut]


class MyConsentOut(ConsentOut):
    """One of the person's consents, the applications made with it and every read under it."""

    applications: list[str] = Field(description="이 동의로 만든 신청 / Applications made with it.")


class ConsentsOut(BaseModel):
    """The person's consents, newest first, with every read."""

    consents: list[MyConsentOut]


class OutreachRow(BaseModel):
    """One notice of an outreach list (no name, no contact, no text): a CSV row as JSON."""

    notice_id: str
    master_id: str = Field(description="레이크의 마스터 개인 ID / The lake's master person id.")
    rule: str
    programme: str
    sido: str | None
    age: int | None
    amount_krw: int | None
    status: str
    as_of: str
    created_at: str


class OutreachCounts(_Open):
    """Counts over the whole filter (not just the page)."""

    by_rule: dict[str, int]
    by_status: dict[str, int]
    by_sido: dict[str, int]
    amount_krw: int = Field(description="금액 합계(원) / Sum of the amounts in won.")


class OutreachOut(BaseModel):
    """A page of an outreach list and its counts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {
                            "notice_id": "N1E163BD5647569F2",
                            "master_id": "P000000123",
                            "rule": "job_seeking_not_claimed",
                            "programme": "job_seeking_allowance",
                            "sido": "11",
                            "age": 41,
                            "amount_krw": 9628800,
                            "status": "new",
                            "as_of": "2025-12-31",
                            "created_at": "2026-01-02T09:00:00+00:00",
                        }
                    ],
                    "total": 1,
                    "page": 1,
                    "per_page": 50,
                    "counts": {
                        "by_rule": {"job_seeking_not_claimed": 1},
                        "by_status": {"new": 1},
                        "by_sido": {"11": 1},
                        "amount_krw": 9628800,
                    },
                }
            ]
        }
    )

    rows: list[OutreachRow]
    total: int
    page: int
    per_page: int
    counts: OutreachCounts


class OutboxEntryOut(BaseModel):
    """One delivery of the outbox (the recipient masked)."""

    id: int
    created_at: str
    notice_id: str
    channel: str
    status: str
    recipient: str | None = Field(description="가린 수신처 / Masked recipient.")
    text: str | None = Field(description="보낸 글 / The message text.")
    detail: str = Field("", description="결과 설명 / What happened.")


class OutboxOut(BaseModel):
    """The newest deliveries and the counts by channel and status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "deliveries": [
                        {
                            "id": 7,
                            "created_at": "2026-01-02T09:00:00+00:00",
                            "notice_id": "N1E163BD5647569F2",
                            "channel": "sms",
                            "status": "written",
                            "recipient": "010-****-5678",
                            "text": "[고용노동부] 구직급여 안내가 도착했습니다.",
                        }
                    ],
                    "counts": {"portal": {"delivered": 1}, "sms": {"written": 1}},
                }
            ]
        }
    )

    deliveries: list[OutboxEntryOut]
    counts: dict[str, dict[str, int]]


class StaffApplicationRow(BaseModel):
    """An application as listed for staff: no documents (those are read with a purpose)."""

    id: str
    notice_id: str | None
    master_person_id: str
    programme: str
    status: str
    office: str
    created_at: str
    updated_at: str


class StaffApplicationsOut(BaseModel):
    """A page of applications for staff."""

    applications: list[StaffApplicationRow]
    total: int
    page: int
    per_page: int


class StatusIn(BaseModel):
    """A decision on an application."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "in_review"}]}
    )

    status: Literal["in_review", "approved", "rejected"]


def _at(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return as_utc(value).isoformat()


def _linked(session: Session, account_id: str) -> Account:
    from ilteo.identity.accounts import get_account

    account = get_account(session, account_id)
    if account.master_person_id is None:
        raise NotFoundError(
            _NOT_LINKED, linked=False, next_steps=["in-person proofing", "/v1/benefits/check"]
        )
    return account


def _notice_out(notice: Notice, lang: str) -> NoticeOut:
    from ilteo.benefits.notices import notice_json

    return NoticeOut.model_validate(notice_json(notice, lang))


def _application_out(session: Session, application: Application, lang: str) -> ApplicationOut:
    from ilteo.benefits.applications import application_json

    return ApplicationOut.model_validate(application_json(session, application, lang))


def _my_consent(session: Session, consent: Consent, lang: str) -> MyConsentOut:
    from sqlalchemy import select

    from ilteo.benefits.applications import consent_json
    from ilteo.benefits.models import Application

    applications = session.scalars(
        select(Application.id).where(Application.consent_id == consent.id).order_by(Application.id)
    ).all()
    return MyConsentOut.model_validate(
        {**consent_json(session, consent, lang), "applications": list(applications)}
    )


@router.get(
    "/notices",
    operation_id="list_my_benefit_notices",
    summary="나에게 온 급여·지원 안내 / List my benefit notices",
    response_model=NoticesOut,
    responses=_PERSONAL,
)
def list_my_notices(settings: SettingsDep, account: SignedIn, lang: Lang = "ko") -> NoticesOut:
    """The benefits the proactive scan found for the signed-in person, newest first.

    Each notice says in plain words why, how much, what next and the articles of law. An account
    not linked to a lake record is a 404 saying how to link it (`linked: false`).
    """
    from ilteo.benefits.notices import inbox
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        notices = inbox(session, str(person.master_person_id))
        return NoticesOut(
            notices=[_notice_out(n, lang) for n in notices],
            unread=sum(1 for n in notices if n.status == "new"),
        )


@router.get(
    "/notices/{notice_id}",
    operation_id="get_my_benefit_notice",
    summary="안내 보기 / Open one of my notices",
    response_model=NoticeOut,
    responses=_PERSONAL,
)
def get_my_notice(
    settings: SettingsDep, account: SignedIn, notice_id: NoticeId, lang: Lang = "ko"
) -> NoticeOut:
    """One notice of the signed-in person; opening it marks it read (another's is a 404)."""
    from ilteo.benefits.notices import notice_of, open_notice
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        notice = notice_of(session, notice_id, person.master_person_id)
        open_notice(session, notice)
        return _notice_out(notice, lang)


@router.get(
    "/notices/{notice_id}/consent-terms",
    operation_id="get_benefit_consent_terms",
    summary="신청 시 동의 내용 / The consent an application asks for",
    response_model=TermsOut,
    responses=_PERSONAL,
)
def get_consent_terms(
    settings: SettingsDep, account: SignedIn, notice_id: NoticeId, lang: Lang = "ko"
) -> TermsOut:
    """What applying from this notice consents to: purpose, data items, holder, recipient, days.

    The documents the law requires are read from the records the government already holds
    under this consent instead of being submitted on paper.
    """
    from ilteo.benefits.applications import DOCUMENTS, terms_for
    from ilteo.benefits.notices import notice_of
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        terms = terms_for(notice_of(session, notice_id, person.master_person_id))
    data = terms.to_json(lang)
    for item in data["items"]:
        document = DOCUMENTS[item["code"]]
        item.update(source=document.source_ko, law=document.law)
    data["expires_at"] = (utcnow() + timedelta(days=terms.days)).isoformat()
    return TermsOut(notice_id=notice_id, terms=ConsentTerms.model_validate(data))


@router.post(
    "/applications",
    operation_id="apply_for_benefit",
    summary="동의로 신청(서류 없이) / Apply by consent, without paper",
    status_code=201,
    response_model=ApplicationOut,
    responses=_PERSONAL,
)
def apply_for_benefit(
    settings: SettingsDep, account: SignedIn, body: ApplyIn, lang: Lang = "ko"
) -> ApplicationOut:
    """Apply from a notice: the consent of its terms is granted and the documents are read.

    `consent.accept` must be `true` (the terms are those of
    `GET /v1/benefits/notices/{notice_id}/consent-terms`); every read is recorded and shown
    in `reads`. A notice already applied for is a 422 naming the existing application.
    """
    from ilteo.benefits.applications import apply
    from ilteo.core.db import session_scope

    if not body.consent.accept:
        raise InvalidInputError(
            "consent.accept: 동의해야 서류 없이 신청할 수 있습니다 / the consent must be "
            "accepted (true) to apply without paper",
            field="consent.accept",
        )
    with session_scope(settings) as session:
        person = _linked(session, account.id)
        application = apply(session, settings, person, body.notice_id)
        return _application_out(session, application, lang)


@router.get(
    "/applications",
    operation_id="list_my_benefit_applications",
    summary="나의 신청 / List my applications",
    response_model=ApplicationsOut,
    responses=_PERSONAL,
)
def list_my_applications(
    settings: SettingsDep, account: SignedIn, lang: Lang = "ko"
) -> ApplicationsOut:
    """The signed-in person's applications, each with its consent, documents and reads."""
    from ilteo.benefits.applications import applications_of
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        return ApplicationsOut(
            applications=[
                _application_out(session, a, lang) for a in applications_of(session, person)
            ]
        )


@router.get(
    "/applications/{application_id}",
    operation_id="get_my_benefit_application",
    summary="신청 보기 / Get one of my applications",
    response_model=ApplicationOut,
    responses=_PERSONAL,
)
def get_my_application(
    settings: SettingsDep, account: SignedIn, application_id: ApplicationId, lang: Lang = "ko"
) -> ApplicationOut:
    """One application of the signed-in person (another's is a 404)."""
    from ilteo.benefits.applications import application_of
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        return _application_out(session, application_of(session, person, application_id), lang)


@router.get(
    "/consents",
    operation_id="list_my_benefit_consents",
    summary="나의 정보 열람 동의와 열람 기록 / List my consents and the reads under them",
    response_model=ConsentsOut,
    responses=_PERSONAL,
)
def list_my_consents(settings: SettingsDep, account: SignedIn, lang: Lang = "ko") -> ConsentsOut:
    """Every consent of the signed-in person, newest first, with every read under it (who, why)."""
    from ilteo.benefits.applications import consents_of
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        return ConsentsOut(
            consents=[_my_consent(session, c, lang) for c in consents_of(session, person)]
        )


@router.post(
    "/consents/{consent_id}/withdraw",
    operation_id="withdraw_benefit_consent",
    summary="동의 철회 / Withdraw a consent",
    response_model=MyConsentOut,
    responses=_PERSONAL,
)
def withdraw_consent(
    settings: SettingsDep, account: SignedIn, consent_id: ConsentId, lang: Lang = "ko"
) -> MyConsentOut:
    """Withdraw one's consent: the documents read under it are erased from the application.

    The application is then `withdrawn`; the record of the reads stays (it is the person's
    proof of who read what). Another's consent is a 404.
    """
    from ilteo.benefits.applications import withdraw
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        person = _linked(session, account.id)
        consent = withdraw(session, person, consent_id)
        return _my_consent(session, consent, lang)


# --- staff ---------------------------------------------------------------------------------------


def _filters(
    rule: str | None,
    programme: str | None,
    sido: str | None,
    status: str | None,
    age_min: int | None,
    age_max: int | None,
) -> OutreachFilters:
    """The service's filters, checked (a bad one is a 422 naming it in ``fields``)."""
    from ilteo.benefits.notices import OutreachFilters

    return OutreachFilters(
        rule=rule, programme=programme, sido=sido, status=status, age_min=age_min, age_max=age_max
    ).check()


RuleQ = Annotated[
    str | None,
    Query(max_length=48, description="규칙 / A scan rule: " + ", ".join(RULES)),
]
ProgrammeQ = Annotated[
    str | None,
    Query(max_length=48, pattern=r"^[a-z0-9_]+$", description="제도 / A programme id."),
]
SidoQ = Annotated[
    str | None, Query(pattern=r"^\d{2}$", description="시도 코드 / A 시도 code (`11`).")
]
NoticeStatusQ = Annotated[
    str | None, Query(max_length=12, description="안내 상태 / " + ", ".join(NOTICE_STATUSES))
]
AgeQ = Annotated[int | None, Query(ge=0, le=120, description="나이 / Age on the scan day.")]


@router.get(
    "/outreach",
    operation_id="list_benefit_outreach",
    summary="찾아가는 안내 대상 목록(직원) / Outreach list (staff)",
    response_model=OutreachOut,
    responses=_PERSONAL,
)
def list_outreach(
    settings: SettingsDep,
    staff: Staff,
    rule: RuleQ = None,
    programme: ProgrammeQ = None,
    sido: SidoQ = None,
    status: NoticeStatusQ = None,
    age_min: AgeQ = None,
    age_max: AgeQ = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="쪽 / Page, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=500, description="쪽당 행 / Rows a page.")] = 50,
) -> OutreachOut:
    """Notices by rule, programme, 시도, status and age: rows without names, counts and the total.

    Staff only (counsellor, administrator). The counts cover the whole filter; `amount_krw` sums
    the amounts found. No name or contact is shown: a counsellor opens a person by the id.
    """
    from ilteo.benefits.notices import outreach, outreach_row
    from ilteo.core.db import session_scope

    filters = _filters(rule, programme, sido, status, age_min, age_max)
    with session_scope(settings) as session:
        found = outreach(session, filters, page=page, per_page=per_page)
        rows = [OutreachRow.model_validate(outreach_row(n)) for n in found.rows]
    return OutreachOut(
        rows=rows,
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        counts=OutreachCounts.model_validate(found.counts),
    )


@router.get(
    "/outreach.csv",
    operation_id="export_benefit_outreach_csv",
    summary="안내 대상 목록 CSV(직원) / Export the outreach list (CSV, staff)",
    response_class=Response,
    responses={
        **_PERSONAL,
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV, no names."},
    },
)
def export_outreach_csv(
    settings: SettingsDep,
    staff: Staff,
    rule: RuleQ = None,
    programme: ProgrammeQ = None,
    sido: SidoQ = None,
    status: NoticeStatusQ = None,
    age_min: AgeQ = None,
    age_max: AgeQ = None,
) -> Response:
    """The whole filtered outreach list as UTF-8 CSV (header row; no names, no contacts)."""
    from ilteo.benefits.notices import outreach_csv
    from ilteo.core.db import session_scope

    filters = _filters(rule, programme, sido, status, age_min, age_max)
    with session_scope(settings) as session:
        text = "".join(
            line if line.endswith("\n") else line + "\n" for line in outreach_csv(session, filters)
        )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ilteo-benefits-outreach.csv"'},
    )


@router.get(
    "/outbox",
    operation_id="list_benefit_outbox",
    summary="안내 발송함(직원) / The notice outbox (staff)",
    response_model=OutboxOut,
    responses=_PERSONAL,
)
def list_outbox(
    settings: SettingsDep,
    staff: Staff,
    channel: Annotated[
        str | None,
        Query(pattern="^(" + "|".join(CHANNELS) + ")$", description="portal, sms, email, alimtalk"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="최근 몇 건 / How many.")] = 50,
) -> OutboxOut:
    """The newest deliveries (recipients masked) and the counts by channel and status.

    In development the SMS, e-mail and 알림톡 adapters write here instead of sending.
    """
    from ilteo.benefits.notices import delivery_counts, outbox
    from ilteo.core.db import session_scope

    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        entries = outbox(session, key=key, channel=channel, limit=limit)
        counts = delivery_counts(session)
    return OutboxOut(
        deliveries=[
            OutboxEntryOut(
                id=e.id,
                created_at=_at(e.created_at) or "",
                notice_id=e.notice_id,
                channel=e.channel,
                status=e.status,
                recipient=e.recipient,
                text=e.text,
                detail=e.detail,
            )
            for e in entries
        ],
        counts=counts,
    )


def _staff_row(application: Application) -> StaffApplicationRow:
    return StaffApplicationRow(
        id=application.id,
        notice_id=application.notice_id,
        master_person_id=application.master_person_id,
        programme=application.programme,
        status=application.status,
        office=application.office,
        created_at=as_utc(application.created_at).isoformat(),
        updated_at=as_utc(application.updated_at).isoformat(),
    )


@router.get(
    "/staff/applications",
    operation_id="list_benefit_applications_staff",
    summary="신청 목록(직원) / List applications (staff)",
    response_model=StaffApplicationsOut,
    responses=_PERSONAL,
)
def list_staff_applications(
    settings: SettingsDep,
    staff: Staff,
    status: Annotated[
        Literal["submitted", "in_review", "approved", "rejected", "withdrawn"] | None,
        Query(description="신청 상태 / The status."),
    ] = None,
    programme: ProgrammeQ = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="쪽 / Page, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=500, description="쪽당 행 / Rows a page.")] = 50,
) -> StaffApplicationsOut:
    """Applications by status and programme, newest first; documents are opened one by one."""
    from ilteo.benefits.applications import staff_applications
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        found, total = staff_applications(
            session, status=status, programme=programme, page=page, per_page=per_page
        )
        rows = [_staff_row(a) for a in found]
    return StaffApplicationsOut(applications=rows, total=total, page=page, per_page=per_page)


@router.get(
    "/staff/applications/{application_id}",
    operation_id="get_benefit_application_staff",
    summary="신청 보기(직원, 목적 기록) / Open an application (staff, audited)",
    response_model=ApplicationOut,
    responses=_PERSONAL,
)
def get_staff_application(
    settings: SettingsDep,
    staff: Staff,
    application_id: ApplicationId,
    purpose: Annotated[
        str,
        Query(
            min_length=MIN_PURPOSE_LENGTH,
            max_length=300,
            description="열람 목적(감사 기록) / Why you read this application (audited, shown to "
            "the person).",
        ),
    ],
    lang: Lang = "ko",
) -> ApplicationOut:
    """The application as the person sees it, for a counsellor: an audited read with `purpose`.

    The read is recorded for the person (their account page) and under the consent, one read
    per document. Documents are `null` once the consent is withdrawn or expired.
    """
    from ilteo.benefits.applications import staff_application
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account

    with session_scope(settings) as session:
        reader = get_account(session, staff.id)
        application = staff_application(session, reader, application_id, purpose.strip())
        return _application_out(session, application, lang)


@router.post(
    "/staff/applications/{application_id}/status",
    operation_id="set_benefit_application_status",
    summary="신청 처리 상태 바꾸기(직원) / Set an application's status (staff)",
    response_model=StaffApplicationRow,
    responses=_PERSONAL,
)
def set_application_status(
    settings: SettingsDep, staff: Staff, application_id: ApplicationId, body: StatusIn
) -> StaffApplicationRow:
    """Move an application to `in_review`, `approved` or `rejected` (documents not shown)."""
    from ilteo.benefits.applications import set_status
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account

    with session_scope(settings) as session:
        reader = get_account(session, staff.id)
        return _staff_row(set_status(session, reader, application_id, body.status))
