"""The check's input: validated (bad input named by field), and the OpenFisca inputs it gives.

A caller sends what it knows (see ``docs/benefits.md``); every field may be omitted. What a
programme needs and is missing makes that programme's answer "unknown" with the field named -
never a guessed amount. Impossible input (a separation before the first insured day, a negative
wage, an unknown reason code) is refused with the field and what it means.

The derived values are plain numbers per person (:class:`Derived`), set as OpenFisca inputs of the
variables below (``definition_period = ETERNITY``: they describe the person at the check), so
one check and a scan over millions of persons go through the same formulas.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import ETERNITY
from openfisca_core.variables import Variable
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ilteo.benefits.entities import Household, Person
from ilteo.core.errors import InvalidInputError

SeparationCode = Literal[
    "business_closure",
    "dismissal_business",
    "contract_expiry",
    "retirement_age",
    "voluntary_justified",
    "voluntary",
    "dismissal_misconduct",
]

#: Korean names of the separation reasons (as the API documents them).
SEPARATION_LABELS: dict[str, str] = {
    "business_closure": "폐업·도산",
    "dismissal_business": "경영상 해고·권고사직",
    "contract_expiry": "계약기간 만료",
    "retirement_age": "정년 퇴직",
    "voluntary_justified": "정당한 사유가 있는 자진퇴사",
    "voluntary": "개인 사정에 의한 자진퇴사",
    "dismissal_misconduct": "중대한 귀책사유로 인한 해고",
}


#: The first day the programmes' parameters cover (checks and leave starts from then on).
RULES_FROM = date(2024, 1, 1)
#: The first separation day the job-seeking allowance's tables cover (별표 1 of 2019-10-01).
SEPARATIONS_FROM = date(2019, 10, 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InsuredPeriod(_Strict):
    """One period of insured employment (피보험자격 취득일 ~ 상실일)."""

    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> InsuredPeriod:
        if self.end is not None and self.end < self.start:
            raise ValueError("end (상실일) is before start (취득일)")
        return self


class PersonIn(_Strict):
    """Who the person is."""

    birth_date: date | None = None
    disabled: bool | None = None
    household_size: int | None = Field(None, ge=1, le=20)
    household_income_ratio_to_median: float | None = Field(None, ge=0, le=20)
    household_assets_krw: int | None = Field(None, ge=0)


class EmploymentIn(_Strict):
    """The person's insured employment and separation."""

    insured_periods: list[InsuredPeriod] | None = None
    paid_days_last_18_months: int | None = Field(None, ge=0, le=549)
    separation_date: date | None = None
    separation_reason: SeparationCode | None = None
    wages_last_3_months_krw: int | None = Field(None, ge=0)
    days_last_3_months: int | None = Field(None, ge=1, le=92)
    daily_contract_hours: float | None = Field(None, gt=0, le=24)
    able_and_willing_to_work: bool | None = None
    reemployment_date: date | None = None
    reemployment_expected_months: int | None = Field(None, ge=0, le=120)


class FamilyIn(_Strict):
    """Birth and leave (for parental leave and maternity leave benefits)."""

    child_birth_date: date | None = None
    parental_leave_start: date | None = None
    parental_leave_months: int | None = Field(None, ge=1, le=18)
    monthly_ordinary_wage_krw: int | None = Field(None, ge=0)
    other_parent_on_leave_months: int | None = Field(None, ge=0, le=18)
    maternity_leave_start: date | None = None
    multiple_birth: bool | None = None
    priority_support_employer: bool | None = None


class TrainingIn(_Strict):
    """What the training card's exclusions and limit look at."""

    public_servant_or_private_teacher: bool | None = None
    enrolled_student: bool | None = None
    self_employed_annual_revenue_krw: int | None = Field(None, ge=0)
    large_firm_monthly_wage_krw: int | None = Field(None, ge=0)
    card_used_krw: int | None = Field(None, ge=0)
    employment_support_participant: bool | None = None
    low_income: bool | None = None


class CheckInput(_Strict):
    """One check: the day it is for and what is known of the person."""

    as_of: date
    person: PersonIn = Field(default_factory=PersonIn)
    employment: EmploymentIn = Field(default_factory=EmploymentIn)
    family: FamilyIn = Field(default_factory=FamilyIn)
    training: TrainingIn = Field(default_factory=TrainingIn)

    @model_validator(mode="after")
    def _consistent(self) -> CheckInput:
        e = self.employment
        periods = e.insured_periods or []
        if e.separation_date is not None:
            if periods and e.separation_date < min(p.start for p in periods):
                raise ValueError(
                    "employment.separation_date is before the first insured day "
                    "(이직일이 피보험자격 취득일보다 앞섭니다)"
                )
            if e.separation_date > self.as_of:
                raise ValueError("employment.separation_date is after as_of (이직일이 기준일 뒤)")
        if self.person.birth_date is not None and self.person.birth_date > self.as_of:
            raise ValueError("person.birth_date is after as_of (생년월일이 기준일 뒤)")
        if (
            e.reemployment_date is not None
            and e.separation_date is not None
            and e.reemployment_date <= e.separation_date
        ):
            raise ValueError("employment.reemployment_date is not after separation_date")
        for where, day in (
            ("as_of", self.as_of),
            ("family.parental_leave_start", self.family.parental_leave_start),
            ("family.maternity_leave_start", self.family.maternity_leave_start),
        ):
            if day is not None and day < RULES_FROM:
                raise ValueError(
                    f"{where}: the rules cover {RULES_FROM.isoformat()} onwards "
                    f"(규칙은 {RULES_FROM.isoformat()}부터 있습니다)"
                )
        if self.employment.separation_date is not None and (
            self.employment.separation_date < SEPARATIONS_FROM
        ):
            raise ValueError(
                "employment.separation_date: separations from "
                f"{SEPARATIONS_FROM.isoformat()} are covered (별표 1 in force since then)"
            )
        return self


def parse_check(data: Any) -> CheckInput:
    """Validate a check's JSON (a dict).

    Raises:
        InvalidInputError: a field is malformed, out of range, unknown or impossible; the message
            names each field (``employment.separation_reason``) and what it means.
    """
    try:
        return CheckInput.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"]) or "input"
            problems.append(f"{where}: {item['msg']}")
        raise InvalidInputError(
            "입력값을 확인하세요 / check the input: " + "; ".join(problems),
            fields=[p.split(":")[0] for p in problems],
        ) from None


# --- the OpenFisca input variables ---------------------------------------------------------------


class SeparationReason(Enum):
    """이직 사유 (the check's ``separation_reason`` codes)."""

    unknown = "미상 / unknown"
    business_closure = "폐업·도산"
    dismissal_business = "경영상 해고·권고사직"
    contract_expiry = "계약기간 만료"
    retirement_age = "정년 퇴직"
    voluntary_justified = "정당한 사유가 있는 자진퇴사"
    voluntary = "개인 사정에 의한 자진퇴사"
    dismissal_misconduct = "중대한 귀책사유로 인한 해고"


def _input(
    name: str, kind: type, label: str, entity: Any = Person, default: Any = None, **extra: Any
) -> type[Variable]:
    attributes: dict[str, Any] = {
        "value_type": kind,
        "entity": entity,
        "definition_period": ETERNITY,
        "label": label,
        **extra,
    }
    if default is not None:
        attributes["default_value"] = default
    return type(name, (Variable,), attributes)


#: Input variables (a person's facts at the check). ``*_known`` flags say a value was given.
INPUT_VARIABLES: tuple[type[Variable], ...] = (
    _input("age", int, "나이(기준일) / age on the check day"),
    _input("age_at_separation", int, "이직일 당시 나이 / age at separation"),
    _input(
        "age_at_last_acquisition", int, "마지막 피보험자격 취득 당시 나이 / age when last insured"
    ),
    _input("disabled", bool, "장애인 여부 / person with a disability"),
    _input(
        "insured_unit_days_18m", int, "이직 전 18개월 피보험단위기간(일) / paid days in 18 months"
    ),
    _input("insured_period_days", int, "피보험기간(일) / insured period in days"),
    _input(
        "separation_reason",
        Enum,
        "이직 사유 / separation reason",
        possible_values=SeparationReason,
        default=SeparationReason.unknown,
    ),
    _input("wages_last_3_months", int, "이직 전 3개월 임금총액(원) / wages of the last 3 months"),
    _input("days_last_3_months", int, "이직 전 3개월 총일수 / days of the last 3 months"),
    _input(
        "daily_contract_hours", float, "1일 소정근로시간 / contractual daily hours", default=8.0
    ),
    _input(
        "able_and_willing_to_work",
        bool,
        "근로 의사와 능력 / able and willing to work",
        default=True,
    ),
    _input("days_since_separation", int, "이직 후 경과일 / days since separation"),
    _input("separated", bool, "이직 여부 / separated from insured employment"),
    _input(
        "days_reemployed_after_separation",
        int,
        "이직 후 재취업까지 일수 / days to re-employment",
        default=-1,
    ),
    _input(
        "reemployment_expected_months",
        int,
        "재취업 예상 고용기간(개월) / expected months of the new job",
    ),
    _input("household_size", int, "가구원 수 / household size", entity=Household, default=1),
    _input(
        "household_income_ratio",
        float,
        "기준 중위소득 대비 가구소득 / income ratio to median",
        entity=Household,
    ),
    _input("household_assets", int, "가구 재산(원) / household assets", entity=Household),
    _input("child_age_months", int, "자녀 나이(개월) / child's age in months", default=-1),
    _input("parental_leave_months", int, "육아휴직 개월 수 / months of parental leave"),
    _input("monthly_ordinary_wage", int, "월 통상임금(원) / monthly ordinary wage"),
    _input(
        "other_parent_leave_months", int, "배우자 육아휴직 개월 수 / other parent's leave months"
    ),
    _input("multiple_birth", bool, "다태아 여부 / multiple birth"),
    _input("priority_support_employer", bool, "우선지원대상기업 여부 / priority-support employer"),
    _input("public_servant_or_private_teacher", bool, "공무원·사립학교 교직원 / public servant"),
    _input("enrolled_student", bool, "재학생(졸업예정자 제외) / enrolled student"),
    _input("self_employed_annual_revenue", int, "자영업자 연 매출(원) / self-employed revenue"),
    _input("large_firm_monthly_wage", int, "대기업 근로자 월 임금(원) / large-firm monthly wage"),
    _input("card_used", int, "내일배움카드 사용액(원) / training card used"),
    _input(
        "employment_support_participant",
        bool,
        "국민취업지원제도 참여 / employment support participant",
    ),
    _input("low_income", bool, "저소득층(기초생활수급 등) / low income"),
)


class Derived(BaseModel):
    """A check's facts as the numbers the input variables take, and which ones are known."""

    values: dict[str, Any]
    known: frozenset[str]


#: Largest won amount an input holds (OpenFisca integers are 32-bit): every limit is far below.
WON_CEILING = 2_147_483_647


def won(amount: int) -> int:
    """An amount in won as an input holds it (above :data:`WON_CEILING`, the ceiling).

    Money inputs are integers, not OpenFisca's float32 (which cannot hold every won above
    16,777,216: 400,000,001 would read as 400,000,000 and pass a 400,000,000 limit).

    >>> won(400_000_001), won(5_000_000_000)
    (400000001, 2147483647)
    """
    return min(int(amount), WON_CEILING)


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _years(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def derive(check: CheckInput) -> Derived:
    """The input variables' values of one check (only the known ones are set)."""
    values = {**_person(check), **_employment(check), **_family(check), **_training(check)}
    return Derived(values=values, known=frozenset(values))


def _person(check: CheckInput) -> dict[str, Any]:
    p, e = check.person, check.employment
    assets = p.household_assets_krw
    v: dict[str, Any] = {}
    if p.birth_date is not None:
        v["age"] = _years(p.birth_date, check.as_of)
        if e.separation_date is not None:
            v["age_at_separation"] = _years(p.birth_date, e.separation_date)
        if e.insured_periods:
            v["age_at_last_acquisition"] = _years(
                p.birth_date, max(x.start for x in e.insured_periods)
            )
    for name, value in (
        ("disabled", p.disabled),
        ("household_size", p.household_size),
        ("household_income_ratio", p.household_income_ratio_to_median),
        ("household_assets", None if assets is None else won(assets)),
    ):
        if value is not None:
            v[name] = value
    return v


def _employment(check: CheckInput) -> dict[str, Any]:
    e = check.employment
    v: dict[str, Any] = {}
    if e.insured_periods:
        until = e.separation_date or check.as_of
        v["insured_period_days"] = sum(
            max(0, _days(x.start, min(x.end or until, until))) for x in e.insured_periods
        )
    if e.separation_date is not None:
        v["separated"] = True
        v["days_since_separation"] = (check.as_of - e.separation_date).days
        if e.reemployment_date is not None:
            v["days_reemployed_after_separation"] = (e.reemployment_date - e.separation_date).days
    wages = e.wages_last_3_months_krw
    for name, value in (
        ("insured_unit_days_18m", e.paid_days_last_18_months),
        ("separation_reason", e.separation_reason),
        ("wages_last_3_months", None if wages is None else won(wages)),
        ("days_last_3_months", e.days_last_3_months),
        ("daily_contract_hours", e.daily_contract_hours),
        ("able_and_willing_to_work", e.able_and_willing_to_work),
        ("reemployment_expected_months", e.reemployment_expected_months),
    ):
        if value is not None:
            v[name] = value
    return v


def _family(check: CheckInput) -> dict[str, Any]:
    f = check.family
    v: dict[str, Any] = {}
    if f.child_birth_date is not None:
        born = f.child_birth_date
        day = f.parental_leave_start or check.as_of
        months = (day.year - born.year) * 12 + day.month - born.month - (day.day < born.day)
        v["child_age_months"] = months
    for name, value in (
        ("parental_leave_months", f.parental_leave_months),
        ("monthly_ordinary_wage", _won(f.monthly_ordinary_wage_krw)),
        ("other_parent_leave_months", f.other_parent_on_leave_months),
        ("multiple_birth", f.multiple_birth),
        ("priority_support_employer", f.priority_support_employer),
    ):
        if value is not None:
            v[name] = value
    return v


def _won(amount: int | None) -> int | None:
    return None if amount is None else won(amount)


def _training(check: CheckInput) -> dict[str, Any]:
    t = check.training
    pairs = (
        ("public_servant_or_private_teacher", t.public_servant_or_private_teacher),
        ("enrolled_student", t.enrolled_student),
        ("self_employed_annual_revenue", _won(t.self_employed_annual_revenue_krw)),
        ("large_firm_monthly_wage", _won(t.large_firm_monthly_wage_krw)),
        ("card_used", _won(t.card_used_krw)),
        ("employment_support_participant", t.employment_support_participant),
        ("low_income", t.low_income),
    )
    return {name: value for name, value in pairs if value is not None}


def as_array(values: list[Any], variable: Variable) -> np.ndarray:
    """Values of one input variable for many persons, in the variable's dtype."""
    if variable.value_type is Enum:
        enum = variable.possible_values
        return np.array([enum[x].index for x in values], dtype=np.int16)
    dtype = {int: np.int32, float: np.float32, bool: np.bool_}.get(variable.value_type, object)
    return np.array(values, dtype=dtype)
