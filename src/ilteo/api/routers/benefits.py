"""Benefits over HTTP: one check, and OpenFisca-compatible calculate and trace for outside tools.

Public: a check computes from what the caller sends and stores nothing (no account needed, like
the ministry's public calculators); it is rate-limited as any anonymous call. Each endpoint calls
one :mod:`ilteo.benefits` service function; bad input becomes a 422 problem naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ilteo.benefits.inputs import CheckInput

router = APIRouter(prefix="/benefits", tags=["benefits"])

_PROBLEMS: dict[int | str, dict[str, object]] = {
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}


class CheckOut(BaseModel):
    """Every programme's answer for one person."""

    as_of: str = Field(description="기준일 / the day of the check")
    programs: dict[str, dict[str, Any]] = Field(
        description="제도별 답 / per programme: eligible (null when something is missing), amounts "
        "in integer won, reasons in Korean, references (articles of law), missing, trace"
    )
    caveat: str


@router.post(
    "/check",
    operation_id="check_benefits",
    summary="받을 수 있는 급여·지원 확인 / What am I entitled to",
    response_model=CheckOut,
    responses=_PROBLEMS,
)
def check_benefits(body: CheckInput) -> CheckOut:
    """Every programme evaluated for one person, with reasons, articles of law and the trace.

    Fields may be omitted: a programme that needs one answers `eligible: null` and names it in
    `missing` (never a guessed amount). Impossible input (a separation before the first insured
    day, a negative wage, an unknown reason code) is a 422 naming the field.
    """
    from ilteo.benefits.check import check

    return CheckOut.model_validate(check(body))


class Situation(BaseModel):
    """An OpenFisca situation: persons and households with their variables by period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "persons": {"p": {"age_at_separation": {"ETERNITY": 45}}},
                    "households": {"h": {"members": ["p"], "household_size": {"ETERNITY": None}}},
                }
            ]
        },
    )

    persons: dict[str, dict[str, Any]] = Field(
        description="개인 / persons: id → {variable: {period: value or null}}; null is computed"
    )
    households: dict[str, dict[str, Any]] | None = Field(
        None, description="가구 / households: id → {members: [ids], variable: {period: value}}"
    )

    def plain(self) -> dict[str, Any]:
        """The situation as OpenFisca reads it (without an absent households key)."""
        return self.model_dump(exclude_none=True)


@router.post(
    "/calculate",
    operation_id="calculate_openfisca",
    summary="OpenFisca 계산 / OpenFisca-compatible calculate",
    responses=_PROBLEMS,
)
def calculate_openfisca(situation: Situation) -> dict[str, Any]:
    """The situation with every `null` filled in, as the OpenFisca Web API's `/calculate`."""
    from ilteo.benefits.openfisca_api import calculate

    filled, _ = calculate(situation.plain())
    return filled


@router.post(
    "/trace",
    operation_id="trace_openfisca",
    summary="OpenFisca 계산 추적 / OpenFisca-compatible trace",
    responses=_PROBLEMS,
)
def trace_openfisca(situation: Situation) -> dict[str, Any]:
    """Each requested value's computation: dependencies and parameters, as OpenFisca's `/trace`."""
    from ilteo.benefits.openfisca_api import trace

    return trace(situation.plain())


@router.get(
    "/variables",
    operation_id="list_benefit_variables",
    summary="변수 목록 / The model's variables",
)
def list_benefit_variables() -> dict[str, Any]:
    """Every variable: id, Korean/English label, entity, period, type, legal references."""
    from ilteo.benefits.openfisca_api import variables

    return {"result": variables()}
