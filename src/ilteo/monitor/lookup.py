"""Exposure by occupation code: one service behind the CLI, API, MCP and web doors.

A caller gives a code of KSCO 8, ISCO-08, SOC (2018 or 2010) or O*NET-SOC; :func:`exposure_lookup`
answers with the AI-exposure profile(s) it reaches:

* **KSCO 8** (4 characters, the default for 4-digit codes): the KSCO profile
  (:mod:`ilteo.monitor.ksco`) and the ISCO-08 profiles of its links in ilteo's crosswalk.
* **ISCO-08**: the ISCO profile (:mod:`ilteo.monitor.exposure`) and the KSCO units linked to it.
* **SOC** (``NN-NNNN``) and **O*NET-SOC** (``NN-NNNN.NN``): carried to ISCO-08 through the official
  crosswalks of the reference room (:func:`ilteo.reference.crosswalk.walk`: O*NET-SOC → SOC 2018 →
  SOC 2010 → ISCO-08), with every ISCO profile reached and the source scores native to the code
  (Felten on SOC 2010, Microsoft on SOC 2018, Eloundou on O*NET-SOC) read as published.

An unknown code is a :class:`~ilteo.core.errors.NotFoundError` that names the nearest valid codes
(``suggestions``); a code of the wrong form is an :class:`~ilteo.core.errors.InvalidInputError`.
No score here is a probability of job loss (:data:`~ilteo.monitor.exposure.CAVEAT`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import ksco_isco_crosswalk
from ilteo.monitor.exposure import CAVEAT, IscoProfile, isco_exposure_profiles, missing_profiles
from ilteo.monitor.ksco import KscoProfile, ksco_index
from ilteo.reference.codes import occupation_systems
from ilteo.reference.crosswalk import walk
from ilteo.reference.exposure import exposures_for
from ilteo.reference.schemas import CrosswalkLink

#: The systems a caller may name (``soc`` covers SOC 2018 and SOC 2010).
System = Literal["ksco8", "isco08", "soc", "onet"]
SYSTEMS: Final[tuple[str, ...]] = ("ksco8", "isco08", "soc", "onet")
_ONET = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_SOC = re.compile(r"^\d{2}-\d{4}$")
_FOUR = re.compile(r"^[0-9A][0-9]{3}$")
#: How many nearest codes an unknown code suggests.
SUGGESTIONS = 5
#: What the answer says about the crosswalks it used.
CROSSWALK_NOTE: Final = (
    "KSCO 8 ↔ ISCO-08은 ilteo가 만든 연계표(공식 연계표 아님), SOC ↔ ISCO-08은 BLS 공식 "
    "연계표입니다 / KSCO 8 ↔ ISCO-08 is ilteo's own crosswalk (not an official correspondence "
    "table); SOC ↔ ISCO-08 are the official BLS crosswalks."
)


@dataclass(frozen=True, slots=True)
class ReachedIsco:
    """An ISCO-08 unit group the code reaches, with its profile or the reason it has none.

    Attributes:
        isco08: Four-digit ISCO-08 code.
        title: ISCO-08 title.
        via: How it was reached (``ilteo_crosswalk``, ``official_crosswalk`` or ``itself``).
        confidence: The link's confidence in ilteo's crosswalk (KSCO codes only).
        hops: Crosswalk links between the code and this unit (0: the code itself).
        profile: The ISCO exposure profile, or ``None``.
        missing: Why there is no profile (``None`` when there is one).
    """

    isco08: str
    title: str
    via: str
    confidence: float | None
    hops: int
    profile: IscoProfile | None
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class NativeScore:
    """A source's score read as published for a code of the source's own system."""

    index: str
    index_name: str
    dataset: str
    version: str
    measure: str
    value: float | None
    category: str | None
    system: str
    code: str
    hops: int


@dataclass(frozen=True, slots=True)
class ExposureAnswer:
    """What :func:`exposure_lookup` found for one code.

    Attributes:
        query: The code as given.
        system: The system the code was read in (``ksco8``, ``isco08``, ``soc2018``, ``soc2010``
            or ``onet``).
        detected: ``True`` when the system was detected from the code's form.
        code: The code (normalised).
        title: English title, when the system has one.
        title_ko: Korean title (KSCO 8).
        ksco: The KSCO 8 profile (KSCO codes).
        isco: The ISCO-08 unit groups reached, best first, each with its profile or the reason.
        ksco_linked: KSCO 8 units whose crosswalk links reach those ISCO units (code → title).
        native_scores: Source scores read on the code itself and its SOC/O*NET-SOC equivalents.
        notes: What a reader should know about this answer.
        caveat: What an exposure score does not establish.
    """

    query: str
    system: str
    detected: bool
    code: str
    title: str | None
    title_ko: str | None
    ksco: KscoProfile | None
    isco: tuple[ReachedIsco, ...]
    ksco_linked: dict[str, str]
    native_scores: tuple[NativeScore, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    caveat: str = CAVEAT

    def to_json(self) -> dict[str, Any]:
        """The answer as JSON-able data (dicts, lists, strings and numbers)."""
        return answer_json(self)

    @property
    def combined(self) -> float | None:
        """The headline combined score: the KSCO profile's, else the mean of the reached ISCO."""
        if self.ksco is not None:
            return self.ksco.combined
        scores = [r.profile.combined for r in self.isco if r.profile is not None]
        return sum(scores) / len(scores) if scores else None


def answer_json(answer: ExposureAnswer) -> dict[str, Any]:
    """:class:`ExposureAnswer` as a dict ready for ``json.dumps``."""
    data = asdict(answer)
    data["combined"] = answer.combined
    profiles = [answer.ksco, *(r.profile for r in answer.isco)]
    data["missing_sources"] = sorted(
        {s for p in profiles if p is not None for s in p.missing_sources}
    )
    return data


def detect_system(code: str) -> str:
    """The system a code's form points to.

    >>> detect_system("15-1252.00"), detect_system("15-1252"), detect_system("2221")
    ('onet', 'soc', 'ksco8')

    Raises:
        InvalidInputError: The form fits no system.
    """
    if _ONET.match(code):
        return "onet"
    if _SOC.match(code):
        return "soc"
    if _FOUR.match(code):
        return "ksco8"
    raise InvalidInputError(
        f"'{code}'의 분류를 알 수 없습니다 / cannot tell the system of '{code}': use a 4-digit "
        "KSCO 8 or ISCO-08 unit group (e.g. 2221), a SOC code (15-1252) or an O*NET-SOC code "
        "(15-1252.00), or name the system",
        parameter="occupation",
    )


def _nearest(code: str, known: list[str]) -> list[str]:
    """The known codes closest to ``code``: the longest shared prefix first, then similarity.

    >>> _nearest("15-9999", ["15-1252", "15-2011", "99-9999", "51-9199"])
    ['15-2011', '15-1252', '99-9999', '51-9199']
    """
    found: list[str] = []
    for length in range(len(code) - 1, 1, -1):
        prefixed = [k for k in known if k.startswith(code[:length])]
        if prefixed:
            ranked = difflib.get_close_matches(code, prefixed, n=SUGGESTIONS, cutoff=0.0)
            found = ranked[:SUGGESTIONS]
            break
    for similar in difflib.get_close_matches(code, known, n=SUGGESTIONS, cutoff=0.5):
        if similar not in found and len(found) < SUGGESTIONS:
            found.append(similar)
    return found


def _unknown(
    system: str, code: str, known: list[str], extra: tuple[str, ...] = ()
) -> NotFoundError:
    nearest = list(dict.fromkeys([*extra, *_nearest(code, known)]))[:SUGGESTIONS]
    hint = f" (가까운 코드 / nearest: {', '.join(nearest)})" if nearest else ""
    return NotFoundError(
        f"{system}에 '{code}' 코드가 없습니다 / no {system} code '{code}'{hint}",
        suggestions=nearest,
        system=system,
    )


def exposure_lookup(settings: Settings, code: str, system: str | None = None) -> ExposureAnswer:
    """The AI-exposure answer for one occupation code.

    Args:
        settings: Settings naming the reference data.
        code: A KSCO 8 or ISCO-08 unit group, a SOC 2018/2010 code or an O*NET-SOC code.
        system: ``ksco8``, ``isco08``, ``soc`` or ``onet``; detected from the code's form when
            ``None`` (4-digit codes are read as KSCO 8).

    Returns:
        The profile(s) the code reaches, the native source scores and notes.

    Raises:
        InvalidInputError: An unknown system, or a code whose form fits no system.
        NotFoundError: An unknown code (``suggestions`` names the nearest valid ones), or a KSCO 8
            unit that cannot have a profile (with the reason).
        DataUnavailableError: The primary source (ILO 2025) is missing.
    """
    code = code.strip().upper() if code.strip()[:1].isalpha() else code.strip()
    detected = system is None
    chosen = detect_system(code) if system is None else system.strip().lower()
    if chosen not in SYSTEMS:
        raise InvalidInputError(
            f"알 수 없는 분류 '{system}' / unknown system '{system}' (one of {', '.join(SYSTEMS)})",
            parameter="system",
        )
    if chosen == "ksco8":
        return _ksco(settings, code, detected)
    if chosen == "isco08":
        return _isco(settings, code, detected)
    return _soc(settings, code, chosen, detected)


def _ksco(settings: Settings, code: str, detected: bool) -> ExposureAnswer:
    index = ksco_index(settings)
    profile = index.profiles.get(code)
    if profile is None:
        if code in index.unprofiled:
            raise NotFoundError(
                f"KSCO 8 {code}에는 노출 프로필이 없습니다 / KSCO 8 {code} has no exposure "
                f"profile: {index.unprofiled[code]}",
                suggestions=[],
                system="ksco8",
            )
        if code in _isco_units(settings):
            raise NotFoundError(
                f"KSCO 8 세분류에 '{code}'가 없습니다. ISCO-08 코드라면 system=isco08로 "
                f"조회하세요 / no KSCO 8 unit group '{code}'; it is an ISCO-08 unit group: "
                "ask again with system isco08",
                suggestions=_nearest(code, sorted({*index.profiles, *index.unprofiled})),
                system="ksco8",
            )
        raise _unknown("KSCO 8", code, sorted({*index.profiles, *index.unprofiled}))
    crosswalk = ksco_isco_crosswalk(settings)
    profiles = isco_exposure_profiles(settings)
    reached = tuple(
        _reached(settings, link.isco08, "ilteo_crosswalk", link.confidence, 1, profiles)
        for link in sorted(crosswalk.links_of(code), key=lambda x: -x.confidence)
    )
    notes = [CROSSWALK_NOTE]
    if profile.low_confidence:
        notes.append(
            "최선 연계의 신뢰도가 낮아 검토가 필요합니다 / the best crosswalk link has low "
            "confidence: review before relying on this profile"
        )
    return ExposureAnswer(
        query=code, system="ksco8", detected=detected, code=code, title=profile.title_en,
        title_ko=profile.title_ko, ksco=profile, isco=reached,
        ksco_linked={code: profile.title_ko}, native_scores=(), notes=tuple(notes),
    )  # fmt: skip


def _isco_units(settings: Settings) -> dict[str, str]:
    return {
        c: e.name_en or ""
        for c, e in occupation_systems(settings)["isco08"].entries.items()
        if e.level == "unit" and len(c) == 4
    }


def _reached(
    settings: Settings,
    isco: str,
    via: str,
    confidence: float | None,
    hops: int,
    profiles: dict[str, IscoProfile],
) -> ReachedIsco:
    profile = profiles.get(isco)
    title = profile.title if profile else _isco_units(settings).get(isco, "")
    missing = None if profile else missing_profiles(settings).get(isco, "no ILO 2025 score")
    return ReachedIsco(isco, title, via, confidence, hops, profile, missing)


def _ksco_linked(settings: Settings, isco: set[str]) -> dict[str, str]:
    crosswalk = ksco_isco_crosswalk(settings)
    codes = sorted({x.ksco8 for x in crosswalk.links if x.isco08 in isco})
    return {c: crosswalk.ksco[c].title for c in codes}


def _isco(settings: Settings, code: str, detected: bool) -> ExposureAnswer:
    units = _isco_units(settings)
    if code not in units:
        raise _unknown("ISCO-08", code, sorted(units))
    profiles = isco_exposure_profiles(settings)
    reached = (_reached(settings, code, "itself", None, 0, profiles),)
    links = walk(settings, "isco08", code)
    return ExposureAnswer(
        query=code, system="isco08", detected=detected, code=code, title=units[code],
        title_ko=None, ksco=None, isco=reached, ksco_linked=_ksco_linked(settings, {code}),
        native_scores=_native(settings, "isco08", code, links), notes=(CROSSWALK_NOTE,),
    )  # fmt: skip


def _native(
    settings: Settings, system: str, code: str, links: list[CrosswalkLink]
) -> tuple[NativeScore, ...]:
    """Source scores read on the code and the codes one link away (ILO is in the profiles)."""
    near = [link for link in links if link.hops <= 1 and link.system != "isco08"]
    try:
        scores = exposures_for(settings, system, code, near)
    except DataUnavailableError:
        return ()
    return tuple(
        NativeScore(
            s.index,
            s.index_name,
            s.dataset,
            s.version,
            s.measure,
            s.value,
            s.category,
            s.system,
            s.code,
            s.hops,
        )
        for s in scores
        if s.index != "ilo_genai_2025"
    )


def _soc(settings: Settings, code: str, chosen: str, detected: bool) -> ExposureAnswer:
    systems = occupation_systems(settings)
    notes = [CROSSWALK_NOTE]
    if chosen == "onet":
        if not _ONET.match(code):
            raise InvalidInputError(
                f"O*NET-SOC 코드는 NN-NNNN.NN 형식입니다 / an O*NET-SOC code looks like "
                f"NN-NNNN.NN, not '{code}'",
                parameter="occupation",
            )
        if code not in systems["onet"].entries:
            soc = code[:7]
            extra = (
                (soc,) if soc in {*systems["soc2018"].entries, *systems["soc2010"].entries} else ()
            )
            raise _unknown("O*NET-SOC", code, sorted(systems["onet"].entries), extra)
        resolved = "onet"
    else:
        if not _SOC.match(code):
            raise InvalidInputError(
                f"SOC 코드는 NN-NNNN 형식입니다 / a SOC code looks like NN-NNNN, not '{code}'",
                parameter="occupation",
            )
        if code in systems["soc2018"].entries:
            resolved = "soc2018"
        elif code in systems["soc2010"].entries:
            resolved = "soc2010"
            notes.append(
                "SOC 2018에 없는 SOC 2010 코드입니다(2018 개정에서 바뀜) / a SOC 2010 code that "
                "SOC 2018 replaced; read through the SOC 2010 crosswalk"
            )
        else:
            known = sorted({*systems["soc2018"].entries, *systems["soc2010"].entries})
            raise _unknown("SOC", code, known)
    entry = systems[resolved].entries[code]
    links = walk(settings, resolved, code)
    profiles = isco_exposure_profiles(settings)
    isco_links = sorted(
        (link for link in links if link.system == "isco08"), key=lambda x: (x.hops, x.code)
    )
    reached = tuple(
        _reached(settings, link.code, "official_crosswalk", None, link.hops, profiles)
        for link in isco_links
    )
    if not reached:
        notes.append(
            "공식 연계표로 닿는 ISCO-08 세분류가 없습니다 / the official crosswalks reach no "
            "ISCO-08 unit group from this code"
        )
    return ExposureAnswer(
        query=code, system=resolved, detected=detected, code=code, title=entry.name_en,
        title_ko=entry.name_ko, ksco=None, isco=reached,
        ksco_linked=_ksco_linked(settings, {r.isco08 for r in reached}),
        native_scores=_native(settings, resolved, code, links), notes=tuple(notes),
    )  # fmt: skip
