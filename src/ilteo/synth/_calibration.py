"""Distributions of the synthetic country, computed from real public aggregates.

* industry x size mix of workplaces and workers, and accident rates: ``kr_accidents`` (2023),
  with the 산재보험 업종 → KSIC-11 mapping of ``industry_map.yaml``;
* occupation mix and relative wages: BLS OEWS employment and mean wages, carried SOC 2018 → SOC
  2010 → ISCO-08 by the BLS crosswalks, and ISCO-08 → KSCO 8 by English titles (see
  :func:`_match_ksco_to_isco`), scaled to Korean major-group shares from ``params.yaml``;
* K-Digital Training course runs: ``kdt_courses``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.synth._params import SynthParams, read_yaml
from ilteo.synth._reference import load_table, number, text

SIZE_BANDS = (
    "5인 미만",
    "5~9인",
    "10~29인",
    "30~49인",
    "50~99인",
    "100~299인",
    "300~499인",
    "500~999인",
    "1000인 이상",
)
#: Inclusive employee-count range of each size band (the last is open; 5,000 is a cap).
SIZE_RANGES: tuple[tuple[int, int], ...] = (
    (1, 4), (5, 9), (10, 29), (30, 49), (50, 99), (100, 299), (300, 499), (500, 999), (1000, 5000),
)  # fmt: skip

_STOP = frozenset(
    {
        "and", "of", "the", "other", "related", "n", "e", "c", "nec", "in", "workers", "worker",
        "for", "not", "elsewhere", "classified", "including", "except", "all",
    }
)  # fmt: skip
#: ISCO-08 major groups a KSCO 8 major group may correspond to (KSCO 2 spans ISCO 2 and 3, …).
_ISCO_MAJORS = {"1": "1", "2": "23", "3": "34", "4": "35", "5": "359", "6": "69"}
_ISCO_MAJORS |= {"7": "7", "8": "8", "9": "9"}
#: Top-coded BLS annual wage (``#`` in the file), May 2024.
_BLS_TOP_WAGE = 239_200.0


@dataclass(frozen=True, slots=True)
class Industries:
    """Industry cells (산재보험 중업종) x size bands, flattened cell-major."""

    major: tuple[str, ...]
    middle: tuple[str, ...]
    workplaces: np.ndarray[Any, np.dtype[np.float64]]
    workers: np.ndarray[Any, np.dtype[np.float64]]
    accident_rate: np.ndarray[Any, np.dtype[np.float64]]
    ksic_codes: tuple[np.ndarray[Any, np.dtype[np.str_]], ...]
    ksic_titles: dict[str, str]
    section_of_division: dict[str, str]


@dataclass(frozen=True, slots=True)
class Occupations:
    """KSCO 8 unit groups (military excluded) with weights and relative wages."""

    codes: np.ndarray[Any, np.dtype[np.str_]]
    titles: np.ndarray[Any, np.dtype[np.str_]]
    weight: np.ndarray[Any, np.dtype[np.float64]]
    rel_wage: np.ndarray[Any, np.dtype[np.float64]]
    section_cdf: dict[str, np.ndarray[Any, np.dtype[np.float64]]]
    match_method: np.ndarray[Any, np.dtype[np.str_]]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Everything the generator draws from."""

    industries: Industries
    occupations: Occupations
    courses: pl.DataFrame


def load_calibration(settings: Settings, params: SynthParams) -> Calibration:
    """Read the reference tables and build the distributions (a fraction of a second)."""
    try:
        return Calibration(
            industries=_industries(settings, params.accidents.year),
            occupations=_occupations(settings, params),
            courses=_courses(settings),
        )
    except KeyError as exc:
        raise DataUnavailableError(
            f"참조 데이터에 필요한 열이 없습니다 / a reference table lacks column {exc}"
        ) from exc


# --- industries ---------------------------------------------------------------------------------


def _industries(settings: Settings, year: int) -> Industries:
    mapping = read_yaml("industry_map.yaml")
    section_of_division = {d: s for s, divs in mapping["sections"].items() for d in divs}
    cells = [c for c in mapping["cells"] if c["ksic"]]
    raw = load_table("kr_accidents", "accidents_by_industry_size_2021_2023", settings)
    rows = raw.filter(text("통계기준년").str.slice(0, 4) == str(year)).with_columns(
        text("대업종").alias("major"), text("중업종").alias("middle"), text("항목").alias("item")
    )
    measures: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for prefix, key in (("사업장수", "workplaces"), ("근로자수", "workers"), ("요양재해자수", "n")):
        table = np.zeros((len(cells), len(SIZE_BANDS)))
        for i, cell in enumerate(cells):
            hit = rows.filter(
                (pl.col("major") == cell["major"])
                & (pl.col("middle") == cell["middle"])
                & pl.col("item").str.starts_with(prefix)
            )
            if hit.height != 1:
                raise DataUnavailableError(
                    f"산업재해 통계에 {cell['middle']} {prefix} 행이 없습니다 / accident "
                    f"statistics lack {cell['middle']} {prefix} for {year}"
                )
            values = hit.select([number(b).fill_null(0.0) for b in SIZE_BANDS]).row(0)
            table[i] = np.asarray(values, dtype=np.float64)
        measures[key] = table
    workers, injured = measures["workers"], measures["n"]
    cell_rate = injured.sum(axis=1, keepdims=True) / np.maximum(
        workers.sum(axis=1, keepdims=True), 1
    )
    rate = np.where(workers > 0, injured / np.maximum(workers, 1), cell_rate)
    codes, titles = _ksic_by_cell(settings, [c["ksic"] for c in cells])
    return Industries(
        major=tuple(c["major"] for c in cells),
        middle=tuple(c["middle"] for c in cells),
        workplaces=measures["workplaces"].ravel(),
        workers=workers.ravel(),
        accident_rate=rate.ravel(),
        ksic_codes=codes,
        ksic_titles=titles,
        section_of_division=section_of_division,
    )


def _ksic_by_cell(
    settings: Settings, prefixes: list[list[str]]
) -> tuple[tuple[np.ndarray[Any, np.dtype[np.str_]], ...], dict[str, str]]:
    """Assign every KSIC-11 5-digit code to the cell with the longest matching prefix."""
    ksic = load_table("ksic", "ksic11_codes_full", settings).select(
        text("code").alias("code"), text("title_ko").alias("title")
    )
    fine = ksic.filter(pl.col("code").str.contains(r"^\d{5}$"))
    by_cell: list[list[str]] = [[] for _ in prefixes]
    for code in fine["code"].to_list():
        best, best_len = -1, 0
        for i, cell_prefixes in enumerate(prefixes):
            for prefix in cell_prefixes:
                if code.startswith(prefix) and len(prefix) > best_len:
                    best, best_len = i, len(prefix)
        if best >= 0:
            by_cell[best].append(code)
    empty = [i for i, codes in enumerate(by_cell) if not codes]
    if empty:
        raise DataUnavailableError(f"KSIC codes missing for industry cells {empty}")
    titles = dict(zip(ksic["code"].to_list(), ksic["title"].to_list(), strict=True))
    return tuple(np.asarray(sorted(c), dtype=np.str_) for c in by_cell), titles


# --- occupations --------------------------------------------------------------------------------


def _tokens(title: str) -> frozenset[str]:
    """Content words of an occupation title, crudely singularised.

    >>> sorted(_tokens("Web and Multimedia Developers"))
    ['developer', 'multimedia', 'web']
    """
    words = set()
    for word in re.findall(r"[a-z]+", title.lower()):
        if word in _STOP:
            continue
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def _match_ksco_to_isco(
    ksco: list[tuple[str, str]], isco: list[tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    """Match KSCO units to ISCO-08 unit groups by English title.

    First exact equality of normalised titles; otherwise the ISCO title with the highest word
    overlap (Jaccard ≥ 0.5) among compatible major groups. Returns ``code → (isco, method)``.

    >>> _match_ksco_to_isco([("2224", "Web Developers")],
    ...                     [("2513", "Web and multimedia developers"), ("7111", "House builders")])
    {'2224': ('2513', 'token')}
    """
    isco_tokens = [(code, title.lower().strip(), _tokens(title)) for code, title in isco]
    matches: dict[str, tuple[str, str]] = {}
    for code, name in ksco:
        allowed = _ISCO_MAJORS.get(code[0], "")
        lowered = name.lower().strip()
        exact = [c for c, t, _ in isco_tokens if t == lowered and c[0] in allowed]
        if exact:
            matches[code] = (exact[0], "exact")
            continue
        mine = _tokens(name)
        best, best_score = "", 0.0
        for c, _, theirs in isco_tokens:
            if c[0] not in allowed or not mine or not theirs:
                continue
            score = len(mine & theirs) / len(mine | theirs)
            if score > best_score:
                best, best_score = c, score
        if best_score >= 0.5:
            matches[code] = (best, "token")
    return matches


def _isco_employment(settings: Settings) -> pl.DataFrame:
    """ISCO-08 unit groups with U.S. employment and employment-weighted mean annual wage."""
    oews = load_table("bls_oews", "oews_national_may2024", settings).filter(
        text("O_GROUP") == "detailed"
    )
    wage = number("A_MEAN")
    wage = pl.when(text("A_MEAN") == "#").then(pl.lit(_BLS_TOP_WAGE)).otherwise(wage)
    soc18 = oews.select(
        text("OCC_CODE").alias("soc2018"), number("TOT_EMP").alias("emp"), wage.alias("wage")
    ).filter(pl.col("emp").is_not_null())
    bridge = load_table("crosswalks", "soc2010_soc2018", settings).select(
        text("soc2010").alias("soc2010"), text("soc2018").alias("soc2018")
    )
    to_isco = load_table("crosswalks", "soc2010_isco2008", settings).select(
        text("soc2010").alias("soc2010"),
        text("isco2008").alias("isco"),
        text("isco2008_title").alias("isco_title"),
    )
    # Split employment equally over many-to-many links, step by step.
    soc10 = (
        soc18.join(bridge, on="soc2018")
        .with_columns(pl.col("emp") / pl.len().over("soc2018"))
        .join(to_isco, on="soc2010")
        .with_columns(pl.col("emp") / pl.len().over(["soc2018", "soc2010"]))
    )
    return (
        soc10.group_by("isco", maintain_order=True)
        .agg(
            pl.col("isco_title").first(),
            pl.col("emp").sum(),
            (
                (pl.col("wage") * pl.col("emp")).sum()
                / pl.col("emp").filter(pl.col("wage").is_not_null()).sum()
            ).alias("wage"),
        )
        .sort("isco")
    )


def _occupations(settings: Settings, params: SynthParams) -> Occupations:
    ksco = (
        load_table("ksco8", "ksco8_codes_4level_with_en", settings)
        .select(text("code"), text("title_ko"), text("level"), text("name_en"))
        .filter((pl.col("level") == "unit") & ~pl.col("code").str.starts_with("A"))
        .sort("code")
    )
    isco = _isco_employment(settings)
    isco_pairs = list(zip(isco["isco"].to_list(), isco["isco_title"].to_list(), strict=True))
    ksco_pairs = [(c, n or "") for c, n in zip(ksco["code"], ksco["name_en"], strict=True)]
    matches = _match_ksco_to_isco(ksco_pairs, isco_pairs)
    emp = dict(zip(isco["isco"].to_list(), isco["emp"].to_list(), strict=True))
    pay = dict(zip(isco["isco"].to_list(), isco["wage"].to_list(), strict=True))
    national = float(np.nansum(isco["wage"].fill_null(np.nan) * isco["emp"]) / isco["emp"].sum())
    shared = {i: sum(1 for m in matches.values() if m[0] == i) for i, _ in matches.values()}
    codes = ksco["code"].to_list()
    weight = np.full(len(codes), np.nan)
    rel = np.full(len(codes), np.nan)
    method = np.full(len(codes), "fallback", dtype=object)
    for k, code in enumerate(codes):
        if code in matches:
            isco_code, how = matches[code]
            weight[k] = emp[isco_code] / shared[isco_code]
            rel[k] = (pay[isco_code] or national) / national
            method[k] = how
    majors = np.asarray([c[0] for c in codes])
    for major, share in params.occupations.major_shares.items():
        inside = majors == major
        known = inside & ~np.isnan(weight)
        fill_w = float(np.mean(weight[known])) if known.any() else 1.0
        fill_r = float(np.average(rel[known], weights=weight[known])) if known.any() else 1.0
        weight[inside & np.isnan(weight)] = fill_w
        rel[inside & np.isnan(rel)] = fill_r
        weight[inside] *= share / weight[inside].sum()
    weight = np.nan_to_num(weight)
    rel = np.nan_to_num(rel, nan=1.0) ** params.occupations.wage_exponent
    rel /= float(np.average(rel, weights=weight))
    return Occupations(
        codes=np.asarray(codes, dtype=np.str_),
        titles=np.asarray(ksco["title_ko"].to_list(), dtype=np.str_),
        weight=weight / weight.sum(),
        rel_wage=rel,
        section_cdf=_section_cdfs(codes, weight, params.occupations.by_section),
        match_method=np.asarray(method, dtype=np.str_),
    )


def _section_cdfs(
    codes: list[str], weight: np.ndarray[Any, np.dtype[np.float64]], by_section: dict[str, Any]
) -> dict[str, np.ndarray[Any, np.dtype[np.float64]]]:
    """Cumulative occupation weights per KSIC section (longest matching prefix multiplier)."""
    cdfs = {}
    for section, multipliers in by_section.items():
        factor = np.ones(len(codes))
        for k, code in enumerate(codes):
            best = ""
            for prefix in multipliers:
                if code.startswith(prefix) and len(prefix) > len(best):
                    best = prefix
            if best:
                factor[k] = float(multipliers[best])
        w = weight * factor
        cdfs[section] = np.cumsum(w) / w.sum()
    return cdfs


# --- courses ------------------------------------------------------------------------------------


def _courses(settings: Settings) -> pl.DataFrame:
    """K-Digital Training course runs with typed columns."""
    raw = load_table("kdt_courses", "kdt_courses_2021_01_to_2024_10", settings)
    completion = number("수료율")
    return (
        raw.select(
            text("훈련과정 ID").alias("course_id"),
            text("회차").alias("run"),
            text("과정명").alias("course_name"),
            text("훈련기관").alias("institution"),
            text("과정시작일").str.to_date("%Y-%m-%d", strict=False).alias("start"),
            text("과정종료일").str.to_date("%Y-%m-%d", strict=False).alias("end"),
            text("NCS명").alias("ncs_name"),
            text("NCS코드").alias("ncs_code"),
            number("훈련비").fill_null(0).cast(pl.Int64).alias("fee"),
            (pl.when(completion > 1).then(completion / 100).otherwise(completion))
            .fill_null(0.75)
            .alias("completion"),
            text("지역").alias("region"),
        )
        .filter(pl.col("start").is_not_null() & pl.col("end").is_not_null())
        .sort("start", "course_id", "run")
    )


def load_industries(settings: Settings, year: int | None = None) -> Industries:
    """The 산재보험 업종 x size cells of ``year`` (default: the accident year of ``params.yaml``).

    Used outside the generator too: the safety panel (:mod:`ilteo.safety.panel`) draws its
    workplaces and accident rates from the same cells.
    """
    from ilteo.synth._params import load_params

    return _industries(settings, year if year is not None else load_params().accidents.year)
