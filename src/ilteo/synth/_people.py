"""Persons of one block: identity (RRN, name, phone, address), sex and birth date.

Identifiers are unique without coordination between blocks: a fixed bijection of the person id
gives the RRN's five free digits, the birth day of the year and the parity of the birth year (the
drawn year moves by at most one to match), so two persons never share ``(birth date, sex digit,
serial)``; mobile numbers come from another bijection. Birth days never fall on 29 February.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ilteo.core.ids import RRN_WEIGHTS
from ilteo.synth._lexicon import Lexicon
from ilteo.synth._params import PopulationParams
from ilteo.synth._records import null_unless

IntArray = np.ndarray[Any, np.dtype[np.int64]]
DateArray = np.ndarray[Any, np.dtype[np.datetime64]]

# RRN bijection: q = (a·p + b) mod Q over Q = 2 (year parity) x 365 (day) x 100,000 (serial).
_RRN_Q, _RRN_A, _RRN_B = 73_000_000, 45_116_801, 1_234_567
# Mobile numbers 010-2000-0000 … 010-9999-9999: (a·p + b) mod 80,000,000 + 20,000,000.
_PHONE_Q, _PHONE_A, _PHONE_B = 80_000_000, 49_442_719, 9_999_991
_OLD_PHONE_A, _OLD_PHONE_B = 30_901_699, 31_337
# Day-of-year → (month, day) in a 365-day calendar.
_MONTH_OF_DAY = np.repeat(np.arange(1, 13), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DAY_OF_DAY = np.concatenate(
    [np.arange(1, n + 1) for n in (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)]
)


@dataclass(frozen=True, slots=True)
class People:
    """One block of persons: a frame of text fields and numpy arrays for the simulation."""

    frame: pl.DataFrame
    pid: IntArray
    female: np.ndarray[Any, np.dtype[np.bool_]]
    birth: DateArray
    sido: IntArray
    phone_changed: np.ndarray[Any, np.dtype[np.bool_]]

    def __len__(self) -> int:
        return len(self.pid)


def rrn_check_digits(digits: np.ndarray[Any, np.dtype[np.int64]]) -> IntArray:
    """Vectorised RRN check digit of an ``(n, 12)`` digit matrix.

    >>> rrn_check_digits(np.array([[9, 0, 0, 1, 0, 1, 1, 2, 3, 4, 5, 6]])).tolist()
    [8]
    """
    total = digits @ np.asarray(RRN_WEIGHTS, dtype=np.int64)
    return np.asarray((11 - total % 11) % 10, dtype=np.int64)


def _birth_dates(
    rng: np.random.Generator, pid: IntArray, start: date, population: PopulationParams
) -> tuple[DateArray, IntArray]:
    """Birth dates from the age distribution and serials from the id bijection."""
    n = len(pid)
    bands = population.age_bands
    shares = np.asarray([b[2] for b in bands], dtype=np.float64)
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    low = np.asarray([b[0] for b in bands])[band]
    high = np.asarray([b[1] for b in bands])[band]
    age = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    q = (_RRN_A * pid + _RRN_B) % _RRN_Q
    serial = q % 100_000
    day = (q // 100_000) % 365
    parity = q // 36_500_000
    year = start.year - age - (rng.random(n) < 0.5)
    shift = np.where(rng.random(n) < 0.5, 1, -1)
    year = np.where(year % 2 == parity, year, year + shift)
    # Keep the adjusted year inside the age bands (a step of two keeps the parity).
    year = np.where(year > start.year - bands[0][0] - 1, year - 2, year)
    year = np.where(year < start.year - bands[-1][1] - 1, year + 2, year)
    birth = (
        (year - 1970).astype("datetime64[Y]").astype("datetime64[M]")
        + (_MONTH_OF_DAY[day] - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (_DAY_OF_DAY[day] - 1).astype("timedelta64[D]")
    return birth, serial


def _rrns(birth: DateArray, female: np.ndarray[Any, Any], serial: IntArray) -> list[str]:
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    sex_digit = np.where(years >= 2000, 3, 1) + female.astype(np.int64)
    yy = years % 100
    cols = [yy // 10, yy % 10, months // 10, months % 10, days // 10, days % 10, sex_digit]
    cols += [(serial // 10**k) % 10 for k in (4, 3, 2, 1, 0)]
    digits = np.stack(cols, axis=1).astype(np.int64)
    check = rrn_check_digits(digits)
    number = ((yy * 100 + months) * 100 + days) * 10**7 + sex_digit * 10**6 + serial * 10 + check
    return [f"{x:013d}" for x in number.tolist()]


def _phones(pid: IntArray, a: int, b: int) -> IntArray:
    return np.asarray((a * pid + b) % _PHONE_Q + 20_000_000, dtype=np.int64)


def _names(rng: np.random.Generator, female: np.ndarray[Any, Any], lex: Lexicon) -> pl.DataFrame:
    n = len(female)
    surname_idx = rng.choice(len(lex.surnames), size=n, p=lex.surname_p)
    drawn = []
    for syl in (lex.male, lex.female):
        drawn.append(
            (
                syl.first[rng.choice(len(syl.first), size=n, p=syl.first_p)],
                syl.second[rng.choice(len(syl.second), size=n, p=syl.second_p)],
                syl.second[rng.choice(len(syl.second), size=n, p=syl.second_p)],
            )
        )
    first, second, third = (np.where(female, f, m) for m, f in zip(*drawn, strict=True))
    length = rng.random(n)
    given = np.where(length < lex.one_syllable, first, np.char.add(first, second))
    given = np.where(length > 1 - lex.three_syllable, np.char.add(given, third), given)
    surname = lex.surnames[surname_idx]
    return pl.DataFrame(
        {
            "surname": surname,
            "given_name": given,
            "name": np.char.add(surname, given),
            "surname_latin": lex.surname_latin[surname_idx],
        }
    )


def address_parts(
    rng: np.random.Generator, sido: IntArray, lex: Lexicon, unit_share: float = 0.6
) -> pl.DataFrame:
    """Synthetic address parts (시군구, road, building, 동, lot, apartment unit) in given 시도."""
    n = len(sido)
    sigungu = lex.sample_sigungu(rng, sido)
    stem = lex.road_stems[rng.integers(len(lex.road_stems), size=n)]
    suffix = lex.road_suffixes[rng.choice(len(lex.road_suffixes), size=n, p=lex.road_suffix_p)]
    number = np.exp(rng.random(n) * np.log(400)).astype(np.int64) + 1
    branch = rng.random(n) < 0.25
    branch_no = rng.integers(1, 60, size=n)
    dong = np.char.add(
        np.char.add(
            lex.dong_stems[rng.integers(len(lex.dong_stems), size=n)],
            lex.dong_seconds[rng.integers(len(lex.dong_seconds), size=n)],
        ),
        "동",
    )
    lot = rng.integers(1, 1500, size=n)
    sub = rng.integers(0, 40, size=n)
    apartment = rng.random(n) < unit_share
    return pl.DataFrame(
        {
            "sido_code": lex.sido_code[sido],
            "sido_name": lex.sido_name[sido],
            "sido_short": lex.sido_short[sido],
            "sigungu": sigungu,
            "road": np.char.add(stem, suffix),
            "road_branch": np.where(branch, branch_no, 0),
            "building_no": number,
            "dong": dong,
            "lot": lot,
            "lot_sub": sub,
            "unit": np.where(
                apartment,
                rng.integers(101, 116, size=n) * 10000
                + rng.integers(1, 26, size=n) * 100
                + rng.integers(1, 5, size=n),
                0,
            ),
        }
    )


def road_address(sido_col: str) -> pl.Expr:
    """A 도로명 address from address parts, with the 시도 written from ``sido_col``."""
    road = (
        pl.when(pl.col("road_branch") > 0)
        .then(pl.format("{}{}번길", pl.col("road"), pl.col("road_branch")))
        .otherwise(pl.col("road"))
    )
    unit = (
        pl.when(pl.col("unit") > 0)
        .then(pl.format(" {}동 {}호", pl.col("unit") // 10000, pl.col("unit") % 10000))
        .otherwise(pl.lit(""))
    )
    return pl.format(
        "{} {} {} {}{}", pl.col(sido_col), pl.col("sigungu"), road, pl.col("building_no"), unit
    ).str.replace_all("  ", " ")


def jibun_address(sido_col: str) -> pl.Expr:
    """A 지번 address (동 and lot number) from address parts."""
    lot = (
        pl.when(pl.col("lot_sub") > 0)
        .then(pl.format("{}-{}", pl.col("lot"), pl.col("lot_sub")))
        .otherwise(pl.col("lot").cast(pl.Utf8))
    )
    return pl.format(
        "{} {} {} {}", pl.col(sido_col), pl.col("sigungu"), pl.col("dong"), lot
    ).str.replace_all("  ", " ")


def make_people(
    rng: np.random.Generator,
    first_id: int,
    n: int,
    start: date,
    population: PopulationParams,
    lex: Lexicon,
) -> People:
    """Draw ``n`` persons with ids ``first_id …``."""
    pid = np.arange(first_id, first_id + n, dtype=np.int64)
    female = rng.random(n) < population.female_share
    birth, serial = _birth_dates(rng, pid, start, population)
    changed = rng.random(n) < population.phone_changed_share
    sido = rng.choice(len(lex.sido_code), size=n, p=lex.sido_p).astype(np.int64)
    places = address_parts(rng, sido, lex)
    phone = _phones(pid, _PHONE_A, _PHONE_B)
    old = _phones(pid, _OLD_PHONE_A, _OLD_PHONE_B)
    frame = pl.concat(
        [
            pl.DataFrame(
                {
                    "person_id": pid,
                    "rrn": _rrns(birth, female, serial),
                    "sex": np.where(female, "F", "M"),
                    "birth_date": birth,
                    "phone": np.char.add("010", phone.astype(np.str_)),
                    "phone_old": null_unless(np.char.add("010", old.astype(np.str_)), changed),
                }
            ),
            _names(rng, female, lex),
            places,
        ],
        how="horizontal",
    ).with_columns(
        road_address("sido_name").alias("road_address"),
        jibun_address("sido_name").alias("jibun_address"),
    )
    return People(
        frame=frame, pid=pid, female=female, birth=birth, sido=sido, phone_changed=changed
    )
