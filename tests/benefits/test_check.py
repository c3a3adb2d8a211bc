"""The check: input validation by field, every programme answered, the same formulas for many."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from ilteo.benefits.check import check, simulation
from ilteo.benefits.inputs import derive, parse_check
from ilteo.benefits.programmes import programmes
from ilteo.core.errors import InvalidInputError

EXAMPLE: dict[str, Any] = {
    "as_of": "2026-03-02",
    "person": {
        "birth_date": "1980-06-01",
        "disabled": False,
        "household_size": 3,
        "household_income_ratio_to_median": 0.55,
        "household_assets_krw": 150000000,
    },
    "employment": {
        "insured_periods": [{"start": "2019-03-01", "end": "2026-02-27"}],
        "paid_days_last_18_months": 450,
        "separation_date": "2026-02-27",
        "separation_reason": "dismissal_business",
        "wages_last_3_months_krw": 12000000,
        "days_last_3_months": 89,
        "daily_contract_hours": 8,
    },
}


def _with(section: str, **fields: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(EXAMPLE))
    data[section].update(fields)
    return data


def test_every_programme_answers_in_the_documented_shape() -> None:
    result = check(EXAMPLE)
    assert result["as_of"] == "2026-03-02"
    assert list(result["programs"]) == [p.id for p in programmes()]
    assert len(result["programs"]) >= 7  # every programme of the issue answers
    for answer in result["programs"].values():
        assert answer["eligible"] in (True, False, None)
        assert {"reasons", "references", "missing", "trace", "label_ko"} <= set(answer)
        for key, value in answer.items():
            if key.endswith("_krw") and value is not None:
                assert isinstance(value, int)  # integer won, never a float
    json.dumps(result)  # JSON-plain


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_with("employment", separation_reason="fired"), "employment.separation_reason"),
        (_with("employment", wages_last_3_months_krw=-1), "employment.wages_last_3_months_krw"),
        (_with("employment", separation_date="2019-01-01"), "separation_date"),
        (_with("employment", separation_date="2026-04-01"), "separation_date"),
        (
            _with("employment", insured_periods=[{"start": "2020-01-01", "end": "2019-01-01"}]),
            "employment.insured_periods",
        ),
        (_with("person", birth_date="2027-01-01"), "birth_date"),
        (_with("person", household_size=0), "person.household_size"),
        (_with("employment", colour="blue"), "employment.colour"),
        ({"person": {}}, "as_of"),
        ({"as_of": "2023-12-31"}, "as_of: the rules cover 2024-01-01"),
        (
            {"as_of": "2026-03-02", "employment": {"separation_date": "2019-09-30"}},
            "separations from 2019-10-01",
        ),
    ],
)
def test_impossible_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check(data)
    assert field in caught.value.detail


def test_derived_inputs_of_the_example() -> None:
    derived = derive(parse_check(EXAMPLE))
    assert derived.values["age_at_separation"] == 45
    assert derived.values["insured_period_days"] == 2556  # 2019-03-01 .. 2026-02-27 inclusive
    assert derived.values["days_since_separation"] == 3
    assert "monthly_ordinary_wage" not in derived.known


def test_many_persons_share_one_simulation() -> None:
    first = derive(parse_check(EXAMPLE))
    second = derive(parse_check(_with("employment", separation_reason="voluntary")))
    sim = simulation([first, second, first])
    reasons = sim.calculate("separation_reason", "eternity")
    assert [r.name for r in reasons.decode()] == [
        "dismissal_business",
        "voluntary",
        "dismissal_business",
    ]
    ages = sim.calculate("age_at_separation", "eternity")
    assert np.array_equal(ages, [45, 45, 45])
