"""Read-only MCP tools for the data lake: catalogue, dataset detail, quality, linkage, quarantine.

Each tool mirrors one lake service function (the same ones the API and the steward pages call).
Descriptions are written for a model: when to use the tool, what it returns, and what the numbers
do not mean. Expected failures (an unknown dataset or source) come back as tool errors whose text
says what to do next. No tool returns personal data: the catalogue describes columns, quarantine
examples are masked, and quality and linkage results are aggregates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from ilteo.core.settings import Settings
from ilteo.lake.ledger import BatchPublic
from ilteo.lake.steward_schemas import (
    CatalogEntry,
    Layer,
    LinkageSummary,
    QualityOverview,
    QuarantineSummary,
)
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool

LIST_LAKE_DATASETS = (
    "List every dataset of ilteo's integrated data lake (the employment and labour ministry's "
    "administrative data): for each source system its `source.<id>` extract, `staged.<id>` and "
    "`curated.<id>` tables, plus linked records, master persons and workplaces, and derived "
    "datasets. Each entry gives the owner organisation and system, row count, freshness against "
    "the expected cadence, licence, the standard keys and code systems it uses, and its access "
    "rights (`non-public` when it holds personal data). Use it to answer which data exists, who "
    "owns it, how fresh it is, or which datasets carry a standard key such as the RRN hash or a "
    "business registration number. Columns are listed by `get_lake_dataset`. This is metadata "
    "only: no records and no personal data are returned."
)
GET_LAKE_DATASET = (
    "Get one dataset of the lake by id (e.g. 'curated.ei_events', 'master.person_links', from "
    "`list_lake_datasets`): every column with its type, Korean and English label, personal-data "
    "class ('rrn', 'direct', 'quasi', 'none' or 'unclassified'), code system (KSCO 8, KSIC 11, "
    "시도, NCS...) and standard key; its lineage (datasets it is made from) and the datasets made "
    "from it. Use it to explain a dataset's schema, where a column comes from, or whether a "
    "column is personal data. Metadata only, never records."
)
GET_LAKE_QUALITY = (
    "Get data-quality scores of the lake: the latest score (0-1) per source, field and dimension "
    "(completeness, validity, uniqueness, freshness, and cross-source consistency, whose field "
    "reads '<check>@<other source>'), the alerts (latest scores below their threshold) and a "
    "trend per source and dimension over recent batches. Use it when asked whether a source's "
    "data can be trusted, what is wrong with it, or whether quality is improving. A score is the "
    "share of checked values or records that pass; it says nothing about individual people."
)
GET_LINKAGE_QUALITY = (
    "Get how well the lake links records of the same person (and workplace) across source "
    "systems: pairwise precision and recall against synthetic ground truth, overall, per source "
    "and per kind of noise (name typos, missing or mistyped RRN...), for the probabilistic "
    "linkage model and for an exact-key baseline. Use it to say how reliable a linked person "
    "record is or which source links badly. `available` is false until an evaluation was run. "
    "Precision and recall are measured on synthetic data, not on real people."
)
GET_QUARANTINE_SUMMARY = (
    "Get what the lake holds in quarantine: rows that failed their source's contract, counted by "
    "source, rule (e.g. 'rrn.check_digit', 'code.ksic11', 'required') and column, with how many "
    "are still open. Example values, even MASKED ones, are never given through this open tool "
    "(staff see them on the steward pages). Use it when asked why data from a "
    "source is missing or rejected, or which rules fail most. Nothing is dropped: quarantined "
    "rows can be fixed and retried."
)

LIST_LAKE_BATCHES = (
    "List the lake's batch ledger, most recently started first: every extract file or live "
    "micro-batch a source system delivered, with its status ('running', 'done', 'rejected', "
    "'failed'), the rows received, accepted and quarantined (accepted + quarantined = received "
    "for a done batch), the content hash, when it started and finished, and why it was rejected "
    "or failed. Use it when asked whether a source's latest data arrived, when, and how much of it "
    "passed. Counts only, no records."
)
GET_LAKE_BATCH = (
    "Get one batch of the lake's ledger by id (from `list_lake_batches`): status, row counts, "
    "origin (file path, or 'api' for live batches), timestamps, and the reason it was rejected or "
    "failed. Use it to explain what happened to one delivery. Counts only, no records."
)


def _check_source(source: str | None) -> None:
    if source:
        from ilteo.lake.sources import get_source

        get_source(source)


SourceParam = Annotated[
    str | None,
    Field(
        max_length=64,
        description="Only this source system id, e.g. 'ei_events', 'job_seekers', "
        "'kdt_enrolments' (ids come from list_lake_datasets, entries of layer 'source'). "
        "Omit for all sources.",
    ),
]


def register_lake_tools(server: MCPServer, settings: Settings, auth: McpAuth | None = None) -> None:
    """Register the read-only lake tools on ``server``; they read the lake of ``settings``.

    Every lake tool needs an API key with the scope ``lake:read`` of a data steward's (or an
    administrator's) account, checked by ``auth`` on each call; otherwise the tool answers a tool
    error saying how to get one.
    """
    auth = auth or McpAuth(settings)

    @register_tool(
        server,
        "list_lake_datasets",
        title="데이터 카탈로그 / List lake datasets",
        description=LIST_LAKE_DATASETS,
    )
    def list_lake_datasets(
        layer: Annotated[
            Layer | None,
            Field(
                description="Only this layer: 'source' (what a system sends), 'staged' (rows "
                "that passed the contract), 'curated', 'master' (linked persons and "
                "workplaces) or 'derived'. Omit for all."
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> list[CatalogEntry]:
        from ilteo.lake.catalog import list_catalog

        auth.require(ctx, "list_lake_datasets")

        entries = call_room(lambda: list_catalog(settings))
        return [
            e.model_copy(update={"columns": []})
            for e in entries
            if layer is None or e.layer == layer
        ]

    @register_tool(
        server,
        "get_lake_dataset",
        title="데이터셋 상세 / Get a lake dataset",
        description=GET_LAKE_DATASET,
    )
    def get_lake_dataset(
        dataset_id: Annotated[
            str,
            Field(
                min_length=3,
                max_length=120,
                description="Dataset id '<layer>.<name>' as listed by list_lake_datasets, "
                "e.g. 'curated.ei_events' or 'master.persons'.",
            ),
        ],
        ctx: Context | None = None,
    ) -> CatalogEntry:
        from ilteo.lake.catalog import get_catalog_entry

        auth.require(ctx, "get_lake_dataset")

        return call_room(lambda: get_catalog_entry(dataset_id, settings))

    @register_tool(
        server,
        "get_lake_quality",
        title="데이터 품질 / Get lake data quality",
        description=GET_LAKE_QUALITY,
    )
    def get_lake_quality(
        source: SourceParam = None,
        dimension: Annotated[
            Literal["completeness", "validity", "uniqueness", "consistency", "freshness"] | None,
            Field(description="Only this quality dimension. Omit for all."),
        ] = None,
        ctx: Context | None = None,
    ) -> QualityOverview:
        from ilteo.lake.stewardship import quality_overview

        auth.require(ctx, "get_lake_quality")

        def run() -> QualityOverview:
            _check_source(source)
            return quality_overview(settings, source=source, dimension=dimension)

        return call_room(run)

    @register_tool(
        server,
        "get_linkage_quality",
        title="연계 품질 / Get linkage quality",
        description=GET_LINKAGE_QUALITY,
    )
    def get_linkage_quality(
        kind: Annotated[
            Literal["person", "workplace"] | None,
            Field(description="'person' or 'workplace' linkage; omit for both."),
        ] = None,
        ctx: Context | None = None,
    ) -> list[LinkageSummary]:
        from ilteo.lake.linkage_quality import linkage_summaries

        auth.require(ctx, "get_linkage_quality")

        summaries = call_room(lambda: linkage_summaries(settings))
        return [s for s in summaries if kind is None or s.kind == kind]

    @register_tool(
        server,
        "get_quarantine_summary",
        title="격리 현황 / Get the quarantine summary",
        description=GET_QUARANTINE_SUMMARY,
    )
    def get_quarantine_summary(
        source: SourceParam = None, ctx: Context | None = None
    ) -> QuarantineSummary:
        from ilteo.lake.stewardship import quarantine_summary

        auth.require(ctx, "get_quarantine_summary")

        def run() -> QuarantineSummary:
            _check_source(source)
            summary = quarantine_summary(settings, source=source)
            # Counts only, no (masked) personal values: examples stay on the steward pages.
            groups = [g.model_copy(update={"examples": []}) for g in summary.groups]
            return summary.model_copy(update={"groups": groups})

        return call_room(run)

    @register_tool(
        server,
        "list_lake_batches",
        title="배치 원장 / List lake batches",
        description=LIST_LAKE_BATCHES,
    )
    def list_lake_batches(
        source: SourceParam = None,
        status: Annotated[
            Literal["running", "done", "rejected", "failed"] | None,
            Field(description="Only batches in this status. Omit for all."),
        ] = None,
        limit: Annotated[
            int, Field(ge=1, le=1000, description="Maximum number of batches (1-1000).")
        ] = 100,
        ctx: Context | None = None,
    ) -> list[BatchPublic]:
        from ilteo.lake.ledger import list_batches

        auth.require(ctx, "list_lake_batches")

        def run() -> list[BatchPublic]:
            _check_source(source)
            return list_batches(settings, source=source, status=status, limit=limit)

        return call_room(run)

    @register_tool(
        server,
        "get_lake_batch",
        title="배치 상세 / Get a lake batch",
        description=GET_LAKE_BATCH,
    )
    def get_lake_batch(
        batch_id: Annotated[
            str,
            Field(
                min_length=1,
                max_length=80,
                description="The batch id as listed by list_lake_batches "
                "('<source>-<content hash>').",
            ),
        ],
        ctx: Context | None = None,
    ) -> BatchPublic:
        from ilteo.lake.ledger import get_batch

        auth.require(ctx, "get_lake_batch")
        return call_room(lambda: get_batch(settings, batch_id))
