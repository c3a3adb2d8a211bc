"""One occupation or industry in detail: hierarchy, crosswalk links and raw exposure scores."""

from __future__ import annotations

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.reference.codes import (
    OCCUPATION_SYSTEMS,
    CodeEntry,
    CodeSystem,
    cached_index,
    get_settings_or,
    industry_systems,
    occupation_systems,
)
from ilteo.reference.crosswalk import walk
from ilteo.reference.exposure import exposures_for
from ilteo.reference.loading import load
from ilteo.reference.schemas import (
    PROVISIONAL_NOTE,
    IndustryDetail,
    IndustryLink,
    IndustrySummary,
    OccupationDetail,
    OccupationSummary,
)
from ilteo.reference.search import check_revision

SYSTEM_NAMES = {
    "ksco8": "KSCO 8",
    "onet": "O*NET-SOC 2019",
    "isco08": "ISCO-08",
    "soc2010": "SOC 2010",
    "soc2018": "SOC 2018",
    "10": "KSIC 10",
    "11": "KSIC 11",
}


def _summary(entry: CodeEntry) -> OccupationSummary:
    return OccupationSummary(
        system=entry.system,
        code=entry.code,
        level=entry.level,
        name_ko=entry.name_ko,
        name_en=entry.name_en,
    )


def _find(system: CodeSystem, name: str, code: str, kind_ko: str, kind_en: str) -> CodeEntry:
    cleaned = code.strip()
    entry = system.entries.get(cleaned) or system.entries.get(cleaned.upper())
    if entry is None:
        label = SYSTEM_NAMES[name]
        raise NotFoundError(
            f"{label}에 {kind_ko} 코드 '{cleaned}'이(가) 없습니다. / No {kind_en} with code "
            f"'{cleaned}' in {label}.",
            system=name,
            code=cleaned,
        )
    return entry


def get_occupation(system: str, code: str, settings: Settings | None = None) -> OccupationDetail:
    """One occupation with its parents, children, crosswalk links and raw exposure scores.

    Links follow official crosswalks (O*NET-SOC → SOC 2018 → SOC 2010 → ISCO-08 and back) and,
    for KSCO 8 unit groups, provisional ISCO-08 candidates whose title equals the KSCO English
    name. Each exposure score names the index, its version and the code it was read from.

    Args:
        system: ``ksco8``, ``onet``, ``isco08``, ``soc2010`` or ``soc2018``.
        code: The occupation code in that system (``2223``, ``15-1252.00``, ``2512``).
        settings: Settings to use; the process settings by default.

    Raises:
        InvalidInputError: Unknown system.
        NotFoundError: No such code in the system.
        DataUnavailableError: The reference data is missing or invalid.
    """
    if system not in OCCUPATION_SYSTEMS:
        raise InvalidInputError(
            f"알 수 없는 직업분류 '{system}'. / Unknown occupation system '{system}' "
            f"(one of: {', '.join(OCCUPATION_SYSTEMS)})."
        )
    settings = get_settings_or(settings)
    codes = occupation_systems(settings)[system]
    entry = _find(codes, system, code, "직업", "occupation")
    links = walk(settings, system, entry.code)
    notes: list[str] = []
    if any(link.provisional for link in links):
        notes.append(PROVISIONAL_NOTE)
    if system == "ksco8" and not links:
        notes.append(
            "이 KSCO 항목에는 아직 ISCO-08 연계가 없습니다(세분류 영문명이 ISCO-08 직업명과 같을 "
            "때만 잠정 연계). / No ISCO-08 link yet: provisional links are made only for unit "
            "groups whose English name equals an ISCO-08 title."
        )
    return OccupationDetail(
        system=system,
        code=entry.code,
        level=entry.level,
        name_ko=entry.name_ko,
        name_en=entry.name_en,
        description=entry.description,
        parents=[_summary(parent) for parent in codes.ancestors(entry.code)],
        children=[_summary(codes.entries[c]) for c in sorted(codes.children.get(entry.code, []))],
        links=links,
        exposures=exposures_for(settings, system, entry.code, links),
        notes=notes,
    )


def _industry(revision: str, entry: CodeEntry) -> IndustrySummary:
    return IndustrySummary(
        revision=revision,
        code=entry.code,
        level=entry.level,
        name_ko=entry.name_ko or "",
        parent_code=entry.parent,
    )


@cached_index("ksic")
def _ksic10_to_9(settings: Settings) -> dict[str, list[IndustryLink]]:
    links: dict[str, list[IndustryLink]] = {}
    frame = load("ksic", "ksic10_to_ksic9", settings=settings)
    for code, target, name, relation, detail in frame.select(
        "ksic10_cd", "ksic9_cd", "ksic9_nm", "con", "detail"
    ).iter_rows():
        if code and target:
            links.setdefault(code, []).append(
                IndustryLink(
                    revision="9",
                    code=target,
                    name_ko=name or "",
                    relation=relation,
                    detail=detail,
                )
            )
    return links


def get_industry(
    code: str, revision: str = "11", settings: Settings | None = None
) -> IndustryDetail:
    """One KSIC industry with its parents, children and concordance links.

    KSIC 10 codes carry their KSIC 9 concordance; no KSIC 10↔11 concordance is in the reference
    data yet (the official table is only published in the KSIC 11 manual).

    Raises:
        InvalidInputError: A revision other than ``"10"`` or ``"11"``.
        NotFoundError: No such code in that revision.
        DataUnavailableError: The reference data is missing or invalid.
    """
    check_revision(revision)
    settings = get_settings_or(settings)
    system = industry_systems(settings)[revision]
    entry = _find(system, revision, code, "산업", "industry")
    concordance = _ksic10_to_9(settings).get(entry.code, []) if revision == "10" else []
    return IndustryDetail(
        revision=revision,
        code=entry.code,
        level=entry.level,
        name_ko=entry.name_ko or "",
        parents=[_industry(revision, p) for p in system.ancestors(entry.code)],
        children=[
            _industry(revision, system.entries[c])
            for c in sorted(system.children.get(entry.code, []))
        ],
        concordance=concordance,
    )
