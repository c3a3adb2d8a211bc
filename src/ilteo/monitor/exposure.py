"""AI-exposure profiles per ISCO-08 unit group, ready to be carried to KSCO 8.

Primary source: the ILO 2025 generative-AI index (Gmyrek et al. 2025), read natively on ISCO-08.
Secondary sources, brought over from SOC through the official BLS crosswalks the reference room
loads: Felten AIOE and its language-modelling variant (SOC 2010), Eloundou et al. GPT-4 β
(O*NET-SOC → SOC 2018 → SOC 2010) and Microsoft AI applicability (SOC 2018 → SOC 2010).

Method (also in ``docs/monitor-exposure.md``):

* **SOC → ISCO.** An ISCO unit reaches SOC 2010 codes through the ISCO→SOC 2010 table, then
  SOC 2018 codes through the SOC 2010→2018 table, then O*NET-SOC codes by the taxonomy's design
  (the first seven characters). A secondary value for the unit is the *unweighted* mean of the
  source's published values over the distinct native codes reached, and the number of those codes
  is kept (``n_soc_linked``). Unweighted because the only employment weights at hand are US ones,
  which would import the US occupation mix into a Korean index; Korean weights enter later, at the
  KSCO level.
* **Common scale.** Each source becomes the percentile rank among the ISCO units it covers (0 =
  least exposed, 1 = most; ties share their mean rank). The sources measure different things on
  different scales (a task-score mean, a standardised ability index, a share of exposed tasks, a
  usage-based score), so only their orderings are comparable.
* **Combined score.** A weighted mean of the ranks: ILO 0.5; the other half shared equally by the
  three secondary families (Felten, Eloundou, Microsoft: 1/6 each; the two Felten variants split
  their sixth). Missing sources drop out and the weights are renormalised.
* **A secondary source missing from the reference folder** (its dataset folder or a file absent,
  or failing its checksum or schema) is dropped for every unit, the weights renormalised over the
  rest, and named in each profile's ``missing_sources`` (the reason in :func:`unavailable_sources`).
  Without the primary source no index is built: a :class:`DataUnavailableError` names it.
* **Band.** From the lowest to the highest of: each source's rank and the ILO rank of the mean
  score ± its standard error over tasks (SD / √tasks). The combined score, a weighted mean of the
  ranks, always lies inside.
* **Automation versus augmentation.** The dataset has the ILO 2025 gradients but no written
  definition of automation or augmentation for 2025, so the split is derived: gradients 3-4 (in
  the data: mean task score ≥ 0.5 with task SD ≤ 0.2, the ILO 2023 "automation potential" pattern)
  are automation-leaning, gradients 1-2 augmentation-leaning, the rest limited exposure.
  ``automation_share`` is the share of the unit's tasks scored ≥ 0.5 in 2025.

No score here is a probability of job loss.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference.codes import cached_index, occupation_systems
from ilteo.reference.crosswalk import crosswalk_index
from ilteo.reference.datasets import get_dataset
from ilteo.reference.exposure import EXPOSURE_INDICES, ExposureIndex
from ilteo.reference.loading import load

#: The primary source (its index id in :data:`ilteo.reference.exposure.EXPOSURE_INDICES`).
PRIMARY = "ilo_genai_2025"
#: Index ids used here and their weight in the combined score (before renormalisation).
WEIGHTS: dict[str, float] = {
    PRIMARY: 0.5,
    "felten_aioe": 1 / 12,
    "felten_lm_aioe": 1 / 12,
    "eloundou_beta_gpt4": 1 / 6,
    "microsoft_ai_applicability": 1 / 6,
}
#: A task scored at or above this (ILO 2025 task score) counts as automation-leaning.
HIGH_TASK_SCORE = 0.5
#: How many tasks are shown as the drivers of a unit's score.
DRIVER_COUNT = 5
#: What every profile says about itself.
CAVEAT = (
    "노출 점수는 일자리 상실 확률이 아닙니다. 생성형 AI가 과업을 수행하거나 돕는 기술적 가능성의 "
    "순위일 뿐, 고용·임금 변화, 도입 시점이나 속도, 한국 사업체의 실제 도입을 보여 주지 않으며, "
    "ISCO 연계는 SOC·KSCO 대응의 손실을 안고 있습니다. / An exposure score is not a probability "
    "of job loss. It ranks the technical potential of generative AI to perform or assist an "
    "occupation's tasks; it does not establish changes in employment or wages, when or how fast "
    "adoption happens, or actual use by Korean employers, and the links to SOC and KSCO lose "
    "detail."
)

Leaning = Literal["automation", "augmentation", "limited"]
_LEANING: dict[str, Leaning] = {
    "Exposed: Gradient 4": "automation",
    "Exposed: Gradient 3": "automation",
    "Exposed: Gradient 2": "augmentation",
    "Exposed: Gradient 1": "augmentation",
    "Minimal Exposure": "limited",
    "Not Exposed": "limited",
}


@dataclass(frozen=True, slots=True)
class SourceScore:
    """One source's reading for one ISCO unit.

    Attributes:
        source: Index id.
        name: The index's name.
        measure: Column the raw value comes from.
        raw: The value as published, or the unweighted mean over linked codes.
        rank: Percentile rank among ISCO units with this source (0..1).
        n_soc_linked: Native codes (SOC 2010, SOC 2018 or O*NET-SOC) behind ``raw``; 0 for ILO.
        version: The dataset's version.
        citation: The dataset's citation.
    """

    source: str
    name: str
    measure: str
    raw: float
    rank: float
    n_soc_linked: int
    version: str
    citation: str


@dataclass(frozen=True, slots=True)
class Driver:
    """An ILO 2025 task statement and its score.

    One task in the source has a blank statement: it counts in the unit's figures but is never
    shown as a driver.
    """

    task_id: int
    task: str
    score: float


@dataclass(frozen=True, slots=True)
class IscoProfile:
    """The AI-exposure profile of one ISCO-08 unit group.

    Attributes:
        isco08: Four-digit ISCO-08 code.
        title: ILO title.
        scores: Per source id.
        combined: Weighted mean of the source ranks (0..1).
        band_low: Lower end of the uncertainty band.
        band_high: Upper end of the uncertainty band.
        weights: Weights actually used (renormalised over the present sources).
        gradient: ILO 2025 exposure gradient label (``potential25``).
        ilo_sd: ILO 2025 SD of task scores.
        n_tasks: ILO 2025 tasks of the unit.
        automation_share: Share of the unit's tasks scored ≥ :data:`HIGH_TASK_SCORE`.
        leaning: Automation-leaning, augmentation-leaning or limited exposure.
        drivers: Highest-scored ILO tasks.
        sources: Source id → version.
        missing_sources: Secondary source ids left out because their data is unavailable.
        caveat: What the score does not establish.
    """

    isco08: str
    title: str
    scores: dict[str, SourceScore]
    combined: float
    band_low: float
    band_high: float
    weights: dict[str, float]
    gradient: str
    ilo_sd: float
    n_tasks: int
    automation_share: float
    leaning: Leaning
    drivers: tuple[Driver, ...]
    sources: dict[str, str] = field(default_factory=dict)
    missing_sources: tuple[str, ...] = ()
    caveat: str = CAVEAT


@dataclass(frozen=True, slots=True)
class ExposureBuild:
    """Profiles, the ISCO unit groups left without one and the secondary sources left out."""

    profiles: dict[str, IscoProfile]
    missing: dict[str, str]
    missing_sources: dict[str, str] = field(default_factory=dict)


def percentile_ranks(values: dict[str, float]) -> dict[str, float]:
    """Percentile rank in 0..1 (ties share their mean rank; one value ranks 0.5).

    >>> percentile_ranks({"a": 1.0, "b": 3.0, "c": 3.0, "d": 5.0})
    {'a': 0.0, 'b': 0.5, 'c': 0.5, 'd': 1.0}
    """
    if not values:
        return {}
    keys = list(values)
    ranks = _average_ranks(np.array([values[k] for k in keys], dtype=float))
    span = len(keys) - 1
    return {k: (float(r) / span if span else 0.5) for k, r in zip(keys, ranks, strict=True)}


def _average_ranks(array: np.ndarray) -> np.ndarray:
    """Zero-based ranks with ties averaged."""
    order = np.argsort(array, kind="mergesort")
    ranks = np.empty(len(array), dtype=float)
    sorted_values = array[order]
    start = 0
    while start < len(array):
        end = start
        while end + 1 < len(array) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2
        start = end + 1
    return ranks


def _rank_of(value: float, sorted_values: np.ndarray) -> float:
    """Percentile rank of a value that need not be in ``sorted_values`` (mid-rank of ties)."""
    below = int(np.searchsorted(sorted_values, value, side="left"))
    upto = int(np.searchsorted(sorted_values, value, side="right"))
    span = len(sorted_values) - 1
    middle = (below + upto - 1) / 2 if upto > below else below - 0.5
    return min(1.0, max(0.0, middle / span)) if span else 0.5


def _readings(settings: Settings, index: ExposureIndex) -> dict[str, float | None]:
    """Code → value of one index as published (the first row of a code wins).

    Raises:
        DataUnavailableError: The index's dataset is missing, corrupt or fails its schema.
    """
    frame = load(index.dataset, index.table, settings=settings)
    readings: dict[str, float | None] = {}
    for code, value in frame.select(index.code_column, index.value_column).iter_rows():
        if code is not None and code not in readings:
            readings[code] = None if value is None else float(value)
    return readings


def _secondary_readings(
    settings: Settings, sources: Iterable[str]
) -> tuple[dict[str, dict[str, float | None]], dict[str, str]]:
    """Readings of the secondary sources that can be loaded, and the others with the reason.

    Only the loader's :class:`DataUnavailableError` for the source's own dataset drops a source;
    any other error propagates.
    """
    meta = {i.id: i for i in EXPOSURE_INDICES}
    found: dict[str, dict[str, float | None]] = {}
    unavailable: dict[str, str] = {}
    for source in sources:
        try:
            found[source] = _readings(settings, meta[source])
        except DataUnavailableError as exc:
            if exc.extra.get("dataset") != meta[source].dataset:
                raise
            unavailable[source] = exc.detail
    return found, unavailable


def _native_codes(settings: Settings, onet_codes: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """ISCO unit → system → native codes reached (O*NET-SOC by the 7-character rule)."""
    index = crosswalk_index(settings)
    onet_by_soc2018: dict[str, set[str]] = defaultdict(set)
    for reading_code in onet_codes:
        onet_by_soc2018[reading_code[:7]].add(reading_code)
    reached: dict[str, dict[str, set[str]]] = {}
    for isco in index.edges.get(("isco08", "soc2010"), {}):
        soc2010 = {e.to_code for e in index.targets("isco08", "soc2010", isco)}
        soc2018 = {e.to_code for code in soc2010 for e in index.targets("soc2010", "soc2018", code)}
        onet = {o for code in soc2018 for o in onet_by_soc2018.get(code, ())}
        reached[isco] = {"soc2010": soc2010, "soc2018": soc2018, "onet": onet}
    return reached


def _secondary_values(
    source: str,
    readings: dict[str, float | None],
    reached: dict[str, dict[str, set[str]]],
    units: Iterable[str],
) -> dict[str, tuple[float, int]]:
    """ISCO unit → (unweighted mean over linked native codes with a value, number of codes)."""
    spec = next(i for i in EXPOSURE_INDICES if i.id == source)
    values: dict[str, tuple[float, int]] = {}
    for unit in units:
        codes = reached.get(unit, {}).get(spec.system, set())
        found = [
            v for c in sorted(codes) if (v := readings.get(c)) is not None and math.isfinite(v)
        ]
        if found:
            values[unit] = (float(np.mean(found)), len(found))
    return values


@dataclass(frozen=True, slots=True)
class _IloUnit:
    title: str
    mean: float
    sd: float
    gradient: str
    tasks: list[Driver]


def _load_primary(settings: Settings, table: str) -> pl.DataFrame:
    """One table of the primary source.

    Raises:
        DataUnavailableError: It is missing or corrupt; the index cannot be built without it.
    """
    try:
        return load(PRIMARY, table, settings=settings)
    except DataUnavailableError as exc:
        if exc.extra.get("dataset") != PRIMARY:
            raise
        raise DataUnavailableError(
            f"주 출처 '{PRIMARY}'(ILO 2025) 없이는 AI 노출 지수를 만들 수 없습니다 / the AI "
            f"exposure index cannot be built without its primary source '{PRIMARY}' (ILO 2025): "
            f"{exc.detail}",
            **exc.extra,
        ) from exc


def _ilo_units(settings: Settings) -> tuple[dict[str, _IloUnit], dict[str, str]]:
    """ILO 2025 units with a complete reading, and the ISCO unit groups without one."""
    occupations = _load_primary(settings, "isco08_occupation_scores_gmyrek2025")
    tasks = _load_primary(settings, "isco08_task_scores_gmyrek2025")
    task_rows: dict[str, list[Driver]] = defaultdict(list)
    for code, task_id, text, score in tasks.select(
        "ISCO_08", "taskID", "Task_ISCO", "score_2025"
    ).iter_rows():
        if code and score is not None:
            task_rows[code].append(Driver(int(task_id), (text or "").strip(), float(score)))
    units: dict[str, _IloUnit] = {}
    missing: dict[str, str] = {}
    for code, title, mean, sd, gradient in occupations.select(
        "ISCO_08", "Title", "mean_score_2025", "SD_2025", "potential25"
    ).iter_rows():
        if not code or code in units:
            continue
        if mean is None or sd is None or gradient is None or not task_rows.get(code):
            missing[code] = "ILO 2025 점수·과업 누락 / ILO 2025 mean, SD, gradient or tasks missing"
            continue
        own = sorted(task_rows[code], key=lambda d: (-d.score, d.task_id))
        units[code] = _IloUnit(title or "", float(mean), float(sd), gradient, own)
    for code, entry in occupation_systems(settings)["isco08"].entries.items():
        if entry.level == "unit" and code not in units and code not in missing:
            missing[code] = (
                "ILO 2025 지수에 없는 ISCO-08 세분류 / not in the ILO 2025 index (Gmyrek et al. "
                "2025 scores no tasks for this unit group), so no primary score"
            )
    return units, missing


def build_profiles(settings: Settings, exclude: Collection[str] = ()) -> ExposureBuild:
    """Build every profile, optionally without some secondary sources.

    Args:
        settings: Settings naming the reference data.
        exclude: Secondary index ids to leave out (as if that source were missing).

    Returns:
        Profiles per ISCO-08 unit group of the ILO 2025 index, the unit groups without one and
        the secondary sources left out because their data is unavailable (with the reason).

    Raises:
        InvalidInputError: ``exclude`` names the primary source or an unknown source.
        DataUnavailableError: The primary source (ILO 2025) is missing or corrupt.
    """
    refused = (set(exclude) - set(WEIGHTS)) | ({PRIMARY} & set(exclude))
    if refused:
        raise InvalidInputError(
            f"제외할 수 없는 출처입니다 / cannot exclude: {sorted(refused)}; "
            f"secondary sources are {sorted(set(WEIGHTS) - {PRIMARY})}"
        )
    units, missing = _ilo_units(settings)
    raw: dict[str, dict[str, tuple[float, int]]] = {
        PRIMARY: {c: (u.mean, 0) for c, u in units.items()}
    }
    wanted = [s for s in WEIGHTS if s != PRIMARY and s not in exclude]
    readings, unavailable = _secondary_readings(settings, wanted)
    if readings:
        onet = readings.get("eloundou_beta_gpt4", {})
        reached = _native_codes(settings, onet)
        for source, table in readings.items():
            raw[source] = _secondary_values(source, table, reached, units)
    dropped = tuple(unavailable)
    ranks = {s: percentile_ranks({c: v for c, (v, _) in table.items()}) for s, table in raw.items()}
    ilo_sorted = np.sort(np.array([u.mean for u in units.values()], dtype=float))
    meta = {i.id: i for i in EXPOSURE_INDICES}
    profiles: dict[str, IscoProfile] = {}
    for code, unit in units.items():
        scores: dict[str, SourceScore] = {}
        for source in (s for s, table in raw.items() if code in table):
            spec = get_dataset(meta[source].dataset)
            value, n = raw[source][code]
            scores[source] = SourceScore(
                source, meta[source].name, meta[source].value_column, value,
                ranks[source][code], n, spec.version, spec.citation,
            )  # fmt: skip
        profiles[code] = _profile(code, unit, scores, ilo_sorted, dropped)
    return ExposureBuild(profiles, dict(sorted(missing.items())), unavailable)


def _profile(
    code: str,
    unit: _IloUnit,
    scores: dict[str, SourceScore],
    ilo_sorted: np.ndarray,
    dropped: tuple[str, ...] = (),
) -> IscoProfile:
    total = sum(WEIGHTS[s] for s in scores)
    weights = {s: WEIGHTS[s] / total for s in scores}
    combined = sum(weights[s] * scores[s].rank for s in scores)
    error = unit.sd / math.sqrt(len(unit.tasks))
    ends = [score.rank for score in scores.values()]
    ends += [_rank_of(unit.mean - error, ilo_sorted), _rank_of(unit.mean + error, ilo_sorted)]
    return IscoProfile(
        isco08=code,
        title=unit.title,
        scores=scores,
        combined=combined,
        band_low=min(*ends, combined),
        band_high=max(*ends, combined),
        weights=weights,
        gradient=unit.gradient,
        ilo_sd=unit.sd,
        n_tasks=len(unit.tasks),
        automation_share=sum(d.score >= HIGH_TASK_SCORE for d in unit.tasks) / len(unit.tasks),
        leaning=_LEANING.get(unit.gradient, "limited"),
        drivers=tuple([d for d in unit.tasks if d.task][:DRIVER_COUNT]),
        sources={s: score.version for s, score in scores.items()},
        missing_sources=dropped,
    )


@cached_index(
    *dict.fromkeys(["ksco8", "onet", "crosswalks", *(i.dataset for i in EXPOSURE_INDICES)])
)
def _cached_build(settings: Settings) -> ExposureBuild:
    """Every profile from the sources present, cached per reference folder and fingerprint."""
    return build_profiles(settings)


def isco_exposure_profiles(settings: Settings) -> dict[str, IscoProfile]:
    """ISCO-08 unit group → AI-exposure profile (all sources; cached)."""
    return _cached_build(settings).profiles


def missing_profiles(settings: Settings) -> dict[str, str]:
    """ISCO-08 unit groups without a profile → the reason."""
    return _cached_build(settings).missing


def unavailable_sources(settings: Settings) -> dict[str, str]:
    """Secondary source ids left out of the profiles because their data is unavailable → why."""
    return _cached_build(settings).missing_sources


@dataclass(frozen=True, slots=True)
class Agreement:
    """Spearman rank correlation of the combined score with one source.

    Attributes:
        rho: rho between the combined score and the source's raw value.
        n: ISCO units the source reaches (the pairs rho is computed over).
        rho_without: rho against the combined score rebuilt without that source (leave-one-out),
            so the source's own weight does not inflate the agreement.
    """

    rho: float
    n: int
    rho_without: float


def spearman(x: Iterable[float], y: Iterable[float]) -> float:
    """Spearman's rho (Pearson correlation of tie-averaged ranks).

    >>> round(spearman([1, 2, 3, 4], [10, 20, 30, 25]), 3)
    0.8
    """
    a = _average_ranks(np.asarray(list(x), dtype=float))
    b = _average_ranks(np.asarray(list(y), dtype=float))
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def rank_agreement(
    settings: Settings, profiles: dict[str, IscoProfile] | None = None
) -> dict[str, Agreement]:
    """Spearman's rho between the combined score and each source's raw value, over linked units.

    Args:
        settings: Settings naming the reference data.
        profiles: Profiles to measure (default: :func:`isco_exposure_profiles`).

    Returns:
        Source id → rho and the number of ISCO units it was computed over.
    """
    chosen = profiles if profiles is not None else isco_exposure_profiles(settings)
    pairs: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for profile in chosen.values():
        for source, score in profile.scores.items():
            others = {s: WEIGHTS[s] for s in profile.scores if s != source}
            if not others:
                continue
            total = sum(others.values())
            without = sum(w * profile.scores[s].rank for s, w in others.items()) / total
            pairs[source].append((profile.combined, score.raw, without))
    return {
        source: Agreement(
            spearman([r[0] for r in rows], [r[1] for r in rows]),
            len(rows),
            spearman([r[2] for r in rows], [r[1] for r in rows]),
        )
        for source, rows in sorted(pairs.items())
    }
