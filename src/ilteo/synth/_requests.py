"""Citizen requests and complaints (민원), as an e-People JSON Lines export, with their truth.

Requests follow events (a separation, an accident, a training course, a rejected claim) or arrive
without a trigger during a job. The workplace is named exactly, as a variant (no legal form,
spacing, 본사/공장) or only by its address, so grouping requests by employer is not trivial.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ilteo.synth._careers import Careers, draw_categories
from ilteo.synth._hangul import typo_name
from ilteo.synth._noise import assign_corruptions, format_phones, vary_names
from ilteo.synth._people import People
from ilteo.synth._records import (
    Extract,
    days_between,
    link_rows,
    null_unless,
    record_ids,
    uniform_days,
)
from ilteo.synth._request_text import DRAWS, Templates, compose, load_templates, won
from ilteo.synth._world import World

REQUESTS_PATH = "requests/epeople_requests.jsonl"
TRUTH_PATH = "ground_truth/requests.parquet"
_CHANNELS = {"인터넷": 0.60, "모바일": 0.25, "전화(1350)": 0.10, "방문": 0.05}
_SUFFIXES = (" 본사", " 공장", " 지점", " 현장", "")


def _pool(person: Any, day: Any, workplace: Any, category: Any) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person": np.asarray(person, dtype=np.int64),
            "day": np.asarray(day, dtype="datetime64[D]"),
            "workplace": np.asarray(workplace, dtype=np.int64),
            "category": np.asarray(category, dtype=np.str_),
        },
        schema={"person": pl.Int64, "day": pl.Date, "workplace": pl.Int64, "category": pl.Utf8},
    )


def _after_separations(
    rng: np.random.Generator, spells: pl.DataFrame, world: World
) -> pl.DataFrame:
    rp = world.params.requests
    sep = spells.filter(pl.col("end").is_not_null())
    sep = sep.filter(pl.Series(rng.random(sep.height) < rp.after_separation))
    category = np.empty(sep.height, dtype=object)
    reason = sep["reason"].to_numpy()
    for code, weights in rp.separation_categories.items():
        rows = np.flatnonzero(reason == code)
        category[rows] = draw_categories(rng, len(rows), weights)
    ai = sep["shock_excess"].to_numpy() & (rng.random(sep.height) < rp.shock_ai_share)
    category = np.where(ai, "ai_transition", category.astype(np.str_))
    day = sep["end"].to_numpy() + uniform_days(rng, 0, 60, sep.height)
    return _pool(sep["person"], day, sep["workplace"], category)


def _background(rng: np.random.Generator, spells: pl.DataFrame, world: World) -> pl.DataFrame:
    rp, win = world.params.requests, world.window
    start = np.maximum(spells["start"].to_numpy(), win.first_day)
    end = spells["end"].to_numpy()
    end = np.where(np.isnat(end), win.end, np.minimum(end, win.end))
    span = np.maximum(days_between(start, end), 0)
    count = rng.poisson(rp.background_per_year * span / 365.25)
    row = np.repeat(np.arange(len(count)), count)
    day = start[row] + (rng.random(len(row)) * span[row]).astype("timedelta64[D]")
    occupation = spells["occupation"].to_numpy()[row]
    month = np.clip(win.month_index(day), 0, win.months - 1)
    shocked = world.separation_multiplier[month, occupation] > 1
    base = draw_categories(rng, len(row), rp.background_categories)
    boosted = dict(rp.background_categories)
    boosted["ai_transition"] = boosted.get("ai_transition", 0.0) * rp.shock_ai_boost
    category = np.where(shocked, draw_categories(rng, len(row), boosted), base)
    return _pool(
        spells["person"].to_numpy()[row], day, spells["workplace"].to_numpy()[row], category
    )


def _events(
    rng: np.random.Generator,
    careers: Careers,
    accidents: pl.DataFrame,
    enrolments: pl.DataFrame,
    claims: pl.DataFrame,
    world: World,
) -> pl.DataFrame:
    """Every request of the block: who, when, about which workplace and which category."""
    rp = world.params.requests
    acc = accidents.filter(pl.Series(rng.random(accidents.height) < rp.after_accident))
    acc_cat = np.where(rng.random(acc.height) < 0.8, "industrial_accident_comp", "safety_hazard")
    tr = enrolments.filter(pl.Series(rng.random(enrolments.height) < rp.after_training))
    rej = claims.filter(pl.col("decision") == "rejected")
    rej = rej.filter(pl.Series(rng.random(rej.height) < rp.after_rejection))
    pools = [
        _after_separations(rng, careers.spells, world),
        _pool(
            acc["person"],
            acc["day"].to_numpy() + uniform_days(rng, 3, 60, acc.height),
            acc["workplace"],
            acc_cat,
        ),
        _pool(
            tr["person"],
            tr["start"].to_numpy() + uniform_days(rng, -20, 60, tr.height),
            np.full(tr.height, -1),
            np.full(tr.height, "vocational_training"),
        ),
        _pool(
            rej["person"],
            rej["decided_at"].to_numpy() + uniform_days(rng, 0, 30, rej.height),
            rej["workplace"],
            np.full(rej.height, "unemployment_benefit"),
        ),
        _background(rng, careers.spells, world),
    ]
    events = pl.concat(pools).filter(
        (pl.col("day") < pl.lit(world.window.end))
        & (pl.col("day") >= pl.lit(world.window.first_day))
    )
    return events.sort("day", "person", "category")


def _employer_reference(
    rng: np.random.Generator, names: list[str | None], addresses: list[str | None], world: World
) -> tuple[list[str], list[str | None], list[str | None], list[str]]:
    """(text slot, form name, form address, how) per request; noisy on purpose."""
    rp = world.params.requests
    how = draw_categories(
        rng,
        len(names),
        {
            "exact": rp.workplace_exact,
            "variant": rp.workplace_variant,
            "address_only": rp.workplace_address_only,
        },
    )
    slot: list[str] = []
    form_name: list[str | None] = []
    form_address: list[str | None] = []
    u = rng.random((len(names), 4))
    for i, name in enumerate(names):
        if name is None:
            slot.append("저희 회사")
            form_name.append(None)
            form_address.append(None)
            how[i] = "none"
            continue
        address = addresses[i] or ""
        if how[i] == "address_only":
            slot.append(f"{' '.join(address.split()[:3])}에 있는 회사")
            form_name.append(None)
            form_address.append(address if u[i, 0] < 0.7 else " ".join(address.split()[:2]))
            continue
        if how[i] == "variant":
            name = _variant(name, u[i], rng)
        slot.append(name)
        form_name.append(name if u[i, 1] < 0.8 else None)
        form_address.append(address if u[i, 2] < 0.3 else None)
    return slot, form_name, form_address, how.tolist()


def _variant(name: str, u: np.ndarray[Any, Any], rng: np.random.Generator) -> str:
    """A way people write a company name: no legal form, other form, spaces, a suffix, a typo.

    >>> _variant("(주)한빛정밀", np.array([0.1, 0.9, 0.9, 0.9]), np.random.default_rng(0))
    '한빛정밀'
    """
    bare = name.replace("(주)", "").replace("주식회사 ", "").replace("(유)", "").strip()
    if u[0] < 0.35:
        out = bare
    elif u[0] < 0.5:
        out = f"주식회사 {bare}" if name.startswith("(주)") else f"(주){bare}"
    elif u[0] < 0.7 and len(bare) > 3:
        out = f"{bare[:2]} {bare[2:]}"
    elif u[0] < 0.85:
        out = typo_name(bare, rng) if len(bare) > 1 else bare
    else:
        out = bare + _SUFFIXES[int(u[3] * len(_SUFFIXES)) % len(_SUFFIXES)]
    return out


def _urgency(
    rng: np.random.Generator, category: np.ndarray[Any, Any], world: World
) -> np.ndarray[Any, Any]:
    rp, n = world.params.requests, len(category)
    u = rng.random(n)
    out = np.full(n, "", dtype=object)
    out = np.where(
        (category == "wage_arrears") & (u < rp.mass_arrears_share_of_wage), "mass_arrears", out
    )
    out = np.where(
        (category == "safety_hazard") & (u < rp.imminent_danger_share_of_safety),
        "imminent_danger",
        out,
    )
    self_harm = np.isin(
        category,
        [
            "wage_arrears",
            "unemployment_benefit",
            "workplace_harassment",
            "unfair_dismissal",
            "job_seeking_support",
            "other",
        ],
    )
    out = np.where(self_harm & (rng.random(n) < rp.self_harm_share * 2), "self_harm", out)
    return out.astype(np.str_)


def _secondary(
    rng: np.random.Generator, t: Templates, category: np.ndarray[Any, Any], share: float
) -> list[str | None]:
    """A confusable second category for a ``share`` of requests (the ambiguous ones)."""
    ambiguous = rng.random(len(category)) < share
    pick = rng.random(len(category))
    return [
        t.confusable[c][int(p * len(t.confusable[c]))] if a else None
        for c, a, p in zip(category.tolist(), ambiguous.tolist(), pick.tolist(), strict=True)
    ]


def _texts(
    rng: np.random.Generator,
    t: Templates,
    category: np.ndarray[Any, Any],
    secondary: list[str | None],
    urgent: np.ndarray[Any, Any],
    slots: dict[str, list[Any]],
) -> tuple[list[str], list[str]]:
    """Title and body of every request (one small template composition each)."""
    u = rng.random((len(category), DRAWS))
    titles, bodies = [], []
    for i in range(len(category)):
        values = {k: v[i] for k, v in slots.items()}
        title, body = compose(t, category[i], secondary[i], urgent[i] or None, values, u[i])
        titles.append(title)
        bodies.append(body)
    return titles, bodies


def requests(
    out: Extract,
    rng: np.random.Generator,
    block: int,
    people: People,
    careers: Careers,
    accidents: pl.DataFrame,
    enrolments: pl.DataFrame,
    claims: pl.DataFrame,
    world: World,
) -> pl.DataFrame:
    """Write the requests of one block; return their ground truth."""
    t = load_templates()
    events = _events(rng, careers, accidents, enrolments, claims, world)
    n, rp = events.height, world.params.requests
    person = events["person"].to_numpy()
    wp = events["workplace"].to_numpy()
    who = people.frame[person]
    places = world.workplaces.frame[np.maximum(wp, 0)].select("name", "address")
    names = [
        None if w < 0 else s for w, s in zip(wp.tolist(), places["name"].to_list(), strict=True)
    ]
    slot, form_name, form_address, how = _employer_reference(
        rng, names, places["address"].to_list(), world
    )
    category = events["category"].to_numpy()
    secondary = _secondary(rng, t, category, rp.ambiguous_share)
    urgent = _urgency(rng, category, world)
    slots = _slots(rng, t, people, careers, events, enrolments, world)
    slots["employer"] = slot
    titles, bodies = _texts(rng, t, category, secondary, urgent, slots)
    kinds = assign_corruptions(
        rng, n, world.params.noise.requests, ("name_typo", "name_romanized", "phone_missing")
    )
    anonymous = rng.random(n) < np.where(category == "safety_hazard", 0.3, rp.anonymous_share)
    phone = format_phones(rng, who["phone"], world.params.noise.phone_formats["requests"])
    ids = record_ids("RQ", block, n)
    seconds = rng.integers(8 * 3600, 24 * 3600, n)
    received = pl.Series(events["day"]).cast(pl.Datetime("ms")) + pl.Series(seconds * 1000).cast(
        pl.Duration("ms")
    )
    table = pl.DataFrame(
        {
            "request_id": ids,
            "received_at": received.dt.strftime("%Y-%m-%dT%H:%M:%S+09:00"),
            "channel": draw_categories(rng, n, _CHANNELS),
            "petitioner_name": null_unless(vary_names(rng, who, kinds), ~anonymous).fill_null(
                "익명"
            ),
            "petitioner_phone": null_unless(phone, ~anonymous & (kinds != "phone_missing")),
            "petitioner_sido": who["sido_short"],
            "title": titles,
            "body": bodies,
            "workplace_name": pl.Series(form_name, dtype=pl.Utf8),
            "workplace_address": pl.Series(form_address, dtype=pl.Utf8),
        }
    )
    out.add(REQUESTS_PATH, table)
    noise = np.where(anonymous, "anonymous", kinds)
    workplace_id = pl.Series(wp).replace(-1, None)
    out.links.append(link_rows("requests", ids, who["person_id"], workplace_id, noise))
    truth = pl.DataFrame(
        {
            "request_id": ids,
            "person_id": who["person_id"],
            "workplace_id": workplace_id,
            "category": category,
            "secondary_category": pl.Series(secondary, dtype=pl.Utf8),
            "urgency": np.where(urgent != "", "urgent", "normal"),
            "urgency_reason": pl.Series(urgent).replace("", None),
            "workplace_reference": how,
        }
    )
    out.add(TRUTH_PATH, truth)
    return truth


def _slots(
    rng: np.random.Generator,
    t: Templates,
    people: People,
    careers: Careers,
    events: pl.DataFrame,
    enrolments: pl.DataFrame,
    world: World,
) -> dict[str, list[Any]]:
    """Values for every template slot, one list per slot."""
    n = events.height
    person = events["person"].to_numpy()
    day = events["day"].to_numpy()
    who = people.frame[person]
    age = days_between(people.birth[person], day) // 365
    last = careers.last_occupation_at_start.copy()
    spells = careers.spells
    last[spells["person"].to_numpy()] = spells["occupation"].to_numpy()  # sorted: the last wins
    occ = world.calibration.occupations.titles[last[person]]
    months = rng.integers(2, 9, n)
    monthly = rng.uniform(2.2e6, 4.5e6, n)
    courses = dict(
        zip(enrolments["person"].to_list(), enrolments["course_name"].to_list(), strict=False)
    )
    months_ko = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days_ko = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    nationality = np.asarray(t.nationalities)[rng.integers(len(t.nationalities), size=n)]
    accident = np.asarray(t.accidents)[rng.integers(len(t.accidents), size=n)]
    return {
        "region": who["sido_short"].to_list(),
        "district": who["sigungu"].to_list(),
        "age": [f"{max(a // 10, 1) * 10}대" for a in age.tolist()],
        "sex_word": [t.sex_words[s] for s in who["sex"].to_list()],
        "occupation": occ.tolist(),
        "years": rng.integers(1, 16, n).tolist(),
        "months": months.tolist(),
        "amount": [won(x) for x in (months * monthly).tolist()],
        "total_amount": [won(x) for x in (months * monthly * rng.integers(5, 60, n)).tolist()],
        "n_workers": rng.integers(5, 81, n).tolist(),
        "hours": rng.integers(52, 73, n).tolist(),
        "days": rng.integers(3, 121, n).tolist(),
        "date": [f"{m}월 {d}일" for m, d in zip(months_ko.tolist(), days_ko.tolist(), strict=True)],
        "benefit_amount": [f"{x:,}" for x in rng.integers(60_000, 68_100, n).tolist()],
        "low_wage": [f"{x:,}" for x in (rng.integers(75, 99, n) * 100).tolist()],
        "child_age": rng.integers(6, 97, n).tolist(),
        "course": [courses.get(p, "K-디지털 트레이닝") for p in person.tolist()],
        "nationality": nationality.tolist(),
        "accident": accident.tolist(),
    }
