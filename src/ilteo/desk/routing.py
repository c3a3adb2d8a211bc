"""Routing of a request to the office that handles it: the category and the workplace's address.

The category gives the organisation (:attr:`ilteo.desk.taxonomy.Category.organisation`); the
address, read by :func:`parse_address`, gives the office with jurisdiction from the tables in
``data/offices.yaml`` (지방고용노동청·지청, 고용센터, 근로복지공단, 노동위원회) and
``data/sigungu.yaml`` (시군구 and their 행정표준코드). Without an address the request goes to the
organisation's national window. Every :class:`Route` carries the reason in plain Korean and
English. See ``docs/desk-routing.md`` for the sources and what is unverified.

>>> parse_address("서울특별시 강남구 테헤란로 1")
Address(sido='11', sido_name='서울특별시', sigungu='11680', sigungu_name='강남구')
>>> route("wage_arrears", parse_address("서울 강남구 테헤란로 1")).office_name
'서울강남지청'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from ilteo.desk.taxonomy import CATEGORIES
from ilteo.lake.codes import LEGACY_SIDO, SIDO, SIDO_NAMES

__all__ = [
    "Address",
    "Office",
    "Route",
    "find_office",
    "offices",
    "parse_address",
    "route",
    "sigungu_table",
]

DATA = Path(__file__).parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> Any:
    """A data file of this package (the C loader when PyYAML has it: the tables load in ms)."""
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506


#: The section of a labour office or job centre that takes each category (for the reason).
DEPARTMENTS: Final[dict[str, str]] = {
    "wage_arrears": "근로감독과",
    "severance_pay": "근로감독과",
    "workplace_harassment": "근로감독과",
    "working_hours": "근로감독과",
    "minimum_wage": "근로감독과",
    "discrimination": "근로감독과",
    "labor_union": "근로감독과(노사관계)",
    "safety_hazard": "산재예방지도과",
    "unemployment_benefit": "실업급여",
    "job_seeking_support": "취업지원",
    "vocational_training": "직업능력개발",
    "parental_leave": "모성보호·육아휴직 급여",
    "foreign_workers": "외국인고용",
    "employer_subsidy": "기업지원",
    "ai_transition": "취업지원(전직 상담)",
    "industrial_accident_comp": "보상부",
    "employment_insurance": "가입지원부",
    "unfair_dismissal": "심판과",
}

#: Why the workplace's address decides (labour offices) or the person's (job centres).
_BASIS_KO: Final[dict[str, str]] = {
    "labour_office": "사업장 소재지",
    "labour_commission": "사업장 소재지",
    "comwel": "사업장 소재지",
    "job_centre": "주소지·사업장 소재지",
}
_BASIS_EN: Final[dict[str, str]] = {
    "labour_office": "the workplace",
    "labour_commission": "the workplace",
    "comwel": "the workplace",
    "job_centre": "the address",
}


@dataclass(frozen=True)
class Address:
    """시도 and 시군구 read from free text (``sigungu`` is the 5-digit 행정표준코드)."""

    sido: str
    sido_name: str
    sigungu: str | None
    sigungu_name: str | None


@dataclass(frozen=True)
class Route:
    """Where a request goes: organisation type, office and the reason in words."""

    organisation: str
    office_code: str
    office_name: str
    reason_ko: str
    reason_en: str


@dataclass(frozen=True)
class Office:
    """One office of the tables: organisation type, code, names and jurisdiction.

    ``areas`` holds ``(시도 code, 시군구 name)`` pairs at the city level, ``(시도, "*")`` for a
    whole 시도.
    """

    organisation: str
    code: str
    name_ko: str
    name_en: str
    areas: frozenset[tuple[str, str]]
    parent: str | None = None
    verified: str = "no"


# ---------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class _Place:
    sido: str
    code: str | None
    name: str  # "강남구", "수원시 영통구"
    city: str  # the city-level name used by the jurisdiction tables


@cache
def _sigungu_raw() -> dict[str, Any]:
    raw: dict[str, Any] = _load_yaml("sigungu.yaml")
    return raw


@cache
def sigungu_table() -> dict[str, tuple[tuple[str | None, str], ...]]:
    """시도 code → ``(code, city-level name)`` of its 시군구 (from ``data/sigungu.yaml``)."""
    raw = _sigungu_raw()
    return {
        str(sido): tuple((e["code"], e["name"]) for e in entries)
        for sido, entries in raw["sido"].items()
    }


@cache
def _places() -> tuple[_Place, ...]:
    raw = _sigungu_raw()
    out: list[_Place] = []
    for sido, entries in raw["sido"].items():
        for e in entries:
            out.append(_Place(str(sido), e["code"], e["name"], e["name"]))
            for gu, code in (e.get("gu") or {}).items():
                out.append(_Place(str(sido), code, f"{e['name']} {gu}", e["name"]))
    return tuple(out)


@cache
def _aliases() -> dict[str, list[_Place]]:
    """Old names of a 시군구 still seen in addresses (인천 남구 → 미추홀구)."""
    raw = _sigungu_raw()
    out: dict[str, list[_Place]] = {}
    for sido, entries in raw["sido"].items():
        for e in entries:
            for old in e.get("old", []):
                place = _Place(str(sido), e["code"], e["name"], e["name"])
                out.setdefault(old, []).append(place)
    return out


def _areas(spec: dict[Any, list[str]]) -> frozenset[tuple[str, str]]:
    return frozenset(
        (str(sido), "*" if name == "all" else name)
        for sido, names in spec.items()
        for name in names
    )


@cache
def offices() -> dict[str, tuple[Office, ...]]:
    """All offices by organisation type (``labour_office``, ``job_centre``, ``comwel``, …)."""
    raw = _load_yaml("offices.yaml")
    labour: list[Office] = []
    centres: list[Office] = []
    for o in raw["labour_offices"]:
        areas = _areas(o["jurisdiction"])
        labour.append(
            Office(
                "labour_office", o["code"], o["name_ko"], o["name_en"], areas, o["regional"],
                o.get("verified", "no"),
            )
        )  # fmt: skip
        specs = o.get("job_centres") or [{"name": _centre_name(o["name_ko"])}]
        for i, jc in enumerate(specs):
            centre_areas = _areas(jc["areas"]) if "areas" in jc else areas
            centres.append(
                Office(
                    "job_centre", f"jc-{o['code'].removeprefix('moel-')}-{i + 1}", jc["name"],
                    f"{jc['name']} (job centre)", centre_areas, o["code"], o.get("verified", "no"),
                )
            )  # fmt: skip
    out: dict[str, tuple[Office, ...]] = {
        "labour_office": tuple(labour),
        "job_centre": tuple(centres),
    }
    for org, key in (("comwel", "comwel"), ("labour_commission", "labour_commission")):
        out[org] = tuple(
            Office(
                org, o["code"], o["name_ko"], o["name_en"], frozenset((s, "*") for s in o["sido"])
            )
            for o in raw[key]["offices"]
        )
    nat = {k: raw[k]["national"] for k in ("comwel", "labour_commission", "ministry")}
    out["national"] = tuple(
        Office(org, n["code"], n["name_ko"], n["name_en"], frozenset()) for org, n in nat.items()
    )
    return out


def _centre_name(office_name: str) -> str:
    """``서울강남지청`` → ``서울강남고용센터``; ``부산지방고용노동청`` → ``부산고용센터``."""
    stem = office_name.removesuffix("지방고용노동청").removesuffix("지청")
    return f"{stem}고용센터"


# ---------------------------------------------------------------------------------------------
# Address parsing

#: Short 시도 names that are also ordinary words (경기 "economy", 대전 "great war", 세종 the king):
#: accepted only next to a 시군구, a road or lot address, a particle or at the end of the text.
_WORDLIKE: Final[frozenset[str]] = frozenset({"경기", "대전", "세종", "광주"})
_ROAD = re.compile(r"^[가-힣0-9]{1,12}(?:대로|로|길)\d")  # 도로명 + building number
_LOT = re.compile(r"^[가-힣0-9]{1,8}(?:동|읍|면|리|가)\d")  # 지번: 동·읍·면·리 + lot number
_PARTICLE = re.compile(r"^(?:에서|에|의|소재|지역|쪽|시내)")
_ROAD_SUFFIX = re.compile(r"^(?:대로|로|길)")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    sido: str | None  # a 시도 name
    short: bool  # a short 시도 name (서울, 경기)
    places: tuple[_Place, ...]  # 시군구 candidates
    stem: bool  # a city name without 시/군 (수원, 청주)


@cache
def _lexicon() -> tuple[re.Pattern[str], dict[str, tuple[str | None, bool, list[_Place], bool]]]:
    lex: dict[str, tuple[str | None, bool, list[_Place], bool]] = {}

    def add(name: str, *, sido: str | None = None, short: bool = False,
            place: _Place | None = None, stem: bool = False) -> None:  # fmt: skip
        old = lex.get(name, (None, False, [], False))
        places = old[2] + ([place] if place else [])
        lex[name] = (sido or old[0], short or old[1], places, stem or old[3])

    for s in SIDO:
        add(s.name, sido=s.code)
        add(s.short, sido=s.code, short=True)
        if s.name.endswith(("특별시", "광역시", "특별자치시")):
            add(f"{s.short}시", sido=s.code)
    for new, old_name in LEGACY_SIDO.values():  # 강원도, 전라북도
        add(old_name, sido=new)
    for alt, code in (("제주도", "50"), ("전북도", "52")):
        add(alt, sido=code)
    for p in _places():
        short_name = p.name.split()[-1]
        add(short_name, place=p)
        if " " in p.name:  # "수원시영통구"
            add(p.name.replace(" ", ""), place=p)
        elif p.name[-1] in "시군" and len(p.name) >= 3 and p.sido != "36":
            add(p.name[:-1], place=p, stem=True)
    for old_name, places in _aliases().items():
        for p in places:
            add(old_name, place=p)
    names = sorted(lex, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in names))
    return pattern, lex


def _compact(text: str) -> tuple[str, set[int]]:
    """Text without whitespace, and the positions that start a word in the original."""
    chars: list[str] = []
    starts: set[int] = set()
    prev_space = True
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace():
            prev_space = True
            continue
        if prev_space or not ("가" <= ch <= "힣"):
            starts.add(len(chars))
        if not ("가" <= ch <= "힣"):
            starts.add(len(chars) + 1)
        chars.append(ch)
        prev_space = False
    return "".join(chars), starts


def _tokens(text: str) -> tuple[list[_Token], str, set[int]]:
    pattern, lex = _lexicon()
    compact, starts = _compact(text)
    out: list[_Token] = []
    for m in pattern.finditer(compact):
        sido, short, places, stem = lex[m.group()]
        out.append(_Token(m.start(), m.end(), m.group(), sido, short, tuple(places), stem))
    return out, compact, starts


def parse_address(text: str) -> Address | None:
    """Find the 시도 and 시군구 in free text (a 도로명 or 지번 address, or a mention).

    Full and short forms are read (서울특별시/서울시/서울, 경기도 수원시 영통구 or 수원 영통구,
    세종, 제주), with or without spaces. A 구 name several cities share (중구, 동구, 서구, 남구,
    북구, 강서구, 고성군) needs the 시도: without it the 시도 cannot be known and the result is
    ``None``; with a 시도 but an unknown 시군구, ``sigungu`` is ``None``.

    Args:
        text: Free text, e.g. a whole request or an address line.

    Returns:
        The :class:`Address`, or ``None`` when no 시도 can be determined.

    >>> parse_address("경기도수원시영통구 봉황로 16")
    Address(sido='41', sido_name='경기도', sigungu='41117', sigungu_name='수원시 영통구')
    >>> parse_address("중구 세종대로 110") is None
    True
    >>> parse_address("부산 중구 중앙대로 1").sigungu
    '26110'
    """
    if not text or not text.strip():
        return None
    tokens, compact, starts = _tokens(text[:20_000])
    sido = _pick_sido(tokens, compact, starts)
    place = _pick_place(tokens, sido) if sido else None
    if place is None:  # a 시군구 found in one 시도 only beats a bare 시도 mention
        other = _sido_from_places(tokens)
        if other is not None:
            sido, place = other, _pick_place(tokens, other)
    if sido is None:
        return None
    if place is None and sido == "36":
        place = next(p for p in _places() if p.sido == "36")
    return Address(
        sido, SIDO_NAMES[sido], place.code if place else None, place.name if place else None
    )


def _next_token(tokens: list[_Token], i: int) -> _Token | None:
    if i + 1 < len(tokens) and tokens[i + 1].start == tokens[i].end:
        return tokens[i + 1]
    return None


def _pick_sido(tokens: list[_Token], compact: str, starts: set[int]) -> str | None:
    """The 시도 named in the text; with several, the one that comes with its own 시군구."""
    named: list[tuple[str, bool]] = []  # (시도, directly followed by one of its 시군구)
    for i, t in enumerate(tokens):
        if t.sido is None or t.start not in starts:
            continue
        nxt = _next_token(tokens, i)
        follows_place = nxt is not None and any(p.sido == t.sido for p in nxt.places)
        if t.text == "광주시" and not follows_place:
            continue  # 경기도 광주시 without the 시도, or 광주광역시 written loosely: decide later
        if _is_sido_mention(t, compact, starts, follows_place=follows_place):
            named.append((t.sido, follows_place))
    if not named:
        return None
    with_place = [sido for sido, follows in named if follows]
    if with_place:
        return with_place[0]
    mentioned = {p.sido for i in range(len(tokens)) for p in _usable(tokens, i)}
    return next((sido for sido, _ in named if sido in mentioned), named[0][0])


def _is_sido_mention(t: _Token, compact: str, starts: set[int], *, follows_place: bool) -> bool:
    if not t.short or follows_place:
        return True
    rest = compact[t.end :]
    if not rest:
        return True
    if t.end not in starts:  # glued to what follows: 대전에서 yes, 세종대로 and 대전을 no
        return bool(_PARTICLE.match(rest)) and not _ROAD_SUFFIX.match(rest)
    return t.text not in _WORDLIKE or bool(_ROAD.match(rest) or _LOT.match(rest))


def _sido_from_places(tokens: list[_Token]) -> str | None:
    """The 시도 when no 시도 is named: from the first 시군구 that exists in one 시도 only."""
    for i, t in enumerate(tokens):
        cands = _usable(tokens, i)
        sidos = {p.sido for p in cands}
        if len(sidos) == 1:
            return sidos.pop()
        if t.text == "광주시" and not cands:
            return "29"
    return None


def _usable(tokens: list[_Token], i: int) -> tuple[_Place, ...]:
    """Candidates of token ``i``; a bare city stem only when a 구 of that city follows."""
    t = tokens[i]
    if not t.stem:
        return t.places
    nxt = _next_token(tokens, i)
    if nxt is None:
        return ()
    cities = {(p.sido, p.city) for p in nxt.places}
    return tuple(p for p in t.places if (p.sido, p.city) in cities)


def _pick_place(tokens: list[_Token], sido: str) -> _Place | None:
    for i, t in enumerate(tokens):
        prev_is_sido = i > 0 and tokens[i - 1].sido == sido and tokens[i - 1].end == t.start
        cands = t.places if (t.stem and prev_is_sido) else _usable(tokens, i)
        cands = tuple(p for p in cands if p.sido == sido)
        if not cands:
            continue
        city = cands[0]
        nxt = _next_token(tokens, i)
        if nxt is not None:  # 수원시 영통구: the 구 makes it exact
            for p in nxt.places:
                if p.sido == sido and p.city == city.city and p.name != city.name:
                    return p
        return _prefer_city(cands)
    return None


def _prefer_city(cands: tuple[_Place, ...]) -> _Place | None:
    """One candidate, or the self-governing 구 over a 일반구 of the same name (대구 남구, 포항)."""
    if len(cands) == 1:
        return cands[0]
    whole = [p for p in cands if p.name == p.city]
    return whole[0] if len(whole) == 1 else None


# ---------------------------------------------------------------------------------------------
# Routing


@cache
def _index() -> dict[str, dict[tuple[str, str], Office]]:
    idx: dict[str, dict[tuple[str, str], Office]] = {}
    for org, items in offices().items():
        if org == "national":
            continue
        table: dict[tuple[str, str], Office] = {}
        for o in items:
            for area in o.areas:
                table.setdefault(area, o)
        idx[org] = table
    return idx


def _national(org: str) -> Office:
    key = {"comwel": "comwel", "labour_commission": "labour_commission"}.get(org, "ministry")
    return next(o for o in offices()["national"] if o.organisation == key)


def _regional_head(sido: str) -> Office | None:
    """The 지방고용노동청 whose 지청s cover most of a 시도 (when the 시군구 is unknown)."""
    heads: dict[str, int] = {}
    for o in offices()["labour_office"]:
        n = sum(1 for s, _ in o.areas if s == sido)
        if n and o.parent:
            heads[o.parent] = heads.get(o.parent, 0) + n
    if not heads:
        return None
    code = max(heads, key=lambda c: heads[c])
    return next(o for o in offices()["labour_office"] if o.code == code)


def find_office(organisation: str, address: Address) -> tuple[Office | None, bool]:
    """The office of an organisation type for an address, and whether the 시군구 decided it."""
    table = _index().get(organisation, {})
    if address.sigungu_name:
        city = address.sigungu_name.split()[0]
        if (address.sido, city) in table:
            return table[(address.sido, city)], True
    if (address.sido, "*") in table:
        return table[(address.sido, "*")], True
    if organisation in ("labour_office", "job_centre"):
        head = _regional_head(address.sido)
        if head is not None and organisation == "job_centre":
            centre = next(o for o in offices()["job_centre"] if o.parent == head.code)
            return centre, False
        return head, False
    return None, False


def route(category: str, address: Address | None) -> Route:
    """Route a request: the category's organisation and the office with jurisdiction.

    Args:
        category: A code of :data:`ilteo.desk.taxonomy.CATEGORIES` (unknown codes go to ``other``).
        address: The workplace's (or, for job-centre matters, the person's) address, if known.

    Returns:
        The :class:`Route` with the reason in Korean and English.

    >>> r = route("wage_arrears", parse_address("서울 강남구 테헤란로 1"))
    >>> r.reason_ko
    '임금체불 → 사업장 소재지(서울 강남구) 관할 서울강남지청 근로감독과'
    >>> route("unemployment_benefit", None).office_name
    '고용노동부 본부 민원실'
    """
    cat = CATEGORIES.get(category, CATEGORIES["other"])
    org = cat.organisation
    dept = DEPARTMENTS.get(cat.code, "")
    if org == "ministry":
        nat = _national(org)
        return Route(
            org, nat.code, nat.name_ko,
            f"{cat.label_ko} → 담당 기관이 정해지지 않은 민원이라 {nat.name_ko}로",
            f"{cat.label_en} → no single handling office; sent to the {nat.name_en}",
        )  # fmt: skip
    if address is None:
        nat = _national(org)
        return Route(
            org, nat.code, nat.name_ko,
            f"{cat.label_ko} → 주소가 없어 {nat.name_ko}로 (관할 기관으로 이송 예정)",
            f"{cat.label_en} → no address given; sent to the {nat.name_en} for transfer",
        )  # fmt: skip
    office, exact = find_office(org, address)
    short = next(s.short for s in SIDO if s.code == address.sido)
    where = f"{short} {address.sigungu_name}" if address.sigungu_name else short
    if address.sido == "36":
        where = "세종"
    if office is None:
        nat = _national(org)
        return Route(
            org, nat.code, nat.name_ko,
            f"{cat.label_ko} → {where}의 관할 기관을 표에서 찾지 못해 {nat.name_ko}로",
            f"{cat.label_en} → no office found for {where}; sent to the {nat.name_en}",
        )  # fmt: skip
    basis_ko, basis_en = _BASIS_KO[org], _BASIS_EN[org]
    desk = f" {dept}" if dept and org != "labour_commission" else ""
    if exact:
        reason_ko = f"{cat.label_ko} → {basis_ko}({where}) 관할 {office.name_ko}{desk}"
        reason_en = f"{cat.label_en} → {basis_en} is in {where}: {office.name_en}"
    else:
        reason_ko = (
            f"{cat.label_ko} → {basis_ko}의 시군구를 알 수 없어({where}) 시도 관할 "
            f"{office.name_ko}{desk}로 (이송될 수 있음)"
        )
        reason_en = (
            f"{cat.label_en} → {basis_en} is in {where}, district unknown: the regional "
            f"{office.name_en}, which may transfer it"
        )
    return Route(org, office.code, office.name_ko, reason_ko, reason_en)
