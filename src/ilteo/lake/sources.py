"""The source systems the ministry receives extracts from, each declared once.

Every other part of the lake — readers, contracts, quarantine, quality, curated tables, the
catalogue — reads these declarations, so adding a source is one :class:`SourceSpec` in
:data:`SOURCES`. The shapes follow the synthetic country's extracts (``docs/synth.md``), which
follow the real systems: 고용보험 and 산재보험 records from 근로복지공단, 고용24 and
HRD-Net records from 한국고용정보원, benefit decisions from 고용노동부, requests from
국민신문고.

Standard columns (``standard=``) feed the linkage tables: person records (``rrn``, ``name``,
``birth_date``, ``sex``, ``phone``, ``address``, ``sido_code``) and workplace records (``brn``,
``workplace_no``, ``workplace_name``, ``workplace_address``, ``workplace_sido_code``,
``ksic_code``). Child records — counselling contacts (of a registration), benefit payments (of a
claim) and monthly wages (of an insured person at a workplace, 31 million rows a year at a million
persons) — carry the hashed RRN but no standard mapping: they reach a master record through
their parent's key, not by linkage.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import PurePosixPath
from typing import Final

from ilteo.core.errors import NotFoundError
from ilteo.lake.spec import FieldSpec, SequenceRule, SourceSpec

__all__ = ["SOURCES", "SYNTH_SOURCE_NAMES", "get_source", "list_sources", "match_source"]

F = FieldSpec

_COMWEL = "근로복지공단 / Korea Workers' Compensation & Welfare Service (COMWEL)"
_KEIS = "한국고용정보원 / Korea Employment Information Service (KEIS)"
_MOEL = "고용노동부 / Ministry of Employment and Labor (MOEL)"
_ACRC = "국민권익위원회 / Anti-Corruption and Civil Rights Commission (ACRC)"

_SIZE_BANDS = (
    "5인 미만",
    "5~9인",
    "10~29인",
    "30~49인",
    "50~99인",
    "100~299인",
    "300~499인",
    "500~999인",
    "1000인 이상",
)
_PROGRAMS = ("job_seeking_allowance", "training_card")


def _rrn(*, required: bool, standard: bool) -> FieldSpec:
    return F(
        "rrn",
        "str",
        required,
        "주민등록번호",
        "Resident registration number",
        personal="rrn",
        code_system="rrn",
        standard="rrn" if standard else None,
    )


def _workplace_no(
    name: str = "workplace_mgmt_no", *, required: bool = True, standard: bool = True
) -> FieldSpec:
    return F(
        name,
        "str",
        required,
        "사업장관리번호",
        "Insurance workplace number",
        code_system="workplace_no",
        standard="workplace_no" if standard else None,
    )


_BRN = F(
    "brn",
    "str",
    True,
    "사업자등록번호",
    "Business registration number",
    code_system="brn",
    standard="brn",
)

EI_EVENTS = SourceSpec(
    id="ei_events",
    title_ko="고용보험 피보험자격 취득·상실",
    title_en="Employment-insurance qualification events",
    owner=_COMWEL,
    system="고용보험 전산망: 피보험자격 취득·상실 신고 / EI system: qualification reports",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        F("record_id", "str", True, "신고 레코드 번호", "Report record id"),
        F("event_type", "str", True, "취득·상실 구분", "Acquisition or loss",
          allowed=("acquisition", "loss")),
        F("event_date", "date", True, "취득·상실일", "Date of acquisition or loss"),
        F("reported_on", "date", True, "신고 접수일", "Date the report arrived"),
        _rrn(required=True, standard=True),
        F("name", "str", True, "성명", "Name", personal="direct", standard="name"),
        _workplace_no(),
        _BRN,
        F("ksco_code", "str", False, "직종 (KSCO 8)", "Occupation (KSCO 8)", code_system="ksco8"),
        F("ksic_code", "str", True, "업종 (KSIC 11)", "Industry (KSIC 11)",
          code_system="ksic11", standard="ksic_code"),
        F("sido_code", "str", True, "사업장 시도", "Workplace province", code_system="sido",
          standard="workplace_sido_code"),
        F("employment_type", "str", True, "고용형태", "Employment type",
          allowed=("regular", "fixed_term")),
        F("weekly_hours", "int", True, "주 소정근로시간", "Weekly contractual hours",
          min_value=0, max_value=168),
        F("monthly_wage_won", "int", False, "월평균 보수(원)", "Monthly wage (won)", min_value=0),
        F("loss_reason_code", "str", False, "상실사유 코드", "Loss reason code",
          code_system="ei_loss_reason"),
        F("loss_reason", "str", False, "상실사유", "Loss reason"),
    ),
    keys=("record_id",),
    cadence="daily",
    entity="both",
    date_rules=(("event_date", "reported_on"),),
    glob="employment_insurance/qualification_events*.parquet",
    sequence_rules=(
        SequenceRule(
            rule="date.loss_before_acquisition",
            group=("rrn", "workplace_mgmt_no"),
            kind_field="event_type",
            first="acquisition",
            then="loss",
            date_field="event_date",
        ),
    ),
)  # fmt: skip

EI_WAGES = SourceSpec(
    id="ei_wages",
    title_ko="고용보험 월별 보수",
    title_en="Employment-insurance monthly wages",
    owner=_COMWEL,
    system="고용보험 전산망: 월별 보수총액 신고 / EI system: monthly wage reports",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        _rrn(required=True, standard=False),
        _workplace_no(standard=False),
        F("wage_month", "date", True, "보수 귀속월", "Wage month"),
        F("days_worked", "int", True, "근로일수", "Days worked", min_value=0, max_value=31),
        F("wage_won", "int", True, "보수총액(원)", "Wages (won)", min_value=0),
    ),
    keys=("rrn", "workplace_mgmt_no", "wage_month"),
    cadence="monthly",
    entity="both",
    glob="employment_insurance/monthly_wages*.parquet",
)  # fmt: skip

WORKPLACES = SourceSpec(
    id="workplaces",
    title_ko="고용·산재보험 사업장",
    title_en="Insured workplaces",
    owner=_COMWEL,
    system="고용·산재보험 토탈서비스: 사업장 관리 / insurance system: workplace register",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        _workplace_no(),
        _BRN,
        F("name", "str", True, "사업장명", "Workplace name", standard="workplace_name"),
        F("ksic_code", "str", True, "업종 (KSIC 11)", "Industry (KSIC 11)",
          code_system="ksic11", standard="ksic_code"),
        F("ksic_name", "str", False, "업종명", "Industry name"),
        F("insurance_industry_major", "str", False, "산재보험 대업종", "Insurance industry group"),
        F("insurance_industry", "str", False, "산재보험 업종", "Insurance industry"),
        F("size_band", "str", False, "규모", "Size band", allowed=_SIZE_BANDS),
        F("employees_declared", "int", False, "신고 근로자 수", "Declared employees",
          min_value=0),
        F("sido_code", "str", True, "시도", "Province", code_system="sido",
          standard="workplace_sido_code"),
        F("address", "str", False, "소재지", "Address", standard="workplace_address"),
        F("opened_on", "date", False, "성립일", "Insured since"),
        F("closed_on", "date", False, "소멸일", "Closed on"),
    ),
    keys=("workplace_mgmt_no",),
    cadence="monthly",
    entity="workplace",
    date_rules=(("opened_on", "closed_on"),),
    glob="workplaces/workplaces*.parquet",
)  # fmt: skip

ACCIDENTS = SourceSpec(
    id="accidents",
    title_ko="산재 요양 승인",
    title_en="Industrial-accident approvals",
    owner=_COMWEL,
    system="산재보험 보상 시스템: 요양급여 승인 / compensation system: medical-care approvals",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        F("accident_id", "str", True, "재해 번호", "Accident id"),
        _rrn(required=True, standard=True),
        F("name", "str", True, "성명", "Name", personal="direct", standard="name"),
        _workplace_no(),
        _BRN,
        F("accident_date", "date", True, "재해일", "Accident date"),
        F("accident_type", "str", True, "재해 유형", "Accident type"),
        F("fatal", "bool", True, "사망 여부", "Fatal"),
        F("care_days", "int", False, "요양일수", "Days of care", min_value=0, max_value=3650),
        F("approved_on", "date", True, "승인일", "Approved on"),
        F("ksic_code", "str", False, "업종 (KSIC 11)", "Industry (KSIC 11)",
          code_system="ksic11", standard="ksic_code"),
        F("insurance_industry", "str", False, "산재보험 업종", "Insurance industry"),
        F("size_band", "str", False, "규모", "Size band", allowed=_SIZE_BANDS),
    ),
    keys=("accident_id",),
    cadence="weekly",
    entity="both",
    date_rules=(("accident_date", "approved_on"),),
    glob="industrial_accidents/accident_approvals*.parquet",
)  # fmt: skip

JOB_SEEKERS = SourceSpec(
    id="job_seekers",
    title_ko="구직 등록",
    title_en="Job-seeker registrations",
    owner=_KEIS,
    system="고용24 (Work24): 구직신청 / Work24: job-seeker registration",
    file_format="jsonl",
    encoding="utf-8",
    fields=(
        F("registration_id", "str", True, "구직 등록번호", "Registration id"),
        F("registered_at", "date", True, "등록일", "Registered on"),
        _rrn(required=False, standard=True),
        F("name", "str", True, "성명", "Name", personal="direct", standard="name"),
        F("sex", "str", False, "성별", "Sex", personal="quasi", standard="sex",
          allowed=("M", "F")),
        F("phone", "str", False, "휴대전화", "Mobile phone", personal="direct",
          standard="phone"),
        F("address", "str", False, "주소", "Address", personal="quasi", standard="address"),
        F("desired_occupation", "str", False, "희망 직종", "Desired occupation",
          code_system="ksco8"),
        F("desired_sido", "str", False, "희망 근무지 시도", "Desired province",
          code_system="sido"),
        F("employment_status", "str", False, "취업 상태", "Employment status",
          allowed=("unemployed", "employed")),
        F("education", "str", False, "최종 학력", "Education"),
        F("career_years", "int", False, "경력 연수", "Years of experience", min_value=0,
          max_value=80),
        F("benefit_interest", "bool", False, "급여 관심", "Interested in benefits"),
    ),
    keys=("registration_id",),
    cadence="daily",
    entity="person",
    glob="job_seekers/registrations*.jsonl",
)  # fmt: skip

COUNSELLING = SourceSpec(
    id="counselling",
    title_ko="구직 상담 이력",
    title_en="Counselling contacts",
    owner=_KEIS,
    system="고용24 (Work24): 상담 이력 / Work24: counselling log",
    file_format="jsonl",
    encoding="utf-8",
    fields=(
        F("contact_id", "str", True, "상담 번호", "Contact id"),
        F("registration_id", "str", True, "구직 등록번호", "Registration id"),
        _rrn(required=False, standard=False),
        F("contacted_at", "date", True, "상담일", "Contact date"),
        F("channel", "str", False, "상담 방법", "Channel",
          allowed=("visit", "phone", "online", "video")),
        F("counsellor_id", "str", False, "상담사 번호", "Counsellor id"),
        F("topic", "str", False, "상담 주제", "Topic"),
        F("note", "str", False, "상담 메모", "Note", personal="quasi"),
    ),
    keys=("contact_id",),
    cadence="daily",
    entity="person",
    glob="job_seekers/counselling*.jsonl",
)  # fmt: skip

KDT_ENROLMENTS = SourceSpec(
    id="kdt_enrolments",
    title_ko="K-디지털 트레이닝 수강",
    title_en="K-Digital Training enrolments",
    owner=_KEIS,
    system="HRD-Net 훈련생 관리 (레거시, CP949 CSV) / HRD-Net trainee records (legacy CSV)",
    file_format="csv",
    encoding="cp949",
    fields=(
        F("수강번호", "str", True, "수강번호", "Enrolment id"),
        F("훈련생명", "str", True, "훈련생명", "Trainee name", personal="direct",
          standard="name"),
        F("생년월일", "date", False, "생년월일", "Birth date", personal="quasi",
          standard="birth_date"),
        F("성별", "str", False, "성별", "Sex", personal="quasi", standard="sex",
          allowed=("남", "여")),
        F("휴대폰번호", "str", False, "휴대폰번호", "Mobile phone", personal="direct",
          standard="phone"),
        F("주소", "str", False, "주소", "Address", personal="quasi", standard="address"),
        F("훈련과정ID", "str", True, "훈련과정 ID", "Course id"),
        F("회차", "int", True, "회차", "Course run", min_value=1),
        F("과정명", "str", False, "과정명", "Course name"),
        F("NCS코드", "str", False, "NCS 코드", "NCS code", code_system="ncs"),
        F("NCS명", "str", False, "NCS 명", "NCS name"),
        F("훈련기관", "str", False, "훈련기관", "Training provider"),
        F("개강일", "date", True, "개강일", "Course start", future_allowed=True),
        F("종강일", "date", True, "종강일", "Course end", future_allowed=True),
        F("수강신청일", "date", True, "수강신청일", "Applied on"),
        F("수강상태", "str", False, "수강상태", "Enrolment status",
          allowed=("수료", "조기취업", "중도탈락", "훈련중")),
        F("출석률", "float", False, "출석률(%)", "Attendance (%)", min_value=0, max_value=100),
    ),
    keys=("수강번호",),
    cadence="weekly",
    entity="person",
    date_rules=(("개강일", "종강일"),),
    glob="training/kdt_enrolments*.csv",
)  # fmt: skip

BENEFIT_CLAIMS = SourceSpec(
    id="benefit_claims",
    title_ko="급여 청구·결정",
    title_en="Benefit claims and decisions",
    owner=_MOEL,
    system="고용보험 급여 시스템: 구직급여·국민내일배움카드 / benefit system: claims",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        F("claim_id", "str", True, "청구 번호", "Claim id"),
        F("program", "str", True, "급여 종류", "Programme", allowed=_PROGRAMS),
        F("program_ko", "str", False, "급여 종류(한글)", "Programme (Korean)"),
        _rrn(required=True, standard=True),
        F("name", "str", True, "성명", "Name", personal="direct", standard="name"),
        F("claimed_at", "date", True, "청구일", "Claimed on"),
        F("separated_on", "date", False, "이직일", "Separated on"),
        F("loss_reason_code", "str", False, "이직사유 코드", "Separation reason code",
          code_system="ei_loss_reason"),
        _workplace_no("last_workplace_mgmt_no", required=False),
        F("avg_daily_wage_won", "int", False, "평균임금 일액(원)", "Average daily wage (won)",
          min_value=0),
        F("daily_amount_won", "int", False, "구직급여 일액(원)", "Daily benefit (won)",
          min_value=0),
        F("benefit_days", "int", False, "소정급여일수", "Benefit days", min_value=0,
          max_value=270),
        F("approved_amount_won", "int", False, "승인 금액(원)", "Approved amount (won)",
          min_value=0),
        F("decision", "str", True, "결정", "Decision", allowed=("approved", "rejected")),
        F("decided_at", "date", True, "결정일", "Decided on"),
        F("reject_reason_code", "str", False, "불지급 사유 코드", "Rejection reason code",
          code_system="benefit_reject_reason"),
        F("reject_reason", "str", False, "불지급 사유", "Rejection reason"),
    ),
    keys=("claim_id",),
    cadence="daily",
    entity="both",
    date_rules=(("claimed_at", "decided_at"), ("separated_on", "claimed_at")),
    glob="benefits/claims*.parquet",
)  # fmt: skip

BENEFIT_PAYMENTS = SourceSpec(
    id="benefit_payments",
    title_ko="급여 지급",
    title_en="Benefit payments",
    owner=_MOEL,
    system="고용보험 급여 시스템: 지급 / benefit system: payments",
    file_format="parquet",
    encoding="utf-8",
    fields=(
        F("payment_id", "str", True, "지급 번호", "Payment id"),
        F("claim_id", "str", True, "청구 번호", "Claim id"),
        _rrn(required=True, standard=False),
        F("program", "str", True, "급여 종류", "Programme", allowed=_PROGRAMS),
        F("kind", "str", False, "지급 종류", "Payment kind"),
        F("paid_at", "date", True, "지급일", "Paid on"),
        F("period_days", "int", False, "지급 대상 일수", "Days paid for", min_value=0,
          max_value=366),
        F("amount_won", "int", True, "지급액(원)", "Amount (won)", min_value=0),
    ),
    keys=("payment_id",),
    cadence="daily",
    entity="person",
    glob="benefits/payments*.parquet",
)  # fmt: skip

EPEOPLE_REQUESTS = SourceSpec(
    id="epeople_requests",
    title_ko="국민신문고 민원",
    title_en="e-People requests",
    owner=_ACRC,
    system="국민신문고 (e-People): 고용노동부 이송 민원 / e-People: requests for the ministry",
    file_format="jsonl",
    encoding="utf-8",
    fields=(
        F("request_id", "str", True, "민원 번호", "Request id"),
        F("received_at", "datetime", True, "접수 일시", "Received at"),
        F("channel", "str", False, "접수 경로", "Channel"),
        F("petitioner_name", "str", False, "민원인 성명", "Petitioner name", personal="direct",
          standard="name"),
        F("petitioner_phone", "str", False, "민원인 전화", "Petitioner phone",
          personal="direct", standard="phone"),
        F("petitioner_sido", "str", False, "민원인 시도", "Petitioner province",
          personal="quasi", code_system="sido_name", standard="sido_code"),
        F("title", "str", True, "제목", "Title"),
        F("body", "str", True, "내용", "Body", personal="quasi"),
        F("workplace_name", "str", False, "사업장명", "Workplace name",
          standard="workplace_name"),
        F("workplace_address", "str", False, "사업장 주소", "Workplace address",
          standard="workplace_address"),
    ),
    keys=("request_id",),
    cadence="daily",
    entity="both",
    glob="requests/epeople_requests*.jsonl",
)  # fmt: skip

#: Every declared source, in the order extracts are ingested (workplaces before the records that
#: mention them; the largest file, monthly wages, last).
SOURCES: Final[tuple[SourceSpec, ...]] = (
    WORKPLACES,
    EI_EVENTS,
    ACCIDENTS,
    JOB_SEEKERS,
    COUNSELLING,
    KDT_ENROLMENTS,
    BENEFIT_CLAIMS,
    BENEFIT_PAYMENTS,
    EPEOPLE_REQUESTS,
    EI_WAGES,
)


#: How the synthetic country's ground truth (``record_links.parquet``) names each source, for
#: evaluating linkage against it (monthly wages have no record links: they carry the true RRN).
SYNTH_SOURCE_NAMES: Final[dict[str, str]] = {
    "workplaces": "workplaces",
    "ei_events": "employment_insurance",
    "accidents": "industrial_accidents",
    "job_seekers": "job_seekers",
    "counselling": "counselling",
    "kdt_enrolments": "training",
    "benefit_claims": "benefit_claims",
    "benefit_payments": "benefit_payments",
    "epeople_requests": "requests",
}


def list_sources() -> list[SourceSpec]:
    """Every declared source, in ingest order.

    >>> [s.id for s in list_sources()][:3]
    ['workplaces', 'ei_events', 'accidents']
    """
    return list(SOURCES)


def get_source(source_id: str) -> SourceSpec:
    """The source declared as ``source_id``.

    Raises:
        NotFoundError: No source has that id.

    >>> get_source("kdt_enrolments").encoding
    'cp949'
    """
    for spec in SOURCES:
        if spec.id == source_id:
            return spec
    known = ", ".join(s.id for s in SOURCES)
    raise NotFoundError(
        f"원천 '{source_id}'이(가) 없습니다 (선언된 원천: {known}) / "
        f"no source {source_id!r} (declared: {known})",
        source=source_id,
    )


def match_source(relative_path: str | PurePosixPath, *, by_name: bool = False) -> SourceSpec | None:
    """The source whose ``glob`` matches a file's path inside an extract folder, if any.

    Args:
        relative_path: The file's path relative to the extract folder.
        by_name: Also try the file name alone against the last part of each glob (for one file
            given outside its folder).

    >>> match_source("training/kdt_enrolments.csv").id
    'kdt_enrolments'
    >>> match_source("ground_truth/workplaces.parquet") is None
    True
    >>> match_source("monthly_wages_2025-12.parquet", by_name=True).id
    'ei_wages'
    """
    path = PurePosixPath(relative_path)
    for spec in SOURCES:
        if fnmatch(path.as_posix(), spec.glob):
            return spec
    if not by_name:
        return None
    for spec in SOURCES:
        if fnmatch(path.name, PurePosixPath(spec.glob).name):
            return spec
    return None
