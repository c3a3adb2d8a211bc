"""The accident and disaster data report: what integrated monitoring needs and where it stands.

The kinds of data integrated accident and disaster monitoring needs are declared in
``data_kinds.yaml`` (what each is for, who holds it, where ilteo keeps it, its link keys and code
systems, what standardisation is needed and when). :func:`build_report` assesses every kind
against what the lake and the database say now: the catalogue (declared source and columns,
ingested rows, last batch, freshness, declared code systems and keys), the latest quality scores,
the linkage evaluation, the database tables (``desk_requests``, ``safety_inspections``) and the
``accident_monitoring`` needs of the lake's standardisation report
(:func:`ilteo.lake.report.build_report`). Nothing about the lake's state is written by hand: when
the lake changes, the report changes.

:func:`render_markdown` and :func:`render_html` write it out (Korean first, English second;
accessible HTML with captions and header scopes), :func:`write_report` saves both under
``$ILTEO_HOME/lake/reports`` (or another folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import (
    CapabilitySummary,
    CatalogEntry,
    LinkageMetric,
    LinkageSummary,
    NeedAssessment,
    QualityScore,
)

__all__ = [
    "REPORT_NAME",
    "REPORT_ROLES",
    "CodeStatus",
    "DataKindRow",
    "KeyStatus",
    "SafetyDataReport",
    "build_report",
    "data_kinds_config",
    "render_html",
    "render_markdown",
    "report_labels",
    "save_report",
    "write_report",
]

KINDS_FILE: Final = Path(__file__).with_name("data_kinds.yaml")
TEMPLATES_DIR: Final = Path(__file__).with_name("report_templates")
#: File name (without suffix) of the written report.
REPORT_NAME: Final = "safety-data-report"
#: Staff roles that may read the report on the web and API doors (it holds no personal data).
REPORT_ROLES: Final = ("data_steward", "analyst", "administrator")
ReportFormat = Literal["html", "md"]
Use = Literal["feature", "live", "follow_up", "evaluation"]
#: An exact key present in fewer rows than this is reported as sparse.
SPARSE_KEY: Final = 0.95


@lru_cache(maxsize=1)
def data_kinds_config() -> dict[str, Any]:
    """The declarations of ``data_kinds.yaml`` (read once)."""
    with KINDS_FILE.open(encoding="utf-8") as handle:
        config: dict[str, Any] = yaml.safe_load(handle)
    return config


@lru_cache(maxsize=1)
def report_labels() -> dict[str, Any]:
    """The report's bilingual labels and finding templates."""
    with (TEMPLATES_DIR / "labels.yaml").open(encoding="utf-8") as handle:
        labels: dict[str, Any] = yaml.safe_load(handle)
    return labels


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Holder(_Frozen):
    """The system and organisation that hold a kind of data."""

    system_ko: str
    system_en: str
    organisation_ko: str
    organisation_en: str


class KindLocation(_Frozen):
    """Where ilteo keeps a kind of data: a lake source, a database table, or nowhere."""

    type: Literal["source", "table", "none"]
    id: str | None = Field(description="The lake source id or the database table name.")
    title_ko: str | None = None
    title_en: str | None = None
    columns: list[str] = Field(default_factory=list)
    lake_system: str | None = Field(None, description="The system the lake declares it from.")
    lake_owner: str | None = Field(None, description="The owner the lake declares.")


class CodeStatus(_Frozen):
    """One code system a kind must use: is it a standard, and does ilteo's data declare it?"""

    code: str
    title_ko: str
    title_en: str
    national: bool = Field(description="A published national or international standard.")
    declared: bool = Field(description="A column of ilteo's data declares this code system.")


class KeyStatus(_Frozen):
    """One link key the holder's records carry, and whether ilteo's data has it."""

    key: str
    title_ko: str
    title_en: str
    standard: bool = Field(description="An exact key (no probabilistic matching needed).")
    in_lake: bool = Field(description="ilteo's data has a column carrying this key.")
    column: str | None = None
    filled: float | None = Field(
        None, description="Share of rows with the key (table rows, or the completeness score)."
    )


class KindQuality(_Frozen):
    """The latest quality scores of a kind's source, summarised."""

    scores: int
    mean: float
    minimum: float
    below: int
    worst_column: str | None = None
    worst_dimension: str | None = None


class RelatedNeed(_Frozen):
    """A need of ``lake/needs.yaml`` this kind serves, as the standardisation report assesses it."""

    id: str
    item_ko: str
    item_en: str
    status: Literal["ready", "partial", "missing"]
    standardised: bool | None
    linkable: bool
    gaps_ko: list[str]
    gaps_en: list[str]


class DataKindRow(_Frozen):
    """One kind of data, declared and assessed against the lake and the database."""

    id: str
    kind_ko: str
    kind_en: str
    purpose_ko: str
    purpose_en: str
    uses: list[Use]
    holder: Holder
    where: KindLocation
    in_lake: bool = Field(description="ilteo declares it (a lake source or an existing table).")
    ingested: bool = Field(description="Rows have arrived.")
    rows: int | None = None
    last_run: datetime | None = Field(None, description="Last finished batch or newest row.")
    freshness: str | None = Field(None, description="`fresh`, `late`, `stale` or `never`.")
    lake_code_systems: list[str] = Field(
        default_factory=list, description="Code systems the kind's columns declare now."
    )
    codes: list[CodeStatus]
    keys: list[KeyStatus]
    standardised: bool | None = Field(
        description="Uses standard codes that ilteo's columns declare (null: no code needed)."
    )
    linkable: bool
    link_key: str | None = None
    linkage_precision: float | None = None
    linkage_recall: float | None = None
    quality: KindQuality | None = None
    needs: list[RelatedNeed]
    standardisation_ko: list[str]
    standardisation_en: list[str]
    findings_ko: list[str] = Field(description="What the report finds missing, from the lake.")
    findings_en: list[str]
    phase: int
    phase_ko: str
    phase_en: str
    quarter: str


class ScheduleRow(_Frozen):
    """One phase of the standardisation schedule with its kinds."""

    phase: int
    label_ko: str
    label_en: str
    quarter: str
    quarter_ko: str
    quarter_en: str
    goal_ko: str
    goal_en: str
    kinds: list[str] = Field(description="Ids of the kinds in this phase.")


class ReportSummary(_Frozen):
    """Counts over the kinds."""

    kinds: int
    in_lake: int
    ingested: int
    standardised: int
    linkable: int
    held_elsewhere: int


class SafetyDataReport(_Frozen):
    """The accident and disaster data report."""

    generated_at: datetime
    version: str
    lake_empty: bool
    summary: ReportSummary
    kinds: list[DataKindRow]
    schedule: list[ScheduleRow]
    needs_summary: CapabilitySummary | None = Field(
        None, description="The accident_monitoring capability of the standardisation report."
    )
    other_needs: list[RelatedNeed] = Field(
        default_factory=list, description="accident_monitoring needs no kind refers to."
    )


# --- assessment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    sources: dict[str, SourceSpec]
    catalog: dict[str, CatalogEntry]
    quality: Sequence[QualityScore]
    linkage: Sequence[LinkageSummary]
    needs: dict[str, NeedAssessment]
    config: dict[str, Any]
    national: dict[str, Any]
    thresholds: dict[str, float]
    settings: Settings


@dataclass
class _Findings:
    labels: dict[str, Any]
    ko: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)

    def add(self, finding: str, /, **values: object) -> None:
        template = self.labels["finding"][finding]
        self.ko.append(template["ko"].format(**{k: _pick(v, 0) for k, v in values.items()}))
        self.en.append(template["en"].format(**{k: _pick(v, 1) for k, v in values.items()}))


def _pick(value: object, index: int) -> object:
    """One language of a ``(ko, en)`` pair; other values as they are."""
    return value[index] if isinstance(value, tuple) else value


def _pct(value: float | None) -> str:
    """A score as a percentage.

    >>> _pct(0.9712), _pct(None)
    ('97.1%', '-')
    """
    return "-" if value is None else f"{value * 100:.1f}%"


@dataclass
class _Lake:
    """What the lake or the database holds for one kind."""

    location: KindLocation
    in_lake: bool = False
    rows: int | None = None
    last_run: datetime | None = None
    freshness: str | None = None
    codes: set[str] = field(default_factory=set)
    key_columns: dict[str, str] = field(default_factory=dict)
    filled: dict[str, float] = field(default_factory=dict)
    source: str | None = None


def _from_source(where: dict[str, Any], facts: _Facts, found: _Findings) -> _Lake:
    source = where["source"]
    columns = list(where.get("columns", ()))
    spec = facts.sources.get(source)
    location = KindLocation(type="source", id=source, columns=columns)
    if spec is None:
        found.add("source_not_declared", source=source)
        return _Lake(location)
    location = location.model_copy(
        update={
            "title_ko": spec.title_ko,
            "title_en": spec.title_en,
            "lake_system": spec.system,
            "lake_owner": spec.owner,
        }
    )
    missing = [c for c in columns if c not in {f.name for f in spec.fields}]
    if missing:
        found.add("columns_not_declared", source=source, columns=", ".join(missing))
    curated = facts.catalog.get(f"curated.{source}")
    staged = facts.catalog.get(f"staged.{source}")
    declared = facts.catalog.get(f"source.{source}")
    rows = curated.rows if curated and curated.present else (staged.rows if staged else None)
    keys: dict[str, str] = {}
    for key, declared_key in facts.config["link_keys"].items():
        wanted = set(declared_key["fields"])
        hit = next((f for f in spec.fields if {f.standard, f.code_system} & wanted), None)
        if hit is not None:
            keys[key] = hit.name
    link_codes = set(facts.config["link_keys"])
    return _Lake(
        location,
        in_lake=not missing,
        rows=rows,
        last_run=declared.modified if declared else None,
        freshness=declared.freshness.status if declared and declared.freshness else None,
        codes={f.code_system for f in spec.fields if f.code_system} - link_codes,
        key_columns=keys,
        source=source,
    )


def _from_table(where: dict[str, Any], facts: _Facts, found: _Findings) -> _Lake:
    from sqlalchemy import DateTime, column, func, inspect, select, table

    from ilteo.core.db import engine_for
    from ilteo.lake.stewardship import as_utc

    name = where["table"]
    location = KindLocation(type="table", id=name)
    engine = engine_for(facts.settings)
    inspector = inspect(engine)
    if not inspector.has_table(name):
        found.add("table_missing", table=name)
        return _Lake(location)
    present = {c["name"] for c in inspector.get_columns(name)}
    time_column = where.get("time_column")
    stamp = column(time_column, DateTime(timezone=True)) if time_column in present else None
    keys = {k: c for k, c in where.get("key_columns", {}).items() if c in present}
    filled: dict[str, float] = {}
    with engine.connect() as connection:
        rows = int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
        last = None
        if stamp is not None:
            last = connection.scalar(select(func.max(stamp)).select_from(table(name)))
        for key, name_of in keys.items() if rows else ():
            count = select(func.count(column(name_of))).select_from(table(name))
            filled[key] = int(connection.scalar(count) or 0) / rows
    codes = {code for c, code in where.get("column_codes", {}).items() if c in present}
    location = location.model_copy(update={"columns": sorted(keys.values())})
    return _Lake(
        location,
        in_lake=True,
        rows=rows,
        last_run=as_utc(last) if isinstance(last, datetime) else None,
        codes=codes,
        key_columns=keys,
        filled=filled,
    )


def _code_statuses(kind: dict[str, Any], lake: _Lake, facts: _Facts) -> list[CodeStatus]:
    made = []
    for code in kind.get("code_systems", ()):
        national = facts.national.get(code)
        other = facts.config["code_systems"].get(code, {})
        titles = national or other or {"ko": code, "en": code}
        made.append(
            CodeStatus(
                code=code,
                title_ko=titles["ko"],
                title_en=titles["en"],
                national=bool(national) or bool(other.get("standard")),
                declared=code in lake.codes,
            )
        )
    return made


def _key_statuses(kind: dict[str, Any], lake: _Lake, facts: _Facts) -> list[KeyStatus]:
    made = []
    for key in kind.get("link_keys", ()):
        declared = facts.config["link_keys"][key]
        made.append(
            KeyStatus(
                key=key,
                title_ko=declared["ko"],
                title_en=declared["en"],
                standard=bool(declared["standard"]),
                in_lake=key in lake.key_columns,
                column=lake.key_columns.get(key),
                filled=lake.filled.get(key, _completeness(facts, lake, key)),
            )
        )
    return made


def _completeness(facts: _Facts, lake: _Lake, key: str) -> float | None:
    """The latest completeness score of the source column that carries ``key``."""
    column = lake.key_columns.get(key)
    for score in facts.quality:
        if (score.source, score.field, score.dimension) == (lake.source, column, "completeness"):
            return score.score
    return None


def _meets(facts: _Facts, metric: LinkageMetric | None) -> bool:
    return (
        metric is not None
        and metric.precision is not None
        and metric.recall is not None
        and metric.precision >= facts.thresholds["precision"]
        and metric.recall >= facts.thresholds["recall"]
    )


def _source_metric(facts: _Facts, source: str | None) -> LinkageMetric | None:
    from ilteo.lake.linkage_quality import source_linkage

    if source is None:
        return None
    for kind in ("workplace", "person"):
        metric = source_linkage(list(facts.linkage), source, kind)
        if metric is not None:
            return metric
    return None


def _quality(facts: _Facts, source: str | None) -> KindQuality | None:
    scores = [s for s in facts.quality if source and s.source == source]
    if not scores:
        return None
    worst = min(scores, key=lambda s: s.score)
    return KindQuality(
        scores=len(scores),
        mean=sum(s.score for s in scores) / len(scores),
        minimum=worst.score,
        below=sum(s.below_threshold for s in scores),
        worst_column=worst.field,
        worst_dimension=worst.dimension,
    )


def _related(facts: _Facts, ids: Sequence[str]) -> list[RelatedNeed]:
    return [_need_row(facts.needs[i]) for i in ids if i in facts.needs]


def _need_row(need: NeedAssessment) -> RelatedNeed:
    return RelatedNeed(
        id=need.id,
        item_ko=need.item_ko,
        item_en=need.item_en,
        status=need.status,
        standardised=need.standardised,
        linkable=need.linkable,
        gaps_ko=need.gaps_ko,
        gaps_en=need.gaps_en,
    )


def _locate(kind: dict[str, Any], holder: Holder, facts: _Facts, found: _Findings) -> _Lake:
    """Where ilteo keeps a kind, with what is missing about the place itself."""
    where = kind.get("where")
    if where is None:
        found.add(
            "not_held",
            organisation=(holder.organisation_ko, holder.organisation_en),
            system=(holder.system_ko, holder.system_en),
        )
        return _Lake(KindLocation(type="none", id=None))
    lake = (
        _from_source(where, facts, found) if "source" in where else _from_table(where, facts, found)
    )
    if lake.in_lake and not lake.rows:
        found.add("not_ingested_source" if lake.source else "no_rows")
    if lake.freshness in ("late", "stale"):
        found.add("not_fresh", status=lake.freshness)
    return lake


def _code_findings(codes: Sequence[CodeStatus], lake: _Lake, found: _Findings) -> None:
    for code in codes:
        if lake.in_lake and not code.declared:
            found.add("code_not_declared", code=code.code)
        if not code.national:
            found.add("code_not_national", code=(code.title_ko, code.title_en))


@dataclass(frozen=True)
class _Linkage:
    linkable: bool
    exact: KeyStatus | None
    metric: LinkageMetric | None


def _dense(key: KeyStatus) -> bool:
    """Whether a key is in enough rows to link on (unknown counts as enough)."""
    return key.filled is None or key.filled >= SPARSE_KEY


def _linkage(keys: Sequence[KeyStatus], lake: _Lake, facts: _Facts, found: _Findings) -> _Linkage:
    """Whether a kind links: an exact key in ilteo's data, else a good probabilistic linkage."""
    for key in keys:
        if lake.in_lake and key.standard and not key.in_lake:
            found.add("key_missing", key=(key.title_ko, key.title_en))
        elif key.standard and key.filled is not None and key.filled < SPARSE_KEY:
            found.add("key_sparse", key=(key.title_ko, key.title_en), share=_pct(key.filled))
    exact = next((k for k in keys if k.standard and k.in_lake and _dense(k)), None)
    metric = _source_metric(facts, lake.source)
    linkable = exact is not None or (lake.in_lake and _meets(facts, metric))
    if lake.in_lake and exact is None:
        if metric is None or metric.precision is None:
            found.add("no_key_no_eval")
        elif not linkable:
            found.add(
                "no_key_low_quality",
                precision=_pct(metric.precision),
                recall=_pct(metric.recall),
                min_precision=_pct(facts.thresholds["precision"]),
                min_recall=_pct(facts.thresholds["recall"]),
            )
    return _Linkage(linkable=linkable, exact=exact, metric=None if exact else metric)


def _assess(kind: dict[str, Any], facts: _Facts, labels: dict[str, Any]) -> DataKindRow:
    found = _Findings(labels)
    holder = Holder(**kind["holder"])
    lake = _locate(kind, holder, facts, found)
    ingested = bool(lake.in_lake and lake.rows)
    codes = _code_statuses(kind, lake, facts)
    _code_findings(codes, lake, found)
    keys = _key_statuses(kind, lake, facts)
    link = _linkage(keys, lake, facts, found)
    quality = _quality(facts, lake.source)
    if quality and quality.below:
        found.add(
            "quality_below",
            below=quality.below,
            column=quality.worst_column or "-",
            dimension=quality.worst_dimension or "-",
            score=_pct(quality.minimum),
        )
    phase = next(p for p in facts.config["phases"] if p["id"] == kind["schedule"]["phase"])
    return DataKindRow(
        id=kind["id"],
        kind_ko=kind["kind_ko"],
        kind_en=kind["kind_en"],
        purpose_ko=kind["purpose_ko"],
        purpose_en=kind["purpose_en"],
        uses=list(kind["uses"]),
        holder=holder,
        where=lake.location,
        in_lake=lake.in_lake,
        ingested=ingested,
        rows=lake.rows if lake.in_lake else None,
        last_run=lake.last_run,
        freshness=lake.freshness,
        lake_code_systems=sorted(lake.codes),
        codes=codes,
        keys=keys,
        standardised=(
            lake.in_lake and all(c.declared and c.national for c in codes) if codes else None
        ),
        linkable=link.linkable,
        link_key=link.exact.key if link.exact else None,
        linkage_precision=link.metric.precision if link.metric else None,
        linkage_recall=link.metric.recall if link.metric else None,
        quality=quality,
        needs=_related(facts, kind.get("needs", ())),
        standardisation_ko=list(kind.get("standardisation_ko", ())),
        standardisation_en=list(kind.get("standardisation_en", ())),
        findings_ko=found.ko,
        findings_en=found.en,
        phase=phase["id"],
        phase_ko=f"{phase['label_ko']} {phase['quarter_ko']}",
        phase_en=f"{phase['label_en']}, {phase['quarter_en']}",
        quarter=phase["quarter"],
    )


def _schedule(config: dict[str, Any]) -> list[ScheduleRow]:
    return [
        ScheduleRow(
            phase=p["id"],
            label_ko=p["label_ko"],
            label_en=p["label_en"],
            quarter=p["quarter"],
            quarter_ko=p["quarter_ko"],
            quarter_en=p["quarter_en"],
            goal_ko=p["goal_ko"],
            goal_en=p["goal_en"],
            kinds=[k["id"] for k in config["kinds"] if k["schedule"]["phase"] == p["id"]],
        )
        for p in config["phases"]
    ]


def build_report(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> SafetyDataReport:
    """Assess every declared kind of data against the lake and the database as they are now.

    Args:
        settings: Whose lake, ledger, linkage evaluation and database to read.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The report's time stamp (and the time freshness is measured at).

    Returns:
        The report: one row per kind, the summary, the schedule and the related needs of the
        lake's standardisation report.
    """
    from ilteo.lake.catalog import list_catalog
    from ilteo.lake.linkage_quality import linkage_summaries
    from ilteo.lake.report import build_report as build_lake_report
    from ilteo.lake.report import needs_config
    from ilteo.lake.stewardship import declared_sources, quality_overview

    now = now or datetime.now(UTC)
    specs = declared_sources(sources)
    config = data_kinds_config()
    lake_report = build_lake_report(settings, sources=specs, now=now)
    capability = config["capability"]
    needs = {n.id: n for n in lake_report.needs if n.capability == capability}
    facts = _Facts(
        sources={s.id: s for s in specs},
        catalog={e.id: e for e in list_catalog(settings, sources=specs, now=now)},
        quality=quality_overview(settings).latest,
        linkage=linkage_summaries(settings),
        needs=needs,
        config=config,
        national=needs_config()["national_standards"],
        thresholds=needs_config()["linkage_thresholds"],
        settings=settings,
    )
    labels = report_labels()
    kinds = [_assess(kind, facts, labels) for kind in config["kinds"]]
    referred = {n for kind in config["kinds"] for n in kind.get("needs", ())}
    return SafetyDataReport(
        generated_at=now,
        version=str(config["version"]),
        lake_empty=lake_report.lake_empty,
        summary=ReportSummary(
            kinds=len(kinds),
            in_lake=sum(k.in_lake for k in kinds),
            ingested=sum(k.ingested for k in kinds),
            standardised=sum(k.standardised is True for k in kinds),
            linkable=sum(k.linkable for k in kinds),
            held_elsewhere=sum(k.where.type == "none" for k in kinds),
        ),
        kinds=kinds,
        schedule=_schedule(config),
        needs_summary=next((c for c in lake_report.capabilities if c.id == capability), None),
        other_needs=[_need_row(n) for i, n in needs.items() if i not in referred],
    )


# --- rendering --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = _pct
    env.filters["md"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    env.filters["num"] = lambda v: "-" if v is None else f"{v:,}"
    env.filters["when"] = lambda v: "-" if v is None else v.strftime("%Y-%m-%d %H:%M UTC")
    return env


def _context(report: SafetyDataReport, lang: str) -> dict[str, Any]:
    if lang not in ("ko", "en"):
        raise InvalidInputError(f"언어는 ko 또는 en입니다 / lang must be ko or en, not {lang!r}")
    labels = report_labels()
    config = data_kinds_config()
    return {
        "report": report,
        "L": lambda key: labels[key],
        "lang": lang,
        "other": "en" if lang == "ko" else "ko",
        "uses": config["uses"],
        "names": {k.id: (k.kind_ko, k.kind_en) for k in report.kinds},
    }


def render_markdown(report: SafetyDataReport) -> str:
    """The report as Markdown (Korean first, then English, in every heading and statement)."""
    return str(_environment().get_template("report.md.j2").render(**_context(report, "ko")))


def render_html(report: SafetyDataReport, *, lang: str = "ko", fragment: bool = False) -> str:
    """The report as accessible HTML.

    Args:
        report: The report to render.
        lang: The first language (``ko`` or ``en``); the other follows every statement.
        fragment: Only the report's sections (headings from ``h2``), to embed in a page.

    Raises:
        InvalidInputError: ``lang`` is neither ``ko`` nor ``en``.
    """
    name = "_body.html.j2" if fragment else "report.html.j2"
    return str(_environment().get_template(name).render(**_context(report, lang)))


def save_report(
    report: SafetyDataReport,
    settings: Settings,
    *,
    out_dir: Path | None = None,
    formats: Sequence[ReportFormat] = ("html", "md"),
) -> list[Path]:
    """Write a built report (``safety-data-report.html`` / ``.md``), each file atomically.

    Args:
        report: The report to write.
        settings: Whose lake's report folder is the default.
        out_dir: Folder to write into (``$ILTEO_HOME/lake/reports`` when omitted).
        formats: ``html`` and/or ``md``.

    Returns:
        The files written.

    Raises:
        InvalidInputError: A format other than ``html`` or ``md``.
    """
    from ilteo.lake.layout import LakePaths, replace_atomically

    unknown = [f for f in formats if f not in ("html", "md")]
    if unknown or not formats:
        raise InvalidInputError(
            f"형식은 html 또는 md입니다 / formats are html or md, not {', '.join(unknown) or '-'}"
        )
    folder = out_dir or LakePaths.of(settings).reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        text = render_html(report) if fmt == "html" else render_markdown(report)
        final = folder / f"{REPORT_NAME}.{fmt}"
        tmp = final.with_name(final.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        replace_atomically(tmp, final)
        written.append(final)
    return written


def write_report(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    formats: Sequence[ReportFormat] = ("html", "md"),
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Build the report and write it (``safety-data-report.html`` / ``.md``).

    Args:
        settings: Whose lake and database to report on.
        out_dir: Folder to write into (``$ILTEO_HOME/lake/reports`` when omitted).
        formats: ``html`` and/or ``md``.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The report's time stamp.

    Returns:
        The files written.

    Raises:
        InvalidInputError: A format other than ``html`` or ``md``.
    """
    report = build_report(settings, sources=sources, now=now)
    return save_report(report, settings, out_dir=out_dir, formats=formats)
