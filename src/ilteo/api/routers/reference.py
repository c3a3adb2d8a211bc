"""Reference data over HTTP: occupation and industry codes, crosswalks, exposure scores, datasets.

Each endpoint calls one :mod:`ilteo.reference` service function and returns its pydantic model;
room errors (:class:`~ilteo.core.errors.NotFoundError`,
:class:`~ilteo.core.errors.InvalidInputError`) become problem+json through the app's handlers.
The room functions are synchronous (the first call may load and cache a dataset), so the endpoints
are plain ``def`` and run in the threadpool.
"""

from __future__ import annotations

from typing import Annotated, Final, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from ilteo import __version__
from ilteo.api.conventions import etag_for, not_modified
from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, page_params
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

#: Reference reads may be cached for an hour by anyone: they change only with a dataset version.
CACHE_CONTROL: Final = "public, max-age=3600"
#: The datasets the occupation index is built from, and the industry index.
OCCUPATION_DATASETS: Final = ("ksco8", "onet", "crosswalks", "ilo_genai_2025")
INDUSTRY_DATASETS: Final = ("ksic",)
_LICENCE_URLS: Final = (
    ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("MIT", "https://opensource.org/license/mit"),
    ("KOGL", "https://www.kogl.or.kr/info/licenseType1.do"),
    ("public domain", "https://www.usa.gov/government-copyright"),
)
T = TypeVar("T")


class Attribution(BaseModel):
    """A dataset this answer was made from, its licence and how to credit it."""

    dataset: str = Field(description="데이터셋 ID / Dataset id.")
    version: str
    licence: str
    licence_url: str = Field(description="이용 조건 / Where the licence or terms are.")
    citation: str = Field(description="출처 표시 / How to credit the source.")


class ReferencePage(Page[T]):
    """A page of reference data, with the sources to credit."""

    attribution: list[Attribution]


class OccupationDetailOut(OccupationDetail):
    """An occupation, with the sources to credit."""

    attribution: list[Attribution]


class IndustryDetailOut(IndustryDetail):
    """An industry, with the sources to credit."""

    attribution: list[Attribution]


def licence_url(dataset_id: str, licence: str) -> str:
    """A URL for a dataset's licence: the licence itself if known, else its description here."""
    for marker, url in _LICENCE_URLS:
        if marker.lower() in licence.lower():
            return url
    return f"https://ilteo.kr/reference/datasets#{dataset_id}"


def attribute(response: Response, dataset_ids: tuple[str, ...]) -> list[Attribution]:
    """Credit the datasets: one ``Link: rel="license"`` each, and their attributions."""
    from ilteo.reference.datasets import get_dataset

    credits = []
    for dataset_id in dict.fromkeys(dataset_ids):
        spec = get_dataset(dataset_id)
        url = licence_url(spec.id, spec.licence)
        response.headers.append("Link", f'<{url}>; rel="license"; title="{spec.id}"')
        credits.append(
            Attribution(
                dataset=spec.id,
                version=spec.version,
                licence=spec.licence,
                licence_url=url,
                citation=spec.citation,
            )
        )
    return credits


def cached(request: Request, response: Response, dataset_ids: tuple[str, ...]) -> Response | None:
    """A 304 answer when the client's copy is current, else ``None`` (headers set either way)."""
    from ilteo.reference.datasets import get_dataset

    versions = [f"{d}={get_dataset(d).version}" for d in dataset_ids]
    etag = etag_for(__version__, *versions, request.url.path, str(request.url.query))
    if not_modified(request, response, etag, CACHE_CONTROL):
        kept = {name: response.headers[name] for name in ("ETag", "Cache-Control")}
        return Response(status_code=304, headers=kept)
    return None


_SearchPage = Annotated[PageRequest, Depends(page_params(default=20, maximum=100))]

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
    response_model=ReferencePage[OccupationSummary],
    responses=_PROBLEMS,
)
def search_occupations(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _SearchPage,
    q: Query_,
    system: Annotated[
        OccupationSystem | None,
        Query(
            description="분류 체계로 한정 / Only this system (e.g. `ksco8`, `onet`); "
            "KSCO 8 and O*NET-SOC when omitted."
        ),
    ] = None,
) -> ReferencePage[OccupationSummary] | Response:
    """Find occupations in KSCO 8 and O*NET-SOC by code or by Korean or English name.

    The 100 best matches, best first, a page at a time.
    """
    if (unchanged := cached(request, response, OCCUPATION_DATASETS)) is not None:
        return unchanged
    hits = search.search_occupations(q, system=system, limit=search.MAX_LIMIT, settings=settings)
    found = page.window(hits)
    return ReferencePage[OccupationSummary](
        **dict(found), attribution=attribute(response, OCCUPATION_DATASETS)
    )


@router.get(
    "/occupations/{system}/{code}",
    operation_id="get_occupation",
    summary="직업 상세 / Get an occupation",
    response_model=OccupationDetailOut,
    responses=_PROBLEMS,
)
def get_occupation(
    settings: SettingsDep, request: Request, response: Response, system: SystemPath, code: Code
) -> OccupationDetailOut | Response:
    """One occupation: names, level, parents and children, crosswalk links, raw exposure scores.

    An exposure score says how much of an occupation's task content AI could affect, by one
    published index; it is not a probability of job loss.
    """
    if (unchanged := cached(request, response, OCCUPATION_DATASETS)) is not None:
        return unchanged
    detail = lookup.get_occupation(system, code, settings=settings)
    used = (*OCCUPATION_DATASETS, *(e.dataset for e in detail.exposures))
    return OccupationDetailOut(**dict(detail), attribution=attribute(response, used))


@router.get(
    "/industries",
    operation_id="search_industries",
    summary="산업 검색 / Search industries",
    response_model=ReferencePage[IndustrySummary],
    responses=_PROBLEMS,
)
def search_industries(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: _SearchPage,
    q: Query_,
    revision: Annotated[
        KsicRevision, Query(description="한국표준산업분류 차수 / KSIC revision (`11` or `10`).")
    ] = "11",
) -> ReferencePage[IndustrySummary] | Response:
    """Find industries in KSIC (11th or 10th revision) by code or by name.

    The 100 best matches, best first, a page at a time.
    """
    if (unchanged := cached(request, response, INDUSTRY_DATASETS)) is not None:
        return unchanged
    hits = search.search_industries(q, revision=revision, limit=search.MAX_LIMIT, settings=settings)
    found = page.window(hits)
    return ReferencePage[IndustrySummary](
        **dict(found), attribution=attribute(response, INDUSTRY_DATASETS)
    )


@router.get(
    "/industries/{revision}/{code}",
    operation_id="get_industry",
    summary="산업 상세 / Get an industry",
    response_model=IndustryDetailOut,
    responses=_PROBLEMS,
)
def get_industry(
    settings: SettingsDep,
    request: Request,
    response: Response,
    revision: Annotated[
        KsicRevision, Path(description="KSIC 차수 / KSIC revision (`11` or `10`).")
    ],
    code: Code,
) -> IndustryDetailOut | Response:
    """One KSIC industry: names, level, parents and children."""
    if (unchanged := cached(request, response, INDUSTRY_DATASETS)) is not None:
        return unchanged
    detail = lookup.get_industry(code, revision=revision, settings=settings)
    return IndustryDetailOut(**dict(detail), attribution=attribute(response, INDUSTRY_DATASETS))


@router.get(
    "/datasets",
    operation_id="list_datasets",
    summary="기준 데이터 현황 / Reference dataset status",
    response_model=ReferencePage[DatasetStatus],
)
def list_datasets(
    settings: SettingsDep,
    response: Response,
    page: Annotated[PageRequest, Depends(page_params())],
) -> ReferencePage[DatasetStatus]:
    """Every reference dataset: version, licence, rows, and whether it is present and valid."""
    found = page.window(status.dataset_status(settings))
    used = tuple(d.id for d in found.items)
    return ReferencePage[DatasetStatus](**dict(found), attribution=attribute(response, used))
