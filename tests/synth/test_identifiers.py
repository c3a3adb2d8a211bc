"""Identifiers: valid check digits in the truth, typed-wrong keys at the configured rates."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl

from ilteo.core.ids import is_valid_brn, is_valid_rrn, rrn_birth_date
from ilteo.synth import load_params


def test_true_rrns_are_valid_unique_and_agree_with_birth_date_and_sex(
    country: tuple[Path, dict[str, Any]],
) -> None:
    persons = pl.read_parquet(country[0] / "ground_truth/persons.parquet")
    assert persons["rrn"].n_unique() == persons.height
    for rrn, birth, sex in persons.select("rrn", "birth_date", "sex").iter_rows():
        assert is_valid_rrn(rrn), rrn
        assert rrn_birth_date(rrn) == birth
        assert int(rrn[6]) % 2 == (0 if sex == "F" else 1)


def test_business_registration_numbers_are_valid_and_unique(
    country: tuple[Path, dict[str, Any]],
) -> None:
    registry = pl.read_parquet(country[0] / "workplaces/workplaces.parquet")
    assert registry["brn"].n_unique() == registry.height
    assert all(is_valid_brn(b) for b in registry["brn"])
    assert (registry["workplace_mgmt_no"].str.slice(0, 10) == registry["brn"]).all()


def _job_seekers_with_truth(root: Path) -> pl.DataFrame:
    links = pl.read_parquet(root / "ground_truth/record_links.parquet").filter(
        pl.col("source") == "job_seekers"
    )
    persons = pl.read_parquet(root / "ground_truth/persons.parquet").select(
        "person_id", pl.col("rrn").alias("true_rrn"), pl.col("name").alias("true_name")
    )
    regs = pl.read_ndjson(root / "job_seekers/registrations.jsonl")
    return regs.join(links, left_on="registration_id", right_on="record_id").join(
        persons, on="person_id"
    )


def test_invalid_rrn_share_of_job_seekers_is_within_the_configured_band(
    large_country: Path,
) -> None:
    noise = load_params().noise.job_seekers
    regs = _job_seekers_with_truth(large_country)
    n = regs.height
    invalid = sum(1 for r in regs["rrn"].drop_nulls() if not is_valid_rrn(r, check_date=False))
    expected = noise["rrn_digit_typo"] + noise["rrn_transposition"]
    assert abs(invalid / n - expected) <= 4 * math.sqrt(expected * (1 - expected) / n)
    missing = regs["rrn"].null_count() / n
    assert abs(missing - noise["rrn_missing"]) <= 4 * math.sqrt(noise["rrn_missing"] / n)


def test_each_record_has_at_most_the_corruption_its_label_says(large_country: Path) -> None:
    regs = _job_seekers_with_truth(large_country)
    clean = regs.filter(pl.col("noise") == "none")
    assert (clean["rrn"] == clean["true_rrn"]).all()
    assert (clean["name"] == clean["true_name"]).all()
    typo = regs.filter(pl.col("noise").is_in(["rrn_digit_typo", "rrn_transposition"]))
    assert (typo["rrn"] != typo["true_rrn"]).all()
    assert (typo["name"] == typo["true_name"]).all()  # never two fields at once
    renamed = regs.filter(pl.col("noise") == "name_typo")
    assert (renamed["name"] != renamed["true_name"]).all()
    assert (renamed["rrn"] == renamed["true_rrn"]).all()
    romanized = regs.filter(pl.col("noise") == "name_romanized")
    assert romanized["name"].str.contains(r"^[A-Za-z ]+$").all()
