"""The "AI shock": more separations and fewer hires in chosen occupations from a chosen month."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ilteo.core.errors import InvalidInputError

__all__ = ["Shock", "load_shocks", "parse_month", "parse_shock"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | date) -> date:
    """Parse ``YYYY-MM`` (or a date) into the first day of that month.

    >>> parse_month("2025-03")
    datetime.date(2025, 3, 1)

    Raises:
        InvalidInputError: When the text is not a month.
    """
    if isinstance(value, date):
        return value.replace(day=1)
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInputError(
            f"월은 YYYY-MM 형식이어야 합니다 / a month must look like YYYY-MM, got {value!r}"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


class Shock(BaseModel):
    """Separations x ``separation`` and hires x ``hire`` in ``occupations`` from ``start``.

    Attributes:
        occupations: KSCO 8 codes at any level; a code covers every unit group it prefixes
            (``"2222"`` one unit group, ``"22"`` the whole middle group).
        start: First month of the shock (first day of the month).
        separation: Multiplier of the monthly separation hazard.
        hire: Multiplier of hires into these occupations.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    occupations: tuple[str, ...] = Field(min_length=1)
    start: date
    separation: float = Field(default=1.0, ge=0, le=20)
    hire: float = Field(default=1.0, ge=0, le=20)

    @field_validator("occupations")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not re.fullmatch(r"[1-9]\d{0,3}|A\d{0,3}", code):
                raise ValueError(f"not a KSCO code: {code!r}")
        return value

    @field_validator("start", mode="before")
    @classmethod
    def _month(cls, value: Any) -> Any:
        return parse_month(value) if isinstance(value, str | date) else value

    def covers(self, ksco_code: str) -> bool:
        """Tell whether a KSCO unit group is shocked.

        >>> Shock(occupations=("22",), start="2025-03").covers("2223")
        True
        """
        return any(ksco_code.startswith(code) for code in self.occupations)


def parse_shock(spec: str) -> list[Shock]:
    """Parse ``CODES:YYYY-MM:sep=X,hire=Y`` (several joined by ``;``) or a YAML file path.

    >>> [s.separation for s in parse_shock("2222,2223:2025-03:sep=1.8,hire=0.6")]
    [1.8]
    >>> parse_shock("31:2024-01:sep=2")[0].hire
    1.0

    Raises:
        InvalidInputError: When the text is neither a valid spec nor a readable shock file.
    """
    text = spec.strip()
    if text.endswith((".yaml", ".yml")) or Path(text).is_file():
        return load_shocks(Path(text))
    shocks = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        pieces = part.split(":")
        if len(pieces) not in (2, 3):
            raise InvalidInputError(
                "충격은 '직업코드,…:YYYY-MM:sep=1.8,hire=0.6' 형식입니다 / a shock looks like "
                f"'CODES:YYYY-MM:sep=1.8,hire=0.6', got {part!r}"
            )
        factors: dict[str, Any] = {}
        for item in filter(
            None, (p.strip() for p in (pieces[2] if len(pieces) == 3 else "").split(","))
        ):
            key, _, value = item.partition("=")
            name = {"sep": "separation", "separation": "separation", "hire": "hire"}.get(
                key.strip()
            )
            if name is None:
                raise InvalidInputError(f"알 수 없는 충격 항목 / unknown shock factor {key!r}")
            factors[name] = value.strip()
        codes = tuple(c.strip() for c in pieces[0].split(",") if c.strip())
        shocks.append(_build({"occupations": codes, "start": pieces[1], **factors}))
    if not shocks:
        raise InvalidInputError("충격이 비어 있습니다 / the shock spec is empty")
    return shocks


def load_shocks(path: Path) -> list[Shock]:
    """Read shocks from YAML: one mapping or a list of mappings with the :class:`Shock` fields.

    Raises:
        InvalidInputError: When the file is unreadable or invalid.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInputError(
            f"충격 파일을 읽을 수 없습니다 / cannot read {path}: {exc}"
        ) from exc
    items = data if isinstance(data, list) else [data]
    return [_build(item if isinstance(item, dict) else {}) for item in items]


def _build(data: dict[str, Any]) -> Shock:
    if isinstance(data.get("start"), str):
        data = {**data, "start": parse_month(data["start"])}
    if isinstance(data.get("occupations"), str | int):
        data = {**data, "occupations": [c.strip() for c in str(data["occupations"]).split(",")]}
    try:
        return Shock.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(f"충격 설정이 올바르지 않습니다 / invalid shock: {exc}") from exc
