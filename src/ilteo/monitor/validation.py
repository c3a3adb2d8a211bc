"""Validation of the KSCO exposure index: rank agreement, crosswalk coverage, exposed employment.

Three checks (method in ``docs/monitor-validation.md``, results in ``evals/monitor/``):

* **Rank agreement** (:func:`ksco_rank_agreement`): Spearman's rho between the combined KSCO score
  and each source's score carried to KSCO (the confidence-weighted mean of the source's
  percentile ranks over the ISCO-08 units a KSCO unit links to), over the KSCO units linked to at
  least one ISCO unit the source covers. Each rho has its number of units and a 95% interval from
  Fisher's z with the Fieller-Hartley-Pearson standard error ``1.06 / sqrt(n - 3)``; a
  leave-one-out rho against the combined score rebuilt without the source shows how much of the
  agreement is the source's own weight.
* **Crosswalk coverage** (:func:`crosswalk_coverage`): the 494 KSCO 8 unit groups by the
  confidence band and the method of their best link and by major group, with how many have a
  profile.
* **Exposed employment** (:func:`exposed_employment_share`): the employment-weighted share of
  insured jobs in highly exposed occupations in one month: the top fifth of KSCO units by
  combined score (:func:`ilteo.monitor.indicators.high_exposure_codes`, the Bank of Korea's "AI
  노출 상위 20% 직업" definition) and the ILO 2025 gradients (gradients 1-4, and gradient 4 alone),
  nationally and by sex, age band and KSCO major group. The denominator is insured jobs whose
  KSCO unit is known; unsuppressed counts are used (these are totals, not published cells).

No score here is a probability of job loss (:data:`ilteo.monitor.exposure.CAVEAT`); on the demo
the lake holds a synthetic country.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import Link
from ilteo.monitor.exposure import CAVEAT, PRIMARY, WEIGHTS, spearman
from ilteo.monitor.ksco import MIN_CONFIDENCE, ksco_index

#: Confidence bands of a KSCO unit's best link: (key, low inclusive, high exclusive, label).
BANDS: Final = (
    ("high", 0.75, 1.01, "높음 / high (≥ 0.75)"),
    ("medium", MIN_CONFIDENCE, 0.75, f"보통 / medium ({MIN_CONFIDENCE}-0.75)"),
    ("low", 0.35, MIN_CONFIDENCE, f"낮음 / low (0.35-{MIN_CONFIDENCE})"),
    ("very_low", 0.0, 0.35, "매우 낮음 / very low (< 0.35)"),
)
#: KSCO 8 major groups in English (the Korean names come from the reference room).
MAJOR_EN: Final = {
    "1": "Managers",
    "2": "Professionals and related workers",
    "3": "Clerks",
    "4": "Service workers",
    "5": "Sales workers",
    "6": "Skilled agricultural, forestry and fishery workers",
    "7": "Craft and related trades workers",
    "8": "Equipment, machine operating and assembling workers",
    "9": "Elementary workers",
    "A": "Armed forces",
}
#: ILO 2025 gradient labels counted as exposed, and the highest gradient alone.
EXPOSED_GRADIENTS: Final = frozenset(
    {
        "Exposed: Gradient 1",
        "Exposed: Gradient 2",
        "Exposed: Gradient 3",
        "Exposed: Gradient 4",
    }
)
GRADIENT_4: Final = "Exposed: Gradient 4"
#: Standard error factor of Fisher's z for Spearman's rho (Fieller, Hartley and Pearson 1957).
SPEARMAN_SE: Final = 1.06
Z_95: Final = 1.959964

_SOURCE_NAMES: Final = {
    "ilo_genai_2025": "ILO generative-AI exposure 2025 (Gmyrek et al.)",
    "felten_aioe": "Felten et al. AIOE",
    "felten_lm_aioe": "Felten et al. language-modelling AIOE",
    "eloundou_beta_gpt4": "Eloundou et al. GPT-4 β",
    "microsoft_ai_applicability": "Microsoft AI applicability",
}


@dataclass(frozen=True, slots=True)
class SourceAgreement:
    """Spearman's rho of the combined KSCO score with one source carried to KSCO.

    Attributes:
        source: Index id.
        name: The index's name.
        version: The source dataset's version (as the profiles record it).
        n: KSCO units in the comparison.
        rho: Spearman's rho, combined score vs the source's carried rank.
        ci_low: Lower end of the 95% interval (Fisher z).
        ci_high: Upper end of the 95% interval.
        rho_without: rho against the combined score rebuilt without the source (over the
            units that have another source).
        weight: The source's weight in the combined score (before renormalisation).
    """

    source: str
    name: str
    version: str
    n: int
    rho: float
    ci_low: float
    ci_high: float
    rho_without: float
    weight: float


@dataclass(frozen=True, slots=True)
class RankAgreement:
    """Rank agreement of the KSCO index with every source."""

    sources: tuple[SourceAgreement, ...]
    ksco_profiled: int
    ksco_units: int
    method: str
    caveat: str = CAVEAT


@dataclass(frozen=True, slots=True)
class MajorCoverage:
    """Crosswalk coverage of one KSCO major group."""

    major: str
    title_ko: str
    title_en: str
    units: int
    linked: int
    profiled: int
    confident: int


@dataclass(frozen=True, slots=True)
class CrosswalkCoverage:
    """How the KSCO 8 unit groups are covered by the crosswalk and the exposure profiles.

    ``by_band`` and ``by_method`` each sum to ``ksco_units`` (an ``unlinked`` key holds units
    without any link); ``by_major`` sums to it too.
    """

    ksco_units: int
    linked: int
    profiled: int
    unprofiled: dict[str, str]
    by_band: dict[str, int]
    band_labels: dict[str, str]
    by_method: dict[str, int]
    by_major: tuple[MajorCoverage, ...]
    isco_units: int
    isco_reached: int
    links: int
    one_to_many: int
    many_to_one: int
    confidence_threshold: float
    note: str


@dataclass(frozen=True, slots=True)
class ShareRow:
    """Exposed employment of one group in one month.

    Attributes:
        dimension: ``national``, ``sex``, ``age_band`` or ``ksco1``.
        value: The group's value (``all`` nationally).
        label: Korean / English label.
        employment: Insured jobs at the month's last day.
        known_employment: Those with a known KSCO unit (the denominator of the shares).
        profiled_employment: Those in a KSCO unit with an exposure profile.
        high_employment: Those in the top fifth of KSCO units by combined score.
        gradient_employment: Those in a unit whose ILO 2025 gradient is 1-4.
        gradient4_employment: Those in a unit of gradient 4.
        high_share: ``high_employment / known_employment`` (None when nothing is known).
        gradient_share: ``gradient_employment / known_employment``.
        gradient4_share: ``gradient4_employment / known_employment``.
    """

    dimension: str
    value: str
    label: str
    employment: int
    known_employment: int
    profiled_employment: int
    high_employment: int
    gradient_employment: int
    gradient4_employment: int
    high_share: float | None
    gradient_share: float | None
    gradient4_share: float | None


@dataclass(frozen=True, slots=True)
class ExposedShare:
    """Employment-weighted shares of highly exposed insured jobs in one month."""

    month: date
    synthetic: bool
    high_units: int
    profiled_units: int
    gradient_units: int
    gradient4_units: int
    national: ShareRow
    by_sex: tuple[ShareRow, ...]
    by_age_band: tuple[ShareRow, ...]
    by_major: tuple[ShareRow, ...]
    method: str
    caveat: str = CAVEAT


def to_plain(value: Any) -> Any:
    """Dates as ISO text and NaN as None, recursively: the results as JSON-ready values.

    >>> to_plain({"rho": float("nan"), "month": date(2025, 12, 1), "n": (1, 2)})
    {'rho': None, 'month': '2025-12-01', 'n': [1, 2]}
    """
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fisher_interval(rho: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """A 95% interval for Spearman's rho from Fisher's z (SE ``1.06 / sqrt(n - 3)``).

    >>> [round(v, 3) for v in fisher_interval(0.5, 103)]
    [0.329, 0.639]
    """
    if n <= 3 or not math.isfinite(rho):
        return (float("nan"), float("nan"))
    clipped = max(-0.999999, min(0.999999, rho))
    centre = math.atanh(clipped)
    half = z * SPEARMAN_SE / math.sqrt(n - 3)
    return (math.tanh(centre - half), math.tanh(centre + half))


def ksco_rank_agreement(settings: Settings) -> RankAgreement:
    """Spearman's rho of the combined KSCO score with each source carried to KSCO.

    Args:
        settings: Settings naming the reference data.

    Returns:
        One :class:`SourceAgreement` per source, the primary source first.
    """
    index = ksco_index(settings)
    pairs: dict[str, list[tuple[float, float, float | None]]] = {s: [] for s in WEIGHTS}
    versions: dict[str, str] = {}
    for profile in index.profiles.values():
        for source, rank in profile.source_ranks.items():
            others = {s: WEIGHTS.get(s, 0.0) for s in profile.source_ranks if s != source}
            total = sum(others.values())
            without = (
                sum(w * profile.source_ranks[s] for s, w in others.items()) / total
                if total > 0
                else None
            )
            pairs.setdefault(source, []).append((profile.combined, rank, without))
            if source in profile.sources:
                versions.setdefault(source, profile.sources[source])
    rows: list[SourceAgreement] = []
    for source in sorted(pairs, key=lambda s: (s != PRIMARY, s)):
        data = pairs[source]
        rho = spearman([r[0] for r in data], [r[1] for r in data])
        low, high = fisher_interval(rho, len(data))
        rows.append(
            SourceAgreement(
                source=source,
                name=_SOURCE_NAMES.get(source, source),
                version=versions.get(source, ""),
                n=len(data),
                rho=rho,
                ci_low=low,
                ci_high=high,
                rho_without=spearman(
                    [r[2] for r in data if r[2] is not None],
                    [r[1] for r in data if r[2] is not None],
                ),
                weight=WEIGHTS.get(source, 0.0),
            )
        )
    return RankAgreement(
        sources=tuple(rows),
        ksco_profiled=len(index.profiles),
        ksco_units=len(index.profiles) + len(index.unprofiled),
        method=(
            "Spearman's rho (tie-averaged ranks) between the combined KSCO score and the "
            "source's percentile rank carried to KSCO (confidence-weighted mean over linked "
            "ISCO-08 units the source covers); 95% interval by Fisher's z, SE 1.06/sqrt(n-3); "
            "rho_without: against the weighted mean of the other sources' carried ranks"
        ),
    )


def _band(confidence: float) -> str:
    for key, low, high, _ in BANDS:
        if low <= confidence < high:
            return key
    return BANDS[-1][0]


def crosswalk_coverage(settings: Settings) -> CrosswalkCoverage:
    """The KSCO 8 unit groups by best-link confidence band, method and major group.

    Args:
        settings: Settings naming the reference data.

    Returns:
        Counts that each add up to the number of KSCO 8 unit groups.
    """
    from ilteo.monitor.crosswalk import ksco_isco_crosswalk, lossy_groups
    from ilteo.reference.codes import occupation_systems

    crosswalk = ksco_isco_crosswalk(settings)
    index = ksco_index(settings)
    best: dict[str, Link] = {}
    for link in crosswalk.links:
        if link.ksco8 not in best or link.confidence > best[link.ksco8].confidence:
            best[link.ksco8] = link
    by_band: Counter[str] = Counter()
    by_method: Counter[str] = Counter()
    for code in crosswalk.ksco:
        found = best.get(code)
        by_band[_band(found.confidence) if found else "unlinked"] += 1
        by_method[found.method if found else "unlinked"] += 1
    majors = {
        code: entry.name_ko or ""
        for code, entry in occupation_systems(settings)["ksco8"].entries.items()
        if entry.level == "major"
    }
    by_major = []
    for major in sorted({code[0] for code in crosswalk.ksco}):
        codes = [c for c in crosswalk.ksco if c[0] == major]
        by_major.append(
            MajorCoverage(
                major=major,
                title_ko=majors.get(major, ""),
                title_en=MAJOR_EN.get(major, ""),
                units=len(codes),
                linked=sum(c in best for c in codes),
                profiled=sum(c in index.profiles for c in codes),
                confident=sum(c in best and best[c].confidence >= MIN_CONFIDENCE for c in codes),
            )
        )
    lossy = lossy_groups(crosswalk)["counts"]
    order = [key for key, *_ in BANDS] + ["unlinked"]
    return CrosswalkCoverage(
        ksco_units=len(crosswalk.ksco),
        linked=len(best),
        profiled=len(index.profiles),
        unprofiled=dict(index.unprofiled),
        by_band={key: by_band.get(key, 0) for key in order},
        band_labels={key: label for key, _, _, label in BANDS} | {"unlinked": "연계 없음 / none"},
        by_method=dict(sorted(by_method.items())),
        by_major=tuple(by_major),
        isco_units=len(crosswalk.isco),
        isco_reached=len({x.isco08 for x in crosswalk.links}),
        links=len(crosswalk.links),
        one_to_many=int(lossy["one_to_many"]),
        many_to_one=int(lossy["many_to_one"]),
        confidence_threshold=MIN_CONFIDENCE,
        note=(
            "ilteo의 자체 연계표이며 공식 연계표가 아닙니다 / ilteo's own crosswalk, not an "
            "official correspondence table"
        ),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def _rows(frame: pl.DataFrame, dimension: str, labels: dict[str, str]) -> tuple[ShareRow, ...]:
    """Sum the per-KSCO frame by ``dimension`` (or nationally) into share rows."""
    keys = [dimension] if dimension != "national" else []
    summed = (
        frame.group_by(keys or pl.lit("all").alias("_all"))
        .agg(
            pl.col("employment").sum(),
            pl.col("employment").filter(pl.col("_known")).sum().alias("known"),
            pl.col("employment").filter(pl.col("_profiled")).sum().alias("profiled"),
            pl.col("employment").filter(pl.col("_high")).sum().alias("high"),
            pl.col("employment").filter(pl.col("_gradient")).sum().alias("gradient"),
            pl.col("employment").filter(pl.col("_gradient4")).sum().alias("gradient4"),
        )
        .sort(keys or "_all")
    )
    rows = []
    for row in summed.iter_rows(named=True):
        value = str(row[dimension]) if keys else "all"
        known = int(row["known"])
        rows.append(
            ShareRow(
                dimension=dimension,
                value=value,
                label=labels.get(value, value),
                employment=int(row["employment"]),
                known_employment=known,
                profiled_employment=int(row["profiled"]),
                high_employment=int(row["high"]),
                gradient_employment=int(row["gradient"]),
                gradient4_employment=int(row["gradient4"]),
                high_share=_share(int(row["high"]), known),
                gradient_share=_share(int(row["gradient"]), known),
                gradient4_share=_share(int(row["gradient4"]), known),
            )
        )
    return tuple(rows)


def exposed_employment_share(settings: Settings, month: date | None = None) -> ExposedShare:
    """Employment-weighted shares of highly exposed insured jobs in one month.

    Args:
        settings: Whose lake (indicators built).
        month: Any day of the month (default: the last month built).

    Returns:
        National shares and shares by sex, age band and KSCO major group.

    Raises:
        InvalidInputError: The month is not among the months built.
        DataUnavailableError: No indicators built yet.
    """
    from ilteo.monitor.indicators import (
        UNKNOWN,
        available_months,
        high_exposure_codes,
        read_indicators,
    )
    from ilteo.monitor.report import is_synthetic

    built = available_months(settings)
    if month is None and built:
        month = built[-1]
    if month is not None:
        month = date(month.year, month.month, 1)
        if built and month not in built:
            raise InvalidInputError(
                f"{month:%Y-%m}의 지표가 없습니다 (자료 기간 {built[0]:%Y-%m}-{built[-1]:%Y-%m}) / "
                f"no indicators for {month:%Y-%m} (data {built[0]:%Y-%m} to {built[-1]:%Y-%m})"
            )
    frame = read_indicators(
        settings,
        by=("ksco", "sex", "age_band"),
        months=(month, month) if month is not None else None,
        suppress=False,
    )
    index = ksco_index(settings)
    high = high_exposure_codes(settings)
    gradient = {code: p.gradient for code, p in index.profiles.items()}
    exposed = {c for c, g in gradient.items() if g in EXPOSED_GRADIENTS}
    top = {c for c, g in gradient.items() if g == GRADIENT_4}
    frame = frame.with_columns(
        (pl.col("ksco") != UNKNOWN).alias("_known"),
        pl.col("ksco").is_in(list(gradient)).alias("_profiled"),
        pl.col("ksco").is_in(list(high)).alias("_high"),
        pl.col("ksco").is_in(list(exposed)).alias("_gradient"),
        pl.col("ksco").is_in(list(top)).alias("_gradient4"),
        pl.when(pl.col("ksco") == UNKNOWN)
        .then(pl.lit(UNKNOWN))
        .otherwise(pl.col("ksco").str.slice(0, 1))
        .alias("ksco1"),
    )
    from ilteo.reference.codes import occupation_systems

    majors = {
        code: f"{entry.name_ko} / {MAJOR_EN.get(code, '')}"
        for code, entry in occupation_systems(settings)["ksco8"].entries.items()
        if entry.level == "major"
    }
    sexes = {"M": "남성 / men", "F": "여성 / women", UNKNOWN: "미상 / unknown"}
    ages = {UNKNOWN: "미상 / unknown"}
    national = _rows(frame, "national", {"all": "전체 / all insured jobs"})
    return ExposedShare(
        month=month if month is not None else built[-1],
        synthetic=is_synthetic(settings),
        high_units=len(high),
        profiled_units=len(gradient),
        gradient_units=len(exposed),
        gradient4_units=len(top),
        national=national[0],
        by_sex=_rows(frame, "sex", sexes),
        by_age_band=_rows(frame, "age_band", ages),
        by_major=_rows(frame, "ksco1", majors | {UNKNOWN: "미상 / unknown"}),
        method=(
            "Insured jobs open on the month's last day (employment-insurance records), summed "
            "over KSCO 8 unit groups; high exposure: the top 20% of profiled KSCO units by the "
            "combined score (Bank of Korea style 'AI 노출 상위 20% 직업'); ILO 2025 gradients "
            "from the unit's best crosswalk link; shares over jobs with a known KSCO unit"
        ),
    )
