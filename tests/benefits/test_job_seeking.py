"""구직급여 and 조기재취업수당: the YAML scenarios, and the answers through ``check()``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openfisca_core.tools.test_runner import run_tests
from tests.benefits.test_check import EXAMPLE

from ilteo.benefits.check import check, simulation
from ilteo.benefits.inputs import derive, parse_check
from ilteo.benefits.programmes.job_seeking import JUSTIFIED_GROUNDS
from ilteo.benefits.system import tax_benefit_system
from ilteo.core.errors import InvalidInputError

SCENARIOS = Path(__file__).parent / "scenarios" / "job_seeking"


def _with(section: str, drop: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data[section].update(fields)
    for name in drop:
        del data[section][name]
    return data


def _job(data: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = check(data)["programs"]["job_seeking_allowance"]
    return answer


def _early(data: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = check(data)["programs"]["early_reemployment_allowance"]
    return answer


def test_yaml_scenarios_pass() -> None:
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) == [
        "amount.yaml",
        "benefit_days.yaml",
        "early_reemployment.yaml",
        "eligibility.yaml",
    ]
    assert run_tests(tax_benefit_system(), str(SCENARIOS)) == 0


def test_the_issue_example() -> None:
    answer = _job(EXAMPLE)
    cap, floor = 68100, math.floor(10320 * 8 * 0.8)
    expected = min(cap, max(floor, math.floor(0.6 * 12000000 / 89)))
    assert answer["eligible"] is True
    assert answer["daily_amount_krw"] == expected == 68100
    assert answer["benefit_days"] == 210
    assert answer["total_krw"] == 68100 * 210
    assert answer["waiting_days"] == 7
    assert answer["missing"] == []
    assert any("대기기간" in r for r in answer["reasons"])
    assert any("2027-02-27" in r for r in answer["reasons"])
    hrefs = {r["href"] for r in answer["references"]}
    assert "https://www.law.go.kr/법령/고용보험법/제40조" in hrefs
    assert "https://www.law.go.kr/법령/고용보험법시행령/제68조" in hrefs
    trace = answer["trace"]
    assert trace["variable"] == "job_seeking_allowance"
    assert trace["value"] == 68100 * 210
    json.dumps(answer)  # JSON-plain, trace included


def _names(node: dict[str, Any]) -> set[str]:
    found = {node["variable"]} | {p["name"] for p in node["parameters"]}
    for child in node["children"]:
        found |= _names(child)
    return found


def test_the_trace_shows_the_parameters_at_the_separation_date() -> None:
    names = _names(_job(EXAMPLE)["trace"])
    assert {"job_seeking_daily_cap", "job_seeking_daily_floor", "job_seeking_benefit_days"} <= names
    assert any(n.startswith("job_seeking.amount.base_daily_wage_cap") for n in names)


def test_a_2025_separation_checked_in_2026_uses_the_2025_cap() -> None:
    data = _with("employment", separation_date="2025-12-31")
    data["employment"]["insured_periods"][0]["end"] = "2025-12-31"
    answer = _job(data)
    assert answer["daily_amount_krw"] == 66000
    assert answer["total_krw"] == 66000 * 210


def test_low_wage_gets_the_floor_and_part_time_hours_lower_it() -> None:
    full = _job(_with("employment", wages_last_3_months_krw=6000000, days_last_3_months=92))
    assert full["daily_amount_krw"] == 66048  # 10,320 x 8 x 0.8
    part = _job(
        _with(
            "employment",
            wages_last_3_months_krw=3000000,
            days_last_3_months=92,
            daily_contract_hours=4,
        )
    )
    assert part["daily_amount_krw"] == 33024
    assert any("하한액" in r for r in part["reasons"])


def test_unknown_hours_matter_only_near_the_floor() -> None:
    high = _job(_with("employment", drop=("daily_contract_hours",)))
    assert high["eligible"] is True
    assert high["daily_amount_krw"] == 68100
    low = _job(
        _with(
            "employment",
            drop=("daily_contract_hours",),
            wages_last_3_months_krw=3000000,
            days_last_3_months=92,
        )
    )
    assert low["eligible"] is None
    assert low["missing"] == ["employment.daily_contract_hours"]
    assert low["daily_amount_krw"] is None


@pytest.mark.parametrize(
    ("section", "field", "missing"),
    [
        ("employment", "wages_last_3_months_krw", ["employment.wages_last_3_months_krw"]),
        ("employment", "paid_days_last_18_months", ["employment.paid_days_last_18_months"]),
        ("employment", "separation_reason", ["employment.separation_reason"]),
        ("employment", "insured_periods", ["employment.insured_periods"]),
        ("person", "birth_date", ["person.birth_date"]),
        ("person", "disabled", ["person.disabled"]),
    ],
)
def test_missing_fields_make_the_answer_unknown(
    section: str, field: str, missing: list[str]
) -> None:
    answer = _job(_with(section, drop=(field,)))
    assert answer["eligible"] is None
    assert answer["missing"] == missing
    assert answer["total_krw"] is None


def test_disability_is_not_asked_at_50_or_over() -> None:
    data = _with("person", drop=("disabled",), birth_date="1970-01-01")
    answer = _job(data)
    assert answer["eligible"] is True
    assert answer["benefit_days"] == 240  # 5-10 years, 50+


def test_no_separation_date_is_unknown() -> None:
    answer = _job(_with("employment", drop=("separation_date",)))
    assert answer["eligible"] is None
    assert "employment.separation_date" in answer["missing"]


@pytest.mark.parametrize(
    ("reason", "eligible"),
    [
        ("business_closure", True),
        ("dismissal_business", True),
        ("contract_expiry", True),
        ("retirement_age", True),
        ("voluntary_justified", True),
        ("voluntary", False),
        ("dismissal_misconduct", False),
    ],
)
def test_each_separation_reason(reason: str, eligible: bool) -> None:
    answer = _job(_with("employment", separation_reason=reason))
    assert answer["eligible"] is eligible
    assert any("제58조" in r or "별표 2" in r for r in answer["reasons"])


def test_the_justified_quit_lists_annex_2() -> None:
    answer = _job(_with("employment", separation_reason="voluntary_justified"))
    text = " ".join(answer["reasons"])
    assert all(ground in text for ground in JUSTIFIED_GROUNDS)


def test_a_disqualifying_reason_decides_even_with_missing_wages() -> None:
    data = _with("employment", drop=("wages_last_3_months_krw",), separation_reason="voluntary")
    answer = _job(data)
    assert answer["eligible"] is False
    assert answer["missing"] == []


@pytest.mark.parametrize(("days", "eligible"), [(179, False), (180, True)])
def test_unit_period_boundary(days: int, eligible: bool) -> None:
    assert _job(_with("employment", paid_days_last_18_months=days))["eligible"] is eligible


def test_claim_window_end() -> None:
    last = _with("employment", separation_date="2025-03-02")
    last["as_of"] = "2026-03-02"
    last["employment"]["insured_periods"][0]["end"] = "2025-03-02"
    assert _job(last)["eligible"] is True
    late = json.loads(json.dumps(last))
    late["as_of"] = "2026-03-03"
    answer = _job(late)
    assert answer["eligible"] is False
    assert any("수급기간" in r and "지나" in r for r in answer["reasons"])


def test_hired_at_65_or_later_is_excluded() -> None:
    data = _with("person", birth_date="1958-01-01")
    data["employment"]["insured_periods"] = [{"start": "2024-06-01", "end": "2026-02-27"}]
    answer = _job(data)
    assert answer["eligible"] is False
    assert any("제10조" in r for r in answer["reasons"])
    data["person"]["birth_date"] = "1959-07-01"  # 64 at the start
    assert _job(data)["eligible"] is True


def test_not_able_to_work() -> None:
    answer = _job(_with("employment", able_and_willing_to_work=False))
    assert answer["eligible"] is False


def test_early_reemployment_without_a_date_gives_the_last_day() -> None:
    answer = _early(EXAMPLE)
    assert answer["eligible"] is None
    assert answer["missing"] == ["employment.reemployment_date"]
    assert any("2026-03-07" in r and "2026-06-20" in r for r in answer["reasons"])


def test_early_reemployment_paid() -> None:
    data = _with("employment", reemployment_date="2026-04-01", reemployment_expected_months=12)
    answer = _early(data)
    assert answer["eligible"] is True
    assert answer["remaining_days"] == 185  # 210 - (33 - 8)
    assert answer["amount_krw"] == 185 * 68100 // 2
    assert any("재취업" in r for r in _job(data)["reasons"])


@pytest.mark.parametrize(
    ("day", "eligible"), [("2026-03-06", False), ("2026-06-20", True), ("2026-06-21", False)]
)
def test_early_reemployment_boundaries(day: str, eligible: bool) -> None:
    data = _with("employment", reemployment_date=day, reemployment_expected_months=24)
    assert _early(data)["eligible"] is eligible


def test_early_reemployment_needs_twelve_months() -> None:
    short = _with("employment", reemployment_date="2026-04-01", reemployment_expected_months=6)
    assert _early(short)["eligible"] is False
    unknown = _with("employment", reemployment_date="2026-04-01")
    answer = _early(unknown)
    assert answer["eligible"] is None
    assert answer["missing"] == ["employment.reemployment_expected_months"]


def test_early_reemployment_follows_the_job_seeking_answer() -> None:
    quit_ = _with("employment", separation_reason="voluntary", reemployment_date="2026-04-01")
    assert _early(quit_)["eligible"] is False
    unknown = _with("employment", drop=("wages_last_3_months_krw",))
    answer = _early(unknown)
    assert answer["eligible"] is None
    assert "employment.wages_last_3_months_krw" in answer["missing"]


@pytest.mark.parametrize(
    ("section", "fields", "field"),
    [
        ("employment", {"separation_reason": "fired"}, "employment.separation_reason"),
        ("employment", {"wages_last_3_months_krw": -1}, "employment.wages_last_3_months_krw"),
        ("employment", {"reemployment_date": "2026-02-01"}, "reemployment_date"),
    ],
)
def test_impossible_input_is_refused(section: str, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        check(_with(section, **fields))


def test_many_persons_in_one_vectorised_pass() -> None:
    checks = [
        EXAMPLE,
        _with("employment", separation_date="2025-12-31"),
        _with("employment", wages_last_3_months_krw=3000000, days_last_3_months=92),
        _with("employment", separation_reason="voluntary"),
    ]
    people = [derive(parse_check(c)) for c in checks]
    sim = simulation(people)
    amounts = sim.calculate("job_seeking_daily_amount", "2026-03-02")
    payable = sim.calculate("job_seeking_allowance", "2026-03-02")
    assert amounts.tolist() == [68100, 66000, 66048, 68100]
    assert payable.tolist() == [68100 * 210, 66000 * 210, 66048 * 210, 0]
    assert isinstance(payable, np.ndarray)


def test_early_reemployment_says_when_the_last_day_has_passed() -> None:
    data = _with("employment")
    data["as_of"] = "2026-07-01"
    answer = _early(data)
    assert answer["eligible"] is None
    assert any("2026-06-20" in r and "지나" in r for r in answer["reasons"])
