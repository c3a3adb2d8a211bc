"""Transitions between occupations: the cosine baseline and ilteo's asymmetric model.

Baseline: cosine similarity over the skills + knowledge importance vectors (symmetric).

ilteo's model scores a move origin → target as a weighted sum of components (weights in
``thresholds.yaml``, versioned):

- ``missing``/``surplus`` (costs): over skills and knowledge, the importance-weighted mean level the
  origin lacks (target LV above origin LV) and the level it has in surplus, on the 0-7 LV scale.
  Missing costs more than surplus, so A → B ≠ B → A;
- ``profile``: centred cosine of the importance vectors;
- ``activities``: cosine of the share of core tasks per IWA (tasks → DWA → IWA);
- ``zone``/``education`` (costs): job-zone and expected-education distance, a step up dearer than a
  step down;
- ``styles``: centred cosine of work styles impact;
- ``text``: cosine of the e5 embeddings of the O*NET title and description;
- ``titles``: cosine of the TF-IDF vectors of the job titles workers use (O*NET title, alternate
  titles, sample of reported titles): occupations whose workers call their jobs by the same words;
- ``interests``: cosine of the RIASEC occupational interest profiles (O*NET interests, scale OI):
  people move between occupations that suit the same interests;
- ``fallback`` (cost): 1 for a target without its own ratings (its profile is its parent group's
  mean, which sits close to every member of the group), so rated targets come first.

Only the *viable* filter is decided here (score ≥ ``filters.viable.min_score``); *desirable* (pay)
and *safer* (AI exposure) are hooks left ``None`` in :attr:`Transition.filters`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.pathways.profiles import KscoLink, ProfileIndex, occupation_profiles

THRESHOLDS_PATH = Path(__file__).with_name("thresholds.yaml")

Model = Literal["ilteo", "baseline"]
#: Components of ilteo's score and their sign (+1 similarity, -1 cost).
COMPONENTS: dict[str, int] = {
    "missing": -1,
    "surplus": -1,
    "profile": 1,
    "activities": 1,
    "zone": -1,
    "education": -1,
    "styles": 1,
    "text": 1,
    "titles": 1,
    "interests": 1,
    "fallback": -1,
}
SUGGESTIONS = 5
_ONET_CODE = re.compile(r"^\d{2}-\d{4}(\.\d{2})?$")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The versioned weights and thresholds of ``thresholds.yaml``."""

    version: int
    weights: dict[str, float]
    viable_min: float
    strengths: int
    gaps: int


def parse_thresholds(data: dict[str, Any]) -> Thresholds:
    """Validate a thresholds mapping (as read from YAML).

    Raises:
        InvalidInputError: a weight is missing or the asymmetry is reversed.
    """
    weights = {k: float(v) for k, v in dict(data.get("weights", {})).items()}
    missing = [k for k in (*COMPONENTS, "up", "down") if k not in weights]
    if missing or "version" not in data:
        raise InvalidInputError(f"thresholds: missing {missing or ['version']}")
    if weights["missing"] <= weights["surplus"] or weights["up"] < weights["down"]:
        raise InvalidInputError("thresholds: a missing skill must cost more than a surplus one")
    explain = dict(data.get("explain", {}))
    return Thresholds(
        version=int(data["version"]),
        weights=weights,
        viable_min=float(data["filters"]["viable"]["min_score"]),
        strengths=int(explain.get("strengths", 3)),
        gaps=int(explain.get("gaps", 3)),
    )


@cache
def load_thresholds(path: Path = THRESHOLDS_PATH) -> Thresholds:
    """The thresholds file (read once per path)."""
    return parse_thresholds(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Element:
    """One skill or knowledge element compared between origin and target."""

    element_id: str
    name: str
    kind: str
    origin_level: float
    target_level: float


@dataclass(frozen=True, slots=True)
class Transition:
    """One suggested move, with its score, the filters it passed and why.

    ``filters`` maps each filter to ``True``/``False``, or ``None`` while not evaluated
    (``desirable`` and ``safer`` come with pay and exposure).
    """

    origin: str
    target: str
    target_title: str
    target_title_ko: str | None
    target_ksco: tuple[KscoLink, ...]
    model: str
    score: float
    rank: int
    fallback: bool
    components: dict[str, float] = field(default_factory=dict)
    filters: dict[str, bool | None] = field(default_factory=dict)
    strengths: tuple[Element, ...] = ()
    gaps: tuple[Element, ...] = ()
    thresholds_version: int = 0


# --- the arrays ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Prepared:
    base: np.ndarray  # L2-normalised raw importance (baseline)
    centred: np.ndarray  # L2-normalised z-scored importance
    activities: np.ndarray  # L2-normalised IWA shares
    styles: np.ndarray  # L2-normalised centred styles
    interests: np.ndarray  # L2-normalised RIASEC interests (not centred: all six are positive)
    weight: np.ndarray  # target importance weights, rows sum to 1
    level: np.ndarray  # LV / 7
    zone: np.ndarray  # job zone / 4
    education: np.ndarray  # RL / 11
    fallback: np.ndarray  # 1.0 for occupations without their own ratings


def _unit(rows: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(rows, axis=1, keepdims=True)
    out: np.ndarray = (rows / np.where(norm > 0, norm, 1.0)).astype(np.float32)
    return out


def _centre(rows: np.ndarray) -> np.ndarray:
    sd = rows.std(axis=0)
    out: np.ndarray = (rows - rows.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return out


_PREPARED: dict[int, _Prepared] = {}


def _prepare(index: ProfileIndex) -> _Prepared:
    kept = _PREPARED.get(id(index))
    if kept is None:
        weight = np.clip(index.importance - 1.0, 0.0, None)
        weight /= np.maximum(weight.sum(axis=1, keepdims=True), 1e-6)
        kept = _Prepared(
            base=_unit(index.importance),
            centred=_unit(_centre(index.importance)),
            activities=_unit(index.iwa),
            styles=_unit(_centre(index.styles)),
            interests=_unit(index.interests),
            weight=weight.astype(np.float32),
            level=(index.level / 7.0).astype(np.float32),
            zone=(index.job_zone / 4.0).astype(np.float32),
            education=(index.education / 11.0).astype(np.float32),
            fallback=np.array([o.fallback for o in index.occupations], dtype=np.float32),
        )
        _PREPARED.clear()
        _PREPARED[id(index)] = kept
    return kept


def components(
    index: ProfileIndex, origins: np.ndarray | slice, thresholds: Thresholds | None = None
) -> dict[str, np.ndarray]:
    """The model's component matrices for some origin rows against every target.

    Args:
        index: the profiles.
        origins: origin rows (indices or a slice).
        thresholds: for the up/down asymmetry of job zone and education; the file's by default.

    Returns:
        ``{component: (origins x occupations) float32}``; costs are positive (subtracted).
    """
    t = thresholds or load_thresholds()
    p = _prepare(index)
    lv_o = p.level[origins][:, None, :]
    diff = p.level[None, :, :] - lv_o  # target - origin
    w = p.weight[None, :, :]
    out = {
        "missing": (w * np.clip(diff, 0.0, None)).sum(axis=2),
        "surplus": (w * np.clip(-diff, 0.0, None)).sum(axis=2),
        "profile": p.centred[origins] @ p.centred.T,
        "activities": p.activities[origins] @ p.activities.T,
        "styles": p.styles[origins] @ p.styles.T,
        "text": index.text[origins] @ index.text.T,
        "titles": index.titles[origins] @ index.titles.T,
        "interests": p.interests[origins] @ p.interests.T,
        "fallback": np.broadcast_to(
            p.fallback[None, :], (p.fallback[origins].shape[0], p.fallback.size)
        ),
    }
    for name, values in (("zone", p.zone), ("education", p.education)):
        step = values[None, :] - values[origins][:, None]
        up, down = np.clip(step, 0.0, None), np.clip(-step, 0.0, None)
        out[name] = t.weights["up"] * up + t.weights["down"] * down
    return {k: v.astype(np.float32) for k, v in out.items()}


def combine(parts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted sum of component matrices (costs subtracted)."""
    total = np.zeros_like(next(iter(parts.values())))
    for name, sign in COMPONENTS.items():
        total += np.float32(sign * weights[name]) * parts[name]
    return total


def baseline_scores(index: ProfileIndex, origins: np.ndarray | slice) -> np.ndarray:
    """Cosine similarity of skills + knowledge importance, origins x all occupations."""
    p = _prepare(index)
    out: np.ndarray = (p.base[origins] @ p.base.T).astype(np.float32)
    return out


def all_pairs(
    settings: Settings,
    model: Model = "ilteo",
    thresholds: Thresholds | None = None,
    chunk: int = 64,
) -> np.ndarray:
    """Scores of every origin → target pair (float32, occupations x occupations).

    Args:
        settings: where the reference data lives.
        model: ``"ilteo"`` (asymmetric) or ``"baseline"`` (cosine).
        thresholds: weights to use; the file's by default.
        chunk: origin rows per block (bounds the memory of the level comparison).

    Returns:
        ``scores[i, j]`` for origin row ``i`` and target row ``j`` of :func:`occupation_profiles`.
    """
    index = occupation_profiles(settings)
    n = len(index.occupations)
    if model == "baseline":
        return baseline_scores(index, slice(None))
    t = thresholds or load_thresholds()
    out = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, chunk):
        rows = slice(start, min(n, start + chunk))
        out[rows] = combine(components(index, rows, t), t.weights)
    return out


# --- one origin ----------------------------------------------------------------------------------


def resolve(index: ProfileIndex, onet_code: str) -> str:
    """An O*NET-SOC code of the profiles (``15-1252`` → ``15-1252.00``).

    Raises:
        NotFoundError: unknown code; ``suggestions`` holds the nearest occupations (by code
            prefix for a code, by title for text).
    """
    text = onet_code.strip()
    if text in index.row:
        return text
    if f"{text}.00" in index.row:
        return f"{text}.00"
    suggestions = _nearest(index, text)
    hint = f" (가까운 직업 / nearest: {'; '.join(suggestions)})" if suggestions else ""
    raise NotFoundError(
        f"O*NET-SOC 직업 '{text}'이(가) 없습니다 / no O*NET-SOC occupation '{text}'{hint}",
        suggestions=suggestions,
        system="onet_soc",
    )


def _nearest(index: ProfileIndex, text: str) -> list[str]:
    def label(code: str) -> str:
        return f"{code} {index.occupation(code).title}"

    if _ONET_CODE.match(text) or re.match(r"^\d{2}-?\d*", text):
        digits = text.replace("-", "").replace(".", "")
        scored = sorted(
            index.row,
            key=lambda c: (-_common_prefix(c.replace("-", "").replace(".", ""), digits), c),
        )
        return [label(c) for c in scored[:SUGGESTIONS]]
    titles = {o.title.lower(): o.code for o in index.occupations}
    close = difflib.get_close_matches(text.lower(), list(titles), n=SUGGESTIONS, cutoff=0.3)
    words = set(text.lower().split())
    if len(close) < SUGGESTIONS:  # word overlap for partial titles ("nurse")
        extra = [t for t in titles if words & set(t.replace(",", "").split()) and t not in close]
        close += extra[: SUGGESTIONS - len(close)]
    return [label(titles[t]) for t in close]


def _common_prefix(left: str, right: str) -> int:
    size = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        size += 1
    return size


def _explain(
    index: ProfileIndex, o: int, t: int, thresholds: Thresholds
) -> tuple[tuple[Element, ...], tuple[Element, ...]]:
    def element(e: int) -> Element:
        return Element(
            index.element_ids[e],
            index.element_names[e],
            index.element_kinds[e],
            round(float(index.level[o, e]), 2),
            round(float(index.level[t, e]), 2),
        )

    shared = np.minimum(index.importance[o], index.importance[t])
    shared = np.where(index.level[o] >= index.level[t] - 0.5, shared, -1.0)
    strengths = [e for e in np.argsort(-shared, kind="stable") if shared[e] > 0]
    gap = (index.level[t] - index.level[o]) * index.importance[t]
    gaps = [e for e in np.argsort(-gap, kind="stable") if gap[e] > 0]
    return (
        tuple(element(int(e)) for e in strengths[: thresholds.strengths]),
        tuple(element(int(e)) for e in gaps[: thresholds.gaps]),
    )


def similar_occupations(
    settings: Settings,
    onet_code: str,
    top: int = 10,
    model: Model = "ilteo",
    viable_only: bool = False,
) -> list[Transition]:
    """The best next occupations from one O*NET-SOC occupation, each explained.

    Args:
        settings: where the reference data lives.
        onet_code: the origin (``15-1252.00``; ``15-1252`` means ``.00``).
        top: how many targets (1-100).
        model: ``"ilteo"`` or ``"baseline"``.
        viable_only: drop targets that fail the viable filter.

    Returns:
        Targets, best first (never the origin itself).

    Raises:
        NotFoundError: unknown code (with the nearest occupations as suggestions).
        InvalidInputError: ``top`` out of range or unknown model.
    """
    if not 1 <= top <= 100:
        raise InvalidInputError(f"top must be 1-100, not {top}")
    if model not in ("ilteo", "baseline"):
        raise InvalidInputError(f"unknown model {model!r} (ilteo, baseline)")
    index = occupation_profiles(settings)
    t = load_thresholds()
    o = index.row[resolve(index, onet_code)]
    rows = np.array([o])
    parts = components(index, rows, t)
    ilteo = combine(parts, t.weights)[0]
    scores = ilteo if model == "ilteo" else baseline_scores(index, rows)[0]
    scores = scores.copy()
    scores[o] = -np.inf
    if viable_only:
        scores[ilteo < t.viable_min] = -np.inf
    order = np.argsort(-scores, kind="stable")[:top]
    out: list[Transition] = []
    for rank, j in enumerate(int(x) for x in order):
        if not np.isfinite(scores[j]):
            break
        target = index.occupations[j]
        strengths, gaps = _explain(index, o, j, t)
        out.append(
            Transition(
                origin=index.occupations[o].code,
                target=target.code,
                target_title=target.title,
                target_title_ko=target.title_ko,
                target_ksco=target.ksco,
                model=model,
                score=round(float(scores[j]), 4),
                rank=rank + 1,
                fallback=target.fallback,
                components={k: round(float(v[0, j]), 4) for k, v in parts.items()},
                filters={
                    "viable": bool(ilteo[j] >= t.viable_min),
                    "desirable": None,
                    "safer": None,
                },
                strengths=strengths,
                gaps=gaps,
                thresholds_version=t.version,
            )
        )
    return out
