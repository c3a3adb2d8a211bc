"""K-Digital Training enrolments (the legacy HRD system's CP949 CSV) and 국민내일배움카드 claims.

Enrolments are in real course runs of ``kdt_courses``. A run is chosen among those starting in
the target month; months after the catalogue ends (2024-10) reuse the runs of the same month one
or more years earlier, moved forward by whole years (same course id and 회차, documented).
The training system has no RRN: trainees are known by name, birth date and phone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ilteo.synth._benefits import CLAIM_SCHEMA, CLAIMS_PATH, PAYMENT_SCHEMA, PAYMENTS_PATH, conform
from ilteo.synth._careers import Careers, next_start, spell_at
from ilteo.synth._insurance import monthly_wage
from ilteo.synth._noise import (
    add_old_phone_kind,
    assign_corruptions,
    choose_phone,
    format_phones,
    swap_date_digits,
    vary_names,
)
from ilteo.synth._people import People, jibun_address, road_address
from ilteo.synth._records import (
    Extract,
    days_between,
    link_rows,
    null_unless,
    record_ids,
    uniform_days,
)
from ilteo.synth._world import World
from ilteo.synth.codes import REJECT_REASONS

TRAINING_PATH = "training/kdt_enrolments.csv"
#: Korean headers of the legacy export, in order.
TRAINING_HEADERS = {
    "enrolment_id": "수강번호",
    "name": "훈련생명",
    "birth": "생년월일",
    "sex": "성별",
    "phone": "휴대폰번호",
    "address": "주소",
    "course_id": "훈련과정ID",
    "run": "회차",
    "course_name": "과정명",
    "ncs_code": "NCS코드",
    "ncs_name": "NCS명",
    "institution": "훈련기관",
    "start": "개강일",
    "end": "종강일",
    "applied": "수강신청일",
    "status": "수강상태",
    "attendance": "출석률",
}
_KINDS = ("name_typo", "birth_date_swap", "birth_date_missing", "phone_missing")


def _month_number(days: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(days.astype("datetime64[M]").astype(np.int64))


def pick_runs(
    rng: np.random.Generator, courses: pl.DataFrame, target: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A course run for each target date, and the whole years it is moved by."""
    run_month = _month_number(courses["start"].to_numpy())
    first, last = int(run_month.min()), int(run_month.max())
    months = _month_number(target)
    run = np.full(len(target), -1, dtype=np.int64)
    shift = np.zeros(len(target), dtype=np.int64)
    for month in np.unique(months).tolist():
        years = 0
        source = month
        while source > last or (source >= first and not (run_month == source).any()):
            source -= 12
            years += 1
        while source < first:
            source += 12
            years -= 1
        pool = np.flatnonzero(run_month == source)
        rows = np.flatnonzero(months == month)
        if len(pool):
            run[rows] = pool[rng.integers(len(pool), size=len(rows))]
            shift[rows] = years
    return run, shift


def _shifted(days: np.ndarray[Any, Any], years: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    month = days.astype("datetime64[M]")
    offset = days - month.astype("datetime64[D]")
    return np.asarray(
        (month + (12 * years).astype("timedelta64[M]")).astype("datetime64[D]") + offset
    )


def _candidates(
    rng: np.random.Generator, people: People, regs: pl.DataFrame, world: World
) -> pl.DataFrame:
    tp, win = world.params.training, world.window
    jobless = regs.filter(pl.col("trigger") != "employed")
    age = (
        days_between(people.birth[jobless["person"].to_numpy()], jobless["date"].to_numpy())
        / 365.25
    )
    pick = (age <= tp.max_age) & (rng.random(jobless.height) < tp.enrol_share)
    from_regs = jobless.filter(pl.Series(pick)).select("person", "date")
    years = win.months / 12
    n = len(people)
    age0 = days_between(people.birth, np.full(n, win.first_day)) / 365.25
    employed = np.flatnonzero(
        (age0 <= tp.max_age) & (rng.random(n) < tp.employed_enrol_per_year * years)
    )
    span = int((win.end - win.first_day).astype(np.int64))
    extra = pl.DataFrame(
        {"person": employed, "date": win.first_day + uniform_days(rng, 0, span - 1, len(employed))}
    )
    return pl.concat([from_regs, extra.cast(from_regs.schema)]).sort("person", "date")


def _card_decisions(
    rng: np.random.Generator,
    people: People,
    careers: Careers,
    person: np.ndarray[Any, Any],
    day: np.ndarray[Any, Any],
    world: World,
) -> np.ndarray[Any, Any]:
    """Reject code per application: R11 for large-firm workers earning 3M+ and under 45."""
    row = spell_at(careers.spells, person, day)
    spells = careers.spells
    employed = row >= 0
    safe = np.where(employed, row, 0)
    band = world.workplaces.band[spells["workplace"].to_numpy()[safe]]
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    wage = monthly_wage(
        world,
        spells["base"].to_numpy()[safe],
        spells["hours"].to_numpy()[safe],
        spells["below_min"].to_numpy()[safe],
        year,
    )
    age = days_between(people.birth[person], day) / 365.25
    excluded = employed & (band >= 6) & (wage >= 3_000_000) & (age < 45)
    return np.where(excluded, "R11", "")


def training(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    regs: pl.DataFrame,
    world: World,
) -> pl.DataFrame:
    """Card claims, enrolments and training allowances; returns enrolments for later requests."""
    bp, win, courses = world.params.benefits, world.window, world.calibration.courses
    cand = _candidates(rng, people, regs, world)
    extra_n = len(people)
    extra = np.flatnonzero(
        rng.random(extra_n) < bp.training_card_extra_applicants_per_year * win.months / 12
    )
    target = cand["date"].to_numpy() + uniform_days(rng, 7, 90, cand.height)
    run, shift = pick_runs(rng, courses, target)
    ok = run >= 0
    cand, run, shift = cand.filter(pl.Series(ok)), run[ok], shift[ok]
    start = _shifted(courses["start"].to_numpy()[run], shift)
    end = _shifted(courses["end"].to_numpy()[run], shift)
    applied = np.maximum(start - uniform_days(rng, 7, 30, len(run)), cand["date"].to_numpy())
    keep = start < win.end
    cand, run, start, end, applied = (
        cand.filter(pl.Series(keep)),
        run[keep],
        start[keep],
        end[keep],
        applied[keep],
    )
    person = np.concatenate([cand["person"].to_numpy(), extra])
    span = int((win.end - win.first_day).astype(np.int64))
    card_day = np.concatenate([applied, win.first_day + uniform_days(rng, 0, span - 1, len(extra))])
    code = _card_decisions(rng, people, careers, person, card_day, world)
    _card_claims(out, rng, block, people, person, card_day, code, world)
    enrolled = code[: cand.height] == ""
    return _enrolments(
        out,
        rng,
        block,
        people,
        careers,
        cand["person"].to_numpy()[enrolled],
        run[enrolled],
        start[enrolled],
        end[enrolled],
        applied[enrolled],
        world,
    )


def _card_claims(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    person: np.ndarray[Any, Any],
    day: np.ndarray[Any, Any],
    code: np.ndarray[Any, Any],
    world: World,
) -> None:
    n = len(person)
    who = people.frame[person]
    ids = record_ids("TC", block, n)
    approved = code == ""
    claims = pl.DataFrame(
        {
            "claim_id": ids,
            "program": ["training_card"] * n,
            "program_ko": ["국민내일배움카드"] * n,
            "rrn": who["rrn"],
            "name": who["name"],
            "claimed_at": day - np.timedelta64(1, "D"),
            "approved_amount_won": np.where(approved, world.params.benefits.training_card_limit, 0),
            "decision": np.where(approved, "approved", "rejected"),
            "decided_at": day + uniform_days(rng, 0, 5, n) - np.timedelta64(1, "D"),
            "reject_reason_code": pl.Series(code).replace("", None),
        }
    ).with_columns(
        pl.col("reject_reason_code")
        .replace_strict(REJECT_REASONS, default=None)
        .alias("reject_reason")
    )
    out.add(CLAIMS_PATH, conform(claims, CLAIM_SCHEMA))
    out.links.append(link_rows("benefit_claims", ids, who["person_id"]))


def _status(
    rng: np.random.Generator,
    careers: Careers,
    person: np.ndarray[Any, Any],
    start: np.ndarray[Any, Any],
    end: np.ndarray[Any, Any],
    completion: np.ndarray[Any, Any],
    world: World,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """수강상태 and the last training day of each enrolment."""
    n = len(person)
    back = next_start(careers.spells, person, start)
    early = ~np.isnat(back) & (back < end)
    ongoing = end >= world.window.end
    done = rng.random(n) < completion
    dropout = start + (rng.random(n) * days_between(start, end)).astype("timedelta64[D]")
    status = np.select([ongoing, early, done], ["훈련중", "조기취업", "수료"], "중도탈락")
    last = np.select([ongoing, early, done], [world.window.end, back, end], dropout)
    return status, np.asarray(last, dtype="datetime64[D]")


def _enrolments(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    person: np.ndarray[Any, Any],
    run: np.ndarray[Any, Any],
    start: np.ndarray[Any, Any],
    end: np.ndarray[Any, Any],
    applied: np.ndarray[Any, Any],
    world: World,
) -> pl.DataFrame:
    n, noise, courses = len(person), world.params.noise, world.calibration.courses
    who = people.frame[person]
    status, last = _status(
        rng, careers, person, start, end, courses["completion"].to_numpy()[run], world
    )
    kinds = assign_corruptions(rng, n, noise.training, _KINDS)
    kinds = add_old_phone_kind(
        rng, kinds, people.phone_changed[person], noise.rate("training", "phone_old")
    )
    jibun = rng.random(n) < noise.rate("training", "jibun_address")
    birth = swap_date_digits(rng, who["birth_date"].dt.strftime("%Y%m%d"), kinds)
    attendance = np.select(
        [status == "수료", status == "중도탈락", status == "조기취업"],
        [rng.uniform(80, 100, n), rng.uniform(20, 79, n), rng.uniform(60, 95, n)],
        rng.uniform(70, 100, n),
    )
    course = courses[run]
    ids = record_ids("KD", block, n)
    table = pl.DataFrame(
        {
            "enrolment_id": ids,
            "name": vary_names(rng, who, kinds),
            "birth": null_unless(birth, kinds != "birth_date_missing"),
            "sex": np.where(who["sex"].to_numpy() == "F", "여", "남"),
            "phone": format_phones(rng, choose_phone(who, kinds), noise.phone_formats["training"]),
            "address": pl.select(
                pl.when(pl.Series(jibun))
                .then(who.select(jibun_address("sido_short")).to_series())
                .otherwise(who.select(road_address("sido_short")).to_series())
            ).to_series(),
            "course_id": course["course_id"],
            "run": course["run"],
            "course_name": course["course_name"],
            "ncs_code": course["ncs_code"],
            "ncs_name": course["ncs_name"],
            "institution": course["institution"],
            "start": start,
            "end": end,
            "applied": applied,
            "status": status,
            "attendance": np.round(attendance, 1),
        }
    )
    out.add(TRAINING_PATH, table.rename(TRAINING_HEADERS))
    out.links.append(link_rows("training", ids, who["person_id"], noise=kinds))
    _allowances(out, block, who, ids, start, last, world)
    return pl.DataFrame({"person": person, "start": start, "course_name": course["course_name"]})


def _allowances(
    out: Extract,
    block: int,
    who: pl.DataFrame,
    enrolment: pl.Series,
    start: np.ndarray[Any, Any],
    last: np.ndarray[Any, Any],
    world: World,
) -> None:
    """훈련장려금: one payment per full 30 days of training, within the window."""
    count = np.maximum(days_between(start, last) // 30, 0)
    row = np.repeat(np.arange(len(start)), count)
    k = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count) + 1
    paid_at = start[row] + (30 * k + 10).astype("timedelta64[D]")
    keep = paid_at < world.window.end
    row, paid_at = row[keep], paid_at[keep]
    ids = record_ids("TP", block, len(row))
    table = pl.DataFrame(
        {
            "payment_id": ids,
            "claim_id": enrolment.to_numpy()[row],
            "rrn": who["rrn"].to_numpy()[row],
            "program": "training_card",
            "kind": "훈련장려금",
            "paid_at": paid_at,
            "period_days": np.full(len(row), 30),
            "amount_won": np.full(len(row), world.params.benefits.training_allowance_month),
        }
    )
    out.add(PAYMENTS_PATH, conform(table, PAYMENT_SCHEMA))
    out.links.append(link_rows("benefit_payments", ids, who["person_id"].to_numpy()[row]))
