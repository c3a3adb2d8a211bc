"""Transition and training pathways over HTTP: next occupations, courses and personal plans.

``/pathways/recommendations`` and ``/pathways/courses`` are public: they answer for an occupation
code or named skills, from published reference data, and hold no personal data. A person's plan
is personal: ``/pathways/people/{master_id}`` is for staff (counsellors, analysts and
administrators, as the high-risk staff pages), with a stated purpose and one audited read
(:func:`ilteo.identity.reads.audit_person_read`, which the person sees on their account page);
``/pathways/me`` gives a signed-in citizen the plan of the person their account is linked to.
Each endpoint calls one :mod:`ilteo.pathways` service function; room errors become problem+json
through the app's handlers. The service functions are synchronous, so the endpoints are plain
``def`` (threadpool).
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ilteo.api.deps import SettingsDep
from ilteo.api.routers.identity import SignedIn, require_staff
from ilteo.core.errors import NotFoundError
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.reads import MIN_PURPOSE_LENGTH

router = APIRouter(prefix="/pathways", tags=["pathways"])

#: Staff roles that may read a person's plan (the same as the high-risk group pages).
STAFF_ROLES: Final = ("analyst", "counsellor", "administrator")
Staff = Annotated[AccountPublic, Depends(require_staff(*STAFF_ROLES))]

_PROBLEMS: dict[int | str, dict[str, object]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}
_PERSONAL: dict[int | str, dict[str, object]] = {
    **_PROBLEMS,
    401: {"description": "로그인이 필요합니다 / Sign-in required (application/problem+json)"},
    403: {"description": "권한이 없습니다 / Role not allowed (application/problem+json)"},
}


class _Open(BaseModel):
    """Fields the plan service adds later are passed through, not dropped."""

    model_config = ConfigDict(extra="allow")


class PlanKscoLink(_Open):
    """A KSCO 8 unit group an O*NET-SOC occupation reaches (ilteo's crosswalk, not official)."""

    code: str
    title: str | None = None
    confidence: float | None = Field(None, description="연계 신뢰도 0..1 / Link confidence.")
    isco08: str | None = None


class PlanWage(_Open):
    """The origin's wage and where it comes from."""

    value: float
    unit: str
    source: str


class PlanOrigin(_Open):
    """The occupation the plan starts from."""

    code: str = Field(description="코드 / The code as read.")
    system: str = Field(description="분류 / ksco8 or onet.")
    onet_code: str | None = Field(description="O*NET-SOC 코드 / The O*NET-SOC occupation used.")
    title: str | None = None
    title_ko: str | None = None
    ksco: list[PlanKscoLink]
    fallback: bool = Field(
        description="기술 정보 없이 상위 직업군 평균을 썼는지 / Descriptors from the parent group."
    )
    fallback_group: str | None = None
    exposure: float | None = Field(
        description="AI 노출 0..1 (순위, 확률 아님) / AI exposure, a rank; not a probability."
    )
    wage: PlanWage | None
    alternatives: list[str] = Field(
        description="같은 KSCO 코드가 닿는 다른 O*NET 직업 / Other O*NET occupations of the code."
    )


class PlanFilters(_Open):
    """The three filters of a move (``None`` when a filter could not be decided)."""

    viable: bool
    desirable: bool | None
    safer: bool | None


class PlanDemand(_Open):
    """Hires in the lake for the target (small counts suppressed)."""

    hires: int | None
    sido: str | None
    months: int
    suppressed: bool


class PlanElement(_Open):
    """A shared strength or a gap: an O*NET skill or knowledge element and its levels."""

    element: str
    name: str
    name_ko: str | None = None
    origin_level: float | None = None
    target_level: float | None = None


class PlanCourse(_Open):
    """A K-Digital Training course proposed for a gap (cost share is an estimate)."""

    course_id: str
    name: str
    institution: str | None = None
    ncs_code: str | None = None
    ncs_name: str | None = None
    region: str | None = None
    distance: str = Field(description="same, adjacent, online, other or unknown.")
    completion_rate: float | None = None
    satisfaction: float | None = None
    days: int | None = None
    hours: int | None = None
    cost_krw: int | None = None
    estimated_self_pay_krw: int | None = Field(
        None, description="자부담 추정 / Estimated self-pay (eligibility not checked)."
    )
    covers: dict[str, float] = Field(description="역량별 보완 정도 / Coverage per gap, 0..1.")
    score: float


class PlanTarget(_Open):
    """One next occupation, explained."""

    rank: int
    onet_code: str
    title: str | None = None
    title_ko: str | None = None
    ksco: list[PlanKscoLink]
    score: float
    fallback: bool
    filters: PlanFilters
    wage_ratio: float | None = Field(description="목표/출발 임금 / Target wage over origin wage.")
    wage_source: Literal["lake", "bls"] | None
    exposure: float | None
    exposure_change: float | None = Field(description="목표 - 출발 노출 / Target minus origin.")
    demand: PlanDemand | None
    strengths: list[PlanElement]
    gaps: list[PlanElement]
    explanation_ko: str
    explanation_en: str
    courses: list[PlanCourse]


class PlanOut(_Open):
    """Next occupations for an origin, each with its filters, explanation and courses."""

    origin: PlanOrigin
    targets: list[PlanTarget]
    region: str | None
    as_of: str | None = Field(description="기준일 / The plan's day, YYYY-MM-DD.")
    thresholds_version: int
    notes: list[str]
    caveat: str


class PersonJob(_Open):
    """One job of a person's history."""

    ksco: str | None
    title_ko: str | None
    start: str | None
    end: str | None


class PersonOutreach(_Open):
    """The person's place in the latest outreach list of the monitoring room."""

    month: str
    group_id: str
    rank: int
    reasons: list[str]


class PersonPlanOut(_Open):
    """A person's plan: who (no name, no RRN), their history, and the plan of their occupation."""

    master_id: str
    has_history: bool
    age: int | None
    sido: str | None
    sido_name: str | None
    history: list[PersonJob]
    outreach: PersonOutreach | None
    plan: PlanOut | None = Field(description="없으면 notes가 이유 / None: notes say why.")
    notes: list[str]


class CoursesOut(BaseModel):
    """Courses for named skills, best first."""

    skills: list[str] = Field(description="읽은 O*NET 역량 이름 / The element names read.")
    region: str | None
    courses: list[PlanCourse]
    basis: str = Field(description="자부담 추정 근거 / How the self-pay is estimated.")


@router.get(
    "/recommendations",
    operation_id="recommend_transitions",
    summary="다음 직업과 훈련 과정 / Recommend next occupations and courses",
    response_model=PlanOut,
    responses=_PROBLEMS,
)
def recommendations(
    settings: SettingsDep,
    occupation: Annotated[
        str,
        Query(
            min_length=1,
            max_length=20,
            description="직업 코드 / A KSCO 8 unit group (`2222`) or an O*NET-SOC code "
            "(`15-1252.00`).",
        ),
    ],
    system: Annotated[
        str | None,
        Query(
            pattern="^(ksco8|onet)$",
            description="분류 지정 / Force the system: `ksco8` or `onet`; from the code's form "
            "when omitted.",
        ),
    ] = None,
    top: Annotated[int, Query(ge=1, le=10, description="추천 직업 수 / How many targets.")] = 5,
    region: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=20,
            description="시도 코드 또는 이름 / The 시도 (code `11` or name `서울`) for course "
            "distance and local hires.",
        ),
    ] = None,
    courses: Annotated[
        int, Query(ge=0, le=3, description="직업당 과정 수 / Courses per target.")
    ] = 3,
) -> PlanOut:
    """Next occupations from an occupation, each with the three filters and its courses.

    Targets are ranked by the transition model; each says whether it is viable (skills),
    desirable (pay kept) and safer (less AI-exposed), its pay ratio, exposure change and local
    hires, the shared strengths and top gaps, and 1-3 K-Digital Training courses that close the
    gaps (the self-pay is an estimate). An unknown code is a 404 naming the nearest occupations
    (`suggestions`). An exposure score is not a probability of job loss.
    """
    from ilteo.pathways.plan import plan_json, recommend

    plan = recommend(settings, occupation, system=system, top=top, courses=courses, region=region)
    return PlanOut.model_validate(plan_json(plan))


@router.get(
    "/courses",
    operation_id="match_training_courses",
    summary="역량별 훈련 과정 / Match training courses to skills",
    response_model=CoursesOut,
    responses=_PROBLEMS,
)
def courses_for_skills(
    settings: SettingsDep,
    skills: Annotated[
        str,
        Query(
            min_length=1,
            max_length=400,
            description="O*NET 역량·지식 이름(쉼표) / O*NET skill or knowledge names, "
            "comma-separated, e.g. `Programming,Mathematics`.",
        ),
    ],
    region: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=20,
            description="시도 코드 또는 이름 / The 시도 (code or name) for distance.",
        ),
    ] = None,
    top: Annotated[int, Query(ge=1, le=10, description="과정 수 / How many courses.")] = 3,
) -> CoursesOut:
    """K-Digital Training courses that close the named skill gaps best, with their cost share.

    Each name is one gap of equal weight; courses are ranked by gap closure, completion,
    satisfaction, duration and distance to `region`. Unknown names are a 422 with the nearest
    O*NET names (`suggestions`). The self-pay is an estimate (eligibility is not checked).
    """
    from ilteo.pathways.courses import SELF_PAY_BASIS, Gap, match_courses
    from ilteo.pathways.plan import course_json, skill_names

    names = skill_names(skills.split(","))
    found = match_courses(settings, [Gap(name) for name in names], region=region, top=top)
    return CoursesOut(
        skills=names,
        region=region,
        courses=[PlanCourse.model_validate(course_json(m)) for m in found],
        basis=SELF_PAY_BASIS,
    )


@router.get(
    "/people/{master_id}",
    operation_id="get_person_plan",
    summary="개인의 전직 계획(직원) / Get a person's plan (staff)",
    response_model=PersonPlanOut,
    responses=_PERSONAL,
)
def person(
    settings: SettingsDep,
    staff: Staff,
    master_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=32,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="레이크의 마스터 개인 ID / The lake's master person id (`P000000123`).",
        ),
    ],
    purpose: Annotated[
        str,
        Query(
            min_length=MIN_PURPOSE_LENGTH,
            max_length=300,
            description="열람 목적(감사 기록) / Why you read this record (audited, shown to the "
            "person).",
        ),
    ],
) -> PersonPlanOut:
    """A person's plan for a counsellor: history, region, outreach reasons and next occupations.

    Staff only (analyst, counsellor, administrator). The read is audited with `purpose` and the
    person sees it on their account page. A person without history gets `plan: null` and notes
    saying why; an unknown id is a 404.
    """
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account
    from ilteo.identity.reads import audit_person_read
    from ilteo.pathways.plan import person_plan, person_plan_json

    found = person_plan(settings, master_id)
    with session_scope(settings) as session:
        reader = get_account(session, staff.id)
        audit_person_read(session, reader, found.master_id, f"{purpose.strip()} [전직 계획]")
    return PersonPlanOut.model_validate(person_plan_json(found))


@router.get(
    "/me",
    operation_id="get_my_plan",
    summary="나의 다음 단계 / Get my plan",
    response_model=PersonPlanOut,
    responses=_PERSONAL,
)
def my_plan(settings: SettingsDep, account: SignedIn) -> PersonPlanOut:
    """The signed-in person's own plan, from the lake record their account is linked to.

    An account not linked to the lake (no in-person proofing yet) is a 404 saying how to link
    it; the occupation endpoint answers without any link.
    """
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account
    from ilteo.pathways.plan import person_plan, person_plan_json

    with session_scope(settings) as session:
        master_id = get_account(session, account.id).master_person_id
    if master_id is None:
        raise NotFoundError(
            "계정이 고용보험 기록과 연결되지 않았습니다: 고용센터에서 본인 확인(대면)을 하면 "
            "연결됩니다. 직업 코드로는 지금도 추천을 볼 수 있습니다. / Your account is not "
            "linked to your employment records: an in-person identity check at a job centre "
            "links it. Recommendations by occupation code work without a link.",
            linked=False,
            next_steps=["in-person proofing", "/v1/pathways/recommendations?occupation=CODE"],
        )
    return PersonPlanOut.model_validate(person_plan_json(person_plan(settings, master_id)))
