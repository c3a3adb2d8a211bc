"""AI-exposure profiles of every KSCO 8 unit group, carried from ISCO-08 through the crosswalk.

Each KSCO unit takes the ISCO-08 profiles (:mod:`ilteo.monitor.exposure`) of the units it links to
in ilteo's crosswalk (:mod:`ilteo.monitor.crosswalk`), weighted by each link's confidence:

- the combined score and each source's rank are confidence-weighted means over the linked ISCO
  units that have a profile;
- the uncertainty band is widened to cover every linked unit's band (a KSCO unit split over
  several ISCO units is as uncertain as their spread), never narrowed;
- the gradient, the automation/augmentation leaning and the driving tasks are those of the best
  link (the highest confidence), because they are labels, not averages;
- ``low_confidence`` marks units whose best link is below :data:`MIN_CONFIDENCE`: the profile is
  given but should be reviewed (an override in ``crosswalk_overrides.yaml`` fixes the link).

A KSCO unit none of whose linked ISCO units has a profile is not given one: it is listed by
:func:`ksco_unprofiled` with the reason (for example ISCO 0110, armed forces officers, which the
ILO index does not score). The caveat of every profile says what a score does not establish.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import Link, ksco_isco_crosswalk
from ilteo.monitor.exposure import CAVEAT, Driver, IscoProfile, isco_exposure_profiles

#: Below this best-link confidence a KSCO profile is flagged ``low_confidence`` for review.
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class LinkedIsco:
    """One ISCO-08 unit a KSCO profile draws on, with the crosswalk link's confidence."""

    isco08: str
    title: str
    confidence: float
    method: str
    combined: float | None  # None: the ISCO unit has no exposure profile


@dataclass(frozen=True, slots=True)
class KscoProfile:
    """The AI-exposure profile of one KSCO 8 unit group.

    ``missing_sources`` names the secondary sources left out of every score because their data
    is unavailable (see :func:`ilteo.monitor.exposure.unavailable_sources`).
    """

    ksco8: str
    title_ko: str
    title_en: str | None
    combined: float
    band_low: float
    band_high: float
    source_ranks: dict[str, float]
    gradient: str
    leaning: str
    drivers: tuple[Driver, ...]
    linked: tuple[LinkedIsco, ...]
    best_confidence: float
    low_confidence: bool
    sources: dict[str, str]
    missing_sources: tuple[str, ...] = ()
    caveat: str = CAVEAT


def _weighted(pairs: list[tuple[float, float]]) -> float:
    """The weighted mean of ``(weight, value)`` pairs (weights > 0)."""
    return sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)


def _carry(
    code: str, title_ko: str, title_en: str | None, links: list[Link], isco: dict[str, IscoProfile]
) -> KscoProfile | None:
    """The profile of one KSCO unit from its links, or ``None`` when no linked unit has one."""
    profiled = [
        (max(link.confidence, 1e-6), link, isco[link.isco08])
        for link in links
        if link.isco08 in isco
    ]
    if not profiled:
        return None
    combined = _weighted([(w, p.combined) for w, _, p in profiled])
    sources = sorted({source for _, _, p in profiled for source in p.scores})
    ranks = {
        source: _weighted(
            [(w, p.scores[source].rank) for w, _, p in profiled if source in p.scores]
        )
        for source in sources
    }
    _, best_link, best = max(profiled, key=lambda item: item[1].confidence)
    return KscoProfile(
        ksco8=code,
        title_ko=title_ko,
        title_en=title_en,
        combined=combined,
        band_low=min(combined, *(p.band_low for _, _, p in profiled)),
        band_high=max(combined, *(p.band_high for _, _, p in profiled)),
        source_ranks=ranks,
        gradient=best.gradient,
        leaning=str(best.leaning),
        drivers=best.drivers,
        linked=tuple(
            LinkedIsco(
                isco08=link.isco08,
                title=isco[link.isco08].title if link.isco08 in isco else "",
                confidence=link.confidence,
                method=link.method,
                combined=isco[link.isco08].combined if link.isco08 in isco else None,
            )
            for link in links
        ),
        best_confidence=best_link.confidence,
        low_confidence=best_link.confidence < MIN_CONFIDENCE,
        sources=best.sources,
        missing_sources=tuple(sorted({s for _, _, p in profiled for s in p.missing_sources})),
    )


@dataclass(frozen=True, slots=True)
class KscoIndex:
    """Every KSCO unit's profile, and the units that cannot have one with the reason."""

    profiles: dict[str, KscoProfile]
    unprofiled: dict[str, str]


def build_ksco_index(settings: Settings) -> KscoIndex:
    """Carry the ISCO-08 profiles to every KSCO 8 unit group through the crosswalk."""
    crosswalk = ksco_isco_crosswalk(settings)
    isco = isco_exposure_profiles(settings)
    profiles: dict[str, KscoProfile] = {}
    unprofiled: dict[str, str] = {}
    for code, unit in sorted(crosswalk.ksco.items()):
        links = crosswalk.links_of(code)
        if not links:
            unprofiled[code] = crosswalk.flagged.get(code, "no crosswalk link / 연계 없음")
            continue
        profile = _carry(code, unit.title, unit.title_en, links, isco)
        if profile is None:
            linked = ", ".join(link.isco08 for link in links)
            unprofiled[code] = (
                f"연계된 ISCO-08 {linked}에 노출 점수가 없습니다 / the linked ISCO-08 unit(s) "
                f"{linked} have no exposure score (not scored by the ILO 2025 index)"
            )
            continue
        profiles[code] = profile
    return KscoIndex(profiles, unprofiled)


_INDEX: dict[tuple[int, int], KscoIndex] = {}


def ksco_index(settings: Settings) -> KscoIndex:
    """:func:`build_ksco_index`, kept as long as its crosswalk and ISCO profiles are current."""
    key = (id(ksco_isco_crosswalk(settings)), id(isco_exposure_profiles(settings)))
    found = _INDEX.get(key)
    if found is None:
        _INDEX.clear()
        found = _INDEX[key] = build_ksco_index(settings)
    return found


def ksco_profile(settings: Settings, code: str) -> KscoProfile:
    """The profile of one KSCO 8 unit group.

    Raises:
        NotFoundError: An unknown code (with the nearest valid ones), or a unit that cannot have
            a profile (with the reason).
    """
    index = ksco_index(settings)
    found = index.profiles.get(code)
    if found is not None:
        return found
    if code in index.unprofiled:
        raise NotFoundError(
            f"KSCO 8 {code}에는 노출 프로필이 없습니다 / KSCO 8 {code} has no exposure profile: "
            f"{index.unprofiled[code]}"
        )
    known = sorted({*index.profiles, *index.unprofiled})
    nearest = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    hint = f" (가까운 코드 / nearest: {', '.join(nearest)})" if nearest else ""
    raise NotFoundError(
        f"KSCO 8 세분류(4자리)에 '{code}' 코드가 없습니다 / no KSCO 8 unit group '{code}'{hint}"
    )
