"""Citizen requests: known categories, varied Korean text, urgent cases, noisy employer names."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ilteo.synth import REQUEST_CATEGORIES


def _requests(root: Path) -> pl.DataFrame:
    texts = pl.read_ndjson(root / "requests/epeople_requests.jsonl")
    truth = pl.read_parquet(root / "ground_truth/requests.parquet")
    return texts.join(truth, on="request_id")


def test_every_request_has_a_known_category_and_most_categories_occur(large_country: Path) -> None:
    requests = _requests(large_country)
    assert requests.height > 1000
    assert set(requests["category"]) <= set(REQUEST_CATEGORIES)
    assert len(set(requests["category"])) >= 17
    secondary = requests["secondary_category"].drop_nulls()
    assert 0.05 < secondary.len() / requests.height < 0.2
    assert (
        secondary != requests.filter(pl.col("secondary_category").is_not_null())["category"]
    ).all()


def test_texts_are_varied_korean(large_country: Path) -> None:
    requests = _requests(large_country)
    assert requests["body"].n_unique() / requests.height > 0.9
    assert requests["body"].str.contains(r"[가-힣]").all()
    for category in ("wage_arrears", "unemployment_benefit"):
        bodies = requests.filter(pl.col("category") == category)["body"]
        assert bodies.n_unique() > 0.9 * bodies.len()


def test_urgent_cases_are_marked_and_written(large_country: Path) -> None:
    urgent = _requests(large_country).filter(pl.col("urgency") == "urgent")
    reasons = set(urgent["urgency_reason"])
    assert {"self_harm", "imminent_danger", "mass_arrears"} <= reasons
    harm = urgent.filter(pl.col("urgency_reason") == "self_harm")["body"]
    assert harm.str.contains("살고 싶지|버틸 힘|끝내고 싶").all()


def test_workplaces_are_named_in_noisy_ways(large_country: Path) -> None:
    requests = _requests(large_country)
    names = pl.read_parquet(large_country / "ground_truth/workplaces.parquet").select(
        "workplace_id", pl.col("name").alias("registered_name")
    )
    with_workplace = requests.join(names, on="workplace_id")
    how = set(with_workplace["workplace_reference"])
    assert {"exact", "variant", "address_only"} <= how
    exact = with_workplace.filter(
        (pl.col("workplace_reference") == "exact") & pl.col("workplace_name").is_not_null()
    )
    assert exact.height > 0
    assert (exact["workplace_name"] == exact["registered_name"]).all()
    variants = with_workplace.filter(
        (pl.col("workplace_reference") == "variant") & pl.col("workplace_name").is_not_null()
    )
    assert (variants["workplace_name"] != variants["registered_name"]).mean() > 0.8
    address_only = with_workplace.filter(pl.col("workplace_reference") == "address_only")
    assert address_only["workplace_name"].is_null().all()
