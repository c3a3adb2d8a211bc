"""Public shapes of what a data steward reads: catalogue, quality, quarantine, linkage, report.

Shared by the API (response models), the MCP tools (structured output), the web pages and the CLI,
so the four doors cannot drift apart. Every model is frozen: the doors only read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The layers a dataset can belong to, from what a system sends to what the lake derives.
Layer = Literal["source", "staged", "curated", "master", "derived"]
#: Who may see a dataset: personal data is never open (DCAT ``accessRights`` NON_PUBLIC).
AccessRights = Literal["public", "restricted", "non-public"]
#: Personal-data class of a column; ``unclassified`` when no declaration covers it.
ColumnPersonal = Literal["rrn", "direct", "quasi", "none", "unclassified"]
FreshnessStatus = Literal["fresh", "late", "stale", "never"]


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class Freshness(_Public):
    """How recent a source's last accepted batch is, against its declared cadence."""

    status: FreshnessStatus = Field(
        description="`fresh` (within its cadence), `late` (past it, not yet an alert), `stale` "
        "(freshness score below the quality threshold: an alert) or `never` (no batch yet)."
    )
    cadence: str
    last_batch_at: datetime | None
    age_hours: float | None
    score: float | None = Field(
        description="1 while younger than the cadence, then cadence ÷ age (the quality score)."
    )
    allowed_hours: float = Field(description="Age after which the source counts as stale.")


class SourceStatus(_Public):
    """A declared source system with its batches so far."""

    id: str
    title_ko: str
    title_en: str
    owner: str
    system: str
    cadence: str
    entity: str
    file_format: str
    batches_done: int
    batches_rejected: int
    batches_failed: int
    received_rows: int
    accepted_rows: int
    quarantined_rows: int
    open_quarantine_rows: int
    last_batch_id: str | None
    freshness: Freshness
    alerts: int = Field(description="Quality scores of this source now below their threshold.")


class BatchSummary(_Public):
    """One batch in the ledger."""

    id: str
    source: str
    status: str
    origin: str = Field(description="File name the batch came from, or `api`.")
    file_format: str
    received_rows: int
    accepted_rows: int
    quarantined_rows: int
    started_at: datetime
    finished_at: datetime | None
    reason: str | None
    retry_of: str | None


class QuarantineGroup(_Public):
    """Quarantined rows of one source that failed one rule on one column."""

    source: str
    rule: str
    column: str | None
    rows: int
    open_rows: int
    examples: list[str] = Field(description="Up to three masked example values.")


class QuarantineSummary(_Public):
    """What is in quarantine, by source, rule and column."""

    total_rows: int
    open_rows: int
    groups: list[QuarantineGroup]


class QualityScore(_Public):
    """One data-quality score (the latest of its source, field and dimension)."""

    batch_id: str | None
    source: str
    field: str | None
    dimension: str
    score: float
    threshold: float
    below_threshold: bool
    measured_at: datetime


class QualityPoint(_Public):
    """A source's scores in one dimension at one measurement (a batch or a consistency run)."""

    batch_id: str | None
    measured_at: datetime
    mean_score: float
    min_score: float
    worst_field: str | None
    fields_below: int


class QualitySeries(_Public):
    """The trend of one source in one dimension, oldest point first."""

    source: str
    dimension: str
    points: list[QualityPoint]


class QualityOverview(_Public):
    """Latest scores, open alerts and trends."""

    latest: list[QualityScore]
    alerts: list[QualityScore]
    series: list[QualitySeries]


class LinkageMetric(_Public):
    """Pairwise precision and recall of one slice of the linkage (all, a source or a noise kind)."""

    slice: str = Field(description="`all`, `source:<id>` or `noise:<kind>`.")
    method: str = Field(description="`model` (probabilistic linkage) or `baseline` (exact key).")
    precision: float | None
    recall: float | None
    f1: float | None = None
    pairs: int | None = None


class LinkageSummary(_Public):
    """The latest linkage evaluation against the ground truth, if one was run."""

    available: bool
    kind: str = Field(description="`person` or `workplace`.")
    evaluated_at: datetime | None = None
    report_file: str | None = None
    metrics: list[LinkageMetric] = Field(default_factory=list)
    charts: list[str] = Field(
        default_factory=list, description="Chart files (SVG or PNG) in the linkage folder."
    )


class ConsistencyResult(_Public):
    """The score of one cross-source consistency check for one source pair."""

    check: str
    title_ko: str
    title_en: str
    left: str
    right: str
    score: float | None
    threshold: float
    below_threshold: bool
    compared: int | None = Field(
        description="Records (or value pairs) the score was computed over (not kept once stored)."
    )
    skipped: str | None = Field(None, description="Why the check could not run, if it did not.")


class CatalogColumn(_Public):
    """One column of a dataset."""

    name: str
    dtype: str
    title_ko: str = ""
    title_en: str = ""
    personal: ColumnPersonal = "none"
    code_system: str | None = None
    standard: str | None = None
    required: bool = False
    key: bool = False


class CatalogDistribution(_Public):
    """One form a dataset is available in."""

    format: str = Field(description="`parquet`, `csv`, `jsonl`, `json`, `html`, `markdown`...")
    media_type: str
    path: str | None = Field(description="File or folder relative to the lake root, if any.")


class CatalogEntry(_Public):
    """One dataset of the lake, as the catalogue and the DCAT export describe it."""

    id: str = Field(description="`<layer>.<name>`, e.g. `curated.ei_events`.")
    layer: Layer
    name: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    owner: str
    system: str
    source: str | None = Field(description="The source system this dataset comes from, if one.")
    columns: list[CatalogColumn]
    personal: ColumnPersonal = Field(description="The most personal class of any column.")
    access_rights: AccessRights
    standard_keys: list[str] = Field(description="Columns that carry a standard key.")
    code_systems: list[str]
    lineage: list[str] = Field(description="Datasets this one is made from.")
    used_by: list[str] = Field(description="Datasets made from this one.")
    present: bool = Field(description="Data exists in the lake for this dataset.")
    rows: int | None
    distributions: list[CatalogDistribution]
    cadence: str | None
    freshness: Freshness | None
    temporal_start: date | None
    temporal_end: date | None
    modified: datetime | None
    licence: str
    licence_url: str | None
    keywords: list[str]


class NeedLocation(_Public):
    """Where a needed data item lives in the lake (or why it does not)."""

    source: str | None
    source_title_ko: str | None = None
    source_title_en: str | None = None
    system: str | None = None
    owner: str | None = None
    dataset: str | None = Field(None, description="Catalogue id of the curated table.")
    columns: list[str] = Field(default_factory=list)
    declared: bool = Field(description="The source and columns are declared in the lake.")
    rows: int | None = None


class NeedQuality(_Public):
    """The latest quality score of a needed column."""

    column: str
    dimension: str
    score: float
    threshold: float
    below_threshold: bool


class NeedAssessment(_Public):
    """One data item a capability needs, assessed against the lake."""

    id: str
    capability: str
    capability_ko: str
    capability_en: str
    programme_ko: str
    programme_en: str
    item_ko: str
    item_en: str
    purpose_ko: str
    purpose_en: str
    required_code_system: str | None
    location: NeedLocation
    holder_ko: str | None = Field(None, description="Who holds the data when the lake does not.")
    holder_en: str | None = None
    code_system: str | None = Field(description="The code system the lake's column declares.")
    status: Literal["ready", "partial", "missing"]
    in_lake: bool
    ingested: bool
    standardised: bool | None = Field(
        description="Uses the required national standard code (null: no code is needed)."
    )
    linkable: bool
    link_key: str | None = Field(description="Standard key the records link on, if any.")
    linkage_precision: float | None = None
    linkage_recall: float | None = None
    quality: list[NeedQuality] = Field(default_factory=list)
    gaps_ko: list[str]
    gaps_en: list[str]
    legal_ko: str | None = None
    legal_en: str | None = None


class CapabilitySummary(_Public):
    """How ready the data is for one capability."""

    id: str
    title_ko: str
    title_en: str
    items: int
    ready: int
    partial: int
    missing: int


class StandardisationReport(_Public):
    """The data standardisation report: what the capabilities need and what the lake has."""

    generated_at: datetime
    needs_version: str
    lake_empty: bool
    sources_declared: int
    sources_ingested: int
    capabilities: list[CapabilitySummary]
    needs: list[NeedAssessment]
    consistency: list[ConsistencyResult]
    linkage: list[LinkageSummary]
    alerts: int
