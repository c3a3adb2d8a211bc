"""Search occupations (KSCO 8, O*NET-SOC and the bridge systems) and KSIC industries.

Ranking: exact code > code prefix > exact name > name prefix > every word in the name > the name
without spaces contains the query without spaces (Korean compounds) > O*NET alternate titles. Ties
go to the shorter name. Names and queries are folded by :func:`ilteo.reference.codes.normalise`
(case, width, middle dots, punctuation, repeated spaces).
"""

from __future__ import annotations

import re
from bisect import bisect_right
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


@dataclass(frozen=True, slots=True)
class _Folded:
    """An entry with its names folded once (and without spaces), ready to be scored."""

    entry: CodeEntry
    code: str
    names: tuple[tuple[str, str], ...]
    #: Every folded name (and every squeezed one) joined by NUL: one test rules most entries out.
    joined: str
    joined_squeezed: str


def _fold_entries(entries: Iterable[CodeEntry]) -> tuple[_Folded, ...]:
    folded = []
    for entry in entries:
        names = tuple(
            (_folded_name(name), _folded_name(name).replace(" ", ""))
            for name in (entry.name_ko, entry.name_en)
            if name
        )
        folded.append(
            _Folded(
                entry,
                entry.code.upper(),
                names,
                "\x00".join(name for name, _ in names),
                "\x00".join(squeezed for _, squeezed in names),
            )
        )
    return tuple(folded)


_FOLDED: dict[int, tuple[object, tuple[_Folded, ...]]] = {}


def _folded_entries(entries: dict[str, CodeEntry]) -> tuple[_Folded, ...]:
    """The folded entries of one code system, kept as long as the system itself is current."""
    found = _FOLDED.get(id(entries))
    if found is None or found[0] is not entries:
        if len(_FOLDED) > 32:
            _FOLDED.clear()
        found = (entries, _fold_entries(entries.values()))
        _FOLDED[id(entries)] = found
    return found[1]


def _name_score(item: _Folded, query: str, words: list[str], squeezed: str) -> float:
    """The best score of the entry's folded names (0 when none matches)."""
    name = 0.0
    for folded, folded_squeezed in item.names:
        if folded == query:
            score = 80.0
        elif folded.startswith(query):
            score = 70.0
        elif all(word in folded for word in words):
            score = 60.0
        elif squeezed in folded_squeezed:
            score = 55.0
        else:
            continue
        name = max(name, score)
    return name


def _score_entries(raw: str, entries: dict[str, CodeEntry]) -> list[_Hit]:
    """Score every entry against the query: its code, then each folded name.

    Code: exact 100, prefix 90 (a prefix needs a digit or two characters). Name: exact 80, prefix
    70, every word of the query in it 60, the query without spaces in the name without spaces 55
    (Korean compounds). A query with nothing left after folding matches codes only.
    """
    query = normalise(raw)
    squeezed = query.replace(" ", "")
    words = query.split()
    code_query = raw.upper() if _CODE_LIKE.match(raw) else None
    code_prefix = code_query is not None and (
        any(ch.isdigit() for ch in code_query) or len(code_query) > 1
    )
    hits = []
    for item in _folded_entries(entries):
        code = 0.0
        if code_query is not None:
            if item.code == code_query:
                code = 100.0
            elif code_prefix and item.code.startswith(code_query):
                code = 90.0
        # Every name rule needs the first word in a name or the squeezed query in a squeezed one.
        if not words or not (words[0] in item.joined or squeezed in item.joined_squeezed):
            if code > 0:
                hits.append(_Hit(item.entry, code, "code"))
            continue
        name = _name_score(item, query, words, squeezed)
        best = max(code, name)
        if best > 0:
            hits.append(_Hit(item.entry, best, "code" if code >= name else "name"))
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


@dataclass(frozen=True)
class _AliasIndex:
    """The folded alternate titles as one NUL-separated text, for fast substring search."""

    text: str
    starts: list[int]
    codes: list[str]
    folded: list[str]
    exact: dict[str, list[str]]
    frame: pl.DataFrame

    @classmethod
    def of(cls, frame: pl.DataFrame) -> _AliasIndex:
        codes, folded = frame["code"].to_list(), frame["folded"].to_list()
        starts, offset = [], 0
        exact: dict[str, list[str]] = {}
        for code, title in zip(codes, folded, strict=True):
            starts.append(offset)
            offset += len(title) + 1
            exact.setdefault(title, []).append(code)
        return cls("\x00".join(folded), starts, codes, folded, exact, frame)

    def containing(self, words: list[str]) -> list[str]:
        """Codes of the titles that contain every word, in title order."""
        first = words[0]
        if self.text.count(first) > _SCAN_LIMIT:  # a very common word: one vectorised scan
            matching = [pl.col("folded").str.contains(word, literal=True) for word in words]
            return self.frame.filter(pl.all_horizontal(matching))["code"].to_list()
        lines: dict[int, None] = {}
        at = self.text.find(first)
        while at >= 0:
            lines[bisect_right(self.starts, at) - 1] = None
            at = self.text.find(first, at + 1)
        return [self.codes[i] for i in lines if all(word in self.folded[i] for word in words[1:])]


#: Above this many occurrences of the first word, the titles are scanned by Polars instead.
_SCAN_LIMIT = 2_000
_ALIASES: dict[int, tuple[object, _AliasIndex]] = {}


def _alias_index(frame: pl.DataFrame) -> _AliasIndex:
    found = _ALIASES.get(id(frame))
    if found is None or found[0] is not frame:
        _ALIASES.clear()
        found = (frame, _AliasIndex.of(frame))
        _ALIASES[id(frame)] = found
    return found[1]


def _alias_hits(settings: Settings, raw: str, entries: dict[str, CodeEntry]) -> list[_Hit]:
    query = normalise(raw)
    words = query.split()
    if not words:
        return []
    index = _alias_index(_alternate_titles(settings))
    exact = [c for c in index.exact.get(query, ()) if c in entries]
    partial = [c for c in index.containing(words) if c in entries]
    hits = [_Hit(entries[c], 50.0, "alternate_title") for c in exact]
    return hits + [_Hit(entries[c], 40.0, "alternate_title") for c in partial]


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
        hits += _score_entries(raw, systems[name].entries)
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
    hits = _rank(_score_entries(raw, system.entries), (system.id,), limit)
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
