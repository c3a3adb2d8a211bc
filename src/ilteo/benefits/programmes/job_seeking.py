"""구직급여 (job-seeking allowance) and 조기재취업수당 (early re-employment allowance).

The rules of 고용보험법 제40조, 제45조, 제46조, 제48조 - 제50조, 제58조, 제64조, 제10조 and
시행령 제68조, 제84조 as vectorised OpenFisca formulas (see ``docs/benefits-job-seeking.md``).

Dated values (the base-wage cap, the minimum wage) are those in force on each person's
**separation date** (제45조 제4항 "이직일 당시"), not on the check day: every formula is computed at
the check day (``period``) and looks the values up per person at ``period - days_since_separation``
with :func:`_in_force`, so a scan of a million persons with different separation dates goes through
one vectorised pass. The values used are recorded in the trace as parameter accesses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from openfisca_core.periods import DAY
from openfisca_core.variables import Variable

from ilteo.benefits.entities import Person
from ilteo.benefits.inputs import SeparationReason
from ilteo.benefits.programmes import Programme, Reference, Result

LAW = "https://www.law.go.kr/법령"
EPSILON = 1e-6  # guards 원 미만 절사 against binary rounding (0.8 x 80240 = 64191.999...)

R40 = Reference("고용보험법 제40조 (구직급여의 수급 요건)", f"{LAW}/고용보험법/제40조")
R10 = Reference("고용보험법 제10조 (적용 제외)", f"{LAW}/고용보험법/제10조")
R45 = Reference("고용보험법 제45조 (급여의 기초가 되는 임금일액)", f"{LAW}/고용보험법/제45조")
R46 = Reference("고용보험법 제46조 (구직급여일액)", f"{LAW}/고용보험법/제46조")
R48 = Reference("고용보험법 제48조 (수급기간 및 수급일수)", f"{LAW}/고용보험법/제48조")
R49 = Reference("고용보험법 제49조 (대기기간)", f"{LAW}/고용보험법/제49조")
R50 = Reference("고용보험법 제50조, 별표 1 (소정급여일수)", f"{LAW}/고용보험법/제50조")
R58 = Reference("고용보험법 제58조 (이직 사유에 따른 수급자격의 제한)", f"{LAW}/고용보험법/제58조")
RB2 = Reference(
    "고용보험법 시행규칙 제101조 제2항, 별표 2 (정당한 이직 사유)",
    f"{LAW}/고용보험법시행규칙/별표2",
)
R68 = Reference("고용보험법 시행령 제68조 (기초일액의 상한액)", f"{LAW}/고용보험법시행령/제68조")
R64 = Reference("고용보험법 제64조 (조기재취업 수당)", f"{LAW}/고용보험법/제64조")
R84 = Reference(
    "고용보험법 시행령 제84조 (조기재취업 수당의 지급 기준)", f"{LAW}/고용보험법시행령/제84조"
)

#: 시행규칙 별표 2 (수급자격이 제한되지 아니하는 정당한 이직 사유), in short.
JUSTIFIED_GROUNDS = (
    "이직 전 1년 이내 2개월 이상 근로조건 저하, 임금체불, 최저임금 미달, 연장근로 제한 위반, "
    "휴업수당 70% 미만",
    "종교·성별·장애·노조활동 등을 이유로 한 차별",
    "성희롱·성폭력, 직장 내 괴롭힘",
    "사업장의 도산·폐업이 확실하거나 대량 감원 예정",
    "경영상 사정(양도·합병, 사업 폐지, 직제 개편, 경영 악화 등)에 따른 퇴직 권고·희망퇴직",
    "사업장 이전·전근·배우자 동거 등으로 통근 왕복 3시간 이상",
    "부모·동거 친족을 30일 이상 간호해야 하나 휴가·휴직이 허용되지 않음",
    "병역법에 따른 징집·소집",
    "체력 부족·질병·부상 등으로 업무 수행이 곤란하나 업무 전환·휴직이 허용되지 않음",
    "임신·출산·만 8세 이하(초등 2학년 이하) 자녀 육아에 휴가·휴직이 허용되지 않음",
    "사업 내용이 법령 개정으로 위법하게 됨",
    "정년 도래·계약기간 만료로 계속 근무할 수 없음",
    "그 밖에 통상의 다른 근로자도 이직했을 것이 객관적으로 인정되는 경우",
)

_DISQUALIFIED = (SeparationReason.voluntary, SeparationReason.dismissal_misconduct)


# --- helpers --------------------------------------------------------------------------------------


def _parameter(person: Any, path: str) -> Any:
    node = person.simulation.tax_benefit_system.parameters
    for part in path.split("."):
        node = node.children[part]
    return node


def _in_force(person: Any, path: str, days: np.ndarray, period: Any) -> np.ndarray:
    """Values of the parameter ``job_seeking.<path>`` in force on each of ``days`` (vectorised).

    Before the first dated value the first value is used (the model starts 2019-10-01).
    """
    node = _parameter(person, f"job_seeking.{path}")
    entries = sorted((np.datetime64(v.instant_str, "D"), v.value) for v in node.values_list)
    starts = np.array([e[0] for e in entries], dtype="datetime64[D]")
    values = np.array([e[1] for e in entries], dtype=np.float64)
    index = np.clip(np.searchsorted(starts, days, side="right") - 1, 0, None)
    found = values[index]
    person.simulation.tracer.record_parameter_access(
        f"job_seeking.{path} (이직일 기준 / at separation date)", period, found
    )
    return found


def _separation_days(person: Any, period: Any) -> Any:
    today = np.datetime64(str(period.start), "D")
    since = person("days_since_separation", period).astype(np.int64)
    return today - since.astype("timedelta64[D]")


def _add_months(days: Any, months: Any) -> Any:
    """``days`` + ``months`` calendar months; a missing day is the month's last (민법 제160조)."""
    month = days.astype("datetime64[M]")
    offset = days - month.astype("datetime64[D]")
    target = month + months.astype("timedelta64[M]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(target.astype("datetime64[D]") + offset, last)


def _cut(values: np.ndarray) -> np.ndarray:
    """원 미만 절사."""
    return np.floor(values + EPSILON)


# --- variables ------------------------------------------------------------------------------------


class job_seeking_claim_days_left(Variable):  # type: ignore[misc]
    """제48조: days from the check day to the end of the 12 months after separation."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "수급기간(이직일 + 12개월) 만료까지 남은 일수 / days left in the claim window"
    reference = (R48.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        separated = _separation_days(person, period)
        months = _in_force(person, "eligibility.claim_window_months", separated, period)
        deadline = _add_months(separated, months.astype(np.int64))
        today = np.datetime64(str(period.start), "D")
        return (deadline - today).astype(np.int64).astype(np.int32)


class job_seeking_within_claim_window(Variable):  # type: ignore[misc]
    """제48조: the check day is within the claim window (nothing is paid after it)."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "수급기간 내 / within the 12-month claim window"
    reference = (R48.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return person("job_seeking_claim_days_left", period) >= 0


class job_seeking_unit_period_met(Variable):  # type: ignore[misc]
    """제40조 제1항 제1호: 180 insured unit days in the 18 months before separation."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "기준기간 피보험단위기간 180일 이상 / 180 insured unit days in 18 months"
    reference = (R40.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        separated = _separation_days(person, period)
        minimum = _in_force(person, "eligibility.min_insured_unit_days", separated, period)
        return person("insured_unit_days_18m", period) >= minimum


class job_seeking_reason_qualifies(Variable):  # type: ignore[misc]
    """제58조, 시행규칙 별표 2: the separation reason does not disqualify."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "이직 사유가 수급자격 제한 사유가 아님 / separation reason does not disqualify"
    reference = (R58.href, RB2.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        reason = person("separation_reason", period)
        return (
            (reason != SeparationReason.unknown)
            * (reason != SeparationReason.voluntary)
            * (reason != SeparationReason.dismissal_misconduct)
        )


class job_seeking_age_excluded(Variable):  # type: ignore[misc]
    """제10조 제2항: newly hired at 65 or later (age at the last acquisition)."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "65세 이후 새로 고용되어 적용 제외 / hired at 65 or later: excluded"
    reference = (R10.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        separated = _separation_days(person, period)
        age = _in_force(person, "eligibility.excluded_from_age", separated, period)
        return person("age_at_last_acquisition", period) >= age


class job_seeking_qualified(Variable):  # type: ignore[misc]
    """제40조: 수급자격 (every condition but the claim window)."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "구직급여 수급자격 / qualifies (before the claim window)"
    reference = (R40.href, R58.href, R10.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return (
            person("separated", period)
            * person("job_seeking_unit_period_met", period)
            * person("job_seeking_reason_qualifies", period)
            * np.logical_not(person("job_seeking_age_excluded", period))
            * person("able_and_willing_to_work", period)
        )


class job_seeking_eligible(Variable):  # type: ignore[misc]
    """제40조, 제48조: qualified and within the claim window on the check day."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "구직급여 지급 가능 / job-seeking allowance payable"
    reference = (R40.href, R48.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return person("job_seeking_qualified", period) * person(
            "job_seeking_within_claim_window", period
        )


class job_seeking_benefit_days(Variable):  # type: ignore[misc]
    """제50조 별표 1: benefit days by insured period and age (50+ or disabled)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "소정급여일수 / benefit days (별표 1)"
    reference = (R50.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)

        def at(path: str) -> np.ndarray:
            return _in_force(person, f"benefit_days.{path}", day, period)

        insured = person("insured_period_days", period)
        band = np.select(
            [
                insured < at("one_year_days"),
                insured < at("three_years_days"),
                insured < at("five_years_days"),
                insured < at("ten_years_days"),
            ],
            [0, 1, 2, 3],
            4,
        )
        older = (person("age_at_separation", period) >= at("older_age")) + person(
            "disabled", period
        )
        names = ("under_1y", "1y_to_3y", "3y_to_5y", "5y_to_10y", "10y_and_over")
        young = np.select([band == i for i in range(5)], [at(f"under_50.band_{n}") for n in names])
        old = np.select(
            [band == i for i in range(5)], [at(f"older_or_disabled.band_{n}") for n in names]
        )
        return np.where(older, old, young).astype(np.int32)


class job_seeking_base_daily_wage(Variable):  # type: ignore[misc]
    """제45조 제1항: 기초일액 = wages of the last 3 months / their days (unrounded)."""

    entity = Person
    definition_period = DAY
    value_type = float
    label = "기초일액(이직 전 3개월 임금총액 / 총일수) / base daily wage"
    reference = (R45.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        wages = person("wages_last_3_months", period).astype(np.float64)
        days = person("days_last_3_months", period).astype(np.float64)
        return np.divide(wages, days, out=np.zeros_like(wages), where=days > 0)


class job_seeking_daily_cap(Variable):  # type: ignore[misc]
    """제45조 제5항, 시행령 제68조: the cap on the base wage x 60% (상한액)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "구직급여일액 상한액(기초일액 상한 x 60%) / daily cap"
    reference = (R45.href, R68.href, R46.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        cap = _in_force(person, "amount.base_daily_wage_cap", day, period)
        rate = _in_force(person, "amount.replacement_rate", day, period)
        return _cut(cap * rate).astype(np.int32)


class job_seeking_daily_floor(Variable):  # type: ignore[misc]
    """제45조 제4항, 제46조: minimum wage x daily hours (at most 8) x 80% (하한액)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "최저구직급여일액(최저임금 x 소정근로시간(8시간 한도) x 80%) / daily floor"
    reference = (R45.href, R46.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        wage = _in_force(person, "amount.minimum_hourly_wage", day, period)
        most = _in_force(person, "amount.max_daily_contract_hours", day, period)
        rate = _in_force(person, "amount.floor_rate", day, period)
        hours = np.minimum(person("daily_contract_hours", period).astype(np.float64), most)
        return _cut(wage * hours * rate).astype(np.int32)


class job_seeking_capped_amount(Variable):  # type: ignore[misc]
    """제46조 제1항 제1호: 60% of the base daily wage (원 미만 절사), capped."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "기초일액 x 60% (상한 적용, 원 미만 절사) / 60% of the base wage, capped"
    reference = (R46.href, R68.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        rate = _in_force(person, "amount.replacement_rate", day, period)
        # From the wages in float64 (not the stored float32 base): 6,000,000 x 0.6 / 90 = 40,000.
        wages = person("wages_last_3_months", period).astype(np.float64)
        days = person("days_last_3_months", period).astype(np.float64)
        person("job_seeking_base_daily_wage", period)  # in the trace
        product = np.divide(wages * rate, days, out=np.zeros_like(wages), where=days > 0)
        share = _cut(product)
        cap = person("job_seeking_daily_cap", period)
        return np.minimum(share, cap).astype(np.int32)


class job_seeking_daily_amount(Variable):  # type: ignore[misc]
    """제46조 제2항: the capped 60% or the floor, whichever is higher."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "구직급여일액 / daily amount"
    reference = (R46.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return np.maximum(
            person("job_seeking_capped_amount", period), person("job_seeking_daily_floor", period)
        )


class job_seeking_waiting_days(Variable):  # type: ignore[misc]
    """제49조: days of the waiting period (not paid; benefit days not reduced)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "대기기간(일) / waiting days"
    reference = (R49.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        return _in_force(person, "eligibility.waiting_days", day, period).astype(np.int32)


class job_seeking_total(Variable):  # type: ignore[misc]
    """Daily amount x benefit days (the whole entitlement, 원)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "구직급여 총액(일액 x 소정급여일수) / total if every day is paid"
    reference = (R46.href, R50.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return person("job_seeking_daily_amount", period) * person(
            "job_seeking_benefit_days", period
        )


class job_seeking_allowance(Variable):  # type: ignore[misc]
    """The total when payable on the check day, else 0 (the programme's main variable)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "구직급여(지급 가능한 총액) / job-seeking allowance payable (won)"
    reference = (R40.href, R46.href, R50.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return np.where(
            person("job_seeking_eligible", period), person("job_seeking_total", period), 0
        )


class early_reemployment_paid_days(Variable):  # type: ignore[misc]
    """Days paid before re-employment, if the claim was made the day after separation."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = (
        "재취업 전날까지 지급된 일수(이직 다음 날 실업신고 가정) / days paid before re-employment"
    )
    reference = (R49.href, R84.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        first_paid = person("job_seeking_waiting_days", period) + 1
        reemployed = person("days_reemployed_after_separation", period)
        days = person("job_seeking_benefit_days", period)
        return np.clip(reemployed - first_paid, 0, days).astype(np.int32)


class early_reemployment_remaining_days(Variable):  # type: ignore[misc]
    """제64조: 미지급일수 = benefit days - days paid before re-employment."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "미지급일수 / benefit days left unpaid at re-employment"
    reference = (R64.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        return person("job_seeking_benefit_days", period) - person(
            "early_reemployment_paid_days", period
        )


class early_reemployment_latest_day(Variable):  # type: ignore[misc]
    """시행령 제84조: last re-employment day (days after separation) leaving half the days."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "조기재취업수당 마지막 재취업일(이직 후 일수) / latest re-employment day"
    reference = (R84.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        share = _in_force(person, "early_reemployment.min_remaining_share", day, period)
        days = person("job_seeking_benefit_days", period)
        payable = days - np.ceil(days * share - EPSILON)
        return (person("job_seeking_waiting_days", period) + 1 + payable).astype(np.int32)


class early_reemployment_eligible(Variable):  # type: ignore[misc]
    """제64조, 시행령 제84조: after the waiting period, half the days left, 12 months' job."""

    entity = Person
    definition_period = DAY
    value_type = bool
    label = "조기재취업수당 지급 요건 / early re-employment allowance conditions met"
    reference = (R64.href, R84.href)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        months = _in_force(person, "early_reemployment.min_employment_months", day, period)
        reemployed = person("days_reemployed_after_separation", period)
        return (
            person("job_seeking_qualified", period)
            * (reemployed > person("job_seeking_waiting_days", period))
            * (reemployed <= person("early_reemployment_latest_day", period))
            * (person("reemployment_expected_months", period) >= months)
        )


class early_reemployment_allowance(Variable):  # type: ignore[misc]
    """제64조 제2항: 미지급일수 x 구직급여일액 x 1/2 (원 미만 절사)."""

    entity = Person
    definition_period = DAY
    value_type = int
    label = "조기재취업수당(원) / early re-employment allowance (won)"
    reference = (R64.href,)

    def formula(person: Any, period: Any) -> Any:
        """The value of every person on ``period`` (the check day)."""
        day = _separation_days(person, period)
        share = _in_force(person, "early_reemployment.payment_share", day, period)
        amount = _cut(
            person("early_reemployment_remaining_days", period).astype(np.float64)
            * person("job_seeking_daily_amount", period)
            * share
        )
        return np.where(person("early_reemployment_eligible", period), amount, 0).astype(np.int32)


VARIABLES: tuple[type[Variable], ...] = (
    job_seeking_claim_days_left,
    job_seeking_within_claim_window,
    job_seeking_unit_period_met,
    job_seeking_reason_qualifies,
    job_seeking_age_excluded,
    job_seeking_qualified,
    job_seeking_eligible,
    job_seeking_benefit_days,
    job_seeking_base_daily_wage,
    job_seeking_daily_cap,
    job_seeking_daily_floor,
    job_seeking_capped_amount,
    job_seeking_daily_amount,
    job_seeking_waiting_days,
    job_seeking_total,
    job_seeking_allowance,
    early_reemployment_paid_days,
    early_reemployment_remaining_days,
    early_reemployment_latest_day,
    early_reemployment_eligible,
    early_reemployment_allowance,
)


# --- the answers ----------------------------------------------------------------------------------

#: The check's JSON field(s) behind each input variable (for ``missing``).
FIELDS: dict[str, tuple[str, ...]] = {
    "days_since_separation": ("employment.separation_date",),
    "insured_unit_days_18m": ("employment.paid_days_last_18_months",),
    "separation_reason": ("employment.separation_reason",),
    "age_at_last_acquisition": ("person.birth_date", "employment.insured_periods"),
    "age_at_separation": ("person.birth_date", "employment.separation_date"),
    "insured_period_days": ("employment.insured_periods",),
    "disabled": ("person.disabled",),
    "wages_last_3_months": ("employment.wages_last_3_months_krw",),
    "days_last_3_months": ("employment.days_last_3_months",),
    "daily_contract_hours": ("employment.daily_contract_hours",),
    "days_reemployed_after_separation": ("employment.reemployment_date",),
    "reemployment_expected_months": ("employment.reemployment_expected_months",),
}

#: A JSON field behind several input variables is given when this input variable is known.
PRESENT: dict[str, str] = {
    "person.birth_date": "age",
    "employment.insured_periods": "insured_period_days",
    "employment.separation_date": "days_since_separation",
}

JOB_SEEKING_REFERENCES = (R40, R58, RB2, R10, R48, R49, R50, R45, R46, R68)
EARLY_REFERENCES = (R64, R84, R49, R50)


def _missing(known: frozenset[str], names: list[str]) -> list[str]:
    fields: list[str] = []
    for name in names:
        if name not in known:
            for item in FIELDS[name]:
                if PRESENT.get(item, name) not in known and item not in fields:
                    fields.append(item)
    return fields


def _value(sim: Any, name: str, period: str, row: int) -> Any:
    return sim.calculate(name, period)[row]


def _separated_on(sim: Any, period: str, row: int) -> date:
    since = int(_value(sim, "days_since_separation", period, row))
    return date.fromisoformat(period) - timedelta(days=since)


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _reason_text(code: str) -> str:
    if code == "voluntary":
        return (
            "개인 사정에 의한 자진퇴사는 수급자격이 제한됩니다(제58조 제2호). 시행규칙 별표 2의 "
            "정당한 사유에 해당하면 voluntary_justified로 다시 확인하세요 / a voluntary quit for "
            "personal reasons disqualifies unless it is on the justified list"
        )
    if code == "dismissal_misconduct":
        return (
            "중대한 귀책사유로 해고된 경우 수급자격이 제한됩니다(제58조 제1호) / dismissal for "
            "serious misconduct disqualifies"
        )
    if code == "voluntary_justified":
        return (
            "정당한 사유가 있는 자진퇴사는 수급자격이 제한되지 않습니다(시행규칙 별표 2: "
            + "; ".join(JUSTIFIED_GROUNDS)
            + "). 고용센터가 이직확인서와 증빙으로 사유를 확인합니다 / a justified voluntary quit "
            "(Annex 2 of the Enforcement Rule) does not disqualify; the job centre verifies it"
        )
    from ilteo.benefits.inputs import SEPARATION_LABELS

    return (
        f"이직 사유({SEPARATION_LABELS.get(code, code)})는 수급자격 제한 사유가 아닙니다(제58조) "
        "/ the separation reason does not disqualify"
    )


def _window(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[bool, list[str]]:
    if "days_since_separation" not in known:
        return False, []
    separated = _separated_on(sim, period, row)
    left = int(_value(sim, "job_seeking_claim_days_left", period, row))
    deadline = date.fromisoformat(period) + timedelta(days=left)
    if _value(sim, "job_seeking_within_claim_window", period, row):
        return False, [
            f"수급기간은 이직일({separated}) 다음 날부터 12개월, {deadline}까지입니다. 이 "
            f"날이 지나면 남은 일수가 있어도 지급되지 않습니다(제48조) / payable until {deadline}"
        ]
    return True, [
        f"수급기간(이직일 다음 날부터 12개월, {deadline}까지)이 지나 구직급여를 받을 수 "
        "없습니다(제48조) / the 12-month claim window has ended"
    ]


def _unit_period(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[bool, list[str]]:
    if "insured_unit_days_18m" not in known:
        return False, []
    days = int(_value(sim, "insured_unit_days_18m", period, row))
    if _value(sim, "job_seeking_unit_period_met", period, row):
        return False, [
            f"이직 전 18개월 피보험단위기간 {days}일로 180일 이상입니다(제40조 제1항 제1호) "
            "/ 180 insured days in 18 months: met"
        ]
    return True, [
        f"이직 전 18개월 피보험단위기간이 {days}일로 180일에 못 미칩니다(제40조 제1항 "
        "제1호) / fewer than 180 insured days in the 18 months before separation"
    ]


def _separation(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[bool, list[str]]:
    if "separation_reason" not in known:
        return False, []
    code = sim.calculate("separation_reason", period).decode()[row].name
    failed = not _value(sim, "job_seeking_reason_qualifies", period, row)
    return failed, [_reason_text(code)]


def _age(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[bool, list[str]]:
    if "age_at_last_acquisition" not in known:
        return False, []
    age = int(_value(sim, "age_at_last_acquisition", period, row))
    if not _value(sim, "job_seeking_age_excluded", period, row):
        return False, []
    return True, [
        f"마지막 피보험자격 취득 당시 {age}세로, 65세 이후 새로 고용된 사람에게는 "
        "구직급여가 적용되지 않습니다(제10조 제2항) / hired at 65 or later: excluded"
    ]


def _able(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[bool, list[str]]:
    if "able_and_willing_to_work" not in known:
        return False, [
            "근로의 의사와 능력이 있고 재취업 활동을 한다고 보고 판단했습니다. 고용센터가 "
            "실업인정 때마다 확인합니다(제40조 제1항 제2호, 제4호) / assumed able and willing to "
            "work"
        ]
    if _value(sim, "able_and_willing_to_work", period, row):
        return False, []
    return True, [
        "근로의 의사와 능력이 없으면 구직급여를 받을 수 없습니다(제40조 제1항 제2호) / "
        "must be able and willing to work"
    ]


def _needed(sim: Any, row: int, known: frozenset[str], period: str) -> list[str]:
    needed = [
        "days_since_separation",
        "insured_unit_days_18m",
        "separation_reason",
        "age_at_last_acquisition",
        "insured_period_days",
        "age_at_separation",
        "wages_last_3_months",
        "days_last_3_months",
    ]
    if "age_at_separation" in known and int(_value(sim, "age_at_separation", period, row)) < 50:
        needed.append("disabled")
    # Unknown hours only matter when the floor (at most 8 hours) could be above the 60%.
    if "daily_contract_hours" not in known and int(
        _value(sim, "job_seeking_capped_amount", period, row)
    ) < int(_value(sim, "job_seeking_daily_floor", period, row)):
        needed.append("daily_contract_hours")
    return _missing(known, needed)


def _amount_reasons(sim: Any, row: int, known: frozenset[str], period: str) -> list[str]:
    daily = int(_value(sim, "job_seeking_daily_amount", period, row))
    days = int(_value(sim, "job_seeking_benefit_days", period, row))
    waiting = int(_value(sim, "job_seeking_waiting_days", period, row))
    wages = float(_value(sim, "wages_last_3_months", period, row))
    base = wages / int(_value(sim, "days_last_3_months", period, row))
    cap = int(_value(sim, "job_seeking_daily_cap", period, row))
    floor = int(_value(sim, "job_seeking_daily_floor", period, row))
    capped = int(_value(sim, "job_seeking_capped_amount", period, row))
    insured = int(_value(sim, "insured_period_days", period, row))
    age = int(_value(sim, "age_at_separation", period, row))
    if daily == floor and floor > capped:
        how = f"하한액 {_won(floor)}(최저임금 x 1일 소정근로시간(8시간 한도) x 80%)이 적용됩니다"
    elif capped == cap:
        how = f"상한액 {_won(cap)}이 적용됩니다"
    else:
        how = "상한액과 하한액 사이입니다"
    disabled = "disabled" in known and bool(_value(sim, "disabled", period, row))
    column = "50세 이상 또는 장애인" if age >= 50 or disabled else "50세 미만"
    reasons = [
        f"기초일액(이직 전 3개월 평균임금) {base:,.2f}원의 60%, {how}. 구직급여일액은 "
        f"{_won(daily)}입니다(제45조, 제46조, 시행령 제68조, 원 미만 절사) / daily amount "
        f"{daily} won",
        f"피보험기간 {insured}일, 이직일 당시 {age}세({column}): 소정급여일수 {days}일입니다"
        f"(제50조 별표 1) / {days} benefit days",
        f"실업 신고일부터 {waiting}일은 대기기간으로 지급되지 않지만 소정급여일수는 줄지 "
        f"않습니다(제49조). 총액 {_won(daily * days)} / the first {waiting} days are not paid; "
        "the benefit days are not reduced",
    ]
    if "days_reemployed_after_separation" in known:
        reemployed = int(_value(sim, "days_reemployed_after_separation", period, row))
        if reemployed <= int(_value(sim, "days_since_separation", period, row)):
            reasons.append(
                "재취업한 날부터는 구직급여가 지급되지 않습니다. 조기재취업수당을 확인하세요 / "
                "not paid from the re-employment day; see the early re-employment allowance"
            )
    return reasons


def evaluate_job_seeking(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """구직급여: eligibility, daily amount, benefit days, total, waiting days, reasons, trace."""
    from ilteo.benefits.check import trace_of

    sim.calculate("job_seeking_allowance", period)
    trace = trace_of(sim, "job_seeking_allowance", period, row)
    amounts: dict[str, int | None] = {
        "daily_amount_krw": None,
        "benefit_days": None,
        "total_krw": None,
        "waiting_days": int(_value(sim, "job_seeking_waiting_days", period, row)),
    }
    references = list(JOB_SEEKING_REFERENCES)
    reasons: list[str] = []
    failed = False
    for condition in (_window, _unit_period, _separation, _age, _able):
        fails, said = condition(sim, row, known, period)
        failed = failed or fails
        reasons.extend(said)
    if failed:
        return Result(False, amounts, reasons, references, [], trace)
    missing = _needed(sim, row, known, period)
    if missing:
        reasons.append(
            "판단에 필요한 정보가 없습니다: " + ", ".join(missing) + " / missing information"
        )
        return Result(None, amounts, reasons, references, missing, trace)
    daily = int(_value(sim, "job_seeking_daily_amount", period, row))
    days = int(_value(sim, "job_seeking_benefit_days", period, row))
    amounts.update(daily_amount_krw=daily, benefit_days=days, total_krw=daily * days)
    reasons.extend(_amount_reasons(sim, row, known, period))
    return Result(True, amounts, reasons, references, [], trace)


def evaluate_early_reemployment(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """조기재취업수당: re-employed after the waiting period with half the benefit days left."""
    from ilteo.benefits.check import trace_of

    sim.calculate("early_reemployment_allowance", period)
    trace = trace_of(sim, "early_reemployment_allowance", period, row)
    references = list(EARLY_REFERENCES)
    amounts: dict[str, int | None] = {"amount_krw": None, "remaining_days": None}
    base = evaluate_job_seeking(sim, row, known, period)
    rule = (
        "조기재취업수당은 구직급여 수급자격자가 대기기간이 지난 뒤 소정급여일수를 2분의 1 이상 "
        "남기고 재취업해 12개월 이상 계속 고용(또는 사업 영위)되면 남은 일수 x 구직급여일액의 "
        "2분의 1을 받습니다. 이직 당시 사업주나 관련 사업주에게 재고용되었거나 최근 2년 안에 "
        "조기재취업수당을 받았으면 지급되지 않습니다(제64조, 시행령 제84조) / half of the unpaid "
        "benefit days when re-employed early for 12 months or more"
    )
    reasons = [rule]
    if base.eligible is None:
        reasons.append("구직급여 수급자격을 먼저 판단해야 합니다 / job-seeking allowance unknown")
        return Result(None, amounts, reasons, references, base.missing, trace)
    qualified = bool(_value(sim, "job_seeking_qualified", period, row))
    if not qualified:
        reasons.append(
            "구직급여 수급자격이 없어 조기재취업수당도 받을 수 없습니다 / no job-seeking "
            "allowance qualification"
        )
        return Result(False, amounts, reasons, references, [], trace)
    separated = _separated_on(sim, period, row)
    latest = int(_value(sim, "early_reemployment_latest_day", period, row))
    waiting = int(_value(sim, "job_seeking_waiting_days", period, row))
    days = int(_value(sim, "job_seeking_benefit_days", period, row))
    daily = int(_value(sim, "job_seeking_daily_amount", period, row))
    last_day = separated + timedelta(days=latest)
    first_day = separated + timedelta(days=waiting + 1)
    window = (
        f"이직 다음 날 실업 신고를 했다고 보면 {first_day}부터 {last_day}까지 재취업해야 "
        f"소정급여일수 {days}일의 절반 이상이 남습니다 / re-employment between {first_day} and "
        f"{last_day} qualifies"
    )
    if "days_reemployed_after_separation" not in known:
        reasons.append("재취업일이 없습니다(아직 재취업하지 않음). " + window)
        if date.fromisoformat(period) > last_day:
            reasons.append(
                f"기준일에 이미 {last_day}이 지나 지금 재취업하면 받을 수 없습니다 / the last "
                "qualifying day has passed"
            )
        missing = ["employment.reemployment_date"]
        return Result(None, amounts, reasons, references, missing, trace)
    reemployed = int(_value(sim, "days_reemployed_after_separation", period, row))
    remaining = int(_value(sim, "early_reemployment_remaining_days", period, row))
    on = separated + timedelta(days=reemployed)
    amounts["remaining_days"] = remaining
    if reemployed <= waiting:
        reasons.append(
            f"재취업일 {on}이 대기기간(이직 후 {waiting}일) 안이라 지급되지 않습니다 / "
            "re-employed within the waiting period"
        )
        return Result(False, amounts, reasons, references, [], trace)
    if reemployed > latest:
        reasons.append(
            f"재취업일 {on}의 전날 기준 남은 일수 {remaining}일이 소정급여일수 {days}일의 절반에 "
            f"못 미칩니다. {window}"
        )
        return Result(False, amounts, reasons, references, [], trace)
    reasons.append(
        f"재취업일 {on}: 전날 기준 남은 일수 {remaining}일(소정급여일수 {days}일의 절반 이상) / "
        f"{remaining} of {days} days left"
    )
    if "reemployment_expected_months" not in known:
        missing = ["employment.reemployment_expected_months"]
        reasons.append("새 일자리의 예상 고용기간이 필요합니다 / expected months needed")
        return Result(None, amounts, reasons, references, missing, trace)
    months = int(_value(sim, "reemployment_expected_months", period, row))
    if not _value(sim, "early_reemployment_eligible", period, row):
        reasons.append(
            f"새 일자리의 예상 고용기간 {months}개월로 12개월에 못 미칩니다 / the new job must "
            "last 12 months"
        )
        return Result(False, amounts, reasons, references, [], trace)
    amount = int(_value(sim, "early_reemployment_allowance", period, row))
    amounts["amount_krw"] = amount
    reasons.append(
        f"조기재취업수당 {remaining}일 x {_won(daily)} x 1/2 = {_won(amount)}(원 미만 절사). "
        "12개월 계속 고용된 뒤 신청해 받습니다 / paid after 12 months in the new job"
    )
    return Result(True, amounts, reasons, references, [], trace)


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        id="job_seeking_allowance",
        label_ko="구직급여",
        label_en="Job-seeking allowance",
        variables=VARIABLES,
        evaluate=evaluate_job_seeking,
        references=JOB_SEEKING_REFERENCES,
    ),
    Programme(
        id="early_reemployment_allowance",
        label_ko="조기재취업수당",
        label_en="Early re-employment allowance",
        variables=(),
        evaluate=evaluate_early_reemployment,
        references=EARLY_REFERENCES,
    ),
)
