"""Code systems the source contracts check values against, and the 시도 table of the lake.

A field names its code system in :attr:`~ilteo.lake.spec.FieldSpec.code_system`; this module says
what that means. Three kinds:

* **reference lists** read from the reference room on first use: ``ksco8`` (KSCO 8 unit groups,
  4 digits) and ``ksic11`` (KSIC 11 세세분류, 5 digits);
* **lists kept here**, because they are short administrative code lists with no published
  dataset: ``sido`` and ``sido_name`` (행정표준코드 시도), ``ei_loss_reason`` (고용보험 상실사유),
  ``benefit_reject_reason``;
* **forms** checked by pattern or check digit: ``ncs`` (NCS 8-digit 세분류 code), ``rrn``, ``brn``,
  ``workplace_no`` (고용·산재보험 관리번호: the BRN and one more digit). The check-digit systems are
  built into :mod:`ilteo.lake.contracts`.

Adding a code system is one entry in :data:`CODE_SYSTEMS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings

__all__ = [
    "CODE_SYSTEMS",
    "EI_LOSS_REASONS",
    "LEGACY_SIDO",
    "SIDO",
    "CodeSystem",
    "Sido",
    "code_values",
    "get_code_system",
]


@dataclass(frozen=True)
class Sido:
    """One 시도 (행정표준코드): two-digit code, official name and the short name."""

    code: str
    name: str
    short: str


#: The 17 시도 as coded today (강원 51 since 2023-06-11, 전북 52 since 2024-01-18).
SIDO: Final[tuple[Sido, ...]] = (
    Sido("11", "서울특별시", "서울"),
    Sido("26", "부산광역시", "부산"),
    Sido("27", "대구광역시", "대구"),
    Sido("28", "인천광역시", "인천"),
    Sido("29", "광주광역시", "광주"),
    Sido("30", "대전광역시", "대전"),
    Sido("31", "울산광역시", "울산"),
    Sido("36", "세종특별자치시", "세종"),
    Sido("41", "경기도", "경기"),
    Sido("43", "충청북도", "충북"),
    Sido("44", "충청남도", "충남"),
    Sido("46", "전라남도", "전남"),
    Sido("47", "경상북도", "경북"),
    Sido("48", "경상남도", "경남"),
    Sido("50", "제주특별자치도", "제주"),
    Sido("51", "강원특별자치도", "강원"),
    Sido("52", "전북특별자치도", "전북"),
)

#: Codes and names used before the 2023/2024 changes; still valid in older records, mapped to
#: today's code in the standard tables.
#: 시도 code → official name (the 17 current 시도).
SIDO_NAMES: Final[dict[str, str]] = {s.code: s.name for s in SIDO}

LEGACY_SIDO: Final[dict[str, tuple[str, str]]] = {
    "42": ("51", "강원도"),
    "45": ("52", "전라북도"),
}

#: 고용보험 피보험자격 상실사유 구분코드 (the codes of the 상실신고서).
EI_LOSS_REASONS: Final[dict[str, str]] = {
    "11": "개인사정으로 인한 자진퇴사",
    "12": "사업장 이전, 근로조건 변동, 임금체불 등으로 자진퇴사",
    "22": "폐업, 도산",
    "23": "경영상 필요 및 회사불황으로 인원감축 등에 의한 퇴사",
    "26": "근로자의 귀책사유에 의한 징계해고·권고사직 또는 계약파기",
    "31": "정년",
    "32": "계약만료, 공사종료",
    "41": "고용보험 비적용",
    "42": "이중고용",
}

#: Reasons of rejected benefit claims (급여 시스템 불지급 사유).
BENEFIT_REJECT_REASONS: Final[dict[str, str]] = {
    "R01": "정당한 사유 없는 자발적 이직",
    "R02": "중대한 귀책사유로 인한 해고",
    "R03": "이직 전 18개월 중 피보험단위기간 180일 미만",
    "R04": "고용보험 적용 제외 또는 이중 취득",
    "R11": "지원 제외 대상",
}


@dataclass(frozen=True)
class CodeSystem:
    """How values of one code system are recognised.

    Attributes:
        id: The name fields use in ``code_system``.
        title: Korean and English name, for messages and the catalogue.
        values: Loads the valid codes (``None`` for systems checked by form only).
        pattern: A regular expression every valid code matches (``None``: no pattern).
        hint: Why a value fails, for the quarantine screen (Korean / English).
    """

    id: str
    title: str
    values: Callable[[Settings], frozenset[str]] | None = None
    pattern: str | None = None
    hint: str = ""


def _reference_codes(
    settings: Settings, dataset: str, table: str, column: str, pattern: str
) -> frozenset[str]:
    """Codes of a reference table matching ``pattern`` (loaded and cached by the reference room)."""
    import re

    import polars as pl

    from ilteo.reference import load

    frame = load(dataset, table, settings=settings)
    codes = frame.get_column(column).cast(pl.Utf8).drop_nulls().str.strip_chars()
    return frozenset(code for code in codes.to_list() if re.fullmatch(pattern, code))


def _ksco8(settings: Settings) -> frozenset[str]:
    return _reference_codes(settings, "ksco8", "ksco8_codes_4level_with_en", "code", r"\d{4}")


def _ksic11(settings: Settings) -> frozenset[str]:
    return _reference_codes(settings, "ksic", "ksic11_codes_full", "code", r"\d{5}")


CODE_SYSTEMS: Final[dict[str, CodeSystem]] = {
    system.id: system
    for system in (
        CodeSystem(
            "ksco8",
            "한국표준직업분류 8차 세분류 / KSCO 8 unit group",
            _ksco8,
            r"\d{4}",
            "KSCO 8차 4자리 세분류 코드가 아닙니다 / not a 4-digit KSCO 8 unit group",
        ),
        CodeSystem(
            "ksic11",
            "한국표준산업분류 11차 세세분류 / KSIC 11 subclass",
            _ksic11,
            r"\d{5}",
            "KSIC 11차 5자리 세세분류 코드가 아닙니다 / not a 5-digit KSIC 11 subclass",
        ),
        CodeSystem(
            "sido",
            "시도 행정표준코드 / province code",
            lambda _s: frozenset(s.code for s in SIDO) | frozenset(LEGACY_SIDO),
            r"\d{2}",
            "시도 코드가 아닙니다 / not a province code",
        ),
        CodeSystem(
            "sido_name",
            "시도 이름 / province name",
            lambda _s: (
                frozenset(n for s in SIDO for n in (s.name, s.short))
                | frozenset(name for _code, name in LEGACY_SIDO.values())
            ),
            None,
            "시도 이름이 아닙니다 / not a province name",
        ),
        CodeSystem(
            "ei_loss_reason",
            "고용보험 상실사유 / EI loss reason",
            lambda _s: frozenset(EI_LOSS_REASONS),
            r"\d{2}",
            "상실사유 코드가 아닙니다 / not an EI loss-reason code",
        ),
        CodeSystem(
            "benefit_reject_reason",
            "급여 불지급 사유 / benefit rejection reason",
            lambda _s: frozenset(BENEFIT_REJECT_REASONS),
            r"R\d{2}",
            "불지급 사유 코드가 아닙니다 / not a rejection-reason code",
        ),
        CodeSystem(
            "ncs",
            "국가직무능력표준 세분류 / NCS unit code",
            None,
            r"(0[1-9]|1[0-9]|2[0-4])\d{6}",
            "NCS 코드는 8자리(대분류 01~24)입니다; 앞자리 0이 빠졌는지 확인하세요 / an NCS code "
            "has 8 digits (major group 01-24); check for a lost leading zero",
        ),
        CodeSystem(
            "rrn",
            "주민등록번호 / resident registration number",
            None,
            r"\d{13}",
            "주민등록번호 형식·검증번호·생년월일 오류 / malformed, wrong check digit or date",
        ),
        CodeSystem(
            "brn",
            "사업자등록번호 / business registration number",
            None,
            r"\d{10}",
            "사업자등록번호 검증번호 오류 / wrong check digit",
        ),
        CodeSystem(
            "workplace_no",
            "고용·산재보험 사업장관리번호 / insurance workplace number",
            None,
            r"\d{11}",
            "사업장관리번호는 사업자등록번호 10자리 + 1자리입니다 / a workplace number is a valid "
            "10-digit BRN and one more digit",
        ),
    )
}


def get_code_system(system: str) -> CodeSystem:
    """The code system called ``system``.

    Raises:
        NotFoundError: No such code system.
    """
    try:
        return CODE_SYSTEMS[system]
    except KeyError:
        raise NotFoundError(
            f"코드 체계 '{system}'이(가) 없습니다 / no code system {system!r}"
        ) from None


def code_values(system: str, settings: Settings) -> frozenset[str] | None:
    """The valid codes of ``system`` (``None`` when it is checked by form only).

    Reference lists are loaded once per process for each reference and cache folder.

    >>> from ilteo.core.settings import Settings
    >>> sorted(code_values("sido", Settings(env="dev")))[:3]
    ['11', '26', '27']
    """
    spec = get_code_system(system)
    if spec.values is None:
        return None
    key = (system, settings.reference_dir, settings.cache_dir)
    values = _LOADED.get(key)
    if values is None:
        values = _LOADED[key] = spec.values(settings)
    return values


#: Loaded code lists by (system, reference folder, cache folder).
_LOADED: dict[tuple[str, Path | None, Path], frozenset[str]] = {}
