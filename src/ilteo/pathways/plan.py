"""Transition plans: next jobs that are viable, keep the pay and are safer from AI, with courses.

One service behind every door (CLI, API, MCP, web):

- :func:`recommend` answers for an occupation (a KSCO 8 unit group or an O*NET-SOC code). A KSCO
  code is carried to the O*NET-SOC occupations linked to it (through ilteo's KSCO ↔ ISCO crosswalk
  and the official BLS crosswalks, :mod:`ilteo.pathways.profiles`); the best-linked one is the
  origin and the others are named as ``alternatives``.
- The candidates are the model's best moves
  (:func:`ilteo.pathways.transitions.similar_occupations`, with its *viable* filter). Each gets
  the two other filters of ``thresholds.yaml``: **desirable** (the target's wage at least
  ``min_wage_ratio`` of the origin's: lake wages per KSCO unit when both units have
  ``lake_min_jobs`` jobs in the lake, else BLS national medians) and **safer** (the target's
  combined AI exposure lower by ``min_exposure_drop``). Targets passing more filters come first,
  then by model score.
- Each target carries its explanation (shared strengths, top gaps, pay and exposure change, local
  demand: hires in the lake over 12 months in the person's 시도) and 1-3 K-Digital Training
  courses matched to its gaps (:func:`ilteo.pathways.courses.match_courses`).

:func:`person_plan` does the same for a master person of the lake: the occupation of the latest
insured job (else the latest job-seeking registration is not used: only insured jobs carry a KSCO
code), the 시도 of that job, the age, the history of jobs, and whether the person is on this
month's outreach list of the monitoring room. A person without any job is not an error: the plan
is empty and the notes say why.

Age: from 55 on a target that needs two job zones more than the origin is left out (long
preparation; judgement stated in ``docs/pathways-plans.md``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import yaml

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.pathways.courses import CourseMatch, Gap, glossary, match_courses, region_code
from ilteo.pathways.profiles import KscoLink, ProfileIndex, occupation_profiles
from ilteo.pathways.signals import (
    Hires,
    Wage,
    bls_wages,
    hires_by_ksco,
    hires_of,
    lake_wages,
    onet_exposures,
)
from ilteo.pathways.transitions import (
    THRESHOLDS_PATH,
    Element,
    Transition,
    load_thresholds,
    resolve,
    similar_occupations,
)

SEOUL: Final = ZoneInfo("Asia/Seoul")
#: Code systems a caller may name.
CODE_SYSTEMS: Final = ("ksco8", "onet")
#: Candidates taken from the transition model before the pay and exposure filters.
CANDIDATES: Final = 60
#: Age from which a target two job zones up is left out.
OLDER_AGE: Final = 55
CAVEAT: Final = (
    "제안은 O*NET 직무 정보와 공개 지표로 계산한 참고 자료이며 취업·임금을 보장하지 "
    "않습니다. AI 노출 점수는 실직 확률이 아닙니다. 훈련비 본인부담은 추정입니다. / "
    "Suggestions are computed from O*NET descriptors and public figures; they guarantee "
    "neither a job nor a wage. An AI-exposure score is not a probability of job loss. The "
    "training self-pay is an estimate."
)
_KSCO = re.compile(r"^[0-9A][0-9]{3}$")
_ONET = re.compile(r"^\d{2}-\d{4}(\.\d{2})?$")


@dataclass(frozen=True, slots=True)
class FilterThresholds:
    """The desirable and safer thresholds of ``thresholds.yaml``."""

    min_wage_ratio: float
    lake_min_jobs: int
    min_exposure_drop: float


@cache
def filter_thresholds() -> FilterThresholds:
    """The pay and exposure thresholds (read from ``thresholds.yaml``)."""
    data = yaml.safe_load(THRESHOLDS_PATH.read_text(encoding="utf-8"))["filters"]
    return FilterThresholds(
        min_wage_ratio=float(data["desirable"]["min_wage_ratio"]),
        lake_min_jobs=int(data["desirable"]["lake_min_jobs"]),
        min_exposure_drop=float(data["safer"]["min_exposure_drop"]),
    )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a plan starts: the occupation as given and the O*NET-SOC profile it uses."""

    code: str
    system: str
    onet_code: str
    title: str
    title_ko: str | None
    ksco: tuple[KscoLink, ...]
    fallback: bool
    fallback_group: str | None
    exposure: float | None
    wage: Wage | None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """One suggested next occupation with its filters, explanation, demand and courses."""

    transition: Transition
    wage_ratio: float | None
    wage_source: str | None
    exposure: float | None
    exposure_change: float | None
    demand: Hires | None
    demand_sido: str | None
    courses: tuple[CourseMatch, ...]
    explanation_ko: str
    explanation_en: str


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan: the origin and 0-``top`` targets, best first, with notes a reader needs."""

    origin: Origin
    targets: tuple[Target, ...]
    region: str | None
    as_of: date | None
    thresholds_version: int
    notes: tuple[str, ...] = ()
    caveat: str = CAVEAT


# --- the origin ----------------------------------------------------------------------------------


def _ksco_links(index: ProfileIndex) -> dict[str, list[tuple[float, int]]]:
    links: dict[str, list[tuple[float, int]]] = {}
    for row, occupation in enumerate(index.occupations):
        for link in occupation.ksco:
            links.setdefault(link.code, []).append((link.confidence, row))
    for rows in links.values():
        rows.sort(key=lambda item: (-item[0], index.occupations[item[1]].fallback, item[1]))
    return links


_LINKS: dict[int, dict[str, list[tuple[float, int]]]] = {}


def ksco_onet(index: ProfileIndex, ksco: str) -> list[str]:
    """O*NET-SOC codes linked to a KSCO 8 unit group, best link first (rated ones first on ties)."""
    if id(index) not in _LINKS:
        _LINKS.clear()
        _LINKS[id(index)] = _ksco_links(index)
    return [index.occupations[row].code for _, row in _LINKS[id(index)].get(ksco, [])]


def _ksco_titles(settings: Settings) -> dict[str, str]:
    from ilteo.reference.codes import occupation_systems

    entries = occupation_systems(settings)["ksco8"].entries
    return {code: e.name_ko or "" for code, e in entries.items() if len(code) == 4}


def detect(code: str, system: str | None) -> str:
    """The code system of ``code`` (``ksco8`` or ``onet``), checking a named one.

    Raises:
        InvalidInputError: an unknown system, or a code that fits neither form (and is not text
            to search titles with: callers search titles on ``NotFoundError``).
    """
    if system is not None and system not in CODE_SYSTEMS:
        raise InvalidInputError(f"system must be one of {', '.join(CODE_SYSTEMS)}, not {system!r}")
    if system is not None:
        return system
    return "ksco8" if _KSCO.match(code) else "onet"


def _title_suggestions(settings: Settings, index: ProfileIndex, text: str) -> list[str]:
    """The nearest occupations by Korean (KSCO) or English (O*NET) title, as "CODE title"."""
    titles = {t: f"{c} {t}" for c, t in _ksco_titles(settings).items() if t and ksco_onet(index, c)}
    for occupation in index.occupations:
        titles.setdefault(occupation.title.lower(), f"{occupation.code} {occupation.title}")
    query = text.strip().lower()
    contained = [t for t in titles if query and query in t]
    close = difflib.get_close_matches(query, list(titles), n=5, cutoff=0.4)
    chosen = list(dict.fromkeys([*sorted(contained, key=len)[:5], *close]))[:5]
    return [titles[t] for t in chosen]


def _exact_title(settings: Settings, index: ProfileIndex, text: str) -> str | None:
    """The code of a KSCO 8 unit or O*NET occupation whose whole title is ``text``, if any."""
    key = (id(index), str(settings.reference_dir))
    titles = _TITLES.get(key)
    if titles is None:
        onet = {o.title.casefold(): o.code for o in index.occupations}
        ksco = {t.casefold(): c for c, t in _ksco_titles(settings).items() if ksco_onet(index, c)}
        titles = onet | ksco  # a KSCO title wins over an O*NET one
        _TITLES.clear()
        _TITLES[key] = titles
    return titles.get(text.casefold())


_TITLES: dict[tuple[int, str], dict[str, str]] = {}


def _prefix(left: str, right: str) -> int:
    """The length of the common prefix of two codes."""
    size = 0
    while size < min(len(left), len(right)) and left[size] == right[size]:
        size += 1
    return size


def _unknown(settings: Settings, index: ProfileIndex, code: str, system: str) -> NotFoundError:
    if system == "ksco8" and _KSCO.match(code):
        titles = _ksco_titles(settings)
        near = sorted(
            (c for c in titles if ksco_onet(index, c)),
            key=lambda c: (
                -_prefix(c, code),
                abs(int(c[1:]) - int(code[1:])),
                c,
            ),
        )[:5]
        suggestions = [f"{c} {titles[c]}" for c in near]
        what = (
            f"KSCO 8 직업 '{code}'은(는) O*NET 직무 정보와 연결되지 않았습니다"
            if code in titles
            else f"KSCO 8 직업 '{code}'이(가) 없습니다"
        )
        english = f"KSCO 8 unit group '{code}' " + (
            "is not linked to any O*NET-SOC occupation" if code in titles else "does not exist"
        )
    else:
        suggestions = _title_suggestions(settings, index, code)
        what, english = f"'{code}'에 해당하는 직업이 없습니다", f"no occupation '{code}'"
    hint = "; ".join(suggestions)
    return NotFoundError(
        f"{what} / {english}" + (f" (가까운 직업 / nearest: {hint})" if hint else ""),
        suggestions=suggestions,
        system=system,
    )


def _origin(settings: Settings, index: ProfileIndex, code: str, system: str | None) -> Origin:
    text = code.strip()
    if not text:
        raise InvalidInputError("직업 코드가 비었습니다 / the occupation code is empty")
    exact = _exact_title(settings, index, text) if system is None else None
    if exact is not None:  # a whole title ("간호사", "Registered Nurses") names its code
        text = exact
    chosen = detect(text, system)
    alternatives: list[str] = []
    if chosen == "ksco8":
        linked = ksco_onet(index, text) if _KSCO.match(text) else []
        if not linked:
            raise _unknown(settings, index, text, chosen)
        onet = linked[0]
        alternatives = [f"{c} {index.occupation(c).title}" for c in linked[1:6]]
    elif _ONET.match(text):
        onet = resolve(index, text)
    else:
        raise _unknown(settings, index, text, chosen)
    occupation = index.occupation(onet)
    exposures = onet_exposures(settings)
    exposure = exposures[index.row[onet]]
    return Origin(
        code=text,
        system=chosen,
        onet_code=onet,
        title=occupation.title,
        title_ko=(_ksco_titles(settings).get(text) if chosen == "ksco8" else None)
        or occupation.title_ko,
        ksco=occupation.ksco,
        fallback=occupation.fallback,
        fallback_group=occupation.fallback_group,
        exposure=None if np.isnan(exposure) else round(float(exposure), 4),
        wage=bls_wages(settings).get(onet),
        alternatives=tuple(alternatives),
    )


# --- the filters ---------------------------------------------------------------------------------


def _wage_ratio(
    wages: tuple[dict[str, tuple[float, int]], dict[str, Wage]],
    origin_ksco: str | None,
    origin_onet: str,
    target: Transition,
    limits: FilterThresholds,
) -> tuple[float | None, str | None]:
    lake, bls = wages
    target_ksco = target.target_ksco[0].code if target.target_ksco else None
    if origin_ksco and target_ksco:
        a, b = lake.get(origin_ksco), lake.get(target_ksco)
        if a and b and min(a[1], b[1]) >= limits.lake_min_jobs and a[0] > 0:
            return b[0] / a[0], "lake"
    a_wage, b_wage = bls.get(origin_onet), bls.get(target.target)
    if a_wage and b_wage and a_wage.value > 0:
        return b_wage.value / a_wage.value, "bls"
    return None, None


def _ko(element: Element) -> str:
    return glossary().get(element.name, {}).get("name", element.name)


def _explain(
    target: Transition,
    ratio: float | None,
    source: str | None,
    change: float | None,
    demand: Hires | None,
    sido: str | None,
) -> tuple[str, str]:
    strengths_ko = ", ".join(_ko(e) for e in target.strengths) or "-"
    gaps_ko = ", ".join(_ko(e) for e in target.gaps) or "-"
    strengths_en = ", ".join(e.name for e in target.strengths) or "-"
    gaps_en = ", ".join(e.name for e in target.gaps) or "-"
    ko = [f"공통 강점: {strengths_ko}.", f"보완할 역량: {gaps_ko}."]
    en = [f"Shared strengths: {strengths_en}.", f"Gaps to close: {gaps_en}."]
    if ratio is not None:
        basis = "고용보험 보수" if source == "lake" else "미국 BLS 중위임금 비율"
        ko.append(f"임금은 지금의 {ratio:.0%} 수준({basis}).")
        english = "lake wages" if source == "lake" else "BLS median ratio"
        en.append(f"Pay is {ratio:.0%} of the current ({english}).")
    if change is not None:
        ko.append(f"AI 노출 점수 변화 {change:+.2f}.")
        en.append(f"AI exposure changes by {change:+.2f}.")
    where = sido or "전국"
    if demand is not None and demand.hires is not None:
        span = f"{demand.first:%Y-%m}~{demand.last:%Y-%m}"
        ko.append(f"최근 채용 {demand.hires:,}건({where}, {span}).")
        en.append(f"{demand.hires:,} hires ({sido or 'national'}, {span}).")
    elif demand is not None:
        ko.append(f"채용 건수는 공개 기준 미만입니다({where}).")
        en.append("Hires are below the publication threshold.")
    return " ".join(ko), " ".join(en)


def _gaps(transition: Transition) -> list[Gap]:
    out = []
    for element in transition.gaps:
        weight = max(element.target_level - element.origin_level, 0.1)
        out.append(Gap(element.name, weight=weight))
    return out


def recommend(
    settings: Settings,
    code: str,
    *,
    system: str | None = None,
    top: int = 5,
    courses: int = 3,
    region: str | None = None,
    as_of: date | None = None,
    max_zone_step: int | None = None,
) -> Plan:
    """A plan for an occupation: up to ``top`` targets with filters, explanations and courses.

    Args:
        settings: Where the reference data and the lake live.
        code: A KSCO 8 unit group (``2222``) or an O*NET-SOC code (``15-1252.00``).
        system: ``ksco8`` or ``onet``; detected from the code's form when ``None``.
        top: Targets wanted (1-10).
        courses: Courses per target (0-3).
        region: The person's 시도 (code or name) for course distance and local demand.
        as_of: The day of the plan, for courses (default: the catalogue's last start date).
        max_zone_step: Leave out targets more than this many job zones above the origin.

    Returns:
        The plan; ``notes`` say when fewer targets than asked pass the filters, when the origin's
        profile is its parent group's, or when pay or demand data are missing.

    Raises:
        NotFoundError: an unknown code (``suggestions`` names the nearest occupations by code or
            title).
        InvalidInputError: ``top``, ``courses``, ``system`` or ``region`` out of range.
    """
    if not 1 <= top <= 10:
        raise InvalidInputError(f"top must be 1-10, not {top}")
    if not 0 <= courses <= 3:
        raise InvalidInputError(f"courses must be 0-3, not {courses}")
    sido = region_code(region) if region is not None else None
    index = occupation_profiles(settings)
    origin = _origin(settings, index, code, system)
    limits = filter_thresholds()
    thresholds = load_thresholds()
    exposures = onet_exposures(settings)
    origin_ksco = origin.code if origin.system == "ksco8" else None
    origin_ksco = origin_ksco or (origin.ksco[0].code if origin.ksco else None)
    demand = hires_by_ksco(settings, sido)
    wages = (lake_wages(settings), bls_wages(settings))
    notes = _origin_notes(settings, origin)
    candidates = similar_occupations(settings, origin.onet_code, top=CANDIDATES)
    zone = index.job_zone
    ranked: list[tuple[int, Target]] = []
    dropped_zone = 0
    for candidate in candidates:
        row = index.row[candidate.target]
        step = float(zone[row] - zone[index.row[origin.onet_code]])
        if max_zone_step is not None and step > max_zone_step:
            dropped_zone += 1
            continue
        ratio, source = _wage_ratio(wages, origin_ksco, origin.onet_code, candidate, limits)
        exposure = None if np.isnan(exposures[row]) else float(exposures[row])
        change = None if exposure is None or origin.exposure is None else exposure - origin.exposure
        filters = {
            "viable": bool(candidate.filters.get("viable")),
            "desirable": None if ratio is None else bool(ratio >= limits.min_wage_ratio),
            "safer": None if change is None else bool(-change >= limits.min_exposure_drop),
        }
        passed = sum(1 for v in filters.values() if v)
        transition = _with_filters(candidate, filters)
        target_ksco = transition.target_ksco[0].code if transition.target_ksco else None
        hires = hires_of(demand, target_ksco)
        ko, en = _explain(transition, ratio, source, change, hires, _sido_name(sido))
        ranked.append((passed, Target(
            transition=transition,
            wage_ratio=None if ratio is None else round(ratio, 3),
            wage_source=source,
            exposure=None if exposure is None else round(exposure, 4),
            exposure_change=None if change is None else round(change, 4),
            demand=hires,
            demand_sido=sido,
            courses=(),
            explanation_ko=ko,
            explanation_en=en,
        )))  # fmt: skip
    ranked.sort(key=lambda item: (-item[0], -item[1].transition.score))
    chosen = [t for _, t in ranked[:top]]
    chosen = [
        _with_courses(settings, t, rank, courses, sido, as_of) for rank, t in enumerate(chosen, 1)
    ]
    notes += _target_notes(chosen, top, dropped_zone, bool(demand))
    return Plan(
        origin=origin,
        targets=tuple(chosen),
        region=sido,
        as_of=as_of,
        thresholds_version=thresholds.version,
        notes=tuple(notes),
    )


def _with_filters(candidate: Transition, filters: dict[str, bool | None]) -> Transition:
    return replace(candidate, filters=filters)


def _with_courses(
    settings: Settings, target: Target, rank: int, courses: int, sido: str | None,
    as_of: date | None,
) -> Target:  # fmt: skip
    gaps = _gaps(target.transition)
    found = (
        tuple(match_courses(settings, gaps, region=sido, top=courses, as_of=as_of))
        if gaps and courses
        else ()
    )
    return replace(target, transition=replace(target.transition, rank=rank), courses=found)


def _sido_name(sido: str | None) -> str | None:
    from ilteo.lake.codes import SIDO_NAMES

    return None if sido is None else SIDO_NAMES.get(sido, sido)


def _origin_notes(settings: Settings, origin: Origin) -> list[str]:
    notes = []
    if origin.fallback:
        notes.append(
            f"'{origin.onet_code} {origin.title}'에는 O*NET 평정이 없어 상위 직업군 "
            f"{origin.fallback_group}의 평균 프로필을 썼습니다 / this occupation has no O*NET "
            f"ratings of its own: the mean profile of its parent group {origin.fallback_group} "
            "is used (flagged)."
        )
    if origin.system == "ksco8":
        notes.append(
            f"KSCO {origin.code}은(는) 연계표로 O*NET {origin.onet_code}에 연결해 계산했습니다 / "
            f"KSCO {origin.code} was carried to O*NET-SOC {origin.onet_code} through the "
            "crosswalks" + (" (other links: see alternatives)." if origin.alternatives else ".")
        )
    if origin.exposure is None:
        notes.append(
            "출발 직업의 AI 노출 점수가 없어 '더 안전한' 조건을 판단하지 못했습니다 / "
            "no exposure score for the origin: the safer filter is not decided."
        )
    if origin.wage is None and not lake_wages(settings):
        notes.append(
            "출발 직업의 임금 자료가 없어 '임금 유지' 조건을 판단하지 못했습니다 / "
            "no wage for the origin: the pay filter is not decided."
        )
    return notes


def _target_notes(chosen: list[Target], top: int, dropped_zone: int, demand: bool) -> list[str]:
    notes = []
    full = sum(1 for t in chosen if all(t.transition.filters.values()))
    if full < len(chosen) or len(chosen) < top:
        notes.append(
            f"세 조건(가능·임금 유지·더 안전)을 모두 만족하는 직업은 {full}개입니다; 나머지는 "
            f"만족하는 조건이 많은 순서입니다 / {full} target(s) pass all three filters (viable, "
            "pay kept, safer); the others follow by the number of filters passed."
        )
    if dropped_zone:
        notes.append(
            f"준비 기간이 긴 직업(직무 수준 2단계 이상 상승) {dropped_zone}개는 제외했습니다 / "
            f"{dropped_zone} target(s) two or more job zones up were left out."
        )
    if not demand:
        notes.append(
            "고용보험 월별 지표가 없어 지역 채용 수요를 보여 주지 못합니다 / no monthly "
            "indicators are built: local demand is not shown (ilteo monitor indicators build)."
        )
    return notes


# --- JSON ----------------------------------------------------------------------------------------


def _link(link: KscoLink) -> dict[str, Any]:
    return {"code": link.code, "title": link.title, "confidence": link.confidence,
            "isco08": link.isco08}  # fmt: skip


def _element(element: Element) -> dict[str, Any]:
    return {
        "element": element.element_id,
        "name": element.name,
        "name_ko": _ko(element),
        "origin_level": element.origin_level,
        "target_level": element.target_level,
    }


def course_json(match: CourseMatch) -> dict[str, Any]:
    """One proposed course as JSON-plain data (in a plan and from the courses door)."""
    c = match.course
    return {
        "course_id": c.course_id,
        "name": c.name,
        "institution": c.institution,
        "ncs_code": c.ncs_code,
        "ncs_name": c.ncs_name,
        "region": c.region,
        "distance": match.distance,
        "completion_rate": c.completion_rate,
        "satisfaction": c.satisfaction,
        "days": c.days,
        "hours": c.hours,
        "cost_krw": match.cost_krw,
        "estimated_self_pay_krw": match.estimated_self_pay_krw,
        "self_pay_basis": match.basis,
        "covers": dict(match.covers),
        "score": match.score,
    }


def _target(target: Target) -> dict[str, Any]:
    t = target.transition
    demand = target.demand
    return {
        "rank": t.rank,
        "onet_code": t.target,
        "title": t.target_title,
        "title_ko": t.target_title_ko,
        "ksco": [_link(k) for k in t.target_ksco],
        "score": t.score,
        "fallback": t.fallback,
        "filters": dict(t.filters),
        "wage_ratio": target.wage_ratio,
        "wage_source": target.wage_source,
        "exposure": target.exposure,
        "exposure_change": target.exposure_change,
        "demand": None
        if demand is None
        else {
            "hires": demand.hires,
            "sido": target.demand_sido,
            "months": _months(demand.first, demand.last),
            "first": f"{demand.first:%Y-%m}",
            "last": f"{demand.last:%Y-%m}",
            "suppressed": demand.suppressed,
        },
        "strengths": [_element(e) for e in t.strengths],
        "gaps": [_element(e) for e in t.gaps],
        "explanation_ko": target.explanation_ko,
        "explanation_en": target.explanation_en,
        "courses": [course_json(c) for c in target.courses],
    }


def _months(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def plan_json(plan: Plan) -> dict[str, Any]:
    """A plan as JSON-plain data (the body of every door)."""
    o = plan.origin
    wage = None if o.wage is None else {"value": o.wage.value, "unit": o.wage.unit,
                                        "source": o.wage.source, "basis": o.wage.basis}  # fmt: skip
    return {
        "origin": {
            "code": o.code,
            "system": o.system,
            "onet_code": o.onet_code,
            "title": o.title,
            "title_ko": o.title_ko,
            "ksco": [_link(k) for k in o.ksco],
            "fallback": o.fallback,
            "fallback_group": o.fallback_group,
            "exposure": o.exposure,
            "wage": wage,
            "alternatives": list(o.alternatives),
        },
        "targets": [_target(t) for t in plan.targets],
        "region": plan.region,
        "as_of": None if plan.as_of is None else plan.as_of.isoformat(),
        "thresholds_version": plan.thresholds_version,
        "notes": list(plan.notes),
        "caveat": plan.caveat,
    }


# --- a person of the lake ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """One insured job of a person's history."""

    ksco: str
    title_ko: str | None
    sido: str | None
    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class Outreach:
    """The person's row on the latest outreach list of the monitoring room."""

    month: str
    group_id: str
    rank: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonPlan:
    """A person's plan: the history it starts from, the outreach flag and the plan (or why none)."""

    master_id: str
    has_history: bool
    age: int | None
    sido: str | None
    history: tuple[Job, ...]
    outreach: Outreach | None
    plan: Plan | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _history(settings: Settings, master_id: str) -> tuple[bool, list[Job], date | None]:
    from ilteo.lake.engine import connect
    from ilteo.monitor.indicators import spells_sql

    con = connect(settings)
    try:
        known = con.execute(
            "SELECT count(*) FROM master_persons WHERE master_id = ?", [master_id]
        ).fetchone()
        if not known or not known[0]:
            return False, [], None
        spells_sql(con, master_id)
        rows = con.execute(
            "SELECT ksco, sido, start_date, end_date, birth_date FROM monitor_spells "
            "WHERE master_id = ? ORDER BY start_date DESC NULLS LAST, end_date DESC NULLS FIRST",
            [master_id],
        ).fetchall()
    finally:
        con.close()
    titles = _ksco_titles(settings)
    jobs = [
        Job(str(k), titles.get(str(k)), None if s in (None, "??") else str(s), a, b)
        for k, s, a, b, _ in rows
    ]
    births = [r[4] for r in rows if r[4] is not None]
    return True, jobs, births[0] if births else None


def _outreach(settings: Settings, master_id: str) -> Outreach | None:
    import polars as pl

    folder = settings.lake_dir / "monitor" / "outreach"
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    if not files:
        return None
    frame = pl.read_parquet(files[-1]).filter(pl.col("master_id") == master_id)
    if frame.is_empty():
        return None
    row = frame.row(0, named=True)
    return Outreach(
        month=str(row["month"])[:7],
        group_id=str(row["group_id"]),
        rank=int(row["rank"]),
        reasons=tuple(str(r) for r in row["reasons"] or ()),
    )


def _age(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def person_plan(
    settings: Settings, master_id: str, *, top: int = 5, as_of: date | None = None
) -> PersonPlan:
    """The plan of one master person of the lake (3-5 targets with courses and local demand).

    Args:
        settings: Whose lake.
        master_id: The master person id (``P000000123``).
        top: Targets wanted (3-5).
        as_of: The day (for the age; default today). Courses use the catalogue's last date.

    Returns:
        The person's plan; ``plan`` is ``None`` (with a note) when the person has no insured job
        with an occupation code that links to O*NET.

    Raises:
        NotFoundError: no master person with this id.
        InvalidInputError: ``top`` outside 3-5 or a malformed id.
    """
    if not 3 <= top <= 5:
        raise InvalidInputError(f"top must be 3-5 for a person's plan, not {top}")
    if not re.fullmatch(r"P\d{6,12}", master_id):
        raise InvalidInputError(f"not a master person id: {master_id!r} (P000000123)")
    known, jobs, birth = _history(settings, master_id)
    if not known:
        raise NotFoundError(f"사람 {master_id}이(가) 없습니다 / no master person {master_id}")
    day = as_of or datetime.now(tz=SEOUL).date()
    age = _age(birth, day)
    outreach = _outreach(settings, master_id)
    coded = [j for j in jobs if _KSCO.match(j.ksco)]
    if not coded:
        return PersonPlan(master_id, False, age, None, tuple(jobs), outreach, None, (
            "고용보험 이력(직업 코드가 있는 일자리)이 없어 계획을 만들 수 없습니다. 상담사와 "
            "관심 직업을 정해 직업으로 찾아 보세요 / no insured job with an occupation code: no "
            "plan from history; choose an occupation with a counsellor and search by occupation.",
        ))  # fmt: skip
    latest = coded[0]
    notes: list[str] = []
    plan: Plan | None = None
    zone_step = 1 if age is not None and age >= OLDER_AGE else None
    for job in coded:  # the latest job whose occupation links to O*NET
        try:
            plan = recommend(settings, job.ksco, system="ksco8", top=top, region=job.sido,
                             max_zone_step=zone_step)  # fmt: skip
        except NotFoundError:
            notes.append(f"KSCO {job.ksco}은(는) O*NET과 연결되지 않아 건너뛰었습니다 / KSCO "
                         f"{job.ksco} is not linked to O*NET: skipped.")  # fmt: skip
            continue
        latest = job
        break
    if zone_step is not None:
        notes.append(f"{OLDER_AGE}세 이상: 준비 기간이 긴 직업은 뺐습니다 / age {OLDER_AGE}+: "
                     "targets needing long preparation are left out.")  # fmt: skip
    return PersonPlan(
        master_id=master_id,
        has_history=True,
        age=age,
        sido=latest.sido,
        history=tuple(jobs),
        outreach=outreach,
        plan=plan,
        notes=tuple(notes),
    )


def person_plan_json(person: PersonPlan) -> dict[str, Any]:
    """A person's plan as JSON-plain data."""
    o = person.outreach
    return {
        "master_id": person.master_id,
        "has_history": person.has_history,
        "age": person.age,
        "sido": person.sido,
        "sido_name": _sido_name(person.sido),
        "history": [
            {
                "ksco": j.ksco,
                "title_ko": j.title_ko,
                "sido": j.sido,
                "start": None if j.start is None else j.start.isoformat(),
                "end": None if j.end is None else j.end.isoformat(),
            }
            for j in person.history
        ],
        "outreach": None
        if o is None
        else {"month": o.month, "group_id": o.group_id, "rank": o.rank, "reasons": list(o.reasons)},
        "plan": None if person.plan is None else plan_json(person.plan),
        "notes": list(person.notes),
    }


#: At most this many skill names in one course search.
MAX_SKILLS: Final = 10


def skill_names(given: list[str]) -> list[str]:
    """O*NET skill or knowledge names in their canonical case, each once (API and MCP doors).

    Raises:
        InvalidInputError: No name, too many, or a name that is not an O*NET skill or knowledge
            element (``suggestions`` names the nearest ones).
    """
    known = {name.lower(): name for name in glossary()}
    names = list(dict.fromkeys(s.strip() for s in given if s.strip()))
    if not names or len(names) > MAX_SKILLS:
        raise InvalidInputError(
            f"역량 이름 1~{MAX_SKILLS}개를 쉼표로 주세요 / give 1 to {MAX_SKILLS} skill names, "
            "comma-separated"
        )
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        near = [known[m] for n in unknown for m in difflib.get_close_matches(n.lower(), known, n=3)]
        nearest = list(dict.fromkeys(near))
        hint = f" (가까운 이름 / nearest: {', '.join(nearest)})" if nearest else ""
        raise InvalidInputError(
            f"O*NET 역량·지식 이름이 아닙니다 / not an O*NET skill or knowledge name: "
            f"{', '.join(unknown)}{hint}",
            suggestions=nearest,
        )
    return [known[n.lower()] for n in names]
