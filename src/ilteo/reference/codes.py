"""Code systems derived from the reference tables, each with levels, names and parents.

Occupations: KSCO 8, O*NET-SOC, ISCO-08, SOC 2010 and SOC 2018. Industries: KSIC 10 and KSIC 11.

Indexes are built lazily on first use and cached per reference and cache folder (and the sources'
size and mtime), never at import time.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import polars as pl

from ilteo.core.memory import freeze_long_lived
from ilteo.core.settings import Settings, get_settings
from ilteo.reference.datasets import get_dataset
from ilteo.reference.loading import ReferencePaths, load

#: Occupation systems, in the order search results and links are listed.
OCCUPATION_SYSTEMS = ("ksco8", "onet", "isco08", "soc2010", "soc2018")
KSIC_LEVELS = {1: "section", 2: "division", 3: "group", 4: "class", 5: "subclass"}

# KSIC 11 sections and the divisions (2-digit codes) they contain, from the classification's
# published structure (통계청 고시 제2024-2호). The KSIC 11 code list carries no section of its own.
KSIC11_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3), "B": (5, 8), "C": (10, 34), "D": (35, 35), "E": (36, 39), "F": (41, 42),
    "G": (45, 47), "H": (49, 52), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (70, 73), "N": (74, 76), "O": (84, 84), "P": (85, 85), "Q": (86, 87), "R": (90, 91),
    "S": (94, 96), "T": (97, 98), "U": (99, 99),
}  # fmt: skip


def normalise(text: str) -> str:
    """Fold a name or query for matching: NFKC, lower case, middle dots and punctuation as spaces.

    >>> normalise("  응용·소프트웨어  개발자 ")
    '응용 소프트웨어 개발자'
    >>> normalise("Software Developers, Applications")
    'software developers applications'
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"[·ㆍ・･‧•/,;:()\[\]{}\"'&+\-\u2013\u2014_.]", " ", folded)
    return " ".join(folded.split())


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code of a classification."""

    system: str
    code: str
    level: str
    name_ko: str | None
    name_en: str | None
    parent: str | None
    description: str | None = None


@dataclass(slots=True)
class CodeSystem:
    """All codes of one classification, with a child index."""

    id: str
    entries: dict[str, CodeEntry] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def add(self, entry: CodeEntry) -> None:
        """Add a code (the first declaration of a code wins)."""
        if entry.code not in self.entries:
            self.entries[entry.code] = entry

    def finish(self) -> CodeSystem:
        """Build the child index and drop parents that do not exist."""
        for code, entry in list(self.entries.items()):
            if entry.parent is not None and entry.parent not in self.entries:
                self.entries[code] = CodeEntry(
                    entry.system, entry.code, entry.level, entry.name_ko, entry.name_en, None,
                    entry.description,
                )  # fmt: skip
        for entry in self.entries.values():
            if entry.parent is not None:
                self.children.setdefault(entry.parent, []).append(entry.code)
        return self

    def ancestors(self, code: str) -> list[CodeEntry]:
        """Parents of ``code`` from the top level down."""
        chain: list[CodeEntry] = []
        parent = self.entries[code].parent
        while parent is not None and parent in self.entries and len(chain) < 10:
            chain.append(self.entries[parent])
            parent = self.entries[parent].parent
        return chain[::-1]


# --- cached per folder and source fingerprint -----------------------------------------------------


class IndexKey:
    """Cache key of a derived index: the folders and the sources' size and mtime.

    Carries the settings to build with, but only the paths and fingerprints decide equality.
    """

    __slots__ = ("_identity", "settings")

    def __init__(self, settings: Settings, datasets: Iterable[str]) -> None:
        paths = ReferencePaths.of(settings)
        stamp: list[tuple[str, int, int]] = []
        for dataset_id in datasets:
            spec = get_dataset(dataset_id)
            for data_file in spec.files:
                path = paths.root / spec.folder / data_file.path
                try:
                    stat = path.stat()
                    stamp.append((str(path), stat.st_size, stat.st_mtime_ns))
                except OSError:
                    stamp.append((str(path), -1, -1))
        self.settings = settings
        self._identity = (paths, tuple(stamp))

    def __hash__(self) -> int:
        return hash(self._identity)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexKey) and other._identity == self._identity


_T = TypeVar("_T")
#: How long a derived index trusts its sources' fingerprint before looking at the files again.
STAMP_SECONDS = 2.0


def cached_index(*datasets: str) -> Callable[[Callable[[Settings], _T]], Callable[[Settings], _T]]:
    """Decorate an index builder so it runs once per folder and source fingerprint."""

    def decorate(builder: Callable[[Settings], _T]) -> Callable[[Settings], _T]:
        @lru_cache(maxsize=4)
        def by_key(key: IndexKey) -> _T:
            built = builder(key.settings)
            # An index is hundreds of thousands of long-lived objects: out of the cyclic
            # collector's way, so a full collection under load stays short (a latency tail).
            freeze_long_lived()
            return built

        recent: dict[tuple[Path | None, Path], tuple[float, IndexKey]] = {}

        def get(settings: Settings) -> _T:
            # The sources are looked at (one stat per file) at most every STAMP_SECONDS per
            # folder: a busy server answers from memory, a replaced file is still seen quickly.
            where = (settings.reference_dir, settings.home)
            now = time.monotonic()
            seen = recent.get(where)
            if seen is None or now - seen[0] >= STAMP_SECONDS:
                seen = (now, IndexKey(settings, datasets))
                recent[where] = seen
            return by_key(seen[1])

        get.__doc__ = builder.__doc__
        return get

    return decorate


def _rows(frame: pl.DataFrame, *columns: str) -> Iterable[tuple[str, ...]]:
    """Rows of string columns, with nulls as empty strings."""
    return frame.select(pl.col(c).cast(pl.Utf8).fill_null("") for c in columns).iter_rows()


# --- occupations --------------------------------------------------------------------------------


@cached_index("ksco8", "onet", "crosswalks", "ilo_genai_2025")
def occupation_systems(settings: Settings) -> dict[str, CodeSystem]:
    """KSCO 8, O*NET-SOC, ISCO-08, SOC 2010 and SOC 2018 as code systems."""
    systems = {name: CodeSystem(name) for name in OCCUPATION_SYSTEMS}
    ksco = load("ksco8", settings=settings)
    for code, title_ko, level, parent, name_en in _rows(
        ksco, "code", "title_ko", "level", "parent_code", "name_en"
    ):
        entry = CodeEntry("ksco8", code, level, title_ko, name_en or None, parent or None)
        systems["ksco8"].add(entry)
    onet = load("onet", "occupation_data", settings=settings)
    for code, title, description in _rows(onet, "O*NET-SOC Code", "Title", "Description"):
        systems["onet"].add(
            CodeEntry("onet", code, "occupation", None, title or None, None, description or None)
        )
    _add_soc(systems, settings)
    _add_isco(systems["isco08"], settings)
    return {name: system.finish() for name, system in systems.items()}


def _add_soc(systems: dict[str, CodeSystem], settings: Settings) -> None:
    soc2018 = load("crosswalks", "soc2018_all", settings=settings)
    for code, title, level, parent in _rows(
        soc2018, "code", "title", "Hierarchical_structure", "parent"
    ):
        up = None if parent in ("", "NA") else parent
        systems["soc2018"].add(
            CodeEntry("soc2018", code, (level or "detailed").lower(), None, title or None, up)
        )
    for table, code_col, title_col in (
        ("soc2010_6digit", "soc_code", "title"),
        ("soc2010_soc2018", "soc2010", "soc2010_title"),
        ("soc2010_isco2008", "soc2010", "soc2010_title"),
    ):
        frame = load("crosswalks", table, settings=settings)
        for code, title in _rows(frame, code_col, title_col):
            if code:
                systems["soc2010"].add(
                    CodeEntry("soc2010", code, "detailed", None, title or None, None)
                )


def _add_isco(system: CodeSystem, settings: Settings) -> None:
    levels = {1: "major", 2: "sub_major", 3: "minor", 4: "unit"}
    ilo = load("ilo_genai_2025", "isco08_occupation_scores_gmyrek2025", settings=settings)
    for code, title, major in _rows(ilo, "ISCO_08", "Title", "label1d"):
        if " - " in major:
            major_code, major_name = major.split(" - ", 1)
            system.add(CodeEntry("isco08", major_code, "major", None, major_name, None))
        system.add(CodeEntry("isco08", code, "unit", None, title or None, code[0]))
    for table in ("isco2008_soc2010", "isco1988_isco2008"):
        frame = load("crosswalks", table, settings=settings)
        for code, title in _rows(frame, "isco2008", "isco2008_title"):
            if code and code.isdigit() and len(code) in levels:
                parent = code[:-1] if len(code) > 1 else None
                while parent and parent not in system.entries and len(parent) > 1:
                    parent = parent[:-1]
                level = levels[len(code)]
                system.add(CodeEntry("isco08", code, level, None, title or None, parent))


# --- industries ---------------------------------------------------------------------------------


@cached_index("ksic")
def industry_systems(settings: Settings) -> dict[str, CodeSystem]:
    """KSIC 10 and KSIC 11 as code systems (keys ``"10"`` and ``"11"``)."""
    ksic10 = CodeSystem("ksic10")
    tree = load("ksic", "ksic_tree_rev9_rev10", settings=settings).filter(pl.col("ksic_C") == "C10")
    section_of = {row[0]: row[1] for row in _rows(tree.unique("ksic2_cd"), "ksic2_cd", "ksic1_cd")}
    codes = load("ksic", "ksic_codes_rev9_rev10", settings=settings).filter(
        pl.col("ksic_C") == "C10"
    )
    for code, name, digit in codes.select("cd", "nm", "digit").iter_rows():
        parent = section_of.get(code) if digit == 2 else (code[:-1] if digit > 2 else None)
        ksic10.add(CodeEntry("ksic10", code, KSIC_LEVELS[digit], name, None, parent))
    ksic11 = CodeSystem("ksic11")
    full = load("ksic", "ksic11_codes_full", settings=settings)
    for code, name in _rows(full, "code", "title_ko"):
        ksic11.add(
            CodeEntry(
                "ksic11", code, KSIC_LEVELS[_ksic_digit(code)], name, None, _ksic11_parent(code)
            )
        )
    return {"10": ksic10.finish(), "11": ksic11.finish()}


def _ksic_digit(code: str) -> int:
    return 1 if code.isalpha() else len(code)


def _ksic11_parent(code: str) -> str | None:
    """The parent of a KSIC 11 code.

    >>> _ksic11_parent("58221"), _ksic11_parent("58"), _ksic11_parent("J")
    ('5822', 'J', None)
    """
    if code.isalpha():
        return None
    if len(code) > 2:
        return code[:-1]
    division = int(code)
    for section, (first, last) in KSIC11_SECTIONS.items():
        if first <= division <= last:
            return section
    return None


def get_settings_or(settings: Settings | None) -> Settings:
    """``settings`` or the process settings."""
    return settings or get_settings()
