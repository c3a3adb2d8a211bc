"""육아휴직 급여 and 출산전후휴가 급여: parental and maternity leave benefits as OpenFisca rules.

Parental leave benefit (고용보험법 제70조, 시행령 제95조, 제95조의3; 남녀고용평등법 제19조): a
monthly amount by month of leave (rate of the monthly ordinary wage, cap per month band, floor),
the 6+6 special amounts when both parents take leave for a child under 18 months, and (2024 only)
the 25% paid after the return to work. Maternity leave benefit (고용보험법 제75조, 제76조, 시행령
제101조; 근로기준법 제74조): the ordinary wage capped per 30 days, floored at the minimum wage,
for the days the insurance pays (all of them for a priority-support employer, the last 30 or 45
for a large firm).

Every variable is computed for a DAY: the parameters in force on that day apply. The check asks
for the check day (``as_of``); see ``docs/benefits-parental.md``. Formulas are vectorised: the
only Python loop runs over the (at most 18) months of leave, never over persons.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.periods import DAY
from openfisca_core.variables import Variable

from ilteo.benefits.check import trace_of
from ilteo.benefits.entities import Person
from ilteo.benefits.programmes import Programme, Reference, Result

#: Highest month of leave the formulas look at (12, or 18 with the 2025 extension).
MAX_MONTHS = 18

LAW = "https://www.law.go.kr/법령"
PARENTAL_REFERENCES = (
    Reference("고용보험법 제70조 (육아휴직 급여)", f"{LAW}/고용보험법/제70조"),
    Reference("고용보험법 시행령 제95조 (육아휴직 급여)", f"{LAW}/고용보험법시행령/제95조"),
    Reference(
        "고용보험법 시행령 제95조의3 (부모 모두 육아휴직 특례)",
        f"{LAW}/고용보험법시행령/제95조의3",
    ),
    Reference(
        "남녀고용평등과 일ㆍ가정 양립 지원에 관한 법률 제19조 (육아휴직)",
        f"{LAW}/남녀고용평등과일ㆍ가정양립지원에관한법률/제19조",
    ),
)
MATERNITY_REFERENCES = (
    Reference("고용보험법 제75조 (출산전후휴가 급여등)", f"{LAW}/고용보험법/제75조"),
    Reference("고용보험법 제76조 (지급 기간 등)", f"{LAW}/고용보험법/제76조"),
    Reference(
        "고용보험법 시행령 제101조 (출산전후휴가 급여등의 상한액과 하한액)",
        f"{LAW}/고용보험법시행령/제101조",
    ),
    Reference("근로기준법 제74조 (임산부의 보호)", f"{LAW}/근로기준법/제74조"),
)


def _krw(amount: Any) -> Any:
    """Whole won, 원 미만 절사.

    Computed in float64 and stored as int: float32 loses won above 16,777,216.
    """
    return np.floor(amount).astype(np.int64)


def _params(period: Any, parameters: Any) -> Any:
    return parameters(period).parental


# --- parental leave ------------------------------------------------------------------------------


class parental_leave_benefit_eligible(Variable):  # type: ignore[misc]
    """고용보험법 제70조: 180 unit days before the leave, a child of the age 제19조 allows."""

    value_type = bool
    entity = Person
    definition_period = DAY
    label = "육아휴직 급여 수급 자격 / eligible for the parental leave benefit"
    reference = f"{LAW}/고용보험법/제70조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        p = _params(period, parameters).parental_leave
        unit_days = person("insured_unit_days_18m", period)
        child = person("child_age_months", period)
        months = person("parental_leave_months", period)
        return (
            (unit_days >= p.min_insured_unit_days)
            & (child < p.max_child_age_months)
            & (months >= 1)
        )


class parental_leave_paid_months(Variable):  # type: ignore[misc]
    """Months paid: the leave, at most 12 (18 when both parents take 3+ months, 2025-02-23)."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "육아휴직 급여 지급 개월 수 / months of parental leave paid"
    reference = f"{LAW}/남녀고용평등과일ㆍ가정양립지원에관한법률/제19조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        p = _params(period, parameters).parental_leave
        months = person("parental_leave_months", period)
        other = person("other_parent_leave_months", period)
        both = (months >= p.extension_min_months_each) & (other >= p.extension_min_months_each)
        limit = np.where(both, p.max_months_extended, p.max_months)
        return np.clip(np.minimum(months, limit), 0, MAX_MONTHS)


class parental_leave_special_months(Variable):  # type: ignore[misc]
    """시행령 제95조의3: months paid at the 6+6 amounts (shorter parent's leave, at most 6)."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "6+6 부모육아휴직 특례 개월 수 / months at the 6+6 special amounts"
    reference = f"{LAW}/고용보험법시행령/제95조의3"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        s = _params(period, parameters).parental_leave.six_plus_six
        child = person("child_age_months", period)
        other = person("other_parent_leave_months", period)
        paid = person("parental_leave_paid_months", period)
        young = (child >= 0) & (child < s.max_child_age_months)
        months = np.minimum(np.minimum(paid, other), s.max_months)
        return np.where(young & (other > 0), np.maximum(months, 0), 0)


def _parental_month_amounts(person: Any, period: Any, parameters: Any) -> list[Any]:
    """The amount of each month 1..18 (0 beyond the paid months), whole won (원 미만 절사)."""
    p = _params(period, parameters).parental_leave
    wage = person("monthly_ordinary_wage", period).astype(np.float64)
    paid = person("parental_leave_paid_months", period)
    special = person("parental_leave_special_months", period)
    eligible = person("parental_leave_benefit_eligible", period)
    six = p.six_plus_six
    special_caps = [six.cap_month_1, six.cap_month_2, six.cap_month_3]
    special_caps += [six.cap_month_4, six.cap_month_5, six.cap_month_6]
    amounts = []
    for month in range(1, MAX_MONTHS + 1):
        band = p.months_1_3 if month <= 3 else p.months_4_6 if month <= 6 else p.months_7_on
        general = np.minimum(wage * band.rate, band.cap)
        if month <= len(special_caps):
            boosted = np.minimum(wage * six.rate, special_caps[month - 1])
            general = np.where(special >= month, boosted, general)
        amount = np.floor(np.maximum(general, p.floor))
        amounts.append(np.where(eligible & (paid >= month), amount, 0.0))
    return amounts


class parental_leave_benefit_first_month(Variable):  # type: ignore[misc]
    """The first month's amount (원 미만 절사)."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "육아휴직 급여 첫 달 금액(원) / first month's parental leave benefit"
    reference = f"{LAW}/고용보험법시행령/제95조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        return _krw(_parental_month_amounts(person, period, parameters)[0])


class parental_leave_benefit_total(Variable):  # type: ignore[misc]
    """The sum of the monthly amounts over the paid months (deferred part included)."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "육아휴직 급여 총액(원) / parental leave benefit, total"
    reference = f"{LAW}/고용보험법시행령/제95조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        return _krw(sum(_parental_month_amounts(person, period, parameters)))


class parental_leave_benefit_deferred(Variable):  # type: ignore[misc]
    """사후지급금 (2024): 25% of the general months, paid 6 months after the return; 0 from 2025."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "육아휴직 급여 사후지급금(원) / part paid after the return to work"
    reference = f"{LAW}/고용보험법시행령/제95조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        share = _params(period, parameters).parental_leave.deferred_share
        special = person("parental_leave_special_months", period)
        amounts = _parental_month_amounts(person, period, parameters)
        deferred = [
            np.where(special >= month, 0.0, np.floor(amount * share))
            for month, amount in enumerate(amounts, start=1)
        ]
        return _krw(sum(deferred))


# --- maternity leave -----------------------------------------------------------------------------


class maternity_leave_benefit_eligible(Variable):  # type: ignore[misc]
    """고용보험법 제75조: 180 insured unit days before the end of the leave."""

    value_type = bool
    entity = Person
    definition_period = DAY
    label = "출산전후휴가 급여 수급 자격 / eligible for the maternity leave benefit"
    reference = f"{LAW}/고용보험법/제75조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        p = _params(period, parameters).maternity_leave
        return person("insured_unit_days_18m", period) >= p.min_insured_unit_days


class maternity_leave_days(Variable):  # type: ignore[misc]
    """근로기준법 제74조: 90 days, 120 for a multiple birth."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "출산전후휴가 일수 / days of maternity leave"
    reference = f"{LAW}/근로기준법/제74조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        days = _params(period, parameters).maternity_leave.leave_days
        return np.where(person("multiple_birth", period), days.multiple, days.single)


class maternity_leave_insured_days(Variable):  # type: ignore[misc]
    """고용보험법 제76조: all days (priority-support employer) or the last 30 (45) days."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "출산전후휴가 급여 보험 지급 일수 / days paid by the insurance"
    reference = f"{LAW}/고용보험법/제76조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        large = _params(period, parameters).maternity_leave.large_firm_insured_days
        multiple = person("multiple_birth", period)
        large_days = np.where(multiple, large.multiple, large.single)
        days = person("maternity_leave_days", period)
        return np.where(person("priority_support_employer", period), days, large_days)


class maternity_leave_monthly_amount(Variable):  # type: ignore[misc]
    """시행령 제101조: the ordinary wage, capped per 30 days, at least the minimum wage."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "출산전후휴가 급여 30일분(원) / maternity leave benefit per 30 days"
    reference = f"{LAW}/고용보험법시행령/제101조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        p = _params(period, parameters).maternity_leave
        floor = p.minimum_wage_hourly * p.minimum_wage_monthly_hours
        wage = person("monthly_ordinary_wage", period).astype(np.float64)
        return _krw(np.maximum(np.minimum(wage, p.cap_per_30_days), floor))


class maternity_leave_benefit_total(Variable):  # type: ignore[misc]
    """The insurance's part: the 30-day amount x insured days / 30 (원 미만 절사)."""

    value_type = int
    entity = Person
    definition_period = DAY
    label = "출산전후휴가 급여 총액(보험 지급분, 원) / maternity leave benefit paid by insurance"
    reference = f"{LAW}/고용보험법/제76조"

    def formula(person: Any, period: Any, parameters: Any) -> Any:
        """The value for every person at ``period`` (a day), with that day's parameters."""
        monthly = person("maternity_leave_monthly_amount", period).astype(np.float64)
        days = person("maternity_leave_insured_days", period)
        eligible = person("maternity_leave_benefit_eligible", period)
        return _krw(np.where(eligible, monthly * days / 30, 0.0))


# --- the answers ---------------------------------------------------------------------------------

FIELDS = {
    "insured_unit_days_18m": "employment.paid_days_last_18_months",
    "child_age_months": "family.child_birth_date",
    "parental_leave_months": "family.parental_leave_months",
    "monthly_ordinary_wage": "family.monthly_ordinary_wage_krw",
    "other_parent_leave_months": "family.other_parent_on_leave_months",
    "multiple_birth": "family.multiple_birth",
    "priority_support_employer": "family.priority_support_employer",
}


def _won(value: Any) -> int:
    return int(value)


def _missing(known: frozenset[str], names: list[str]) -> list[str]:
    return [FIELDS[name] for name in names if name not in known]


def evaluate_parental(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """One person's parental leave benefit answer at ``period`` (a day)."""
    refs = list(PARENTAL_REFERENCES)
    p = sim.tax_benefit_system.parameters(period).parental.parental_leave
    reasons: list[str] = []
    failed = False
    if "insured_unit_days_18m" in known:
        days = int(sim.calculate("insured_unit_days_18m", period)[row])
        if days < p.min_insured_unit_days:
            failed = True
            reasons.append(
                f"피보험 단위기간이 {days}일로 {int(p.min_insured_unit_days)}일 미만입니다 "
                "/ fewer than 180 insured unit days"
            )
    child = int(sim.calculate("child_age_months", period)[row])
    if "child_age_months" in known and child >= p.max_child_age_months:
        failed = True
        reasons.append(
            f"자녀가 {child}개월로 만 8세를 넘었습니다 (초등학교 2학년 이하이면 고용센터에 "
            "확인하세요) / the child is older than 8"
        )
    needed = ["insured_unit_days_18m", "child_age_months"]
    needed += ["parental_leave_months", "monthly_ordinary_wage"]
    months = int(sim.calculate("parental_leave_months", period)[row])
    young = 0 <= child < p.six_plus_six.max_child_age_months
    if "child_age_months" in known and (young or months > p.max_months):
        needed.append("other_parent_leave_months")
    missing = _missing(known, needed)
    if failed:
        return Result(False, {}, reasons, refs, [], {})
    if missing:
        reasons.append("판단에 필요한 정보가 없습니다 / information needed to decide is missing")
        return Result(None, {}, reasons, refs, missing, {})
    total = sim.calculate("parental_leave_benefit_total", period)[row]
    first = sim.calculate("parental_leave_benefit_first_month", period)[row]
    paid = int(sim.calculate("parental_leave_paid_months", period)[row])
    special = int(sim.calculate("parental_leave_special_months", period)[row])
    deferred = sim.calculate("parental_leave_benefit_deferred", period)[row]
    reasons.append(
        f"피보험 단위기간 180일 이상, 대상 자녀의 육아휴직으로 {paid}개월 급여를 받을 수 "
        "있습니다 / eligible"
    )
    if paid < months:
        reasons.append(
            f"육아휴직 급여는 {paid}개월까지 지급됩니다 (신청 {months}개월) / paid for at most "
            f"{paid} months"
        )
    if special:
        reasons.append(
            f"부모 모두 육아휴직(6+6 특례)으로 첫 {special}개월은 통상임금 100%, 상한 월 "
            "250만~450만원입니다 / 6+6 special amounts"
        )
    if deferred:
        reasons.append(
            f"{_won(deferred):,}원은 복직 후 6개월 근무하면 지급됩니다(사후지급금) / paid after "
            "the return to work"
        )
    amounts: dict[str, int | None] = {
        "total_krw": _won(total),
        "first_month_krw": _won(first),
        "months": paid,
        "special_months": special,
        "deferred_krw": _won(deferred),
    }
    trace = trace_of(sim, "parental_leave_benefit_total", period, row)
    return Result(True, amounts, reasons, refs, [], trace)


def evaluate_maternity(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """One person's maternity leave benefit answer at ``period`` (a day)."""
    refs = list(MATERNITY_REFERENCES)
    p = sim.tax_benefit_system.parameters(period).parental.maternity_leave
    if "insured_unit_days_18m" in known:
        days = int(sim.calculate("insured_unit_days_18m", period)[row])
        if days < p.min_insured_unit_days:
            reason = (
                f"피보험 단위기간이 {days}일로 {int(p.min_insured_unit_days)}일 미만입니다 "
                "/ fewer than 180 insured unit days"
            )
            return Result(False, {}, [reason], refs, [], {})
    needed = ["insured_unit_days_18m", "monthly_ordinary_wage", "multiple_birth"]
    needed.append("priority_support_employer")
    missing = _missing(known, needed)
    if missing:
        reason = "판단에 필요한 정보가 없습니다 / information needed to decide is missing"
        return Result(None, {}, [reason], refs, missing, {})
    total = sim.calculate("maternity_leave_benefit_total", period)[row]
    leave = int(sim.calculate("maternity_leave_days", period)[row])
    insured = int(sim.calculate("maternity_leave_insured_days", period)[row])
    monthly = sim.calculate("maternity_leave_monthly_amount", period)[row]
    reasons = [
        f"피보험 단위기간 180일 이상으로 출산전후휴가 {leave}일 중 {insured}일분을 고용보험에서 "
        f"받습니다 (30일당 {_won(monthly):,}원) / eligible",
    ]
    if insured < leave:
        reasons.append(
            f"우선지원대상기업이 아니므로 최초 {leave - insured}일은 사업주가 통상임금을 "
            "지급합니다 / the employer pays the first days"
        )
    amounts: dict[str, int | None] = {
        "total_krw": _won(total),
        "insured_paid_days": insured,
        "employer_paid_days": leave - insured,
        "leave_days": leave,
    }
    trace = trace_of(sim, "maternity_leave_benefit_total", period, row)
    return Result(True, amounts, reasons, refs, [], trace)


PARENTAL_VARIABLES: tuple[type[Variable], ...] = (
    parental_leave_benefit_eligible,
    parental_leave_paid_months,
    parental_leave_special_months,
    parental_leave_benefit_first_month,
    parental_leave_benefit_total,
    parental_leave_benefit_deferred,
)
MATERNITY_VARIABLES: tuple[type[Variable], ...] = (
    maternity_leave_benefit_eligible,
    maternity_leave_days,
    maternity_leave_insured_days,
    maternity_leave_monthly_amount,
    maternity_leave_benefit_total,
)

PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        id="parental_leave_benefit",
        label_ko="육아휴직 급여",
        label_en="Parental leave benefit",
        variables=PARENTAL_VARIABLES,
        evaluate=evaluate_parental,
        references=PARENTAL_REFERENCES,
        period_of=lambda check: check.family.parental_leave_start,
    ),
    Programme(
        id="maternity_leave_benefit",
        label_ko="출산전후휴가 급여",
        label_en="Maternity leave benefit",
        variables=MATERNITY_VARIABLES,
        evaluate=evaluate_maternity,
        references=MATERNITY_REFERENCES,
        period_of=lambda check: check.family.maternity_leave_start,
    ),
)
