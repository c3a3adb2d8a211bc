"""Features of a workplace at the end of year t and labels of year t+1, unknown kept unknown."""

from __future__ import annotations

import math

import polars as pl
import pytest

from ilteo.safety.features import FEATURE_LABELS, FEATURES, LABELS, build
from ilteo.safety.table import Table, validate

#: (id, year, employees, deaths, dafw, inspection, findings)
ROWS = [
    ("A", 2021, 100, 0, 2, None, None),
    ("A", 2022, 110, 1, 0, "random", 3),
    ("A", 2023, 121, 0, 0, None, None),
    ("A", 2024, 121, 0, 4, None, None),
    ("B", 2021, 10, 0, 0, None, None),
    ("B", 2022, 10, 0, 1, None, None),
    ("B", 2023, 10, 0, 0, "targeted", 0),
    ("B", 2024, 10, 0, 0, None, None),
    ("C", 2023, 50, 0, 1, None, None),  # new in 2023: no history
    ("C", 2024, 50, 0, 0, None, None),
    ("D", 2021, 30, 0, 1, None, None),  # missing in 2022
    ("D", 2023, 30, 0, 0, None, None),
    ("D", 2024, 30, 0, 1, None, None),
]


def table(*, inspections: bool = True, empty_year: int | None = None) -> Table:
    def cases(r: tuple[object, ...], i: int) -> object:
        return 0 if r[1] == empty_year else r[i]

    frame = pl.DataFrame(
        {
            "establishment_id": [r[0] for r in ROWS],
            "year": [r[1] for r in ROWS],
            "ksic_code": ["25112"] * len(ROWS),
            "sido_code": ["11"] * len(ROWS),
            "annual_average_employees": [r[2] for r in ROWS],
            "total_hours_worked": [r[2] * 2080 for r in ROWS],
            "total_deaths": [cases(r, 3) for r in ROWS],
            "total_dafw_cases": [cases(r, 4) for r in ROWS],
            "inspection": [r[5] for r in ROWS],
            "findings": [r[6] for r in ROWS],
        }
    )
    if not inspections:
        frame = frame.drop("inspection", "findings")
    return validate(frame, source="test")


def row(features: pl.DataFrame, workplace: str, year: int) -> dict[str, object]:
    return features.filter(
        (pl.col("establishment_id") == workplace) & (pl.col("year") == year)
    ).row(0, named=True)


@pytest.fixture(scope="module")
def features() -> pl.DataFrame:
    return build(table())


def test_every_feature_and_label_is_a_column_with_a_label(features: pl.DataFrame) -> None:
    assert set(FEATURES) <= set(features.columns)
    assert set(LABELS) <= set(features.columns)
    assert set(FEATURE_LABELS) == set(FEATURES)
    assert features.height == len(ROWS)


def test_lags_sum_the_last_three_years(features: pl.DataFrame) -> None:
    a = row(features, "A", 2023)
    assert a["serious_0"] == 0
    assert a["serious_3y"] == 3  # 2 (2021) + 1 (2022) + 0
    assert a["deaths_3y"] == 1
    assert a["employee_growth"] == pytest.approx(121 / 110 - 1)
    assert a["rate_3y"] == pytest.approx(3 / (100 + 110 + 121) * 100)
    assert a["history_years"] == 3
    assert a["hours_per_employee"] == pytest.approx(2080)
    a4 = row(features, "A", 2024)
    assert a4["serious_3y"] == 5  # 2021 falls out of the window
    assert a4["rate_0"] == pytest.approx(4 / 121 * 100)


def test_inspections_and_findings_are_lagged_features(features: pl.DataFrame) -> None:
    a22 = row(features, "A", 2022)
    assert a22["inspected_0"] == 1
    assert a22["findings_0"] == 3
    assert a22["inspection"] == "random"
    a24 = row(features, "A", 2024)
    assert a24["inspected_0"] == 0
    assert a24["findings_0"] is None  # no inspection: no findings, not zero findings
    assert a24["inspections_3y"] == 1
    assert a24["findings_3y"] == 3
    b23 = row(features, "B", 2023)
    assert b23["inspected_0"] == 1
    assert b23["findings_0"] == 0


def test_the_first_year_has_unknown_history_not_zero(features: pl.DataFrame) -> None:
    a = row(features, "A", 2021)
    assert a["history_years"] == 1
    assert a["employee_growth"] is None or math.isnan(a["employee_growth"])  # type: ignore[arg-type]
    assert a["serious_3y"] == 2  # only what is known


def test_a_workplace_without_history_has_one_history_year(features: pl.DataFrame) -> None:
    c = row(features, "C", 2023)
    assert c["history_years"] == 1
    assert c["employee_growth"] is None
    assert row(features, "C", 2024)["history_years"] == 2


def test_a_missing_year_is_not_history(features: pl.DataFrame) -> None:
    d = row(features, "D", 2023)
    assert d["history_years"] == 2  # 2023 and 2021; 2022 is not in the table
    assert d["employee_growth"] is None  # no row in 2022
    assert d["serious_3y"] == 1


def test_labels_come_from_the_next_year_only(features: pl.DataFrame) -> None:
    a = row(features, "A", 2023)
    assert a["serious_next"] == 1
    assert a["cases_next"] == 4
    assert a["deaths_next"] == 0
    a22 = row(features, "A", 2022)
    assert a22["serious_next"] == 0
    assert a22["cases_next"] == 0
    a21 = row(features, "A", 2021)
    assert a21["cases_next"] == 1
    assert a21["deaths_next"] == 1
    # the last year has no next year: unknown, not "no case"
    assert features.filter(pl.col("year") == 2024)["serious_next"].null_count() == 4
    # D has no row in 2022: its 2021 label is unknown
    assert row(features, "D", 2021)["serious_next"] is None


def test_a_year_that_is_not_an_outcome_year_gives_no_labels() -> None:
    checked = table(empty_year=2023)
    assert 2023 not in checked.outcome_years
    built = build(checked)
    assert built.filter(pl.col("year") == 2022)["serious_next"].null_count() == 2  # A and B
    assert built.filter(pl.col("year") == 2021)["serious_next"].null_count() == 1  # D only


def test_a_table_without_inspections_has_unknown_inspection_features() -> None:
    built = build(table(inspections=False))
    for name in ("inspected_0", "inspections_3y", "findings_0", "findings_3y"):
        assert built[name].null_count() == built.height, name
    # columns the table never had are unknown too
    for name in ("age_years", "churn", "new_hire_share", "hazard_requests"):
        assert built[name].null_count() == built.height, name


def test_size_class_follows_employees(features: pl.DataFrame) -> None:
    assert row(features, "B", 2021)["size_class"] == "10~29인"
    assert row(features, "A", 2023)["size_class"] == "100~299인"
    assert row(features, "C", 2023)["size_class"] == "50~99인"
    assert row(features, "A", 2023)["sector"] == "C"
