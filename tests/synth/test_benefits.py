"""Benefit claims follow the 구직급여 rules roughly; payments add up."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ilteo.synth import JOB_SEEKING_ELIGIBLE, load_params

UPPER = {2023: 66_000, 2024: 66_000, 2025: 66_000, 2026: 68_100}
MINIMUM_WAGE = {2023: 9_620, 2024: 9_860, 2025: 10_030, 2026: 10_320}


def _claims(root: Path) -> pl.DataFrame:
    claims = pl.read_parquet(root / "benefits/claims.parquet")
    return claims.filter(pl.col("program") == "job_seeking_allowance")


def test_daily_amounts_stay_between_the_limits_of_the_separation_year(large_country: Path) -> None:
    approved = _claims(large_country).filter(pl.col("decision") == "approved")
    assert approved.height > 1000
    for year, daily, avg in approved.select(
        pl.col("separated_on").dt.year(), "daily_amount_won", "avg_daily_wage_won"
    ).iter_rows():
        assert daily <= UPPER[year]
        assert daily > 0
        full_time_floor = round(MINIMUM_WAGE[year] * 8 * 0.8)
        if round(avg * 0.6) >= full_time_floor:
            assert daily == min(round(avg * 0.6), UPPER[year])


def test_full_time_low_earners_get_the_lower_limit(large_country: Path) -> None:
    approved = _claims(large_country).filter(pl.col("decision") == "approved")
    at_floor = approved.filter(pl.col("separated_on").dt.year() == 2025)["daily_amount_won"]
    assert (at_floor == round(10_030 * 8 * 0.8)).sum() > 0  # 64,192 won in 2025


def test_rejections_match_the_separation_reason(large_country: Path) -> None:
    claims = _claims(large_country)
    rejected = claims.filter(pl.col("decision") == "rejected")
    reasons = dict(zip(rejected["claim_id"], rejected["loss_reason_code"], strict=True))
    for claim_id, code in rejected.select("claim_id", "reject_reason_code").iter_rows():
        loss = reasons[claim_id]
        expected = {"R01": {"11"}, "R02": {"26"}, "R04": {"41", "42"}}.get(
            code, JOB_SEEKING_ELIGIBLE
        )
        assert loss in expected, (code, loss)
    approved = claims.filter(pl.col("decision") == "approved")
    assert approved["loss_reason_code"].is_in(list(JOB_SEEKING_ELIGIBLE)).all()


def test_payments_never_exceed_the_approved_days(large_country: Path) -> None:
    claims = _claims(large_country)
    payments = pl.read_parquet(large_country / "benefits/payments.parquet").filter(
        pl.col("program") == "job_seeking_allowance"
    )
    paid = payments.group_by("claim_id").agg(
        pl.col("period_days").sum(), pl.col("amount_won").sum()
    )
    both = paid.join(claims, on="claim_id")
    assert (both["period_days"] <= both["benefit_days"]).all()
    assert (both["amount_won"] == both["period_days"] * both["daily_amount_won"]).all()
    interval = load_params().benefits.payment_interval_days
    assert payments["period_days"].max() == interval


def test_training_card_claims_come_with_allowances(large_country: Path) -> None:
    claims = pl.read_parquet(large_country / "benefits/claims.parquet")
    cards = claims.filter(pl.col("program") == "training_card")
    assert cards.height > 0
    assert (
        cards.filter(pl.col("decision") == "approved")["approved_amount_won"] == 3_000_000
    ).all()
    payments = pl.read_parquet(large_country / "benefits/payments.parquet")
    assert payments.filter(pl.col("kind") == "훈련장려금").height > 0
