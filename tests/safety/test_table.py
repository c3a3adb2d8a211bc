"""Supplied establishment-year tables: clear messages for bad input, never a silent zero."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.safety.table import Table, industry_sector, read_table, validate, write_table

YEARS = (2021, 2022, 2023)


def osha(n: int = 60, years: tuple[int, ...] = YEARS, seed: int = 0) -> pl.DataFrame:
    """A small table in OSHA 300A names: NAICS codes, hours of about 2,000 a head, some cases."""
    rng = np.random.default_rng(seed)
    rows = []
    naics = ["236220", "311611", "332710", "484121", "622110", "722511"]
    for i in range(n):
        employees = int(rng.integers(5, 400))
        for year in years:
            rows.append(
                {
                    "establishment_id": f"E{i:04d}",
                    "year_filing_for": year,
                    "naics_code": naics[i % len(naics)],
                    "state": "OH",
                    "annual_average_employees": employees,
                    "total_hours_worked": employees * 2000 + int(rng.integers(0, 500)),
                    "total_deaths": 1 if (i + year) % 97 == 0 else 0,
                    "total_dafw_cases": int(rng.poisson(employees * 0.01)),
                    "total_djtr_cases": int(rng.poisson(employees * 0.008)),
                    "total_other_cases": int(rng.poisson(employees * 0.011)),
                }
            )
    frame = pl.DataFrame(rows)
    # every year has some serious cases
    assert (frame.group_by("year_filing_for").agg(pl.col("total_dafw_cases").sum())[
        "total_dafw_cases"] > 0).all()  # fmt: skip
    return frame


def check(frame: pl.DataFrame, settings: Settings | None = None) -> Table:
    return validate(frame, source="test", settings=settings)


def refused(frame: pl.DataFrame, settings: Settings | None = None) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        check(frame, settings)
    return caught.value


def test_a_good_osha_table_is_read_in_canonical_names() -> None:
    table = check(osha())
    assert table.industry_system == "naics"
    assert table.warnings == []
    assert table.years == YEARS
    assert table.outcome_years == YEARS
    frame = table.frame
    assert {"establishment_id", "year", "employees", "hours", "deaths", "dafw", "djtr", "other",
            "region", "industry_code", "sector", "subsector"} <= set(frame.columns)  # fmt: skip
    sectors = dict(zip(frame["industry_code"], frame["sector"], strict=True))
    assert sectors["311611"] == "31-33"
    assert sectors["622110"] == "62"
    assert frame["year"].dtype == pl.Int64


def test_an_ita_file_without_establishment_ids_is_keyed_by_name_ein_and_zip() -> None:
    frame = (
        osha()
        .with_columns(
            ("Plant " + pl.col("establishment_id")).alias("establishment_name"),
            pl.lit("123456789").alias("ein"),
            pl.lit("43215").alias("zip_code"),
            pl.int_range(pl.len()).alias("id"),  # ITA numbers rows, not establishments
        )
        .drop("establishment_id")
    )
    table = check(frame)
    assert table.frame["establishment_id"].n_unique() == 60
    assert table.frame["establishment_id"][0] == "PLANT E0000|123456789|43215"
    assert any("establishment_name, ein and zip_code" in w for w in table.warnings)
    without = frame.drop("zip_code")
    assert "establishment_id" in str(refused(without))


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        (["total_dafw_cases"], "total_dafw_cases"),
        (["annual_average_employees"], "annual_average_employees"),
        (["year_filing_for"], "year_filing_for"),
        (["naics_code"], "naics_code or ksic_code"),
    ],
)
def test_missing_required_columns_are_named(drop: list[str], named: str) -> None:
    error = refused(osha().drop(drop))
    assert named in str(error)
    assert "it has:" in str(error)
    assert error.extra["fields"] == {"table": "missing-columns"}


def test_hours_swapped_with_employees_are_refused() -> None:
    frame = osha().with_columns(
        pl.col("total_hours_worked").alias("annual_average_employees"),
        pl.col("annual_average_employees").alias("total_hours_worked"),
    )
    error = refused(frame)
    assert "swapped" in str(error)
    assert error.extra["fields"] == {"hours": "units"}


def test_hours_in_thousands_are_refused() -> None:
    frame = osha().with_columns((pl.col("total_hours_worked") // 1000).alias("total_hours_worked"))
    error = refused(frame)
    assert "thousands" in str(error)


def test_hours_in_minutes_are_refused() -> None:
    frame = osha().with_columns((pl.col("total_hours_worked") * 60).alias("total_hours_worked"))
    error = refused(frame)
    assert "minutes" in str(error)


def test_some_implausible_hours_are_dropped_with_a_warning_and_their_cases_kept() -> None:
    frame = osha().with_columns(
        pl.when(pl.col("establishment_id").is_in(["E0001", "E0002"]))
        .then(3)
        .otherwise(pl.col("total_hours_worked"))
        .alias("total_hours_worked")
    )
    table = check(frame)
    assert len(table.warnings) == 1
    assert "6 rows have hours worked outside" in table.warnings[0]
    odd = table.frame.filter(pl.col("establishment_id").is_in(["E0001", "E0002"]))
    assert odd["hours"].null_count() == 6
    assert odd["dafw"].null_count() == 0
    assert table.frame["hours"].null_count() == 6
    assert table.frame.height == frame.height


def test_a_table_without_hours_warns_that_there_is_no_overtime_signal() -> None:
    table = check(osha().drop("total_hours_worked"))
    assert any("no hours-worked column" in w for w in table.warnings)


def test_some_unknown_industry_codes_are_kept_as_unknown_with_a_warning() -> None:
    frame = osha().with_columns(
        pl.when(pl.col("establishment_id") == "E0003")
        .then(pl.lit("991234"))
        .otherwise(pl.col("naics_code"))
        .alias("naics_code")
    )
    table = check(frame)
    assert any("'991234'" in w and "unknown" in w for w in table.warnings)
    unknown = table.frame.filter(pl.col("sector") == "unknown")
    assert unknown["establishment_id"].unique().to_list() == ["E0003"]


def test_more_than_half_unknown_industry_codes_are_refused() -> None:
    frame = osha().with_columns(pl.lit("X9").alias("naics_code"))
    error = refused(frame)
    assert "right code system" in str(error)
    assert error.extra["fields"] == {"industry": "unknown-codes"}


def test_naics_codes_given_as_ksic_are_refused(safety_reference: Settings) -> None:
    """A US table relabelled ksic_code: NAICS 6-digit codes are not KSIC."""
    frame = osha().rename({"naics_code": "ksic_code"})
    error = refused(frame, safety_reference)
    assert "KSIC" in str(error)
    assert "'311611'" in str(error)
    assert industry_sector("311611", "ksic") == ("unknown", "unknown")


def test_a_year_without_any_accident_warns_and_is_not_an_outcome_year() -> None:
    frame = osha(years=(2020, 2021, 2022, 2023)).with_columns(
        pl.when(pl.col("year_filing_for") == 2022).then(0).otherwise(pl.col(c)).alias(c)
        for c in ("total_deaths", "total_dafw_cases")
    )
    table = check(frame)
    assert table.years == (2020, 2021, 2022, 2023)
    assert table.outcome_years == (2020, 2021, 2023)
    assert any("2022" in w and "not used as an outcome year" in w for w in table.warnings)


def test_fewer_than_three_years_are_refused() -> None:
    error = refused(osha(years=(2022, 2023)))
    assert "at least 3 years" in str(error)
    assert "2022, 2023" in str(error)


def test_two_years_with_cases_are_needed() -> None:
    frame = osha().with_columns(
        pl.when(pl.col("year_filing_for") != 2021).then(0).otherwise(pl.col(c)).alias(c)
        for c in ("total_deaths", "total_dafw_cases")
    )
    error = refused(frame)
    assert "at least two years with death or days-away cases" in str(error)


def test_missing_years_between_are_a_warning() -> None:
    table = check(osha(years=(2019, 2020, 2022, 2023)))
    assert any("years missing" in w and "2021" in w for w in table.warnings)


def test_values_that_are_not_numbers_are_named_with_their_file_lines(tmp_path: Path) -> None:
    frame = osha().with_columns(pl.col("total_dafw_cases").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("three"))
        .when(pl.int_range(pl.len()) == 9).then(pl.lit("n/a"))
        .otherwise(pl.col("total_dafw_cases"))
        .alias("total_dafw_cases")
    )  # fmt: skip
    path = tmp_path / "bad.csv"
    frame.write_csv(path)
    with pytest.raises(InvalidInputError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "not numbers" in message
    assert "dafw: 2 rows (file lines 6, 11)" in message
    assert "'three'" in message


def test_thousands_separators_are_numbers(tmp_path: Path) -> None:
    frame = osha().with_columns(
        pl.col("total_hours_worked").map_elements(lambda v: f"{v:,}", return_dtype=pl.String)
    )
    path = tmp_path / "commas.csv"
    frame.write_csv(path)
    table = read_table(path)
    assert table.frame["hours"].null_count() == 0
    assert table.frame["hours"].min() > 1_000  # type: ignore[operator]


def test_an_empty_count_is_refused_not_read_as_zero() -> None:
    frame = osha().with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("total_deaths"))
        .alias("total_deaths")
    )  # fmt: skip
    error = refused(frame)
    assert "1 empty values (a missing count is not zero)" in str(error)


def test_duplicate_establishment_years_are_refused() -> None:
    frame = osha()
    error = refused(pl.concat([frame, frame.head(3)]))
    assert "6 rows repeat an establishment and year" in str(error)  # both copies


def test_negative_counts_are_refused() -> None:
    frame = osha().with_columns(
        pl.when(pl.int_range(pl.len()) < 2).then(-1).otherwise(pl.col("total_other_cases"))
        .alias("total_other_cases")
    )  # fmt: skip
    error = refused(frame)
    assert "other: 2 negative values" in str(error)


def test_unknown_inspection_kinds_are_refused() -> None:
    frame = osha().with_columns(pl.lit("surprise").alias("inspection"))
    error = refused(frame)
    assert "surprise" in str(error)


def test_zero_employee_rows_are_left_out_with_a_warning() -> None:
    frame = osha().with_columns(
        pl.when(pl.col("establishment_id") == "E0000").then(0)
        .otherwise(pl.col("annual_average_employees")).alias("annual_average_employees")
    )  # fmt: skip
    table = check(frame)
    assert any("3 rows with zero annual average employees" in w for w in table.warnings)
    assert "E0000" not in table.frame["establishment_id"].to_list()


def korean(settings: Settings) -> pl.DataFrame:
    """A small table in Korean columns (KSIC codes of the synthetic country, 시도 codes)."""
    from ilteo.safety.panel import PanelSpec, simulate

    panel = simulate(settings, PanelSpec(workplaces=300, years=3, seed=5))
    return panel.select(
        "establishment_id",
        pl.col("year"),
        "ksic_code",
        pl.col("region").alias("sido_code"),
        "size",
        "annual_average_employees",
        "total_hours_worked",
        "total_deaths",
        "total_dafw_cases",
    )


def test_a_cp949_csv_with_ksic_codes_is_read(tmp_path: Path, safety_reference: Settings) -> None:
    frame = korean(safety_reference)
    path = tmp_path / "kr.csv"
    path.write_bytes(frame.write_csv().encode("cp949"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    table = read_table(path, settings=safety_reference)
    assert table.industry_system == "ksic"
    assert set(table.frame["size"].unique().to_list()) <= {
        "5인 미만", "5~9인", "10~29인", "30~49인", "50~99인", "100~299인", "300~499인",
        "500~999인", "1000인 이상",
    }  # fmt: skip
    assert "5인 미만" in table.frame["size"].to_list()
    assert (table.frame["sector"] != "unknown").all()
    assert table.frame["region"].str.len_chars().max() == 2


def test_a_made_up_ksic_code_is_unknown_with_the_reference(safety_reference: Settings) -> None:
    frame = korean(safety_reference)
    first = frame["establishment_id"][0]
    frame = frame.with_columns(
        pl.when(pl.col("establishment_id") == first).then(pl.lit("29999"))
        .otherwise(pl.col("ksic_code")).alias("ksic_code")
    )  # fmt: skip
    table = check(frame, safety_reference)
    assert table.frame.filter(pl.col("sector") == "unknown")[
        "establishment_id"
    ].unique().to_list() == [first]
    assert any("KSIC" in w and "'29999'" in w for w in table.warnings)


def test_industry_sectors() -> None:
    assert industry_sector("10121", "ksic") == ("C", "10")
    assert industry_sector("41221", "ksic") == ("F", "41")
    assert industry_sector("04123", "ksic") == ("unknown", "unknown")
    assert industry_sector("448110", "naics") == ("44-45", "448")
    assert industry_sector(None, "naics") == ("unknown", "unknown")
    assert industry_sector("ab", "ksic") == ("unknown", "unknown")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_table_then_read_table_is_the_same_table(tmp_path: Path, suffix: str) -> None:
    table = check(osha())
    path = write_table(table, tmp_path / f"out{suffix}")
    header = pl.read_parquet(path) if suffix == ".parquet" else pl.read_csv(path)
    assert {"year_filing_for", "naics_code", "annual_average_employees", "total_dafw_cases",
            "state"} <= set(header.columns)  # fmt: skip
    again = read_table(path)
    assert again.industry_system == "naics"
    assert again.years == table.years
    assert again.outcome_years == table.outcome_years
    columns = ["establishment_id", "year", "industry_code", "employees", "hours", "deaths",
               "dafw", "djtr", "other", "sector"]  # fmt: skip
    left = table.frame.select(columns)
    right = again.frame.select(columns).with_columns(pl.col(c).cast(left[c].dtype) for c in columns)
    assert left.equals(right)


def test_a_ksic_panel_round_trips_with_its_korean_names(
    tmp_path: Path, safety_table_3k: Table, safety_reference: Settings
) -> None:
    path = write_table(safety_table_3k, tmp_path / "panel.csv")
    header = pl.read_csv(path, n_rows=1)
    assert "ksic_code" in header.columns
    assert "sido_code" in header.columns
    again = read_table(path, settings=safety_reference)
    assert again.industry_system == "ksic"
    assert again.frame.height == safety_table_3k.frame.height
    assert again.frame["inspection"].drop_nulls().len() == (
        safety_table_3k.frame["inspection"].drop_nulls().len()
    )


def test_missing_files_and_other_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        read_table(tmp_path / "none.csv")
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(InvalidInputError, match=r"only \.csv or \.parquet"):
        read_table(other)
