"""육아휴직 급여 and 출산전후휴가 급여: the YAML scenarios and the answers of ``check()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openfisca_core.tools.test_runner import run_tests

from ilteo.benefits.check import check
from ilteo.benefits.system import tax_benefit_system
from ilteo.core.errors import InvalidInputError

SCENARIOS = Path(__file__).parent / "scenarios" / "parental"

PARENTAL = "parental_leave_benefit"
MATERNITY = "maternity_leave_benefit"


def _family(**extra: Any) -> dict[str, Any]:
    family: dict[str, Any] = {
        "child_birth_date": "2025-01-10",
        "parental_leave_start": "2025-06-01",
        "parental_leave_months": 12,
        "monthly_ordinary_wage_krw": 3_000_000,
        "other_parent_on_leave_months": 0,
        "multiple_birth": False,
        "priority_support_employer": True,
    }
    family.update(extra)
    return family


def _answer(
    programme: str, as_of: str = "2025-06-01", days: int | None = 400, **family: Any
) -> Any:
    data: dict[str, Any] = {"as_of": as_of, "family": _family(**family)}
    if days is not None:
        data["employment"] = {"paid_days_last_18_months": days}
    return check(data)["programs"][programme]


def test_yaml_scenarios_pass() -> None:
    assert list(SCENARIOS.glob("*.yaml"))
    assert run_tests(tax_benefit_system(), str(SCENARIOS)) == 0


def test_parental_2025_general_bands() -> None:
    answer = _answer(PARENTAL)
    assert answer["eligible"] is True
    # 3 x 2,500,000 + 3 x 2,000,000 + 6 x 1,600,000
    assert answer["total_krw"] == 23_100_000
    assert answer["first_month_krw"] == 2_500_000
    assert answer["months"] == 12
    assert answer["deferred_krw"] == 0
    assert answer["missing"] == []
    assert answer["reasons"]
    assert all(r["href"].startswith("https://www.law.go.kr/") for r in answer["references"])
    assert answer["trace"]["variable"] == "parental_leave_benefit_total"
    assert answer["trace"]["value"] == 23_100_000


def test_parental_six_plus_six_uses_child_age_at_leave_start() -> None:
    # 17 months old when the leave starts (25 months on the check day): special amounts.
    answer = _answer(
        PARENTAL,
        as_of="2026-03-02",
        child_birth_date="2024-01-10",
        parental_leave_start="2025-07-01",
        other_parent_on_leave_months=6,
    )
    assert answer["special_months"] == 6
    # 2,500,000 + 2,500,000 + 4 x 3,000,000 + 6 x 1,600,000
    assert answer["total_krw"] == 26_600_000


def test_parental_2024_values_with_deferred_part() -> None:
    answer = _answer(
        PARENTAL, as_of="2024-06-01", child_birth_date="2022-01-10", parental_leave_start=None
    )
    assert answer["total_krw"] == 18_000_000
    assert answer["first_month_krw"] == 1_500_000
    assert answer["deferred_krw"] == 4_500_000
    assert any("사후지급금" in reason for reason in answer["reasons"])


def test_parental_months_beyond_the_limit_are_not_paid() -> None:
    answer = _answer(PARENTAL, parental_leave_months=18, other_parent_on_leave_months=2)
    assert answer["months"] == 12
    assert any("12개월까지" in reason for reason in answer["reasons"])


def test_parental_missing_fields_named() -> None:
    answer = check({"as_of": "2025-06-01"})["programs"][PARENTAL]
    assert answer["eligible"] is None
    assert "total_krw" not in answer
    assert set(answer["missing"]) == {
        "employment.paid_days_last_18_months",
        "family.child_birth_date",
        "family.parental_leave_months",
        "family.monthly_ordinary_wage_krw",
    }


def test_parental_other_parent_needed_for_a_young_child() -> None:
    answer = _answer(PARENTAL, other_parent_on_leave_months=None)
    assert answer["eligible"] is None
    assert answer["missing"] == ["family.other_parent_on_leave_months"]


def test_parental_other_parent_not_needed_for_an_older_child() -> None:
    answer = _answer(PARENTAL, child_birth_date="2020-01-10", other_parent_on_leave_months=None)
    assert answer["eligible"] is True
    assert answer["total_krw"] == 23_100_000


def test_parental_too_few_days_is_a_no_even_with_missing_fields() -> None:
    answer = _answer(PARENTAL, days=179, monthly_ordinary_wage_krw=None)
    assert answer["eligible"] is False
    assert "total_krw" not in answer
    assert any("180" in reason for reason in answer["reasons"])


def test_parental_child_too_old() -> None:
    answer = _answer(PARENTAL, child_birth_date="2016-06-01")  # 9th birthday on 2025-06-01
    assert answer["eligible"] is False
    assert any("만 8세" in reason for reason in answer["reasons"])
    younger = _answer(PARENTAL, child_birth_date="2016-06-02")  # 8 years, 11 months
    assert younger["eligible"] is True


def test_maternity_large_firm_multiple_birth() -> None:
    answer = _answer(MATERNITY, multiple_birth=True, priority_support_employer=False)
    assert answer["eligible"] is True
    assert answer["leave_days"] == 120
    assert answer["insured_paid_days"] == 45
    assert answer["employer_paid_days"] == 75
    assert answer["total_krw"] == 3_150_000
    assert answer["trace"]["variable"] == "maternity_leave_benefit_total"


def test_maternity_priority_support_2026_cap_and_floor() -> None:
    capped = _answer(MATERNITY, as_of="2026-03-02")
    assert (capped["insured_paid_days"], capped["employer_paid_days"]) == (90, 0)
    assert capped["total_krw"] == 6_600_000
    floored = _answer(MATERNITY, as_of="2026-03-02", monthly_ordinary_wage_krw=1_500_000)
    assert floored["total_krw"] == 3 * 2_156_880


def test_maternity_missing_and_ineligible() -> None:
    answer = _answer(MATERNITY, days=None, multiple_birth=None)
    assert answer["eligible"] is None
    assert answer["missing"] == ["employment.paid_days_last_18_months", "family.multiple_birth"]
    refused = _answer(MATERNITY, days=100)
    assert refused["eligible"] is False
    assert "total_krw" not in refused


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_ordinary_wage_krw", -1),
        ("other_parent_on_leave_months", 19),
        ("parental_leave_months", 0),
        ("multiple_birth", "twins"),
    ],
)
def test_impossible_family_input_is_refused(field: str, value: Any) -> None:
    with pytest.raises(InvalidInputError) as error:
        check({"as_of": "2025-06-01", "family": {field: value}})
    assert f"family.{field}" in str(error.value)
