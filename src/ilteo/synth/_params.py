"""Typed, versioned parameters of the synthetic country (``params.yaml`` beside this module).

A run can override any value with a YAML file of the same shape (``ilteo synth --params``); the
overrides are merged into the defaults and the result is recorded in the manifest.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ilteo.core.errors import InvalidInputError

__all__ = ["SynthParams", "load_params"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = float


class PopulationParams(_Model):
    """Who the persons are."""

    female_share: Share = Field(ge=0, le=1)
    age_bands: list[tuple[int, int, float]]
    employed_at_start: Share = Field(ge=0, le=1)
    part_time_share: Share = Field(ge=0, le=1)
    same_region_share: Share = Field(ge=0, le=1)
    phone_changed_share: Share = Field(ge=0, le=1)


class OccupationParams(_Model):
    """How occupations are drawn and paid."""

    major_shares: dict[str, float]
    wage_exponent: float = Field(gt=0)
    keep_on_rehire: Share = Field(ge=0, le=1)
    by_section: dict[str, dict[str, float]]


class WageParams(_Model):
    """Monthly wage levels."""

    mean_monthly_2024: int = Field(gt=0)
    annual_growth: float
    sigma: float = Field(ge=0)
    size_multiplier: dict[str, float]
    female_multiplier: float = Field(gt=0)
    age_multiplier: list[tuple[int, float]]
    part_time_hours_share: tuple[float, float]
    below_minimum_share: Share = Field(ge=0, le=1)


class CareerParams(_Model):
    """Monthly separation and hiring dynamics."""

    monthly_separation: Share = Field(ge=0, le=1)
    separation_age_multiplier: list[tuple[int, float]]
    monthly_hire: Share = Field(ge=0, le=1)
    hire_age_multiplier: list[tuple[int, float]]
    retirement_age: int
    retirement_share: Share = Field(ge=0, le=1)
    small_workplace_closure: Share = Field(ge=0, le=1)
    mean_tenure_years: float = Field(gt=0)
    fixed_term_share: Share = Field(ge=0, le=1)
    fixed_term_hazard: float = Field(ge=0)
    fixed_term_expiry: Share = Field(ge=0, le=1)
    separation_reasons: dict[str, float]
    shock_separation_reasons: dict[str, float]


class AccidentParams(_Model):
    """Industrial accidents."""

    year: int
    fatal_share: Share = Field(ge=0, le=1)
    recovery_days_median: float = Field(gt=0)
    recovery_days_sigma: float = Field(ge=0)
    types: dict[str, float]


class JobSeekerParams(_Model):
    """Job-seeker registrations and counselling."""

    register_after_eligible: Share = Field(ge=0, le=1)
    register_after_other: Share = Field(ge=0, le=1)
    register_when_jobless_at_start: Share = Field(ge=0, le=1)
    employed_job_seekers_per_year: float = Field(ge=0)
    counselling_per_registration: float = Field(ge=0)


class BenefitParams(_Model):
    """구직급여 and 국민내일배움카드 rules (rounded, see docs/synth.md)."""

    replacement_rate: float = Field(gt=0, le=1)
    lower_limit_share: float = Field(gt=0, le=1)
    upper_limit: dict[int, int]
    minimum_wage: dict[int, int]
    benefit_days: list[tuple[int, int, int]]
    minimum_insured_days: int
    claim_when_eligible: Share = Field(ge=0, le=1)
    claim_when_ineligible: Share = Field(ge=0, le=1)
    payment_interval_days: int = Field(gt=0)
    training_card_limit: int
    training_allowance_month: int
    training_card_extra_applicants_per_year: float = Field(ge=0)


class TrainingParams(_Model):
    """K-Digital Training enrolments."""

    enrol_share: Share = Field(ge=0, le=1)
    max_age: int
    employed_enrol_per_year: float = Field(ge=0)


class RequestParams(_Model):
    """Citizen requests (민원)."""

    background_per_year: float = Field(ge=0)
    after_separation: Share = Field(ge=0, le=1)
    after_accident: Share = Field(ge=0, le=1)
    after_training: Share = Field(ge=0, le=1)
    after_rejection: Share = Field(ge=0, le=1)
    background_categories: dict[str, float]
    separation_categories: dict[str, dict[str, float]]
    shock_ai_share: Share = Field(ge=0, le=1)
    shock_ai_boost: float = Field(ge=0)
    ambiguous_share: Share = Field(ge=0, le=1)
    self_harm_share: Share = Field(ge=0, le=1)
    imminent_danger_share_of_safety: Share = Field(ge=0, le=1)
    mass_arrears_share_of_wage: Share = Field(ge=0, le=1)
    anonymous_share: Share = Field(ge=0, le=1)
    workplace_exact: Share = Field(ge=0, le=1)
    workplace_variant: Share = Field(ge=0, le=1)
    workplace_address_only: Share = Field(ge=0, le=1)


class NoiseParams(_Model):
    """Per-system noise rates; each record gets at most one linkage-field corruption."""

    employment_insurance: dict[str, float]
    job_seekers: dict[str, float]
    training: dict[str, float]
    benefits: dict[str, float]
    requests: dict[str, float]
    phone_formats: dict[str, dict[str, float]]

    def rate(self, system: str, kind: str) -> float:
        """Return one noise rate, 0 when the system does not use that kind."""
        table: dict[str, float] = getattr(self, system)
        return float(table.get(kind, 0.0))


class SynthParams(_Model):
    """Every parameter of the generator; see ``params.yaml`` for values and sources."""

    version: int
    block_persons: int = Field(gt=0)
    max_persons: int = Field(gt=0)
    flush_rows: int = Field(gt=0)
    population: PopulationParams
    occupations: OccupationParams
    wages: WageParams
    careers: CareerParams
    accidents: AccidentParams
    job_seekers: JobSeekerParams
    benefits: BenefitParams
    training: TrainingParams
    requests: RequestParams
    noise: NoiseParams


def read_yaml(name: str) -> Any:
    """Read one of the YAML files shipped beside this module."""
    text = resources.files("ilteo.synth").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@cache
def _default_raw() -> dict[str, Any]:
    raw = read_yaml("params.yaml")
    if not isinstance(raw, dict):  # a packaged file: this is a packaging bug, not user input
        raise TypeError("params.yaml must be a mapping")
    return raw


def load_params(override: Path | dict[str, Any] | None = None) -> SynthParams:
    """Return the default parameters, optionally merged with overrides.

    Args:
        override: A YAML file or a mapping of the same shape as ``params.yaml``; only the keys it
            names change.

    Raises:
        InvalidInputError: When the override cannot be read or makes the parameters invalid.
    """
    raw = _default_raw()
    if override is not None:
        if isinstance(override, Path):
            try:
                loaded = yaml.safe_load(override.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise InvalidInputError(
                    f"매개변수 파일을 읽을 수 없습니다 / cannot read parameters {override}: {exc}"
                ) from exc
        else:
            loaded = override
        if not isinstance(loaded, dict):
            raise InvalidInputError(
                "매개변수 파일은 YAML 매핑이어야 합니다 / the parameters file must be a mapping"
            )
        raw = _merge(raw, loaded)
    try:
        return SynthParams.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(
            f"매개변수가 올바르지 않습니다 / invalid synth parameters: {exc}"
        ) from exc
