"""국민내일배움카드 and 국민취업지원제도 types I and II as OpenFisca rules.

- ``training_card`` (국민내일배움카드, 국민 평생 직업능력 개발법 제12조 and the ministry's
  국민내일배움카드 운영규정 고시): who is excluded, the 5-year support limit and what remains.
- ``employment_support_type1`` (국민취업지원제도 I유형, 구직자취업촉진법 제6조, 제7조, 제19조):
  the income, asset, age and work-experience tests (요건심사형) or the selection track (선발형),
  the 구직촉진수당 with the dependant supplement.
- ``employment_support_type2`` (II유형): youth, middle-aged under the income cap or priority
  groups, and the 취업활동비용 by stage.

Every formula is numpy over the whole population (``where``, ``minimum``, ``clip``); the per-person
``evaluate`` functions only read the computed values and word the answer. The figures, their
legal references and what is still to verify live in ``parameters/training_employment/``; the
interpretations are in ``docs/benefits-training-employment.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.periods import DAY
from openfisca_core.variables import Variable

from ilteo.benefits.entities import Person
from ilteo.benefits.programmes import Programme, Reference, Result

_LAW = "https://www.law.go.kr"
CARD_RULE = Reference(
    "국민내일배움카드 운영규정(고용노동부 고시) 제4조", f"{_LAW}/행정규칙/국민내일배움카드운영규정"
)
CARD_LAW = Reference(
    "국민 평생 직업능력 개발법 제12조", f"{_LAW}/법령/국민평생직업능력개발법/제12조"
)
_ACT = "구직자 취업촉진 및 생활안정지원에 관한 법률"
_ACT_URL = f"{_LAW}/법령/구직자취업촉진및생활안정지원에관한법률"
SUPPORT_6 = Reference(f"{_ACT} 제6조", f"{_ACT_URL}/제6조")
SUPPORT_7 = Reference(f"{_ACT} 제7조", f"{_ACT_URL}/제7조")
SUPPORT_19 = Reference(f"{_ACT} 제19조", f"{_ACT_URL}/제19조")
SUPPORT_DECREE = Reference(f"{_ACT} 시행령", f"{_ACT_URL}시행령")
SUPPORT_RULE = Reference(f"{_ACT} 시행규칙", f"{_ACT_URL}시행규칙")
MEDIAN = Reference(
    "기준 중위소득 및 생계·의료급여 선정기준과 최저보장수준(보건복지부 고시)",
    f"{_LAW}/행정규칙/기준중위소득및생계ㆍ의료급여선정기준과최저보장수준",
)

#: The check's JSON field of each input variable (what ``missing`` names).
FIELDS: dict[str, str] = {
    "age": "person.birth_date",
    "household_size": "person.household_size",
    "household_income_ratio": "person.household_income_ratio_to_median",
    "household_assets": "person.household_assets_krw",
    "insured_unit_days_18m": "employment.paid_days_last_18_months",
    "public_servant_or_private_teacher": "training.public_servant_or_private_teacher",
    "enrolled_student": "training.enrolled_student",
    "self_employed_annual_revenue": "training.self_employed_annual_revenue_krw",
    "large_firm_monthly_wage": "training.large_firm_monthly_wage_krw",
    "card_used": "training.card_used_krw",
    "employment_support_participant": "training.employment_support_participant",
    "low_income": "training.low_income",
}

#: Ratios are compared at 4 decimals: the input is float32 (0.6 is stored as 0.6000000238).
_RATIO_DECIMALS = 4


def _ratio(person: Any, period: Any) -> Any:
    ratio = person.household("household_income_ratio", period)
    return np.round(np.asarray(ratio, dtype=np.float64), _RATIO_DECIMALS)


def _variable(name: str, kind: type, label: str, reference: str, formula: Any) -> type[Variable]:
    attributes: dict[str, Any] = {
        "value_type": kind,
        "entity": Person,
        "definition_period": DAY,
        "label": label,
        "reference": reference,
        "formula": formula,
    }
    return type(name, (Variable,), attributes)


# --- 국민내일배움카드 ----------------------------------------------------------------------------


def _card_excluded_age(person: Any, period: Any, parameters: Any) -> Any:
    card = parameters(period).training_employment.card
    return person("age", period) >= card.excluded_from_age


def _card_excluded_status(person: Any, period: Any, parameters: Any) -> Any:
    return person("public_servant_or_private_teacher", period) | person("enrolled_student", period)


def _card_excluded_self_employed(person: Any, period: Any, parameters: Any) -> Any:
    card = parameters(period).training_employment.card
    return person("self_employed_annual_revenue", period) >= card.self_employed_revenue_cap


def _card_excluded_large_firm(person: Any, period: Any, parameters: Any) -> Any:
    card = parameters(period).training_employment.card
    wage = person("large_firm_monthly_wage", period)
    return (wage >= card.large_firm_wage_cap) & (person("age", period) < card.large_firm_age_below)


def _card_eligible(person: Any, period: Any, parameters: Any) -> Any:
    return ~(
        person("training_card_excluded_age", period)
        | person("training_card_excluded_status", period)
        | person("training_card_excluded_self_employed", period)
        | person("training_card_excluded_large_firm", period)
    )


def _card_additional(person: Any, period: Any, parameters: Any) -> Any:
    return person("low_income", period) | person("employment_support_participant", period)


def _card_limit(person: Any, period: Any, parameters: Any) -> Any:
    card = parameters(period).training_employment.card
    additional = np.where(person("training_card_additional", period), card.limit_additional, 0)
    limit = card.limit_base + additional
    return np.where(person("training_card_eligible", period), limit, 0)


def _card_remaining(person: Any, period: Any, parameters: Any) -> Any:
    used = np.asarray(person("card_used", period), dtype=np.float64)
    return np.maximum(0, person("training_card_limit", period) - np.round(used))


# --- 국민취업지원제도 ----------------------------------------------------------------------------


def _support_age_ok(person: Any, period: Any, parameters: Any) -> Any:
    support = parameters(period).training_employment.support
    age = person("age", period)
    return (age >= support.min_age) & (age <= support.max_age)


def _support_youth(person: Any, period: Any, parameters: Any) -> Any:
    support = parameters(period).training_employment.support
    age = person("age", period)
    return (age >= support.youth_min_age) & (age <= support.youth_max_age)


def _type1_income_ok(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    return _ratio(person, period) <= type1.income_ratio_max


def _type1_youth_income_ok(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    youth = person("employment_support_youth", period)
    return youth & (_ratio(person, period) <= type1.youth_selection_income_ratio_max)


def _type1_assets_ok(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    cap = np.where(
        person("employment_support_youth", period), type1.youth_assets_max, type1.assets_max
    )
    assets = np.asarray(person.household("household_assets", period), dtype=np.float64)
    return assets <= cap


def _type1_work_ok(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    return person("insured_unit_days_18m", period) >= type1.work_days_min


def _type1_requirement(person: Any, period: Any, parameters: Any) -> Any:
    return (
        person("employment_support_age_ok", period)
        & person("employment_support_type1_income_ok", period)
        & person("employment_support_type1_assets_ok", period)
        & person("employment_support_type1_work_ok", period)
    )


def _type1_selection(person: Any, period: Any, parameters: Any) -> Any:
    income = person("employment_support_type1_income_ok", period) | person(
        "employment_support_type1_youth_income_ok", period
    )
    return (
        ~person("employment_support_type1_requirement", period)
        & person("employment_support_age_ok", period)
        & income
        & person("employment_support_type1_assets_ok", period)
    )


def _type1_eligible(person: Any, period: Any, parameters: Any) -> Any:
    return person("employment_support_type1_requirement", period) | person(
        "employment_support_type1_selection", period
    )


def _dependants(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    others = person.household("household_size", period) - 1
    return np.clip(others, 0, type1.dependant_max)


def _type1_monthly(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    dependants = person("employment_support_dependants", period)
    monthly = type1.monthly_allowance + dependants * type1.dependant_supplement
    return np.where(person("employment_support_type1_eligible", period), monthly, 0)


def _type1_months(person: Any, period: Any, parameters: Any) -> Any:
    type1 = parameters(period).training_employment.support.type1
    return np.where(person("employment_support_type1_eligible", period), type1.months, 0)


def _type1_total(person: Any, period: Any, parameters: Any) -> Any:
    monthly = person("employment_support_type1_monthly", period)
    return monthly * person("employment_support_type1_months", period)


def _type2_eligible(person: Any, period: Any, parameters: Any) -> Any:
    support = parameters(period).training_employment.support
    middle = person("age", period) > support.youth_max_age
    income = _ratio(person, period) <= support.type2.income_ratio_max
    return person("employment_support_age_ok", period) & (
        person("employment_support_youth", period)
        | (middle & income)
        | person("low_income", period)
    )


def _type2_participation(person: Any, period: Any, parameters: Any) -> Any:
    type2 = parameters(period).training_employment.support.type2
    return np.where(person("employment_support_type2_eligible", period), type2.participation_max, 0)


def _type2_incentive(person: Any, period: Any, parameters: Any) -> Any:
    type2 = parameters(period).training_employment.support.type2
    amount = type2.incentive_amount * type2.incentive_times
    return np.where(person("employment_support_type2_eligible", period), amount, 0)


def _type2_training(person: Any, period: Any, parameters: Any) -> Any:
    type2 = parameters(period).training_employment.support.type2
    amount = type2.training_monthly_max * type2.training_months
    return np.where(person("employment_support_type2_eligible", period), amount, 0)


def _type2_total(person: Any, period: Any, parameters: Any) -> Any:
    return (
        person("employment_support_type2_participation", period)
        + person("employment_support_type2_incentive", period)
        + person("employment_support_type2_training", period)
    )


_C = CARD_RULE.href
_S6, _S7, _S19, _SD, _SR = (
    SUPPORT_6.href,
    SUPPORT_7.href,
    SUPPORT_19.href,
    SUPPORT_DECREE.href,
    SUPPORT_RULE.href,
)

CARD_VARIABLES: tuple[type[Variable], ...] = (
    _variable("training_card_excluded_age", bool, "75세 이상 지원 제외", _C, _card_excluded_age),
    _variable(
        "training_card_excluded_status",
        bool,
        "공무원·사립학교 교직원·재학생 지원 제외",
        _C,
        _card_excluded_status,
    ),
    _variable(
        "training_card_excluded_self_employed",
        bool,
        "연 매출 기준 이상 자영업자 지원 제외",
        _C,
        _card_excluded_self_employed,
    ),
    _variable(
        "training_card_excluded_large_firm",
        bool,
        "대규모기업 45세 미만 고임금 근로자 지원 제외",
        _C,
        _card_excluded_large_firm,
    ),
    _variable("training_card_eligible", bool, "국민내일배움카드 발급 대상", _C, _card_eligible),
    _variable(
        "training_card_additional", bool, "추가지원 대상(저소득·국취 참여)", _C, _card_additional
    ),
    _variable("training_card_limit", int, "국민내일배움카드 지원한도(원)", _C, _card_limit),
    _variable("training_card_remaining", int, "국민내일배움카드 잔액(원)", _C, _card_remaining),
)

SUPPORT_VARIABLES: tuple[type[Variable], ...] = (
    _variable("employment_support_age_ok", bool, "15세 이상 69세 이하", _S7, _support_age_ok),
    _variable("employment_support_youth", bool, "청년(18-34세)", _SD, _support_youth),
    _variable(
        "employment_support_type1_income_ok",
        bool,
        "가구소득 기준 중위소득 60% 이하",
        _S7,
        _type1_income_ok,
    ),
    _variable(
        "employment_support_type1_youth_income_ok",
        bool,
        "청년 가구소득 기준 중위소득 120% 이하",
        _SD,
        _type1_youth_income_ok,
    ),
    _variable(
        "employment_support_type1_assets_ok",
        bool,
        "가구 재산 합계액 기준 이하",
        _S7,
        _type1_assets_ok,
    ),
    _variable(
        "employment_support_type1_work_ok",
        bool,
        "2년 이내 취업경험 100일 이상",
        _S7,
        _type1_work_ok,
    ),
    _variable(
        "employment_support_type1_requirement",
        bool,
        "I유형 요건심사형",
        _S7,
        _type1_requirement,
    ),
    _variable("employment_support_type1_selection", bool, "I유형 선발형", _SD, _type1_selection),
    _variable(
        "employment_support_type1_eligible",
        bool,
        "국민취업지원제도 I유형 대상",
        _S7,
        _type1_eligible,
    ),
    _variable("employment_support_dependants", int, "가산 대상 부양가족 수", _S19, _dependants),
    _variable(
        "employment_support_type1_monthly", int, "구직촉진수당 월액(원)", _S19, _type1_monthly
    ),
    _variable(
        "employment_support_type1_months", int, "구직촉진수당 지급 개월", _S19, _type1_months
    ),
    _variable("employment_support_type1_total", int, "구직촉진수당 총액(원)", _S19, _type1_total),
    _variable(
        "employment_support_type2_eligible",
        bool,
        "국민취업지원제도 II유형 대상",
        _S6,
        _type2_eligible,
    ),
    _variable(
        "employment_support_type2_participation",
        int,
        "II유형 1단계 참여수당 최대액(원)",
        _SR,
        _type2_participation,
    ),
    _variable(
        "employment_support_type2_incentive",
        int,
        "II유형 참여장려수당 최대액(원)",
        _SR,
        _type2_incentive,
    ),
    _variable(
        "employment_support_type2_training",
        int,
        "II유형 훈련참여지원수당 최대액(원)",
        _SR,
        _type2_training,
    ),
    _variable(
        "employment_support_type2_total",
        int,
        "II유형 취업활동비용 최대 총액(원)",
        _SR,
        _type2_total,
    ),
)


# --- the answers ---------------------------------------------------------------------------------


def _value(sim: Any, name: str, period: str, row: int) -> Any:
    value = sim.calculate(name, period)[row]
    return value.item() if hasattr(value, "item") else value


def _input(sim: Any, name: str, row: int) -> Any:
    return _value(sim, name, "eternity", row)


def _missing(known: frozenset[str], *names: str) -> list[str]:
    return [FIELDS[n] for n in names if n not in known]


def _trace(sim: Any, variable: str, period: str, row: int) -> dict[str, Any]:
    if not getattr(sim, "trace", False):
        return {}
    from ilteo.benefits.check import trace_of  # check imports the programmes: import late

    return trace_of(sim, variable, period, row)


def _won(value: float) -> str:
    return f"{round(value):,}원"


def _card_reasons(sim: Any, row: int, known: frozenset[str], period: str) -> list[str]:
    """Why the card is refused (one sentence per exclusion met), from the known inputs."""
    reasons = []
    if "age" in known and _value(sim, "training_card_excluded_age", period, row):
        reasons.append("만 75세 이상은 지원 제외입니다. / aged 75 or over: excluded")
    if _input(sim, "public_servant_or_private_teacher", row):
        reasons.append(
            "재직 중인 공무원·사립학교 교직원은 지원 제외입니다. "
            "/ serving public servants and private-school staff are excluded"
        )
    if _input(sim, "enrolled_student", row):
        reasons.append(
            "재학생(졸업예정자 제외)은 지원 제외입니다. "
            "/ enrolled students (other than those about to graduate) are excluded"
        )
    if _value(sim, "training_card_excluded_self_employed", period, row):
        reasons.append(
            "연 매출이 기준액 이상인 자영업자는 지원 제외입니다. "
            "/ self-employed with revenue at or above the threshold are excluded"
        )
    if "age" in known and _value(sim, "training_card_excluded_large_firm", period, row):
        reasons.append(
            "대규모기업에 다니는 45세 미만 근로자로 월 임금이 기준액 이상이면 지원 제외입니다. "
            "/ large-firm workers under 45 earning at or above the threshold are excluded"
        )
    return reasons


def evaluate_training_card(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """국민내일배움카드: excluded or not, the 5-year limit and what remains of it.

    Decisions: the exclusions on status (public servant, student) and age must be known, or the
    answer is unknown; the revenue and large-firm wage exclusions apply only to the self-employed
    and large-firm workers, so an absent value means "not one of them" (said in the reasons). The
    limit is shown even when the answer is unknown ("if eligible"); the remaining amount needs
    ``training.card_used_krw``.
    """
    remaining = _value(sim, "training_card_remaining", period, row)
    trace = _trace(sim, "training_card_remaining", period, row)
    refs = [CARD_LAW, CARD_RULE]
    refusals = _card_reasons(sim, row, known, period)
    if refusals:
        return Result(False, {"limit_krw": 0, "remaining_krw": 0}, refusals, refs, [], trace)
    card = sim.tax_benefit_system.parameters(period).training_employment.card
    additional = bool(_value(sim, "training_card_additional", period, row))
    limit = int(_value(sim, "training_card_limit", period, row))
    missing = _missing(known, "age", "public_servant_or_private_teacher", "enrolled_student")
    reasons = []
    if missing:
        reasons.append(
            "지원 제외 여부를 판단할 정보가 부족합니다. "
            "제외 대상이 아니라면 한도는 아래와 같습니다. "
            "/ not enough to rule out the exclusions; the limit below applies if eligible"
        )
    else:
        reasons.append(
            "지원 제외 대상(공무원·교직원, 재학생, 75세 이상)에 해당하지 않습니다. "
            "/ none of the exclusions applies"
        )
    if "self_employed_annual_revenue" not in known or "large_firm_monthly_wage" not in known:
        reasons.append(
            "자영업자 매출·대규모기업 임금이 없어 해당하지 않는 것으로 보았습니다. "
            "/ no self-employed revenue or large-firm wage given: taken as not applicable"
        )
    if additional:
        reasons.append(
            f"저소득층·국민취업지원제도 참여자로 {_won(card.limit_additional)}이 더해져 "
            f"5년간 {_won(limit)}입니다. / priority group: {limit:,} won over 5 years"
        )
    else:
        reasons.append(
            f"5년간 기본 {_won(limit)}입니다. 저소득층이나 국민취업지원제도 참여자이면 "
            f"{_won(card.limit_additional)}이 더해집니다. / {limit:,} won over 5 years "
            "(more for low-income people and employment support participants)"
        )
    if "card_used" in known:
        reasons.append(f"남은 한도는 {_won(remaining)}입니다. / remaining: {remaining:,} won")
        left: int | None = int(remaining)
    else:
        reasons.append(
            "사용액(training.card_used_krw)을 모르면 남은 한도는 계산하지 않습니다. "
            "/ remaining needs the amount already used"
        )
        left = None
    eligible = None if missing else True
    amounts: dict[str, int | None] = {"limit_krw": limit, "remaining_krw": left}
    return Result(eligible, amounts, reasons, refs, missing, trace)


def _type1_refusals(sim: Any, row: int, known: frozenset[str], period: str) -> list[str]:
    """The type I tests that fail on what is known (each is final whatever else is missing)."""
    support = sim.tax_benefit_system.parameters(period).training_employment.support
    type1 = support.type1
    if "age" not in known:
        return []
    if not _value(sim, "employment_support_age_ok", period, row):
        return [
            f"만 {support.min_age}-{support.max_age}세만 참여할 수 있습니다. "
            f"/ only ages {support.min_age} to {support.max_age}"
        ]
    youth = bool(_value(sim, "employment_support_youth", period, row))
    reasons = []
    if "household_income_ratio" in known and not (
        _value(sim, "employment_support_type1_income_ok", period, row)
        or _value(sim, "employment_support_type1_youth_income_ok", period, row)
    ):
        cap = type1.youth_selection_income_ratio_max if youth else type1.income_ratio_max
        reasons.append(
            f"가구소득이 기준 중위소득의 {round(cap * 100)}%를 넘습니다. "
            f"/ household income above {round(cap * 100)}% of the median"
        )
    if "household_assets" in known and not _value(
        sim, "employment_support_type1_assets_ok", period, row
    ):
        cap = type1.youth_assets_max if youth else type1.assets_max
        reasons.append(
            f"가구 재산 합계액이 {_won(cap)}을 넘습니다. / household assets above {cap:,.0f} won"
        )
    return reasons


def evaluate_type1(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """국민취업지원제도 I유형: 요건심사형 or 선발형, and the 구직촉진수당.

    ``selection`` is 1 for the selection track (선발형: eligible, but chosen within the budget)
    and 0 for the requirement track (요건심사형: entitled once the tests are met). Without the
    household size the dependant supplement is left out (said in the reasons).
    """
    total = _value(sim, "employment_support_type1_total", period, row)
    trace = _trace(sim, "employment_support_type1_total", period, row)
    refs = [SUPPORT_7, SUPPORT_19, SUPPORT_DECREE, MEDIAN]
    zero: dict[str, int | None] = {"monthly_krw": 0, "months": 0, "total_krw": 0, "selection": 0}
    refusals = _type1_refusals(sim, row, known, period)
    if refusals:
        return Result(False, zero, refusals, refs, [], trace)
    missing = _missing(known, "age", "household_income_ratio", "household_assets")
    if missing:
        none: dict[str, int | None] = dict.fromkeys(zero)
        text = "소득·재산·나이를 알아야 판단할 수 있습니다. / age, income and assets are needed"
        return Result(None, none, [text], refs, missing, trace)
    type1 = sim.tax_benefit_system.parameters(period).training_employment.support.type1
    monthly = int(_value(sim, "employment_support_type1_monthly", period, row))
    months = int(_value(sim, "employment_support_type1_months", period, row))
    dependants = int(_value(sim, "employment_support_dependants", period, row))
    requirement = bool(_value(sim, "employment_support_type1_requirement", period, row))
    reasons = []
    if requirement:
        reasons.append(
            "요건심사형: 나이·가구소득(기준 중위소득 60% 이하)·재산·취업경험(이직 전 18개월 "
            f"피보험단위기간 {type1.work_days_min}일 이상으로 확인) 요건을 충족합니다. "
            "/ requirement track: all tests met (work experience read from the paid days "
            "of the last 18 months)"
        )
    else:
        reasons.append(
            "선발형: 소득·재산 요건은 충족하지만 2년 내 취업경험 100일(800시간)이 확인되지 "
            "않거나 청년 특례(기준 중위소득 120% 이하)에 해당하여, 예산 범위에서 선발되면 "
            "참여합니다. / selection track: chosen within the budget"
        )
        if "insured_unit_days_18m" not in known:
            reasons.append(
                "취업경험(employment.paid_days_last_18_months)을 알려주면 요건심사형인지 "
                "확인할 수 있습니다. / give the paid days to check the requirement track"
            )
    supplement = dependants * type1.dependant_supplement
    if "household_size" not in known:
        reasons.append(
            "가구원 수를 몰라 부양가족 가산을 넣지 않았습니다. "
            "/ household size unknown: no dependant supplement"
        )
    elif supplement:
        reasons.append(
            f"부양가족 {dependants}명(가구원 수 - 1로 봄) 가산 월 {_won(supplement)}이 "
            f"더해집니다. / {dependants} dependants: {supplement:,.0f} won a month more"
        )
    reasons.append(
        f"구직촉진수당 월 {_won(monthly)} x {months}개월 = {_won(total)}입니다. "
        f"/ {monthly:,} won a month for {months} months"
    )
    amounts: dict[str, int | None] = {
        "monthly_krw": monthly,
        "months": months,
        "total_krw": int(total),
        "selection": 0 if requirement else 1,
    }
    return Result(True, amounts, reasons, refs, [], trace)


def _type2_state(sim: Any, row: int, known: frozenset[str], period: str) -> tuple[Any, list[str]]:
    """II유형 eligibility from what is known: (True/False/None, missing fields)."""
    support = sim.tax_benefit_system.parameters(period).training_employment.support
    if "age" not in known:
        return None, _missing(known, "age")
    if not _value(sim, "employment_support_age_ok", period, row):
        return False, []
    if _value(sim, "employment_support_youth", period, row) or _input(sim, "low_income", row):
        return True, []
    if _input(sim, "age", row) < support.youth_min_age:
        return (False, []) if "low_income" in known else (None, _missing(known, "low_income"))
    if "household_income_ratio" not in known:
        return None, _missing(known, "household_income_ratio")
    return bool(_value(sim, "employment_support_type2_eligible", period, row)), []


def evaluate_type2(sim: Any, row: int, known: frozenset[str], period: str) -> Result:
    """국민취업지원제도 II유형: who may join and the most the 취업활동비용 can come to."""
    total = int(_value(sim, "employment_support_type2_total", period, row))
    trace = _trace(sim, "employment_support_type2_total", period, row)
    refs = [SUPPORT_6, SUPPORT_19, SUPPORT_DECREE, SUPPORT_RULE, MEDIAN]
    names = ("participation_krw", "incentive_krw", "training_allowance_krw", "total_krw")
    eligible, missing = _type2_state(sim, row, known, period)
    support = sim.tax_benefit_system.parameters(period).training_employment.support
    if eligible is None:
        text = "참여 대상인지 판단할 정보가 부족합니다. / not enough to decide"
        return Result(None, dict.fromkeys(names), [text], refs, missing, trace)
    if not eligible:
        text = (
            f"만 18-34세 청년, 기준 중위소득 {round(support.type2.income_ratio_max * 100)}% 이하 "
            f"중장년(35-{support.max_age}세), 저소득층 등 특정계층만 참여할 수 있습니다. "
            "/ youth, middle-aged under the income cap or priority groups only"
        )
        return Result(False, dict.fromkeys(names, 0), [text], refs, [], trace)
    parts = [
        int(_value(sim, f"employment_support_type2_{v}", period, row))
        for v in ("participation", "incentive", "training")
    ]
    reasons = [
        "참여 대상입니다(청년, 소득 기준 이하 중장년 또는 특정계층). 금액은 단계별 최대액이며 "
        "참여한 만큼 지급됩니다. / eligible; the amounts are the most each stage pays",
        f"1단계 참여수당 최대 {_won(parts[0])}, 참여장려수당 최대 {_won(parts[1])}, "
        f"2단계 훈련참여지원수당 최대 {_won(parts[2])}: 합계 최대 {_won(total)}입니다. "
        f"/ up to {total:,} won in all",
    ]
    if (
        _value(sim, "employment_support_type1_eligible", period, row)
        and "household_assets" in known
    ):
        reasons.append(
            "I유형 대상이기도 합니다. 두 유형은 함께 참여할 수 없습니다. "
            "/ also eligible for type I; one type only"
        )
    amounts: dict[str, int | None] = dict(zip(names, [*parts, total], strict=True))
    return Result(True, amounts, reasons, refs, [], trace)


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        id="training_card",
        label_ko="국민내일배움카드",
        label_en="National lifelong learning card (training account)",
        variables=CARD_VARIABLES,
        evaluate=evaluate_training_card,
        references=(CARD_LAW, CARD_RULE),
    ),
    Programme(
        id="employment_support_type1",
        label_ko="국민취업지원제도 I유형",
        label_en="National employment support, type I (job-seeking promotion allowance)",
        variables=SUPPORT_VARIABLES,
        evaluate=evaluate_type1,
        references=(SUPPORT_7, SUPPORT_19, SUPPORT_DECREE),
    ),
    Programme(
        id="employment_support_type2",
        label_ko="국민취업지원제도 II유형",
        label_en="National employment support, type II (job-search activity costs)",
        variables=(),
        evaluate=evaluate_type2,
        references=(SUPPORT_6, SUPPORT_RULE),
    ),
)
