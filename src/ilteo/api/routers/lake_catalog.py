"""The lake for data stewards over HTTP, read-only.

Catalogue (and DCAT), quality, quarantine, linkage quality and the standardisation report. Each
endpoint calls one lake service function and returns its pydantic model; an unknown dataset or
source is a 404 problem. On an empty lake the lists are empty and the report says that nothing
has been ingested yet. The room functions read files and the operational store synchronously, so
the endpoints are plain ``def`` and run in the threadpool.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, page_params
from ilteo.api.routers.identity import require_scope, require_staff
from ilteo.lake.steward_schemas import (
    CatalogEntry,
    Layer,
    LinkageSummary,
    QualityOverview,
    QualityScore,
    QuarantineSummary,
    StandardisationReport,
)

#: Read endpoints for data stewards (and administrators) only.
router = APIRouter(
    prefix="/lake",
    tags=["lake"],
    dependencies=[
        Depends(require_staff("data_steward", "administrator")),
        Depends(require_scope("lake:read")),
    ],
)

JSONLD_MEDIA_TYPE = "application/ld+json"
_PROBLEMS: dict[int | str, dict[str, object]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}
PageDep = Annotated[PageRequest, Depends(page_params())]
DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "freshness")

SourceQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="원천 ID로 한정 / Only this source (e.g. `ei_events`); all when omitted.",
        examples=["ei_events"],
    ),
]


def _check_source(source: str | None) -> None:
    """Raise ``NotFoundError`` (404) for a source nobody declared."""
    if source:
        from ilteo.lake.sources import get_source

        get_source(source)


@router.get(
    "/catalog",
    operation_id="list_lake_catalog",
    summary="데이터 카탈로그 / The lake's catalogue",
    response_model=Page[CatalogEntry],
    responses=_PROBLEMS,
)
def list_catalog(
    settings: SettingsDep,
    page: PageDep,
    layer: Annotated[
        Layer | None,
        Query(
            description="계층으로 한정 / Only this layer: `source`, `staged`, `curated`, "
            "`master` or `derived`."
        ),
    ] = None,
) -> Page[CatalogEntry]:
    """Every dataset of the lake, in layer order.

    Schema, owner, lineage, personal-data class per column, standard keys, rows, freshness and
    licence. Personal datasets are `non-public`.
    """
    from ilteo.lake.catalog import list_catalog as list_entries

    entries = list_entries(settings)
    return page.window([e for e in entries if layer is None or e.layer == layer])


@router.get(
    "/catalog.jsonld",
    operation_id="get_lake_catalog_dcat",
    summary="DCAT 카탈로그 (JSON-LD) / The catalogue as DCAT JSON-LD",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "dcat:Catalog (JSON-LD)",
            "content": {JSONLD_MEDIA_TYPE: {"schema": {"type": "object"}}},
        }
    },
)
def get_catalog_dcat(settings: SettingsDep, request: Request) -> JSONResponse:
    """The catalogue as a W3C DCAT `dcat:Catalog` in JSON-LD, for a public data portal.

    Titles and descriptions in Korean and English; datasets with personal data carry
    `dct:accessRights` NON_PUBLIC and are not open.
    """
    from ilteo.lake.catalog import catalog_dcat

    document: dict[str, Any] = catalog_dcat(
        settings, landing_base=str(request.base_url).rstrip("/")
    )
    return JSONResponse(document, media_type=JSONLD_MEDIA_TYPE)


@router.get(
    "/catalog/{dataset_id}",
    operation_id="get_lake_dataset",
    summary="데이터셋 상세 / One dataset of the catalogue",
    response_model=CatalogEntry,
    responses=_PROBLEMS,
)
def get_catalog_entry(
    settings: SettingsDep,
    dataset_id: Annotated[
        str,
        Path(
            min_length=3,
            max_length=120,
            description="데이터셋 ID / Dataset id, `<layer>.<name>` (e.g. `curated.ei_events`).",
        ),
    ],
) -> CatalogEntry:
    """One dataset with its columns, lineage and what is made from it; 404 if unknown."""
    from ilteo.lake.catalog import get_catalog_entry as get_entry

    return get_entry(dataset_id, settings)


@router.get(
    "/quality",
    operation_id="get_lake_quality",
    summary="데이터 품질 / Data quality: latest scores, alerts and trends",
    response_model=QualityOverview,
    responses=_PROBLEMS,
)
def get_quality(
    settings: SettingsDep,
    source: SourceQuery = None,
    dimension: Annotated[
        str | None,
        Query(
            pattern="^(" + "|".join(DIMENSIONS) + ")$",
            description="차원으로 한정 / Only this dimension: " + ", ".join(DIMENSIONS) + ".",
        ),
    ] = None,
) -> QualityOverview:
    """The latest quality scores, the alerts among them, and trends.

    One latest score per source, field and dimension; those below threshold are alerts; one trend
    per source and dimension over its last measurements.
    """
    from ilteo.lake.stewardship import quality_overview

    _check_source(source)
    return quality_overview(settings, source=source, dimension=dimension)


@router.get(
    "/quality/alerts",
    operation_id="list_lake_quality_alerts",
    summary="품질 경보 / Quality scores below their threshold",
    response_model=Page[QualityScore],
    responses=_PROBLEMS,
)
def list_quality_alerts(
    settings: SettingsDep, page: PageDep, source: SourceQuery = None
) -> Page[QualityScore]:
    """Scores whose latest measurement is below its threshold.

    Cross-source consistency scores are included (`dimension` = `consistency`, `field` =
    `<check>@<other source>`).
    """
    from ilteo.lake.stewardship import quality_overview

    _check_source(source)
    return page.window(quality_overview(settings, source=source).alerts)


@router.get(
    "/quarantine",
    operation_id="get_lake_quarantine_summary",
    summary="격리 현황 / What is in quarantine",
    response_model=QuarantineSummary,
    responses=_PROBLEMS,
)
def get_quarantine_summary(settings: SettingsDep, source: SourceQuery = None) -> QuarantineSummary:
    """Quarantined rows by source, rule and column, open and total, with masked examples."""
    from ilteo.lake.stewardship import quarantine_summary

    _check_source(source)
    return quarantine_summary(settings, source=source)


@router.get(
    "/linkage",
    operation_id="list_lake_linkage_quality",
    summary="연계 품질 / Linkage quality against ground truth",
    response_model=Page[LinkageSummary],
)
def list_linkage_quality(settings: SettingsDep, page: PageDep) -> Page[LinkageSummary]:
    """Precision and recall of person and workplace linkage against ground truth.

    Overall, by source and by noise kind, for the model and the exact-key baseline; `available`
    is false before an evaluation was run.
    """
    from ilteo.lake.linkage_quality import linkage_summaries

    return page.window(linkage_summaries(settings))


@router.get(
    "/report",
    operation_id="get_lake_standardisation_report",
    summary="데이터 표준화 보고서 / The data standardisation report",
    response_model=StandardisationReport,
)
def get_standardisation_report(settings: SettingsDep) -> StandardisationReport:
    """The data proactive benefits and accident monitoring need, assessed against the lake.

    Where each item lives, its code system, whether it is standardised and linkable, and what
    standardisation or legal change is missing.
    """
    from ilteo.lake.report import build_report

    return build_report(settings)


#: Layers accepted by ``?layer=`` (for documentation and tests).
LAYERS: tuple[str, ...] = get_args(Layer)
