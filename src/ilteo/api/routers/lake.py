"""The lake over HTTP: declared sources, the batch ledger, and live micro-batches.

``POST /v1/lake/sources/{source}/batches`` takes up to 10,000 records and runs them through the
same path as a file (contract, RRN hashing, quarantine, ledger); the accepted rows are queryable
through :func:`ilteo.lake.engine.connect` as soon as the response is sent. Posting the same
records again changes nothing and answers 200 with ``already_ingested``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, page_params
from ilteo.api.routers.identity import require_scope, require_staff
from ilteo.api.security import require_source_system
from ilteo.core.errors import InvalidInputError
from ilteo.lake.ingest import MAX_RECORDS, BatchResult
from ilteo.lake.ledger import BatchPublic

router = APIRouter(prefix="/lake", tags=["lake"])
#: The read endpoints are for data stewards (and administrators) only.
_STEWARD = [
    Depends(require_staff("data_steward", "administrator")),
    Depends(require_scope("lake:read")),
]

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}


class FieldPublic(BaseModel):
    """One declared column of a source."""

    name: str
    dtype: str
    required: bool
    title_ko: str
    title_en: str
    personal: str = Field(description="rrn, direct, quasi, none")
    code_system: str | None = None
    standard: str | None = None


class SourcePublic(BaseModel):
    """A declared source system and its contract."""

    id: str
    title_ko: str
    title_en: str
    owner: str
    system: str
    file_format: str
    encoding: str
    cadence: str
    entity: str
    keys: list[str]
    fields: list[FieldPublic]


class BatchCreate(BaseModel):
    """A live micro-batch: records as JSON objects keyed by the source's column names."""

    model_config = ConfigDict(extra="forbid")

    records: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_RECORDS,
        description=f"1~{MAX_RECORDS:,}건의 레코드 / 1 to {MAX_RECORDS:,} records",
    )


SourcePath = Annotated[
    str, Path(min_length=1, max_length=64, description="원천 ID / Source id, e.g. `job_seekers`.")
]


@router.get(
    "/sources",
    operation_id="list_lake_sources",
    dependencies=_STEWARD,
    summary="레이크 원천 목록 / List the lake's sources",
    response_model=Page[SourcePublic],
)
def list_lake_sources(
    page: Annotated[PageRequest, Depends(page_params())],
) -> Page[SourcePublic]:
    """Every declared source system: owner, format, cadence, keys and the column contract."""
    from dataclasses import asdict

    from ilteo.lake.sources import list_sources

    return page.window([SourcePublic.model_validate(asdict(spec)) for spec in list_sources()])


@router.post(
    "/sources/{source}/batches",
    operation_id="create_lake_batch",
    summary="실시간 배치 적재 / Ingest a live micro-batch",
    response_model=BatchResult,
    status_code=201,
    responses={
        200: {
            "model": BatchResult,
            "description": "이미 적재된 배치 / The same records were ingested before "
            "(`already_ingested: true`).",
        },
        **_PROBLEMS,
    },
    dependencies=[Depends(require_source_system)],
)
def create_lake_batch(
    settings: SettingsDep,
    source: SourcePath,
    body: Annotated[BatchCreate, Body()],
    response: Response,
) -> BatchResult:
    """Check the records against the source's contract and stage or quarantine each one.

    Only source systems may call it, presenting ``Authorization: Bearer`` with the
    ``ILTEO_LAKE_INGEST_TOKEN``.
    Resident registration numbers are verified and replaced by their keyed hash before anything is
    stored. The answer carries the counts (``accepted_rows + quarantined_rows ==
    received_rows``); a batch whose columns the source does not declare is rejected as a whole
    (422), and recorded as rejected in the ledger.
    """
    from ilteo.lake.ingest import ingest_records

    result = ingest_records(source, body.records, settings)
    if result.status == "rejected":
        raise InvalidInputError(result.reason or "rejected", batch_id=result.id)
    if result.already_ingested:
        response.status_code = 200
    return result


@router.get(
    "/batches",
    operation_id="list_lake_batches",
    dependencies=_STEWARD,
    summary="배치 원장 / List batches",
    response_model=Page[BatchPublic],
    responses=_PROBLEMS,
)
def list_lake_batches(
    settings: SettingsDep,
    page: Annotated[PageRequest, Depends(page_params())],
    source: Annotated[str | None, Query(max_length=64, description="원천 / Source id.")] = None,
    status: Annotated[
        str | None, Query(description="running, done, rejected, failed / Batch status.")
    ] = None,
) -> Page[BatchPublic]:
    """Batches of the ledger, the most recently started first."""
    from ilteo.lake.ledger import list_batches

    return page.window(list_batches(settings, source=source, status=status, limit=page.stop))


@router.get(
    "/batches/{batch_id}",
    operation_id="get_lake_batch",
    dependencies=_STEWARD,
    summary="배치 상세 / Get a batch",
    response_model=BatchPublic,
    responses=_PROBLEMS,
)
def get_lake_batch(
    settings: SettingsDep,
    batch_id: Annotated[str, Path(max_length=80, description="배치 ID / Batch id.")],
) -> BatchPublic:
    """One batch: status, counts, origin, and why it was rejected if it was."""
    from ilteo.lake.ledger import get_batch

    return get_batch(settings, batch_id)
