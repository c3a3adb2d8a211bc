"""Applying without paper: consent to read what the government holds, every read recorded.

From a notice (:mod:`ilteo.benefits.notices`) a person applies in one step. They see the terms of
the consent (:func:`terms_for`: the purpose, the data items - the documents the law asks for,
such as the 이직확인서 - who holds them, who receives them, until when) and agree;
:func:`apply` then records the :class:`~ilteo.benefits.models.Consent`, reads each document from
the lake under it (one :class:`~ilteo.benefits.models.ConsentRead` per document, reader
``system``), and files the :class:`~ilteo.benefits.models.Application` with the documents as read.
Nothing is asked on paper.

A counsellor opens the same application (:func:`staff_application`): with a stated purpose, the
read is audited as every staff read of a person is (:func:`ilteo.identity.reads.audit_person_read`)
and each document they see is one more ``ConsentRead`` (reader ``staff``), which the person sees.
Withdrawing the consent (:func:`withdraw`) stops every further read: the documents kept with the
application are erased, the application is ``withdrawn``, and staff see that the consent is gone.
An expired consent shows no documents either.

Documents (:data:`DOCUMENTS`), read from the lake's curated tables through the master person:
``separation_certificate`` (이직확인서: the last job's workplace, dates and 상실사유),
``wage_records`` (monthly wages of the 12 months before the separation), ``insured_history``
(피보험자격 이력: every insured job) and ``training_history`` (K-Digital Training enrolments).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ilteo.benefits.models import APPLICATION_STATUSES, Application, Consent, ConsentRead, Notice
from ilteo.benefits.notices import notice_of, programme_label
from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.models import Account

#: Statuses staff may set.
STAFF_STATUSES: Final[tuple[str, ...]] = ("in_review", "approved", "rejected")
#: Wage months read before the separation.
WAGE_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class Document:
    """A document the law asks for, and where the lake holds it."""

    code: str
    title_ko: str
    title_en: str
    source_ko: str
    law: str


_LAW: Final = "https://www.law.go.kr/법령"
#: The documents an application can read instead of paper.
DOCUMENTS: Final[dict[str, Document]] = {
    d.code: d
    for d in (
        Document(
            "separation_certificate",
            "이직확인서 (이직 사유와 이직일)",
            "Separation certificate (reason and day of leaving)",
            "고용보험 피보험자격 상실 신고 (근로복지공단)",
            f"{_LAW}/고용보험법/제42조",
        ),
        Document(
            "wage_records",
            "임금 기록 (이직 전 12개월 월별 임금)",
            "Wage records (monthly wages of the 12 months before leaving)",
            "고용보험 월별 보수 신고 (근로복지공단)",
            f"{_LAW}/고용보험법/제45조",
        ),
        Document(
            "insured_history",
            "고용보험 피보험자격 이력",
            "Employment-insurance history",
            "고용보험 피보험자격 취득·상실 신고 (근로복지공단)",
            f"{_LAW}/고용보험법/제15조",
        ),
        Document(
            "training_history",
            "직업훈련 수강 이력",
            "Vocational training history",
            "K-디지털 훈련 수강 기록 (고용노동부 HRD-Net)",
            f"{_LAW}/국민 평생 직업능력 개발법/제12조",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ConsentTerms:
    """What a person consents to when they apply for a programme."""

    programme: str
    purpose_ko: str
    purpose_en: str
    items: tuple[str, ...]
    holder_ko: str
    holder_en: str
    recipient_ko: str
    recipient_en: str
    days: int

    def to_json(self, lang: str = "ko") -> dict[str, Any]:
        """JSON-plain terms in ``lang``."""
        ko = lang == "ko"
        return {
            "programme": self.programme,
            "programme_label": programme_label(self.programme, lang),
            "purpose": self.purpose_ko if ko else self.purpose_en,
            "items": [
                {"code": c, "title": DOCUMENTS[c].title_ko if ko else DOCUMENTS[c].title_en}
                for c in self.items
            ],
            "holder": self.holder_ko if ko else self.holder_en,
            "recipient": self.recipient_ko if ko else self.recipient_en,
            "days": self.days,
        }


_TERMS: Final[dict[str, tuple[str, str, tuple[str, ...], int]]] = {
    "job_seeking_allowance": (
        "구직급여 수급자격 인정 신청의 심사 (고용보험법 제43조)",
        "Deciding the claim for the job-seeking allowance (Employment Insurance Act, art. 43)",
        ("separation_certificate", "wage_records", "insured_history"),
        365,
    ),
    "training_card": (
        "국민내일배움카드 발급 신청의 심사",
        "Deciding the application for the national training card",
        ("insured_history", "training_history"),
        180,
    ),
    "employment_support_type2": (
        "국민취업지원제도 참여 신청의 심사 (구직자 취업촉진 및 생활안정지원에 관한 법률 제9조)",
        "Deciding the application to the National Employment Support Programme",
        ("insured_history", "training_history"),
        365,
    ),
}


def _office(notice: Notice) -> tuple[str, str]:
    from ilteo.lake.codes import SIDO_NAMES

    name = SIDO_NAMES.get(notice.sido or "", "")
    if not name:
        return "주소지 관할 고용센터", "The job centre of your address"
    return f"{name} 관할 고용센터", f"The job centre with jurisdiction in {name}"


def terms_for(notice: Notice) -> ConsentTerms:
    """The consent an application from ``notice`` asks for.

    Raises:
        InvalidInputError: A programme without an application route here.
    """
    terms = _TERMS.get(notice.programme)
    if terms is None:
        raise InvalidInputError(
            f"이 급여는 아직 온라인 신청을 받지 않습니다 / no application route: {notice.programme}"
        )
    purpose_ko, purpose_en, items, days = terms
    office_ko, office_en = _office(notice)
    return ConsentTerms(
        programme=notice.programme,
        purpose_ko=purpose_ko,
        purpose_en=purpose_en,
        items=items,
        holder_ko="고용노동부·근로복지공단 (고용보험 전산망, 통합 데이터 레이크)",
        holder_en="Ministry of Employment and Labor, COMWEL (employment insurance, the data lake)",
        recipient_ko=office_ko,
        recipient_en=office_en,
        days=days,
    )


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(8).upper()


def _utcnow() -> datetime:
    from ilteo.identity.accounts import utcnow

    return utcnow()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# --- reading the lake -------------------------------------------------------------------------


def read_documents(
    settings: Settings, master_id: str, items: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """Each document's records for one master person, read from the lake.

    Raises:
        DataUnavailableError: The lake is not built.
        InvalidInputError: A malformed master id or an unknown document.
    """
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql

    unknown = [i for i in items if i not in DOCUMENTS]
    if unknown:
        raise InvalidInputError(f"unknown document(s): {', '.join(unknown)}")
    con = connect(settings)
    try:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        if "curated_ei_events" not in views:
            raise DataUnavailableError(
                "레이크가 없습니다 / the lake is not built (ilteo lake build)"
            )
        spells_sql(con, master_id)
        spells = con.execute(
            "SELECT workplace_mgmt_no, ksco, sido, start_date, end_date, loss_reason_code, "
            "monthly_wage_won, rrn_hash FROM monitor_spells WHERE master_id = ? "
            "ORDER BY start_date, end_date NULLS LAST",
            [master_id],
        ).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        ended = [s for s in spells if s[4] is not None]
        last = max(ended, key=lambda s: (s[4], s[3])) if ended else None
        for item in items:
            if item == "insured_history":
                out[item] = [
                    {
                        "workplace": s[0],
                        "ksco": s[1],
                        "sido": s[2],
                        "start": _plain(s[3]),
                        "end": _plain(s[4]),
                        "loss_reason_code": s[5],
                    }
                    for s in spells
                ]
            elif item == "separation_certificate":
                out[item] = (
                    []
                    if last is None
                    else [
                        {
                            "workplace": last[0],
                            "ksco": last[1],
                            "start": _plain(last[3]),
                            "separation_date": _plain(last[4]),
                            "loss_reason_code": last[5],
                            "monthly_wage_won": last[6],
                        }
                    ]
                )
            elif item == "wage_records":
                if last is None:
                    out[item] = []
                    continue
                end: date = last[4]
                start = date(end.year - 1, end.month, 1)
                rows = con.execute(
                    "SELECT wage_month, workplace_mgmt_no, days_worked, wage_won "
                    "FROM curated_ei_wages WHERE rrn_hash = ? AND workplace_mgmt_no = ? "
                    "AND wage_month >= ? AND wage_month <= ? ORDER BY wage_month",
                    [last[7], last[0], start, end],
                ).fetchall()
                out[item] = [
                    {"month": _plain(r[0])[:7], "workplace": r[1], "days_worked": r[2],
                     "wage_won": r[3]}
                    for r in rows
                ][-WAGE_MONTHS:]  # fmt: skip
            elif item == "training_history":
                rows = con.execute(
                    """
                    SELECT k."과정명", k."훈련기관", k."개강일", k."종강일", k."수강상태"
                    FROM curated_kdt_enrolments k
                    JOIN master_person_links l
                      ON l.source = 'kdt_enrolments' AND l.record_id = k."수강번호"
                    WHERE l.master_id = ? ORDER BY k."개강일"
                    """,
                    [master_id],
                ).fetchall()
                out[item] = [
                    {"course": r[0], "institution": r[1], "start": _plain(r[2]),
                     "end": _plain(r[3]), "status": r[4]}
                    for r in rows
                ]  # fmt: skip
    finally:
        con.close()
    return out


# --- the person ---------------------------------------------------------------------------------


def _person_of(account: Account) -> str:
    if not account.master_person_id:
        raise InvalidInputError(
            "계정이 고용보험 기록과 연결되어 있지 않습니다. 고용센터에서 본인 확인을 하면 "
            "연결됩니다. / Your account is not linked to your records yet: confirm your identity "
            "at a job centre.",
            fields=["account"],
        )
    return account.master_person_id


def consent_active(consent: Consent, now: datetime | None = None) -> bool:
    """Whether reads may happen under ``consent`` now (not withdrawn, not expired)."""
    from ilteo.identity.accounts import as_utc

    moment = now or _utcnow()
    return consent.withdrawn_at is None and as_utc(consent.expires_at) > moment


def apply(
    session: Session,
    settings: Settings,
    account: Account,
    notice_id: str,
    *,
    now: datetime | None = None,
) -> Application:
    """Consent and apply from a notice: the documents are read from the lake, not asked for.

    Raises:
        NotFoundError: Unknown notice, or another person's.
        InvalidInputError: The account is not linked to a person; the notice was already
            applied for (the message names the application); no application route.
        DataUnavailableError: The lake is not built.
    """
    now = now or _utcnow()
    master_id = _person_of(account)
    notice = notice_of(session, notice_id, master_id)
    existing = session.scalar(
        select(Application).where(
            Application.notice_id == notice.id, Application.status != "withdrawn"
        )
    )
    if existing is not None:
        raise InvalidInputError(
            f"이미 신청하셨습니다 / already applied: {existing.id}",
            fields=["notice_id"],
            application_id=existing.id,
        )
    terms = terms_for(notice)
    documents = read_documents(settings, master_id, terms.items)
    consent = Consent(
        id=_new_id("C"),
        master_person_id=master_id,
        account_id=account.id,
        programme=notice.programme,
        purpose=terms.purpose_ko,
        items=list(terms.items),
        holder=terms.holder_ko,
        recipient=terms.recipient_ko,
        granted_at=now,
        expires_at=now + timedelta(days=terms.days),
    )
    application = Application(
        id=_new_id("A"),
        notice_id=notice.id,
        master_person_id=master_id,
        account_id=account.id,
        programme=notice.programme,
        consent_id=consent.id,
        status="submitted",
        office=terms.recipient_ko,
        created_at=now,
        updated_at=now,
        documents={
            code: {"read_at": now.isoformat(), "records": records}
            for code, records in documents.items()
        },
    )
    session.add(consent)
    session.flush()
    session.add(application)
    session.flush()
    for code, records in documents.items():
        session.add(
            ConsentRead(
                consent_id=consent.id,
                application_id=application.id,
                at=now,
                item=code,
                reader_kind="system",
                reader_account_id=None,
                purpose="신청서 작성 / assembling the application",
                records=len(records),
            )
        )
    notice.status = "applied"
    notice.applied_at = now
    session.flush()
    return application


def withdraw(
    session: Session, account: Account, consent_id: str, *, now: datetime | None = None
) -> Consent:
    """Withdraw a consent: no more reads; the documents kept with its applications are erased.

    The applications become ``withdrawn`` and their notices ``read`` again, so the person may
    apply anew (with a new consent).

    Raises:
        NotFoundError: Unknown consent, or another account's.
    """
    consent = session.get(Consent, consent_id)
    if consent is None or consent.account_id != account.id:
        raise NotFoundError(f"동의를 찾을 수 없습니다 / no such consent: {consent_id}")
    now = now or _utcnow()
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now
        for application in session.scalars(
            select(Application).where(Application.consent_id == consent.id)
        ):
            application.documents = None
            application.status = "withdrawn"
            application.updated_at = now
            notice = session.get(Notice, application.notice_id) if application.notice_id else None
            if notice is not None and notice.status == "applied":
                notice.status = "read"  # the person may apply again, with a new consent
        session.flush()
    return consent


def applications_of(session: Session, account: Account) -> list[Application]:
    """The account's applications, newest first."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.account_id == account.id)
            .order_by(Application.created_at.desc(), Application.id)
        )
    )


def application_of(session: Session, account: Account, application_id: str) -> Application:
    """One of the account's applications.

    Raises:
        NotFoundError: Unknown, or another account's (the same answer).
    """
    application = session.get(Application, application_id)
    if application is None or application.account_id != account.id:
        raise NotFoundError(f"신청을 찾을 수 없습니다 / no such application: {application_id}")
    return application


def consents_of(session: Session, account: Account) -> list[Consent]:
    """The account's consents, newest first."""
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.account_id == account.id)
            .order_by(Consent.granted_at.desc(), Consent.id)
        )
    )


def reads_of(session: Session, consent_id: str) -> list[ConsentRead]:
    """Every read under a consent, newest first."""
    return list(
        session.scalars(
            select(ConsentRead)
            .where(ConsentRead.consent_id == consent_id)
            .order_by(ConsentRead.at.desc(), ConsentRead.id.desc())
        )
    )


# --- staff -----------------------------------------------------------------------------------


def staff_applications(
    session: Session,
    *,
    status: str | None = None,
    programme: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Application], int]:
    """Applications for staff, newest first, and how many match.

    Raises:
        InvalidInputError: An unknown status or a bad page.
    """
    if status is not None and status not in APPLICATION_STATUSES:
        raise InvalidInputError(
            f"status: unknown (known: {', '.join(APPLICATION_STATUSES)})", fields=["status"]
        )
    if page < 1 or not 1 <= per_page <= 500:
        raise InvalidInputError("page >= 1, per_page 1-500", fields=["page"])
    query = select(Application)
    count = select(func.count()).select_from(Application)
    if status is not None:
        query = query.where(Application.status == status)
        count = count.where(Application.status == status)
    if programme is not None:
        query = query.where(Application.programme == programme)
        count = count.where(Application.programme == programme)
    rows = list(
        session.scalars(
            query.order_by(Application.created_at.desc(), Application.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return rows, int(session.scalar(count) or 0)


def staff_application(
    session: Session,
    staff: Account,
    application_id: str,
    purpose: str,
    *,
    now: datetime | None = None,
) -> Application:
    """A counsellor opens an application: one audited read, one consent read per document.

    The documents are only there while the consent is active; after withdrawal or expiry the
    application shows none (and no consent read is recorded, as nothing is read).

    Raises:
        NotFoundError: Unknown application.
        InvalidInputError: Not staff, or no real purpose (``audit_person_read``).
    """
    from ilteo.identity.reads import audit_person_read

    application = session.get(Application, application_id)
    if application is None:
        raise NotFoundError(f"신청을 찾을 수 없습니다 / no such application: {application_id}")
    now = now or _utcnow()
    audit_person_read(session, staff, application.master_person_id, purpose, now=now)
    consent = session.get(Consent, application.consent_id)
    if consent is not None and consent_active(consent, now) and application.documents:
        for code, document in application.documents.items():
            session.add(
                ConsentRead(
                    consent_id=consent.id,
                    application_id=application.id,
                    at=now,
                    item=code,
                    reader_kind="staff",
                    reader_account_id=staff.id,
                    purpose=purpose.strip(),
                    records=len(document.get("records", [])),
                )
            )
        session.flush()
    return application


def set_status(
    session: Session,
    staff: Account,
    application_id: str,
    status: str,
    *,
    now: datetime | None = None,
) -> Application:
    """Staff move an application on (in review, approved, rejected).

    Raises:
        NotFoundError: Unknown application.
        InvalidInputError: A status staff may not set, a withdrawn application, or not staff.
    """
    from ilteo.identity.accounts import roles_of

    if not roles_of(session, staff.id):
        raise InvalidInputError("직원만 바꿀 수 있습니다 / staff only")
    if status not in STAFF_STATUSES:
        raise InvalidInputError(f"status: one of {', '.join(STAFF_STATUSES)}", fields=["status"])
    application = session.get(Application, application_id)
    if application is None:
        raise NotFoundError(f"신청을 찾을 수 없습니다 / no such application: {application_id}")
    if application.status == "withdrawn":
        raise InvalidInputError(
            "동의가 철회된 신청입니다 / the consent was withdrawn", fields=["status"]
        )
    application.status = status
    application.updated_at = now or _utcnow()
    session.flush()
    return application


def document_title(code: str, lang: str = "ko") -> str:
    """A document's name in ``lang``."""
    document = DOCUMENTS[code]
    return document.title_ko if lang == "ko" else document.title_en


def consent_json(session: Session, consent: Consent, lang: str = "ko") -> dict[str, Any]:
    """A consent with its reads, JSON-plain."""
    from ilteo.identity.accounts import as_utc, roles_of

    ko = lang == "ko"
    reads = []
    for read in reads_of(session, consent.id):
        if read.reader_kind == "staff" and read.reader_account_id:
            roles = roles_of(session, read.reader_account_id)
            reader = "staff:" + ",".join(roles) if roles else "staff"
        else:
            reader = "system"
        reads.append(
            {
                "at": as_utc(read.at).isoformat(),
                "item": read.item,
                "item_title": document_title(read.item, lang),
                "reader_kind": read.reader_kind,
                "reader": reader,
                "purpose": read.purpose,
                "records": read.records,
                "application_id": read.application_id,
            }
        )
    return {
        "id": consent.id,
        "programme": consent.programme,
        "programme_label": programme_label(consent.programme, lang),
        "purpose": consent.purpose,
        "items": [
            {
                "code": c,
                "title": DOCUMENTS[c].title_ko if ko else DOCUMENTS[c].title_en,
                "source": DOCUMENTS[c].source_ko,
                "law": DOCUMENTS[c].law,
            }
            for c in consent.items
        ],
        "holder": consent.holder,
        "recipient": consent.recipient,
        "granted_at": as_utc(consent.granted_at).isoformat(),
        "expires_at": as_utc(consent.expires_at).isoformat(),
        "withdrawn_at": as_utc(consent.withdrawn_at).isoformat() if consent.withdrawn_at else None,
        "active": consent_active(consent),
        "reads": reads,
    }


def application_json(
    session: Session, application: Application, lang: str = "ko"
) -> dict[str, Any]:
    """An application as the person and the counsellor both see it, JSON-plain."""
    from ilteo.identity.accounts import as_utc

    consent = session.get(Consent, application.consent_id)
    documents = None
    if application.documents is not None and consent is not None and consent_active(consent):
        documents = {
            code: {
                "title": DOCUMENTS[code].title_ko if lang == "ko" else DOCUMENTS[code].title_en,
                "source": DOCUMENTS[code].source_ko,
                "read_at": doc.get("read_at"),
                "records": doc.get("records", []),
            }
            for code, doc in application.documents.items()
        }
    consent_data = consent_json(session, consent, lang) if consent is not None else None
    return {
        "id": application.id,
        "programme": application.programme,
        "programme_label": programme_label(application.programme, lang),
        "status": application.status,
        "office": application.office,
        "created_at": as_utc(application.created_at).isoformat(),
        "updated_at": as_utc(application.updated_at).isoformat(),
        "notice_id": application.notice_id,
        "consent": consent_data,
        "documents": documents,
        "reads": consent_data["reads"] if consent_data else [],
    }
