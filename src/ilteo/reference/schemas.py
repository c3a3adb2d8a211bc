"""Public shapes of the reference room, shared by the API, MCP tools, web pages and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Occupation code systems the room serves.
OccupationSystem = Literal["ksco8", "onet", "isco08", "soc2010", "soc2018"]
#: KSIC revisions the room serves.
KsicRevision = Literal["10", "11"]
#: How a crosswalk link was made.
LinkMethod = Literal["official_crosswalk", "exact_title_match"]

#: The plain statement every exposure score carries.
EXPOSURE_CAVEAT = (
    "노출 점수는 일자리 상실 확률이 아닙니다. / An exposure score is not a probability of job loss."
)
#: The note every provisional KSCO→ISCO link carries.
PROVISIONAL_NOTE = (
    "잠정 연계: KSCO 영문 직업명과 ISCO-08 직업명이 정확히 같을 때만 연결했습니다. 검토된 공식 "
    "연계표(KSCO8↔ISCO-08)는 추후 반영됩니다. / Provisional: linked only where the KSCO English "
    "name equals the ISCO-08 title; the reviewed official KSCO8↔ISCO-08 crosswalk comes later."
)


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class TableLoad(_Public):
    """One table validated and cached (or served from cache) by ``load_all``."""

    dataset: str
    table: str
    rows: int
    columns: int
    from_cache: bool = Field(description="Served from the Parquet cache without re-validation.")
    seconds: float


class DatasetStatus(_Public):
    """Whether a dataset is present, valid and cached."""

    id: str
    title_ko: str
    title_en: str
    version: str
    licence: str
    folder: str
    present: bool = Field(description="The folder and every declared file exist.")
    checksum_ok: bool = Field(description="Every file has its declared (or fetched) sha256.")
    valid: bool = Field(description="Present, checksums correct and every table cached.")
    rows: int | None = Field(description="Rows over all tables (declared until cached).")
    tables: list[str]
    cached: bool = Field(description="Every table is in the validated Parquet cache.")
    evaluation_only: bool
    message: str


class OccupationSummary(_Public):
    """An occupation in one code system (a search hit or a parent/child)."""

    system: OccupationSystem
    code: str
    level: str
    name_ko: str | None = None
    name_en: str | None = None
    score: float | None = Field(default=None, description="Search relevance (higher first).")
    matched: str | None = Field(default=None, description="What matched: code, name, alias.")


class CrosswalkLink(_Public):
    """A code in another system reached from the occupation, hop by hop."""

    system: OccupationSystem
    code: str
    name_en: str | None = None
    name_ko: str | None = None
    from_system: OccupationSystem
    from_code: str
    method: LinkMethod
    source: str = Field(description="Dataset id of the crosswalk (or the code structure).")
    hops: int = Field(description="Links between the occupation and this code.")
    provisional: bool = Field(description="Reached through a provisional link.")
    note: str | None = None


class ExposureScore(_Public):
    """A raw AI-exposure score read from one index for one linked code."""

    index: str
    index_name: str
    dataset: str
    version: str
    measure: str = Field(description="Column the value was read from.")
    value: float | None
    category: str | None = None
    system: OccupationSystem
    code: str = Field(description="The code the score was read from.")
    hops: int
    provisional: bool
    caveat: str = EXPOSURE_CAVEAT


class OccupationDetail(_Public):
    """One occupation with its hierarchy, crosswalk links and raw exposure scores."""

    system: OccupationSystem
    code: str
    level: str
    name_ko: str | None = None
    name_en: str | None = None
    description: str | None = None
    parents: list[OccupationSummary] = Field(description="From the top level down.")
    children: list[OccupationSummary]
    links: list[CrosswalkLink]
    exposures: list[ExposureScore]
    notes: list[str] = []
    caveat: str = EXPOSURE_CAVEAT


class IndustrySummary(_Public):
    """An industry of one KSIC revision."""

    revision: KsicRevision
    code: str
    level: str
    name_ko: str
    parent_code: str | None = None
    score: float | None = None
    matched: str | None = None


class IndustryLink(_Public):
    """A concordance link to another KSIC revision."""

    revision: str
    code: str
    name_ko: str
    relation: int | None = Field(default=None, description="The source's `con` type code.")
    detail: str | None = None


class IndustryDetail(_Public):
    """One industry with its hierarchy and concordance links."""

    revision: KsicRevision
    code: str
    level: str
    name_ko: str
    parents: list[IndustrySummary]
    children: list[IndustrySummary]
    concordance: list[IndustryLink]


class FetchedFile(_Public):
    """One file written by ``fetch``."""

    path: str
    sha256: str
    rows: int | None
    matches_declaration: bool = Field(description="Byte-identical to the declared checksum.")


class FetchResult(_Public):
    """A dataset downloaded from its origin and converted into the shared layout."""

    dataset: str
    folder: str
    downloads: dict[str, str] = Field(description="URL → sha256 of what was downloaded.")
    files: list[FetchedFile]


class ReferenceEventPublic(_Public):
    """A recorded fetch or first-time load."""

    dataset_id: str
    version: str
    action: str
    table_name: str | None
    sha256: str
    rows: int | None
    at: datetime
    source_url: str | None
