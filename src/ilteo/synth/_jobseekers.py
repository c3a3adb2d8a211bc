"""Job-seeker registrations (구직등록) and counselling contacts, as a 고용24 JSON Lines export."""

from __future__ import annotations

import numpy as np
import polars as pl

from ilteo.synth._careers import Careers, draw_categories, spell_at
from ilteo.synth._noise import (
    add_old_phone_kind,
    assign_corruptions,
    choose_phone,
    corrupt_rrns,
    format_phones,
    vary_names,
)
from ilteo.synth._people import People, road_address
from ilteo.synth._records import Extract, link_rows, null_unless, record_ids, uniform_days
from ilteo.synth._world import World
from ilteo.synth.codes import JOB_SEEKING_ELIGIBLE

_KINDS = (
    "rrn_digit_typo",
    "rrn_transposition",
    "rrn_missing",
    "name_typo",
    "name_romanized",
    "phone_missing",
    "address_missing",
)
_EDUCATION = {"고졸": 0.30, "전문대졸": 0.20, "대졸": 0.43, "대학원졸": 0.07}
_CHANNELS = {"visit": 0.45, "phone": 0.30, "online": 0.20, "video": 0.05}
_TOPICS = {
    "구직상담": 0.35,
    "실업인정": 0.20,
    "직업훈련 안내": 0.15,
    "국민취업지원제도": 0.12,
    "이력서·면접 지도": 0.10,
    "심리안정 지원": 0.03,
    "일자리 알선": 0.05,
}
_NOTES = [
    "희망 직종과 임금 수준을 확인함",
    "이력서 보완 방향 안내",
    "구인 공고 3건 소개",
    "내일배움카드 발급 절차 안내",
    "실업인정 일정 안내",
    "집단상담 프로그램 참여 권유",
    "면접 준비 사항 안내",
    "직업심리검사 결과 설명",
    "",
    "",
]


def registrations(
    rng: np.random.Generator, people: People, careers: Careers, world: World
) -> pl.DataFrame:
    """Who registers as a job seeker and when (``trigger``: separation, jobless, employed).

    Returns one row per registration with the person (block index), date, last occupation, and
    for separations the spell row, so benefits and training can follow from it.
    """
    win, jp = world.window, world.params.job_seekers
    spells = careers.spells.with_row_index("spell")
    sep = spells.filter(pl.col("end").is_not_null())
    eligible = sep["reason"].is_in(list(JOB_SEEKING_ELIGIBLE)).to_numpy()
    p = np.where(eligible, jp.register_after_eligible, jp.register_after_other)
    take = rng.random(sep.height) < p
    sep = sep.filter(pl.Series(take))
    after = sep.select(
        "person",
        pl.col("spell").cast(pl.Int64),
        pl.col("occupation"),
        pl.col("reason"),
        pl.col("end").alias("separated_on"),
    ).with_columns(pl.lit("separation").alias("trigger"))
    after = after.with_columns(
        pl.Series("date", after["separated_on"].to_numpy() + uniform_days(rng, 1, 30, after.height))
    )
    n = len(people)
    jobless = np.flatnonzero(
        careers.jobless_at_start & (rng.random(n) < jp.register_when_jobless_at_start)
    )
    years = win.months / 12
    employed = np.flatnonzero(rng.random(n) < 1 - np.exp(-jp.employed_job_seekers_per_year * years))
    span = int((win.end - win.first_day).astype(np.int64))
    person = np.concatenate([jobless, employed]).astype(np.int64)
    date = np.concatenate(
        [
            win.first_day + uniform_days(rng, 0, 60, len(jobless)),
            win.first_day + uniform_days(rng, 0, span - 1, len(employed)),
        ]
    )
    occupation = careers.last_occupation_at_start[person]
    # Employed job seekers look for work like their current job's, when they have one that day.
    row = spell_at(careers.spells, person, date)
    current = careers.spells["occupation"].to_numpy()[np.maximum(row, 0)]
    in_job = (row >= 0) & (np.arange(len(person)) >= len(jobless))
    others = pl.DataFrame(
        {
            "person": person,
            "spell": np.full(len(person), -1, dtype=np.int64),
            "occupation": np.where(in_job, current, occupation),
            "reason": pl.Series([None] * len(person), dtype=pl.Utf8),
            "separated_on": pl.Series([None] * len(person), dtype=pl.Date),
            "trigger": np.where(in_job, "employed", "jobless"),
            "date": date,
        }
    )
    frame = pl.concat([after, others.cast(after.schema)], how="vertical")
    return frame.filter(pl.col("date") < pl.lit(win.end)).sort("person", "date")


def job_seekers(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    regs: pl.DataFrame,
    world: World,
) -> pl.Series:
    """Write registrations and counselling contacts; return the registration ids."""
    n, noise = regs.height, world.params.noise
    person = regs["person"].to_numpy()
    who = people.frame[person]
    kinds = assign_corruptions(rng, n, noise.job_seekers, _KINDS)
    kinds = add_old_phone_kind(
        rng, kinds, people.phone_changed[person], noise.rate("job_seekers", "phone_old")
    )
    ids = record_ids("JS", block, n)
    age = (regs["date"].to_numpy() - who["birth_date"].to_numpy()).astype(np.int64) / 365.25
    address = who.select(road_address("sido_name")).to_series()
    table = pl.DataFrame(
        {
            "registration_id": ids,
            "registered_at": regs["date"],
            "rrn": corrupt_rrns(rng, who["rrn"], kinds),
            "name": vary_names(rng, who, kinds),
            "sex": who["sex"],
            "phone": format_phones(
                rng, choose_phone(who, kinds), noise.phone_formats["job_seekers"]
            ),
            "address": null_unless(address, kinds != "address_missing"),
            "desired_occupation": world.calibration.occupations.codes[
                regs["occupation"].to_numpy()
            ],
            "desired_sido": who["sido_code"],
            "employment_status": np.where(
                regs["trigger"].to_numpy() == "employed", "employed", "unemployed"
            ),
            "education": draw_categories(rng, n, _EDUCATION),
            "career_years": np.clip(np.rint(age - 22 + rng.normal(0, 2, n)), 0, None).astype(
                np.int64
            ),
            "benefit_interest": regs["reason"].is_in(list(JOB_SEEKING_ELIGIBLE)).fill_null(False),
        }
    )
    out.add("job_seekers/registrations.jsonl", table)
    out.links.append(link_rows("job_seekers", ids, who["person_id"], noise=kinds))
    _counselling(out, rng, block, table, who["person_id"], world)
    return ids


def _counselling(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    regs: pl.DataFrame,
    person_id: pl.Series,
    world: World,
) -> None:
    per = rng.poisson(world.params.job_seekers.counselling_per_registration, regs.height)
    row = np.repeat(np.arange(regs.height), per)
    day = regs["registered_at"].to_numpy()[row] + uniform_days(rng, 0, 180, len(row))
    keep = day < world.window.end
    row, day = row[keep], day[keep]
    order = np.lexsort((day, row))
    row, day = row[order], day[order]
    n = len(row)
    base = regs[row]
    ids = record_ids("CN", block, n)
    counsellor = "C" + base["desired_sido"] + pl.Series(rng.integers(100, 130, n)).cast(pl.Utf8)
    table = pl.DataFrame(
        {
            "contact_id": ids,
            "registration_id": base["registration_id"],
            "rrn": base["rrn"],
            "contacted_at": day,
            "channel": draw_categories(rng, n, _CHANNELS),
            "counsellor_id": counsellor,
            "topic": draw_categories(rng, n, _TOPICS),
            "note": np.asarray(_NOTES)[rng.integers(len(_NOTES), size=n)],
        }
    )
    out.add("job_seekers/counselling.jsonl", table)
    out.links.append(link_rows("counselling", ids, person_id.to_numpy()[row]))
