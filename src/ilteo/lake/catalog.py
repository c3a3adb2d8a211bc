"""The lake's catalogue: every dataset with its schema, owner, lineage, personal data and freshness.

Each declared source (:mod:`ilteo.lake.sources`) gives three datasets — ``source.<id>`` (what the
system sends: the contract), ``staged.<id>`` (rows that passed it) and ``curated.<id>`` — and
``catalog.yaml`` declares what the lake derives (records with standard columns, master tables,
quality scores, the linkage evaluation, the standardisation report). Any Parquet file under
``curated/`` or ``master/`` that nobody declared is listed too, with its columns unclassified, so
the catalogue never hides a dataset.

Schemas and row counts come from the files when they exist (Parquet footers only) and from the
declarations otherwise. A dataset with any personal column — or any column nobody classified — is
``non-public``; see :func:`catalog_dcat` for the DCAT export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake._catalog_columns import (
    STANDARD_KEYS,
    access_rights,
    annotate,
    bilingual,
    column_of,
    dataset_personal,
    declared_columns,
    standard_columns,
)
from ilteo.lake._catalog_files import FileFacts, folder_modified, parquet_facts
from ilteo.lake._catalog_files import date_range as _date_range
from ilteo.lake.layout import LakePaths
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import (
    CatalogColumn,
    CatalogDistribution,
    CatalogEntry,
)
from ilteo.lake.stewardship import SourceTotals, declared_sources, freshness, source_totals

__all__ = [
    "MEDIA_TYPES",
    "STANDARD_KEYS",
    "bilingual",
    "catalog_config",
    "catalog_dcat",
    "get_catalog_entry",
    "list_catalog",
]

CONFIG_FILE: Final = Path(__file__).with_name("catalog.yaml")
MEDIA_TYPES: Final[dict[str, str]] = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv",
    "jsonl": "application/jsonl",
    "json": "application/json",
    "html": "text/html",
    "markdown": "text/markdown",
}


@lru_cache(maxsize=1)
def catalog_config() -> dict[str, Any]:
    """The declarations of ``catalog.yaml`` (read once)."""
    with CONFIG_FILE.open(encoding="utf-8") as handle:
        config: dict[str, Any] = yaml.safe_load(handle)
    return config


@dataclass(frozen=True)
class _Context:
    paths: LakePaths
    sources: tuple[SourceSpec, ...]
    totals: dict[str, SourceTotals]
    now: datetime
    config: dict[str, Any]
    quality_rows: int


def _distribution(fmt: str, path: str | None) -> CatalogDistribution:
    return CatalogDistribution(format=fmt, media_type=MEDIA_TYPES.get(fmt, fmt), path=path)


def _keywords(*words: str | None) -> list[str]:
    seen: list[str] = []
    for word in words:
        if word and word not in seen:
            seen.append(word)
    return seen


def _entry(
    *,
    dataset_id: str,
    columns: list[CatalogColumn],
    licence: tuple[str, str | None],
    entity: str,
    **fields: Any,
) -> CatalogEntry:
    personal = dataset_personal(columns)
    codes = sorted({c.code_system for c in columns if c.code_system})
    return CatalogEntry(
        id=dataset_id,
        name=dataset_id.split(".", 1)[1],
        columns=columns,
        personal=personal,
        access_rights=access_rights(personal, entity, licence[1]),
        standard_keys=[c.name for c in columns if c.key and c.standard in STANDARD_KEYS],
        code_systems=codes,
        licence=licence[0],
        licence_url=licence[1],
        used_by=[],
        **fields,
    )


def _temporal(facts: FileFacts | None, path: Path, spec: SourceSpec) -> tuple[date | None, ...]:
    """The date range of a source's data: its first date column (required ones first)."""
    if facts is None or facts.rows == 0:
        return None, None
    present = {name for name, _ in facts.columns}
    dates = sorted(
        (f for f in spec.fields if f.dtype == "date" and f.name in present),
        key=lambda f: not f.required,
    )
    return _date_range(path, dates[0].name) if dates else (None, None)


def _source_entries(ctx: _Context, spec: SourceSpec) -> list[CatalogEntry]:
    layers = ctx.config["layers"]
    totals = ctx.totals.get(spec.id, SourceTotals())
    owner_ko, owner_en = bilingual(spec.owner)
    system_ko, system_en = bilingual(spec.system)
    words = {"owner_ko": owner_ko, "owner_en": owner_en, "system_ko": system_ko}
    words |= {"system_en": system_en, "title_ko": spec.title_ko, "title_en": spec.title_en}
    declared = [column_of(f, spec.keys) for f in spec.fields]
    by_name = declared_columns(spec)
    curated_path = ctx.paths.curated(spec.id)
    curated = parquet_facts(curated_path)
    staged = parquet_facts(ctx.paths.staged(spec.id, totals.last_id)) if totals.last_id else None
    start, end = _temporal(curated, curated_path, spec)
    fresh = freshness(spec.cadence, totals.last_at, ctx.now)
    common: dict[str, Any] = {
        "owner": spec.owner,
        "system": spec.system,
        "source": spec.id,
        "cadence": spec.cadence,
        "freshness": fresh,
        "temporal_start": start,
        "temporal_end": end,
    }
    keywords = [spec.title_ko, spec.title_en, spec.system, spec.owner, spec.id, spec.entity]
    made = []
    for layer, facts, rows, path, fmt, lineage, modified in (
        ("source", None, totals.received, None, spec.file_format, [], totals.last_at),
        (
            "staged",
            staged,
            totals.accepted,
            f"staged/{spec.id}/",
            "parquet",
            [f"source.{spec.id}"],
            totals.last_at,
        ),
        (
            "curated",
            curated,
            curated.rows if curated else None,
            f"curated/{spec.id}.parquet",
            "parquet",
            [f"staged.{spec.id}"],
            curated.modified if curated else None,
        ),
    ):
        text = {k: str(v).format(**words) for k, v in layers[layer].items()}
        columns = annotate(facts, by_name, ctx.config) if facts else declared
        present = bool(rows) if layer != "curated" else curated is not None
        made.append(
            _entry(
                dataset_id=f"{layer}.{spec.id}",
                layer=layer,
                columns=columns,
                licence=(spec.licence, None),
                entity=spec.entity,
                lineage=lineage,
                present=present,
                rows=rows if present or layer != "curated" else None,
                distributions=[_distribution(fmt, path)],
                modified=modified,
                keywords=_keywords(*keywords, layer, *(c.code_system for c in columns)),
                **text,
                **common,
            )
        )
    return made


def _inputs(ctx: _Context, declared: dict[str, Any]) -> list[str]:
    inputs = list(declared.get("datasets", ()))
    kinds = declared.get("sources_of")
    if kinds:
        layer = declared.get("layer", "curated")
        inputs += [f"{layer}.{s.id}" for s in ctx.sources if s.entity in kinds]
    return inputs


def _derived_entry(
    ctx: _Context, declared: dict[str, Any], standard: dict[str, CatalogColumn]
) -> CatalogEntry:
    """A dataset of ``catalog.yaml``; ``standard`` describes each standard column."""
    licences = ctx.config["licences"]
    licence = licences[declared.get("licence", "internal")]
    path: str | None = declared.get("file")
    columns: list[CatalogColumn] = []
    rows: int | None = None
    modified: datetime | None = None
    fmt = "parquet"
    if declared.get("table") == "lake_quality":
        from ilteo.lake.models import LakeQualityScore

        columns = [
            CatalogColumn(name=c.name, dtype=c.type.python_type.__name__, personal="none")
            for c in LakeQualityScore.__table__.columns
        ]
        rows, fmt = ctx.quality_rows, "json"
        present = rows > 0
    elif path and path.endswith("/"):
        modified = folder_modified(ctx.paths.root / path)
        present = modified is not None
        fmt = "html" if declared["id"].endswith("report") else "json"
    else:
        facts = parquet_facts(ctx.paths.root / path) if path else None
        if facts:
            mapping: dict[str, str] = declared.get("standards", {})
            by_name = {
                column: standard[std].model_copy(update={"name": column})
                for column, std in mapping.items()
                if std in standard
            }
            columns = annotate(facts, by_name, ctx.config)
            rows, modified = facts.rows, facts.modified
        present = facts is not None
    distributions = [_distribution(fmt, path)]
    if fmt == "html":
        distributions.append(_distribution("markdown", path))
    publisher = ctx.config["publisher"]
    return _entry(
        dataset_id=declared["id"],
        layer=declared["layer"],
        columns=columns,
        licence=(f"{licence['ko']} / {licence['en']}", licence.get("url")),
        entity=declared.get("entity", "none"),
        title_ko=declared["title_ko"],
        title_en=declared["title_en"],
        description_ko=declared["description_ko"],
        description_en=declared["description_en"],
        owner=f"{publisher['name_ko']} / {publisher['name_en']}",
        system="ilteo lake",
        source=None,
        lineage=_inputs(ctx, declared.get("inputs", {})),
        present=present,
        rows=rows,
        distributions=distributions,
        cadence=None,
        freshness=None,
        temporal_start=None,
        temporal_end=None,
        modified=modified,
        keywords=_keywords(declared["title_ko"], declared["title_en"], declared["layer"]),
    )


def _undeclared(
    ctx: _Context, known: set[str], standard: dict[str, CatalogColumn]
) -> list[CatalogEntry]:
    made = []
    for layer in ("curated", "master"):
        folder = ctx.paths.root / layer
        for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
            relative = f"{layer}/{path.name}"
            facts = parquet_facts(path)
            if relative in known or facts is None:
                continue
            made.append(
                _entry(
                    dataset_id=f"{layer}.{path.stem}",
                    layer=layer,
                    columns=annotate(facts, standard, ctx.config),
                    licence=(ctx.config["licences"]["internal"]["ko"], None),
                    entity="person" if layer == "master" else "none",
                    title_ko=path.stem,
                    title_en=path.stem,
                    description_ko="catalog.yaml에 선언되지 않은 데이터셋입니다.",
                    description_en="A dataset nobody declared in catalog.yaml.",
                    owner="-",
                    system="ilteo lake",
                    source=None,
                    lineage=[],
                    present=True,
                    rows=facts.rows,
                    distributions=[_distribution("parquet", relative)],
                    cadence=None,
                    freshness=None,
                    temporal_start=None,
                    temporal_end=None,
                    modified=facts.modified,
                    keywords=[layer, path.stem],
                )
            )
    return made


def _quality_rows(settings: Settings) -> int:
    from sqlalchemy import func, select

    from ilteo.core.db import session_scope
    from ilteo.lake.models import LakeQualityScore
    from ilteo.lake.stewardship import ledger_ready

    if not ledger_ready(settings):
        return 0
    with session_scope(settings) as session:
        return int(session.scalar(select(func.count()).select_from(LakeQualityScore)) or 0)


def list_catalog(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> list[CatalogEntry]:
    """Every dataset of the lake: sources, staged, curated, master and derived.

    Args:
        settings: Whose lake and operational store to describe.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The time freshness is measured at (now when omitted).

    Returns:
        The entries in layer order (per source: source, staged, curated; then derived ones),
        each with the datasets it is made from (``lineage``) and those made from it (``used_by``).
    """
    specs = declared_sources(sources)
    ctx = _Context(
        paths=LakePaths.of(settings),
        sources=specs,
        totals=source_totals(settings),
        now=now or datetime.now(UTC),
        config=catalog_config(),
        quality_rows=_quality_rows(settings),
    )
    standard = standard_columns(specs)
    entries = [entry for spec in specs for entry in _source_entries(ctx, spec)]
    entries += [_derived_entry(ctx, d, standard) for d in ctx.config["datasets"]]
    known = {d.path for e in entries for d in e.distributions if d.path}
    entries += _undeclared(ctx, known, standard)
    used_by: dict[str, list[str]] = {}
    for entry in entries:
        for parent in entry.lineage:
            used_by.setdefault(parent, []).append(entry.id)
    return [e.model_copy(update={"used_by": used_by.get(e.id, [])}) for e in entries]


def get_catalog_entry(
    dataset_id: str,
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> CatalogEntry:
    """One dataset of the catalogue by id (``source.<id>``, ``curated.person_records``...).

    Raises:
        NotFoundError: No dataset has that id.
    """
    for entry in list_catalog(settings, sources=sources, now=now):
        if entry.id == dataset_id:
            return entry
    raise NotFoundError(
        f"카탈로그에 '{dataset_id}' 데이터셋이 없습니다. / No dataset '{dataset_id}' in the "
        "catalogue: list them with `ilteo lake catalog` or GET /v1/lake/catalog.",
        dataset=dataset_id,
    )


def catalog_dcat(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
    landing_base: str | None = None,
) -> dict[str, Any]:
    """The catalogue as a DCAT JSON-LD document for a public data portal.

    Args:
        settings: Whose lake to describe.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The time freshness is measured at and the catalogue is stamped with.
        landing_base: Base URL of this server (for landing pages); none when omitted.

    Returns:
        A JSON-LD object with ``@context`` and a ``dcat:Catalog`` of ``dcat:Dataset`` entries;
        personal datasets carry access rights NON_PUBLIC.
    """
    from ilteo.lake._dcat import to_jsonld

    now = now or datetime.now(UTC)
    entries = list_catalog(settings, sources=sources, now=now)
    return to_jsonld(entries, catalog_config(), modified=now, landing_base=landing_base)
