"""Search occupations (KSCO 8, O*NET-SOC and the bridge systems) and KSIC industries.

Ranking: exact code > code prefix > exact name > name prefix > every word in the name > the name
without spaces contains the query without spaces (Korean compounds) > O*NET alternate titles. Ties
go to the shorter name. Names and queries are folded by :func:`ilteo.reference.codes.normalise`
(case, width, middle dots, punctuation, repeated spaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference.codes import (
    OCCUPATION_SYSTEMS,
    CodeEntry,
    cached_index,
    get_settings_or,
    industry_systems,
    normalise,
    occupation_systems,
)
from ilteo.reference.loading import load
from ilteo.reference.schemas import IndustrySummary, OccupationSummary

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 100
DEFAULT_SYSTEMS = ("ksco8", "onet")
_CODE_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: CodeEntry
    score: float
    matched: str


def check_query(query: str, limit: int) -> str:
    """Validate a search query and limit; return the stripped query.

    Raises:
        InvalidInputError: Empty or too long query, or a limit outside 1..100.
    """
    stripped = " ".join(query.split())
    if not stripped:
        raise InvalidInputError("검색어를 입력하세요. / The search query is empty.")
    if len(stripped) > MAX_QUERY_LENGTH:
        raise InvalidInputError(
            f"검색어는 {MAX_QUERY_LENGTH}자 이하여야 합니다. / The search query is longer than "
            f"{MAX_QUERY_LENGTH} characters."
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(
            f"limit은 1~{MAX_LIMIT} 사이여야 합니다. / limit must be between 1 and {MAX_LIMIT}."
        )
    return stripped


@lru_cache(maxsize=1 << 16)
def _folded_name(name: str) -> str:
    """:func:`normalise` of a classification name, remembered: names repeat on every query."""
    return normalise(name)


def _name_score(query: str, name: str | None) -> float:
    """How well a folded query matches a name (0 when it does not).

    >>> _name_score("software developers", "Software Developers")
    80.0
    >>> _name_score("소프트웨어개발", "시스템 소프트웨어 개발자") > 0
    True
    """
    if not name:
        return 0.0
    folded = _folded_name(name)
    if folded == query:
        return 80.0
    if folded.startswith(query):
        return 70.0
    if all(word in folded for word in query.split()):
        return 60.0
    if query.replace(" ", "") in folded.replace(" ", ""):
        return 55.0
    return 0.0


def _code_score(raw: str, code: str) -> float:
    if not _CODE_LIKE.match(raw):
        return 0.0
    query, candidate = raw.upper(), code.upper()
    if candidate == query:
        return 100.0
    if candidate.startswith(query) and (any(ch.isdigit() for ch in query) or len(query) > 1):
        return 90.0
    return 0.0


def _score_entries(raw: str, entries: Iterable[CodeEntry]) -> list[_Hit]:
    query = normalise(raw)
    hits = []
    for entry in entries:
        code = _code_score(raw, entry.code)
        name = max(_name_score(query, entry.name_ko), _name_score(query, entry.name_en))
        best = max(code, name)
        if best > 0:
            hits.append(_Hit(entry, best, "code" if code >= name else "name"))
    return hits


@cached_index("onet")
def _alternate_titles(settings: Settings) -> pl.DataFrame:
    """O*NET alternate titles, folded for matching."""
    frame = load("onet", "alternate_titles", settings=settings)
    return (
        frame.select(
            pl.col("O*NET-SOC Code").alias("code"),
            pl.col("Alternate Title").map_elements(normalise, return_dtype=pl.Utf8).alias("folded"),
        )
        .drop_nulls()
        .unique(maintain_order=True)
    )


def _alias_hits(settings: Settings, raw: str, entries: dict[str, CodeEntry]) -> list[_Hit]:
    query = normalise(raw)
    frame = _alternate_titles(settings)
    exact = frame.filter(pl.col("folded") == query)["code"].to_list()
    words = [pl.col("folded").str.contains(word, literal=True) for word in query.split()]
    partial = frame.filter(pl.all_horizontal(words))["code"].to_list() if words else []
    hits = [_Hit(entries[c], 50.0, "alternate_title") for c in exact if c in entries]
    hits += [_Hit(entries[c], 40.0, "alternate_title") for c in partial if c in entries]
    return hits


def _rank(hits: list[_Hit], order: tuple[str, ...], limit: int) -> list[_Hit]:
    best: dict[tuple[str, str], _Hit] = {}
    for hit in hits:
        key = (hit.entry.system, hit.entry.code)
        if key not in best or hit.score > best[key].score:
            best[key] = hit

    def sort_key(hit: _Hit) -> tuple[float, int, int, str]:
        name = hit.entry.name_ko or hit.entry.name_en or ""
        rank = order.index(hit.entry.system) if hit.entry.system in order else len(order)
        return (-hit.score, len(name), rank, hit.entry.code)

    return sorted(best.values(), key=sort_key)[:limit]


def search_occupations(
    query: str,
    *,
    system: str | None = None,
    limit: int = 20,
    include_alternate_titles: bool = True,
    settings: Settings | None = None,
) -> list[OccupationSummary]:
    """Find occupations by code or name across KSCO 8 and O*NET-SOC (or one named system).

    Args:
        query: A code (``2223``, ``15-1252``), a Korean or English name, or part of one.
        system: ``ksco8``, ``onet``, ``isco08``, ``soc2010`` or ``soc2018``; KSCO 8 and O*NET-SOC
            when omitted.
        limit: At most this many results (1..100).
        include_alternate_titles: Also match O*NET alternate job titles (lower rank).
        settings: Settings to use; the process settings by default.

    Returns:
        The best matches, best first.

    Raises:
        InvalidInputError: Empty or too long query, a bad limit or an unknown system.
        DataUnavailableError: The reference data is missing or invalid.
    """
    raw = check_query(query, limit)
    if system is not None and system not in OCCUPATION_SYSTEMS:
        raise InvalidInputError(
            f"알 수 없는 직업분류 '{system}'. / Unknown occupation system '{system}' "
            f"(one of: {', '.join(OCCUPATION_SYSTEMS)})."
        )
    settings = get_settings_or(settings)
    systems = occupation_systems(settings)
    chosen = (system,) if system else DEFAULT_SYSTEMS
    hits: list[_Hit] = []
    for name in chosen:
        hits += _score_entries(raw, systems[name].entries.values())
    if "onet" in chosen and include_alternate_titles:
        hits += _alias_hits(settings, raw, systems["onet"].entries)
    return [
        OccupationSummary(
            system=hit.entry.system,
            code=hit.entry.code,
            level=hit.entry.level,
            name_ko=hit.entry.name_ko,
            name_en=hit.entry.name_en,
            score=hit.score,
            matched=hit.matched,
        )
        for hit in _rank(hits, chosen, limit)
    ]


def check_revision(revision: str) -> str:
    """Validate a KSIC revision (``"10"`` or ``"11"``).

    Raises:
        InvalidInputError: Any other revision.
    """
    if revision not in ("10", "11"):
        raise InvalidInputError(
            f"KSIC 개정 차수는 10 또는 11입니다: '{revision}'. / KSIC revision must be 10 or 11, "
            f"not '{revision}'."
        )
    return revision


def search_industries(
    query: str, *, revision: str = "11", limit: int = 20, settings: Settings | None = None
) -> list[IndustrySummary]:
    """Find KSIC industries by code or Korean name.

    Args:
        query: A code (``58221``, ``J``) or a Korean name or part of one (``소프트웨어 개발``).
        revision: ``"11"`` (default) or ``"10"``.
        limit: At most this many results (1..100).
        settings: Settings to use; the process settings by default.

    Raises:
        InvalidInputError: Empty or too long query, a bad limit or revision.
        DataUnavailableError: The reference data is missing or invalid.
    """
    raw = check_query(query, limit)
    check_revision(revision)
    system = industry_systems(get_settings_or(settings))[revision]
    hits = _rank(_score_entries(raw, system.entries.values()), (system.id,), limit)
    return [
        IndustrySummary(
            revision=revision,
            code=hit.entry.code,
            level=hit.entry.level,
            name_ko=hit.entry.name_ko or "",
            parent_code=hit.entry.parent,
            score=hit.score,
            matched=hit.matched,
        )
        for hit in hits
    ]
