"""The scan over the fixture lake: counts, who is found, and the same answer as one check."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from tests.monitor.conftest import MonitorLake

from ilteo.benefits.check import check
from ilteo.benefits.scan import LOSS_REASONS, PAID_SHARE, columns, lake_facts, scan

DAY = date(2025, 12, 31)


def test_scan_counts_and_the_people_found(monitor_lake: MonitorLake) -> None:
    result = scan(monitor_lake.settings, DAY, no_claim_days=14)
    summary = result.summary()
    assert summary["separated"] > 0
    assert (
        0 < summary["claimed"] <= summary["eligible_job_seeking_allowance"] <= summary["separated"]
    )
    found = result.not_claiming
    assert found.height == summary["eligible_not_claiming"] > 0
    assert (found["days_since_separation"] >= 14).all()
    assert found["loss_reason_code"].is_in(["12", "22", "23", "31", "32"]).all()
    assert (found["total_krw"] == found["daily_amount_krw"] * found["benefit_days"]).all()
    assert found["total_krw"].is_sorted(descending=True)


def test_a_found_person_gets_the_same_answer_from_one_check(monitor_lake: MonitorLake) -> None:
    facts = lake_facts(monitor_lake.settings, DAY)
    found = scan(monitor_lake.settings, DAY).not_claiming
    row = facts.filter(pl.col("master_id") == found["master_id"][0]).row(0, named=True)
    cols = columns(facts.filter(pl.col("master_id") == row["master_id"]), DAY)
    separation: date = row["separation_date"]
    insured = int(row["insured_days"])
    three_before = separation - timedelta(days=int(cols["days_last_3_months"][0]))
    assert three_before < separation
    answer = check(
        {
            "as_of": DAY.isoformat(),
            "person": {"birth_date": row["birth_date"].isoformat(), "disabled": False},
            "employment": {
                "insured_periods": [
                    {
                        "start": (separation - timedelta(days=insured - 1)).isoformat(),
                        "end": separation.isoformat(),
                    }
                ],
                "paid_days_last_18_months": int(np.floor(row["days_18m"] * PAID_SHARE)),
                "separation_date": separation.isoformat(),
                "separation_reason": LOSS_REASONS[row["loss_reason_code"]],
                "wages_last_3_months_krw": int(row["monthly_wage_won"] * 3),
                "days_last_3_months": int(cols["days_last_3_months"][0]),
                "daily_contract_hours": 8,
                "able_and_willing_to_work": True,
            },
        }
    )["programs"]["job_seeking_allowance"]
    assert answer["eligible"] is True
    assert answer["daily_amount_krw"] == found["daily_amount_krw"][0]
    assert answer["benefit_days"] == found["benefit_days"][0]
