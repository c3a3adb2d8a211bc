"""Workplaces of the whole synthetic country, drawn once per run before the person blocks.

Industry x size cells are drawn with the 2023 workplace counts; persons are later assigned with
weights that make the *worker* mix follow the 2023 worker counts of the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ilteo.core.ids import BRN_WEIGHTS
from ilteo.synth._calibration import SIZE_BANDS, SIZE_RANGES, Industries
from ilteo.synth._lexicon import Lexicon
from ilteo.synth._people import address_parts, road_address
from ilteo.synth._records import null_unless

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

# BRN bijection over 899 tax-office codes (101-999) x 10,000 serials.
_BRN_Q, _BRN_A, _BRN_B = 8_990_000, 5_555_821, 424_242
#: Mean age (years) of a workplace at the start of the window, by size band (judgement).
_MEAN_AGE = np.asarray([7, 9, 11, 14, 16, 18, 22, 25, 30], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Pool:
    """Workplaces one can be hired into, with cumulative assignment weights."""

    index: IntArray
    cdf: FloatArray

    def draw(self, u: FloatArray) -> IntArray:
        """Map uniform draws to workplaces."""
        pos = np.searchsorted(self.cdf, u * self.cdf[-1], side="right")
        return np.asarray(self.index[np.minimum(pos, len(self.index) - 1)], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Workplaces:
    """All workplaces: the registry frame and arrays the simulation reads."""

    frame: pl.DataFrame
    industry: IntArray
    band: IntArray
    section: np.ndarray[Any, np.dtype[np.str_]]
    sido: IntArray
    closure_month: IntArray
    accident_rate: FloatArray
    regional: tuple[Pool, ...]
    national: Pool

    def __len__(self) -> int:
        return len(self.industry)

    def draw(self, rng: np.random.Generator, sido: IntArray, same_region: float) -> IntArray:
        """Draw one workplace per person: in their own 시도 with ``same_region`` probability."""
        u = rng.random(len(sido))
        local = rng.random(len(sido)) < same_region
        out = self.national.draw(u)
        for s, pool in enumerate(self.regional):
            rows = np.flatnonzero(local & (sido == s))
            if len(rows) and len(pool.index):
                out[rows] = pool.draw(u[rows])
        return out


def brn_check_digits(digits: IntArray) -> IntArray:
    """Vectorised business-registration check digit of an ``(n, 9)`` digit matrix.

    >>> brn_check_digits(np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9]])).tolist()
    [1]
    """
    total = digits @ np.asarray(BRN_WEIGHTS, dtype=np.int64) + digits[:, 8] * 5 // 10
    return np.asarray((10 - total % 10) % 10, dtype=np.int64)


def _brns(rng: np.random.Generator, wid: IntArray, kind: IntArray) -> list[str]:
    """Unique BRNs: office and serial from a bijection of the id, type code from ``kind``.

    ``kind`` is 0 for individuals (type 01-79), 1 for companies (81/86/87), 2 for non-profits
    (82) and 3 for public bodies (83).
    """
    q = (_BRN_A * wid + _BRN_B) % _BRN_Q
    office = 101 + q // 10_000
    serial = q % 10_000
    company = rng.choice(np.asarray([81, 86, 87]), size=len(wid), p=[0.6, 0.3, 0.1])
    individual = rng.integers(1, 80, size=len(wid))
    code = np.select([kind == 1, kind == 2, kind == 3], [company, 82, 83], individual)
    head = office * 1_000_000 + code * 10_000 + serial
    digits = np.stack([(head // 10**k) % 10 for k in range(8, -1, -1)], axis=1)
    number = head * 10 + brn_check_digits(digits)
    return [f"{x:010d}" for x in number.tolist()]


def _sizes(rng: np.random.Generator, band: IntArray) -> IntArray:
    low = np.asarray([r[0] for r in SIZE_RANGES])[band]
    high = np.asarray([r[1] for r in SIZE_RANGES])[band]
    size = low + (rng.random(len(band)) * (high - low + 1)).astype(np.int64)
    # 1,000+: Pareto with shape 1.55 (mean ≈ 2,800, near the 2023 average of that band).
    big = 1000 * (1 - rng.random(len(band))) ** (-1 / 1.55)
    return np.where(band == len(SIZE_RANGES) - 1, np.minimum(big, 60_000).astype(np.int64), size)


def _names(
    rng: np.random.Generator, section: np.ndarray[Any, Any], band: IntArray, lex: Lexicon
) -> tuple[np.ndarray[Any, np.dtype[np.str_]], IntArray]:
    n = len(section)
    brand = np.char.add(
        lex.brand_first[rng.integers(len(lex.brand_first), size=n)],
        lex.brand_second[rng.integers(len(lex.brand_second), size=n)],
    )
    word = np.empty(n, dtype=object)
    for letter, words in lex.industry_words.items():
        rows = np.flatnonzero(section == letter)
        word[rows] = words[rng.integers(len(words), size=len(rows))]
    form = lex.legal_forms[rng.choice(len(lex.legal_forms), size=n, p=lex.legal_form_p)]
    form = np.where((band >= 2) & (form == ""), "(주)", form)
    name = np.char.add(np.char.add(form, brand), word.astype(np.str_))
    kind = np.where(form == "", 0, 1)
    kind = np.where(np.isin(section, ["P", "Q", "S"]) & (rng.random(n) < 0.3), 2, kind)
    kind = np.where(section == "O", 3, kind)
    return name, kind.astype(np.int64)


def make_workplaces(
    rng: np.random.Generator,
    persons: int,
    start: date,
    months: int,
    industries: Industries,
    closure_rate: float,
    lex: Lexicon,
) -> Workplaces:
    """Draw the workplaces of a country of ``persons`` persons."""
    n_bands = len(SIZE_BANDS)
    ratio = industries.workplaces.sum() / industries.workers.sum()
    n = max(10, round(persons * ratio))
    p = industries.workplaces / industries.workplaces.sum()
    cell = rng.choice(len(p), size=n, p=p)
    industry, band = cell // n_bands, cell % n_bands
    declared = _sizes(rng, band)
    declared_by_cell = np.bincount(cell, weights=declared, minlength=len(p))
    weight = declared * industries.workers[cell] / np.maximum(declared_by_cell[cell], 1)
    weight = _keep_industry_totals(weight, cell, industry, industries.workers, n_bands)
    ksic = np.empty(n, dtype=object)
    for i, codes in enumerate(industries.ksic_codes):
        rows = np.flatnonzero(industry == i)
        ksic[rows] = codes[rng.integers(len(codes), size=len(rows))]
    ksic_codes = ksic.astype(np.str_)
    section = np.asarray([industries.section_of_division[c[:2]] for c in ksic_codes.tolist()])
    sido = rng.choice(len(lex.sido_code), size=n, p=lex.sido_p).astype(np.int64)
    age_days = rng.exponential(_MEAN_AGE[band] * 365.25)
    opened = np.datetime64(start, "D") - np.minimum(age_days, 60 * 365.25).astype("timedelta64[D]")
    small = band <= 1
    first_closure = (
        rng.geometric(closure_rate, size=n) - 1 if closure_rate > 0 else np.full(n, months)
    )
    closure = np.where(small & (first_closure < months), first_closure, -1).astype(np.int64)
    month_start = np.datetime64(start, "M") + closure.clip(0).astype("timedelta64[M]")
    closed_day = month_start.astype("datetime64[D]") + (rng.random(n) * 28).astype("timedelta64[D]")
    wid = np.arange(n, dtype=np.int64)
    name, kind = _names(rng, section, band, lex)
    brn = _brns(rng, wid, kind)
    parts = address_parts(rng, sido, lex, unit_share=0.0)
    frame = pl.concat(
        [
            pl.DataFrame(
                {
                    "workplace_id": wid,
                    "brn": brn,
                    "name": name,
                    "ksic_code": ksic_codes,
                    "ksic_name": [industries.ksic_titles.get(c, "") for c in ksic_codes.tolist()],
                    "industry_major": np.asarray(industries.major)[industry],
                    "industry_middle": np.asarray(industries.middle)[industry],
                    "size_band": np.asarray(SIZE_BANDS)[band],
                    "employees_declared": declared,
                    "opened_on": opened,
                    "closed_on": null_unless(closed_day, closure >= 0),
                    "accident_rate": industries.accident_rate[cell],
                }
            ),
            parts,
        ],
        how="horizontal",
    ).with_columns(
        (pl.col("brn") + "0").alias("workplace_mgmt_no"),
        road_address("sido_name").alias("address"),
    )
    regional = tuple(_pool(np.flatnonzero(sido == s), weight) for s in range(len(lex.sido_code)))
    return Workplaces(
        frame=frame,
        industry=industry.astype(np.int64),
        band=band.astype(np.int64),
        section=section,
        sido=sido,
        closure_month=closure,
        accident_rate=industries.accident_rate[cell],
        regional=regional,
        national=_pool(wid, weight),
    )


def _keep_industry_totals(
    weight: FloatArray, cell: IntArray, industry: IntArray, workers: FloatArray, n_bands: int
) -> FloatArray:
    """Give the workers of cells that drew no workplace to the same industry's other cells.

    A small country draws few large workplaces; without this, industries whose workers are
    concentrated in large workplaces (manufacturing) would be under-represented.
    """
    drawn = np.bincount(cell, minlength=len(workers)) > 0
    lost = np.bincount(np.arange(len(workers)) // n_bands, weights=workers * ~drawn)
    kept = np.bincount(industry, weights=weight, minlength=len(lost))
    scale = np.where(kept > 0, (kept + lost[: len(kept)]) / np.maximum(kept, 1e-12), 1.0)
    return np.asarray(weight * scale[industry], dtype=np.float64)


def _pool(index: IntArray, weight: FloatArray) -> Pool:
    return Pool(index=index.astype(np.int64), cdf=np.cumsum(weight[index]))
