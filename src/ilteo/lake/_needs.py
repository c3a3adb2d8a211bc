"""Assess one declared need against the lake: where it lives, its code, its key, its quality.

Used by :mod:`ilteo.lake.report`; every statement it makes comes from ``needs.yaml``, the gap
templates of ``report_templates/labels.yaml`` and what the catalogue, the quality scores, the
consistency checks and the linkage evaluation say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ilteo.lake.linkage_quality import source_linkage
from ilteo.lake.spec import FieldSpec, SourceSpec
from ilteo.lake.steward_schemas import (
    CatalogEntry,
    ConsistencyResult,
    LinkageMetric,
    LinkageSummary,
    NeedAssessment,
    NeedLocation,
    NeedQuality,
    QualityScore,
)


@dataclass(frozen=True)
class LakeFacts:
    """Everything a need is assessed against."""

    sources: dict[str, SourceSpec]
    catalog: dict[str, CatalogEntry]
    quality: Sequence[QualityScore]
    consistency: Sequence[ConsistencyResult]
    linkage: Sequence[LinkageSummary]
    config: dict[str, Any]
    labels: dict[str, Any]


@dataclass
class _Gaps:
    labels: dict[str, Any]
    ko: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)

    def add(self, gap: str, /, **values: object) -> None:
        template = self.labels["gap"][gap]
        self.ko.append(template["ko"].format(**values))
        self.en.append(template["en"].format(**values))


def _pct(value: float | None) -> str:
    """A score as a percentage.

    >>> _pct(0.9712), _pct(None)
    ('97.1%', '-')
    """
    return "-" if value is None else f"{value * 100:.1f}%"


def _code_field(
    fields: Sequence[FieldSpec], required: str | None, keys: dict[str, Any]
) -> FieldSpec | None:
    """The field whose code system the item uses: the required one, else any but a link key."""
    coded = [f for f in fields if f.code_system and f.code_system not in keys]
    for spec in coded:
        if spec.code_system == required:
            return spec
    return coded[0] if coded else None


def _key_field(spec: SourceSpec, keys: dict[str, Any]) -> FieldSpec | None:
    for candidate in spec.fields:
        if candidate.code_system in keys or candidate.standard in keys:
            return candidate
    return None


def _quality(facts: LakeFacts, source: str, columns: Sequence[str]) -> list[NeedQuality]:
    wanted = set(columns)
    return [
        NeedQuality(
            column=score.field or "",
            dimension=score.dimension,
            score=score.score,
            threshold=score.threshold,
            below_threshold=score.below_threshold,
        )
        for score in facts.quality
        if score.source == source and score.field in wanted and score.dimension != "consistency"
    ]


def _meets(facts: LakeFacts, metric: LinkageMetric | None) -> bool:
    """Whether a linkage metric reaches the precision and recall thresholds of ``needs.yaml``."""
    limits = facts.config["linkage_thresholds"]
    return (
        metric is not None
        and metric.precision is not None
        and metric.recall is not None
        and metric.precision >= limits["precision"]
        and metric.recall >= limits["recall"]
    )


def _linkable_without_key(facts: LakeFacts, metric: LinkageMetric | None, gaps: _Gaps) -> bool:
    limits = facts.config["linkage_thresholds"]
    if metric is None or metric.precision is None or metric.recall is None:
        gaps.add("no_key_no_eval")
        return False
    if metric.precision >= limits["precision"] and metric.recall >= limits["recall"]:
        return True
    gaps.add(
        "no_key_low_quality",
        precision=_pct(metric.precision),
        recall=_pct(metric.recall),
        min_precision=_pct(limits["precision"]),
        min_recall=_pct(limits["recall"]),
    )
    return False


@dataclass
class _Found:
    location: NeedLocation
    in_lake: bool = False
    ingested: bool = False
    code: str | None = None
    linkable: bool = False
    link_key: str | None = None
    metric: LinkageMetric | None = None
    quality: list[NeedQuality] = field(default_factory=list)


def _in_source(need: dict[str, Any], facts: LakeFacts, gaps: _Gaps) -> _Found:
    where = need["where"]
    source, columns = where["source"], list(where.get("columns", ()))
    spec = facts.sources.get(source)
    if spec is None:
        gaps.add("source_not_declared", source=source)
        return _Found(NeedLocation(source=source, columns=columns, declared=False))
    names = {f.name for f in spec.fields}
    missing = [c for c in columns if c not in names]
    curated = facts.catalog.get(f"curated.{source}")
    staged = facts.catalog.get(f"staged.{source}")
    rows = curated.rows if curated and curated.present else (staged.rows if staged else None)
    location = NeedLocation(
        source=source,
        source_title_ko=spec.title_ko,
        source_title_en=spec.title_en,
        system=spec.system,
        owner=spec.owner,
        dataset=f"curated.{source}",
        columns=columns,
        declared=not missing,
        rows=rows,
    )
    if missing:
        gaps.add("columns_not_declared", source=source, columns=", ".join(missing))
    found = _Found(location, in_lake=not missing, ingested=bool(rows))
    fields = [f for f in spec.fields if f.name in columns]
    keys = facts.config["link_keys"]
    code_field = _code_field(fields, need.get("code_system"), keys)
    found.code = code_field.code_system if code_field else None
    key = _key_field(spec, keys)
    found.metric = source_linkage(list(facts.linkage), source)
    if key is not None:
        found.linkable = True
        found.link_key = key.code_system if key.code_system in keys else key.standard
        if not key.required and not _meets(facts, found.metric):
            gaps.add("optional_key", key=key.name)
    elif found.in_lake:
        found.linkable = _linkable_without_key(facts, found.metric, gaps)
    quality_columns = [*columns, *([key.name, f"{key.name}_hash"] if key else [])]
    found.quality = _quality(facts, source, quality_columns)
    return found


def _in_dataset(need: dict[str, Any], facts: LakeFacts, gaps: _Gaps) -> _Found:
    where = need["where"]
    dataset, columns = where["dataset"], list(where.get("columns", ()))
    entry = facts.catalog.get(dataset)
    if entry is None:
        gaps.add("dataset_not_declared", dataset=dataset)
        return _Found(NeedLocation(source=None, dataset=dataset, columns=columns, declared=False))
    location = NeedLocation(
        source=None,
        dataset=dataset,
        columns=columns,
        declared=True,
        rows=entry.rows,
        system=entry.system,
        owner=entry.owner,
    )
    found = _Found(location, in_lake=True, ingested=bool(entry.present and entry.rows))
    by_name = {c.name: c for c in entry.columns}
    keys = facts.config["link_keys"]
    codes = [
        code
        for c in columns
        if c in by_name and (code := by_name[c].code_system) and code not in keys
    ]
    found.code = codes[0] if codes else None
    overall = next(
        (
            m
            for s in facts.linkage
            if s.kind == "person"
            for m in s.metrics
            if m.slice == "all" and m.method == "model"
        ),
        None,
    )
    found.metric = overall
    if entry.standard_keys:
        found.linkable, found.link_key = True, entry.standard_keys[0]
    elif found.ingested:
        found.linkable = _linkable_without_key(facts, overall, gaps)
    return found


def _standardised(
    required: str | None, declared: str | None, config: dict[str, Any], gaps: _Gaps
) -> bool | None:
    if required is None:
        return None
    national = required in config["national_standards"]
    if declared != required:
        gaps.add("code_mismatch", required=required, declared=declared or "-")
    if not national:
        gaps.add("not_national", required=required)
    return national and declared == required


def assess_need(need: dict[str, Any], facts: LakeFacts) -> NeedAssessment:
    """Assess one entry of ``needs.yaml`` against the lake."""
    gaps = _Gaps(facts.labels)
    where = need.get("where")
    if where is None:
        gaps.add("not_in_lake", holder=need.get("holder_ko") or "-")
        gaps.en[-1] = facts.labels["gap"]["not_in_lake"]["en"].format(
            holder=need.get("holder_en") or "-"
        )
        found = _Found(NeedLocation(source=None, declared=False))
    elif "source" in where:
        found = _in_source(need, facts, gaps)
    else:
        found = _in_dataset(need, facts, gaps)
    if found.in_lake and not found.ingested:
        gaps.add("not_ingested")
    required = need.get("code_system")
    standardised = _standardised(required, found.code, facts.config, gaps)
    for score in found.quality:
        if score.below_threshold:
            gaps.add(
                "quality_below",
                column=score.column,
                dimension=score.dimension,
                score=_pct(score.score),
                threshold=_pct(score.threshold),
            )
    source = found.location.source
    for result in facts.consistency:
        if source and result.below_threshold and source in (result.left, result.right):
            gaps.add(
                "consistency_below",
                check=result.title_ko,
                left=result.left,
                right=result.right,
                score=_pct(result.score),
                threshold=_pct(result.threshold),
            )
            gaps.en[-1] = gaps.en[-1].replace(result.title_ko, result.title_en)
    gaps.ko += list(need.get("gaps_ko", ()))
    gaps.en += list(need.get("gaps_en", ()))
    # Ready means nothing is missing: every gap, found or declared, keeps an item partial.
    ready = found.in_lake and found.ingested and found.linkable and not gaps.ko
    capability = facts.config["capabilities"][need["capability"]]
    return NeedAssessment(
        id=need["id"],
        capability=need["capability"],
        capability_ko=capability["title_ko"],
        capability_en=capability["title_en"],
        programme_ko=need["programme_ko"],
        programme_en=need["programme_en"],
        item_ko=need["item_ko"],
        item_en=need["item_en"],
        purpose_ko=need["purpose_ko"],
        purpose_en=need["purpose_en"],
        required_code_system=required,
        location=found.location,
        holder_ko=need.get("holder_ko"),
        holder_en=need.get("holder_en"),
        code_system=found.code,
        status="ready" if ready else ("partial" if found.in_lake else "missing"),
        in_lake=found.in_lake,
        ingested=found.ingested,
        standardised=standardised,
        linkable=found.linkable,
        link_key=found.link_key,
        linkage_precision=found.metric.precision if found.metric else None,
        linkage_recall=found.metric.recall if found.metric else None,
        quality=found.quality,
        gaps_ko=gaps.ko,
        gaps_en=gaps.en,
        legal_ko=need.get("legal_ko"),
        legal_en=need.get("legal_en"),
    )
