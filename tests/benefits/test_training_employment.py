"""국민내일배움카드 and 국민취업지원제도 I and II: OpenFisca scenarios and check() answers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openfisca_core.tools.test_runner import run_tests
from tests.benefits.test_check import EXAMPLE

from ilteo.benefits.check import check, simulation
from ilteo.benefits.inputs import derive, parse_check
from ilteo.benefits.system import tax_benefit_system
from ilteo.core.errors import InvalidInputError

SCENARIOS = Path(__file__).parent / "scenarios" / "training_employment"


NOT_EXCLUDED = {"public_servant_or_private_teacher": False, "enrolled_student": False}


def _answer(programme: str, **sections: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    for section, fields in sections.items():
        data.setdefault(section, {}).update(fields)
    answer: dict[str, Any] = check(data)["programs"][programme]
    return answer


def _without(section: str, field: str) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    del data[section][field]
    return data


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_openfisca_scenarios_pass(name: str) -> None:
    assert run_tests(tax_benefit_system(), str(SCENARIOS / name)) == 0


def test_issue_example_type1_requirement_track_with_two_dependants() -> None:
    answer = check(EXAMPLE)["programs"]["employment_support_type1"]
    assert answer["eligible"] is True
    assert answer["selection"] == 0
    # 2026: 600,000 + 2 dependants (household of 3) x 100,000, for 6 months.
    assert (answer["monthly_krw"], answer["months"], answer["total_krw"]) == (800000, 6, 4800000)
    assert any("부양가족 2명" in r for r in answer["reasons"])
    assert answer["missing"] == []
    assert answer["trace"]["variable"] == "employment_support_type1_total"
    used = {p["name"] for p in answer["trace"]["children"][0]["parameters"]}
    assert "training_employment.support.type1.monthly_allowance" in used


def test_the_2025_allowance_is_used_for_a_2025_check() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["as_of"] = "2025-06-02"
    data["employment"]["separation_date"] = "2025-05-30"
    data["employment"]["insured_periods"][0]["end"] = "2025-05-30"
    answer = check(data)["programs"]["employment_support_type1"]
    assert (answer["monthly_krw"], answer["total_krw"]) == (700000, 4200000)


def test_issue_example_card_is_unknown_but_shows_the_limit_if_eligible() -> None:
    answer = check(EXAMPLE)["programs"]["training_card"]
    assert answer["eligible"] is None
    assert answer["missing"] == [
        "training.public_servant_or_private_teacher",
        "training.enrolled_student",
    ]
    assert answer["limit_krw"] == 3000000
    assert answer["remaining_krw"] is None


def test_card_for_a_low_income_person_with_part_used() -> None:
    answer = _answer(
        "training_card", training={**NOT_EXCLUDED, "low_income": True, "card_used_krw": 1200000}
    )
    assert answer["eligible"] is True
    assert (answer["limit_krw"], answer["remaining_krw"]) == (5000000, 3800000)
    assert answer["missing"] == []


def test_card_refused_for_a_public_servant_even_with_other_fields_missing() -> None:
    answer = _answer("training_card", training={"public_servant_or_private_teacher": True})
    assert answer["eligible"] is False
    assert (answer["limit_krw"], answer["remaining_krw"]) == (0, 0)
    assert any("공무원" in r for r in answer["reasons"])


def test_card_refused_for_a_large_firm_worker_under_45() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["person"]["birth_date"] = "1990-01-01"
    data["training"] = {**NOT_EXCLUDED, "large_firm_monthly_wage_krw": 3500000}
    answer = check(data)["programs"]["training_card"]
    assert answer["eligible"] is False
    assert any("대규모기업" in r for r in answer["reasons"])


def test_type1_unknown_when_assets_are_missing() -> None:
    answer = check(_without("person", "household_assets_krw"))["programs"][
        "employment_support_type1"
    ]
    assert answer["eligible"] is None
    assert answer["missing"] == ["person.household_assets_krw"]
    assert answer["total_krw"] is None


def test_type1_refused_on_income_even_when_assets_are_missing() -> None:
    data = _without("person", "household_assets_krw")
    data["person"]["household_income_ratio_to_median"] = 0.7
    answer = check(data)["programs"]["employment_support_type1"]
    assert answer["eligible"] is False
    assert answer["total_krw"] == 0
    assert any("60%" in r for r in answer["reasons"])


def test_type1_without_household_size_leaves_out_the_supplement() -> None:
    answer = check(_without("person", "household_size"))["programs"]["employment_support_type1"]
    assert answer["eligible"] is True
    assert answer["monthly_krw"] == 600000
    assert any("가구원 수" in r for r in answer["reasons"])


def test_type1_without_work_experience_is_the_selection_track() -> None:
    answer = check(_without("employment", "paid_days_last_18_months"))["programs"][
        "employment_support_type1"
    ]
    assert answer["eligible"] is True
    assert answer["selection"] == 1
    assert any("선발형" in r for r in answer["reasons"])


def test_type2_middle_aged_needs_the_income_ratio() -> None:
    data = _without("person", "household_income_ratio_to_median")
    answer = check(data)["programs"]["employment_support_type2"]
    assert answer["eligible"] is None
    assert answer["missing"] == ["person.household_income_ratio_to_median"]


def test_type2_youth_without_income_is_eligible_with_the_breakdown() -> None:
    data = _without("person", "household_income_ratio_to_median")
    data["person"]["birth_date"] = "2000-01-01"
    answer = check(data)["programs"]["employment_support_type2"]
    assert answer["eligible"] is True
    parts = (answer["participation_krw"], answer["incentive_krw"], answer["training_allowance_krw"])
    assert parts == (250000, 100000, 0)
    assert answer["total_krw"] == 350000


def test_type2_under_18_needs_to_know_about_low_income() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["person"]["birth_date"] = "2010-01-01"
    data["employment"] = {}
    answer = check(data)["programs"]["employment_support_type2"]
    assert answer["eligible"] is None
    assert answer["missing"] == ["training.low_income"]
    data["training"] = {"low_income": True}
    assert check(data)["programs"]["employment_support_type2"]["eligible"] is True


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("person", "household_income_ratio_to_median", -0.1),
        ("person", "household_assets_krw", -1),
        ("training", "card_used_krw", -5),
        ("training", "low_income", "sometimes"),
    ],
)
def test_impossible_input_is_refused_by_field(section: str, field: str, value: Any) -> None:
    data = copy.deepcopy(EXAMPLE)
    data.setdefault(section, {})[field] = value
    with pytest.raises(InvalidInputError, match=f"{section}.{field}"):
        check(data)


def test_the_same_formulas_answer_many_persons_at_once() -> None:
    people = []
    for size, ratio in ((1, 0.5), (3, 0.55), (6, 0.59), (2, 0.61)):
        data = copy.deepcopy(EXAMPLE)
        data["person"].update(household_size=size, household_income_ratio_to_median=ratio)
        people.append(derive(parse_check(data)))
    sim = simulation(people)
    monthly = sim.calculate("employment_support_type1_monthly", "2026-03-02")
    np.testing.assert_array_equal(monthly, [600000, 800000, 1000000, 0])
