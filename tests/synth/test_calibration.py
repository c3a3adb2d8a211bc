"""Distributions follow the public aggregates they are calibrated to."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from ilteo.synth import load_params

SIZE_BANDS = ["5인 미만", "5~9인", "10~29인", "30~49인", "50~99인", "100~299인", "300~499인"]
SIZE_BANDS += ["500~999인", "1000인 이상"]
WINDOW = (pl.date(2023, 1, 1), pl.date(2026, 1, 1))


def _statistics(path: Path) -> pl.DataFrame:
    """2023 workers and injured workers by 중업종 x size band, straight from the source file."""
    raw = pl.read_csv(path, infer_schema=False).filter(
        (pl.col("통계기준년") == "2023") & (pl.col("중업종") != "소계")
    )
    long = raw.unpivot(index=["대업종", "중업종", "항목"], on=SIZE_BANDS, variable_name="size_band")
    long = long.with_columns(
        pl.col("value").str.replace_all(",", "").cast(pl.Float64, strict=False)
    )
    return long.pivot(on="항목", index=["대업종", "중업종", "size_band"], values="value").select(
        pl.col("대업종").alias("industry_major"),
        pl.col("중업종").alias("industry_middle"),
        "size_band",
        pl.col("근로자수 (명)").alias("workers"),
        pl.col("요양재해자수 (명)").alias("injured"),
    )


def _worker_years(root: Path) -> pl.DataFrame:
    spells = pl.read_parquet(root / "ground_truth/spells.parquet")
    workplaces = pl.read_parquet(root / "ground_truth/workplaces.parquet")
    start = pl.max_horizontal(pl.col("start"), WINDOW[0])
    end = pl.min_horizontal(pl.col("end").fill_null(WINDOW[1]), WINDOW[1])
    return spells.join(workplaces, on="workplace_id").with_columns(
        ((end - start).dt.total_days().clip(lower_bound=0) / 365.25).alias("years")
    )


def test_accident_counts_follow_the_2023_rates_by_industry(
    large_country: Path, accident_statistics: Path
) -> None:
    stats = _statistics(accident_statistics).with_columns(
        (pl.col("injured") / pl.col("workers")).fill_nan(0.0).alias("rate")
    )
    exposure = _worker_years(large_country).join(
        stats, on=["industry_major", "industry_middle", "size_band"]
    )
    expected = exposure.group_by("industry_major").agg(
        (pl.col("years") * pl.col("rate")).sum().alias("expected")
    )
    accidents = pl.read_parquet(large_country / "industrial_accidents/accident_approvals.parquet")
    links = pl.read_parquet(large_country / "ground_truth/workplaces.parquet")
    observed = accidents.join(links, on="workplace_mgmt_no").group_by("industry_major").len()
    both = expected.join(observed, on="industry_major", how="left").fill_null(0)
    assert both["expected"].sum() > 200  # enough accidents for the check to mean something
    for major, exp, obs in both.select("industry_major", "expected", "len").iter_rows():
        assert abs(obs - exp) <= 4 * math.sqrt(exp) + 3, (major, obs, exp)


def test_worker_mix_by_industry_follows_the_statistics(
    large_country: Path, accident_statistics: Path
) -> None:
    stats = _statistics(accident_statistics).filter(pl.col("industry_middle") != "해외파견자")
    target = stats.group_by("industry_major").agg(pl.col("workers").sum())
    target = target.with_columns(pl.col("workers") / pl.col("workers").sum())
    years = _worker_years(large_country).group_by("industry_major").agg(pl.col("years").sum())
    years = years.with_columns(pl.col("years") / pl.col("years").sum())
    both = target.join(years, on="industry_major")
    assert ((both["workers"] - both["years"]).abs() < 0.03).all(), both


def test_occupation_mix_follows_the_major_group_shares(large_country: Path) -> None:
    shares = load_params().occupations.major_shares
    spells = pl.read_parquet(large_country / "ground_truth/spells.parquet")
    mix = spells.group_by(pl.col("ksco_code").str.slice(0, 1).alias("major")).len()
    mix = mix.with_columns(pl.col("len") / pl.col("len").sum())
    for major, share in mix.iter_rows():
        assert abs(share - shares[major]) < 0.05, (major, share, shares[major])


def test_mean_monthly_wage_is_near_the_published_figure(large_country: Path) -> None:
    wages = pl.read_parquet(large_country / "employment_insurance/monthly_wages.parquet")
    full = wages.filter((pl.col("wage_month").dt.year() == 2024) & (pl.col("days_worked") >= 28))
    mean = float(full["wage_won"].mean() or 0)
    target = load_params().wages.mean_monthly_2024
    assert 0.85 * target < mean < 1.15 * target
