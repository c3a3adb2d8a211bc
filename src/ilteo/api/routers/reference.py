"""Reference data over HTTP: occupation and industry codes, crosswalks, exposure scores, datasets.

Each endpoint calls one :mod:`ilteo.reference` service function and returns its pydantic model;
room errors (:class:`~ilteo.core.errors.NotFoundError`,
:class:`~ilteo.core.errors.InvalidInputError`) become problem+json through the app's handlers.
The room functions are synchronous (the first call may load and cache a dataset), so the endpoints
are plain ``def`` and run in the threadpool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ilteo.api.deps import SettingsDep
from ilteo.reference import lookup, search, status
from ilteo.reference.schemas import (
    DatasetStatus,
    IndustryDetail,
    IndustrySummary,
    KsicRevision,
    OccupationDetail,
    OccupationSummary,
    OccupationSystem,
)

router = APIRouter(prefix="/reference", tags=["reference"])

#: Problem responses every lookup may answer with (documented in the OpenAPI document).
_PROBLEMS: dict[int | str, dict[str, object]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}

Query_ = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        description="검색어: 코드 또는 한국어·영어 이름 / "
        "Search term: a code or a Korean or English name.",
        examples=["소프트웨어", "software", "2222"],
    ),
]
Limit = Annotated[
    int, Query(ge=1, le=100, description="최대 결과 수 / Maximum number of results (1-100).")
]
SystemPath = Annotated[
    OccupationSystem,
    Path(
        description="분류 체계 / Classification system: `ksco8`, `onet` (O*NET-SOC), `isco08`, "
        "`soc2010` or `soc2018`."
    ),
]
Code = Annotated[
    str,
    Path(min_length=1, max_length=20, description="분류 코드 / The code in that system."),
]


@router.get(
    "/occupations",
    operation_id="search_occupations",
    summary="직업 검색 / Search occupations",
    response_model=list[OccupationSummary],
    responses=_PROBLEMS,
)
def search_occupations(
    settings: SettingsDep,
    q: Query_,
    system: Annotated[
        OccupationSystem | None,
        Query(
            description="분류 체계로 한정 / Only this system (e.g. `ksco8`, `onet`); "
            "KSCO 8 and O*NET-SOC when omitted."
        ),
    ] = None,
    limit: Limit = 20,
) -> list[OccupationSummary]:
    """Find occupations in KSCO 8 and O*NET-SOC by code or by Korean or English name."""
    return search.search_occupations(q, system=system, limit=limit, settings=settings)


@router.get(
    "/occupations/{system}/{code}",
    operation_id="get_occupation",
    summary="직업 상세 / Get an occupation",
    response_model=OccupationDetail,
    responses=_PROBLEMS,
)
def get_occupation(settings: SettingsDep, system: SystemPath, code: Code) -> OccupationDetail:
    """One occupation: names, level, parents and children, crosswalk links, raw exposure scores.

    An exposure score says how much of an occupation's task content AI could affect, by one
    published index; it is not a probability of job loss.
    """
    return lookup.get_occupation(system, code, settings=settings)


@router.get(
    "/industries",
    operation_id="search_industries",
    summary="산업 검색 / Search industries",
    response_model=list[IndustrySummary],
    responses=_PROBLEMS,
)
def search_industries(
    settings: SettingsDep,
    q: Query_,
    revision: Annotated[
        KsicRevision, Query(description="한국표준산업분류 차수 / KSIC revision (`11` or `10`).")
    ] = "11",
    limit: Limit = 20,
) -> list[IndustrySummary]:
    """Find industries in KSIC (11th or 10th revision) by code or by name."""
    return search.search_industries(q, revision=revision, limit=limit, settings=settings)


@router.get(
    "/industries/{revision}/{code}",
    operation_id="get_industry",
    summary="산업 상세 / Get an industry",
    response_model=IndustryDetail,
    responses=_PROBLEMS,
)
def get_industry(
    settings: SettingsDep,
    revision: Annotated[
        KsicRevision, Path(description="KSIC 차수 / KSIC revision (`11` or `10`).")
    ],
    code: Code,
) -> IndustryDetail:
    """One KSIC industry: names, level, parents and children."""
    return lookup.get_industry(code, revision=revision, settings=settings)


@router.get(
    "/datasets",
    operation_id="list_datasets",
    summary="기준 데이터 현황 / Reference dataset status",
    response_model=list[DatasetStatus],
)
def list_datasets(settings: SettingsDep) -> list[DatasetStatus]:
    """Every reference dataset: version, licence, rows, and whether it is present and valid."""
    return status.dataset_status(settings)
