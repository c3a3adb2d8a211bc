"""Data-steward pages: sources, batches, quarantine, linkage, quality, catalogue, report.

Staff pages (the one-ID login will protect them): every page calls the same lake service functions
as the ``/v1/lake`` API and the MCP tools. Trends are drawn as inline SVG next to a table with the
same numbers; no JavaScript. On an empty lake each page says that nothing has been ingested yet and
how to ingest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from ilteo.api.routers.identity import require_staff
from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake.steward_schemas import LinkageMetric, LinkageSummary, QualityPoint, QualitySeries
from ilteo.web.rendering import render, request_language

#: Every lake page is for data stewards (and administrators) only.
router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(require_staff("data_steward", "administrator"))],
)

#: The lake's own navigation: path, catalogue key of the label, section name.
SECTIONS: Final = (
    ("/lake", "lake.nav.overview", "overview"),
    ("/lake/sources", "lake.nav.sources", "sources"),
    ("/lake/batches", "lake.nav.batches", "batches"),
    ("/lake/quarantine", "lake.nav.quarantine", "quarantine"),
    ("/lake/linkage", "lake.nav.linkage", "linkage"),
    ("/lake/quality", "lake.nav.quality", "quality"),
    ("/lake/catalog", "lake.nav.catalog", "catalog"),
    ("/lake/report", "lake.nav.report", "report"),
)
CHART_MEDIA_TYPES: Final = {".svg": "image/svg+xml", ".png": "image/png"}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _page(request: Request, template: str, section: str, **context: Any) -> HTMLResponse:
    return render(
        request,
        f"lake/{template}",
        title_key=f"lake.{section}.title",
        current="lake",
        section=section,
        lake_sections=SECTIONS,
        **context,
    )


def _known_source(source: str | None) -> str | None:
    """The source filter of a page: empty means all; an undeclared one is a 404 page."""
    if not source:
        return None
    from ilteo.lake.sources import get_source

    return get_source(source).id


@dataclass(frozen=True)
class Sparkline:
    """An inline SVG trend: the line, its dots (below-threshold ones flagged) and a summary."""

    width: int
    height: int
    line: str
    dots: list[tuple[float, float, bool]]
    first: float
    last: float


def sparkline(points: Sequence[QualityPoint], width: int = 160, height: int = 40) -> Sparkline:
    """Coordinates of a trend of mean scores, scaled between the lowest score and 1.

    >>> from datetime import UTC, datetime
    >>> p = [QualityPoint(batch_id=None, measured_at=datetime(2025, 1, d, tzinfo=UTC),
    ...      mean_score=s, min_score=s, worst_field=None, fields_below=0) for d, s in
    ...      ((1, 0.9), (2, 1.0))]
    >>> sparkline(p).line
    '4.0,33.1 156.0,4.0'
    """
    scores = [p.mean_score for p in points]
    low = min([*scores, 0.99]) - 0.01
    pad = 4
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def y(score: float) -> float:
        return round(pad + (1.0 - score) / (1.0 - low) * (height - 2 * pad), 1)

    dots = [
        (round(pad + i * step, 1), y(p.mean_score), p.fields_below > 0)
        for i, p in enumerate(points)
    ]
    return Sparkline(
        width=width,
        height=height,
        line=" ".join(f"{x},{yy}" for x, yy, _ in dots),
        dots=dots,
        first=scores[0] if scores else 0.0,
        last=scores[-1] if scores else 0.0,
    )


#: Tables of the linkage page: which metrics each one shows (by slice prefix) and its caption.
METRIC_GROUPS: Final = (
    ("all", "lake.linkage.overall_caption"),
    ("source:", "lake.linkage.by_source_caption"),
    ("noise:", "lake.linkage.by_noise_caption"),
)


def _metric_groups(summary: LinkageSummary) -> list[tuple[str, list[LinkageMetric]]]:
    """The summary's metrics split into the tables of :data:`METRIC_GROUPS` (empty ones omitted)."""
    groups = []
    for prefix, caption in METRIC_GROUPS:
        rows = [m for m in summary.metrics if m.slice == prefix or m.slice.startswith(prefix)]
        if rows:
            groups.append((caption, rows))
    return groups


def _trends(series: Sequence[QualitySeries]) -> list[tuple[QualitySeries, Sparkline]]:
    return [(s, sparkline(s.points)) for s in series if s.points]


@router.get("/lake", response_class=HTMLResponse, name="web_lake")
def overview_page(request: Request) -> HTMLResponse:
    """What the lake holds: sources with data, open quarantine, alerts, linkage, links onward."""
    from ilteo.lake.linkage_quality import linkage_summaries
    from ilteo.lake.stewardship import list_source_status, quality_overview, quarantine_summary

    settings = _settings(request)
    sources = list_source_status(settings)
    return _page(
        request,
        "overview.html",
        "overview",
        sources=sources,
        ingested=[s for s in sources if s.batches_done],
        quarantine=quarantine_summary(settings),
        alerts=quality_overview(settings).alerts,
        linkage=linkage_summaries(settings),
    )


@router.get("/lake/sources", response_class=HTMLResponse, name="web_lake_sources")
def sources_page(request: Request) -> HTMLResponse:
    """Every declared source with its last batch, freshness and row counts."""
    from ilteo.lake.stewardship import list_source_status

    sources = list_source_status(_settings(request))
    return _page(
        request,
        "sources.html",
        "sources",
        sources=sources,
        empty=not any(s.batches_done for s in sources),
    )


@router.get("/lake/batches", response_class=HTMLResponse, name="web_lake_batches")
def batches_page(request: Request, source: str | None = None) -> HTMLResponse:
    """The latest batches (received, accepted, quarantined), optionally of one source."""
    from ilteo.lake.stewardship import declared_sources, list_batch_summaries

    chosen = _known_source(source)
    return _page(
        request,
        "batches.html",
        "batches",
        batches=list_batch_summaries(_settings(request), source=chosen, limit=200),
        sources=declared_sources(),
        chosen=chosen,
    )


@router.get("/lake/quarantine", response_class=HTMLResponse, name="web_lake_quarantine")
def quarantine_page(request: Request, source: str | None = None) -> HTMLResponse:
    """Quarantined rows by source, rule and column, with masked examples."""
    from ilteo.lake.stewardship import declared_sources, quarantine_summary

    chosen = _known_source(source)
    return _page(
        request,
        "quarantine.html",
        "quarantine",
        summary=quarantine_summary(_settings(request), source=chosen),
        sources=declared_sources(),
        chosen=chosen,
    )


@router.get("/lake/linkage", response_class=HTMLResponse, name="web_lake_linkage")
def linkage_page(request: Request) -> HTMLResponse:
    """Linkage precision and recall against ground truth and the exact-key baseline."""
    from ilteo.lake.linkage_quality import linkage_summaries

    summaries = linkage_summaries(_settings(request))
    return _page(
        request,
        "linkage.html",
        "linkage",
        summaries=[(s, _metric_groups(s)) for s in summaries],
    )


@router.get("/lake/linkage/charts/{name}", name="lake_linkage_chart")
def linkage_chart(request: Request, name: str) -> Response:
    """A chart the linkage evaluation saved (SVG or PNG), by the name the summary lists."""
    from ilteo.lake.layout import LakePaths
    from ilteo.lake.linkage_quality import linkage_summaries

    listed = {chart for s in linkage_summaries(_settings(request)) for chart in s.charts}
    path = LakePaths.of(_settings(request)).linkage_dir / name
    if name not in listed or not path.is_file():
        raise NotFoundError(f"연계 차트 '{name}'이(가) 없습니다 / no linkage chart {name!r}")
    return FileResponse(path, media_type=CHART_MEDIA_TYPES[path.suffix])


@router.get("/lake/quality", response_class=HTMLResponse, name="web_lake_quality")
def quality_page(request: Request, source: str | None = None) -> HTMLResponse:
    """Alerts, latest scores, and a trend per source and dimension over batches."""
    from ilteo.lake.consistency import list_consistency
    from ilteo.lake.stewardship import declared_sources, quality_overview

    chosen = _known_source(source)
    settings = _settings(request)
    overview = quality_overview(settings, source=chosen)
    consistency = [c for c in list_consistency(settings) if chosen in (None, c.left, c.right)]
    return _page(
        request,
        "quality.html",
        "quality",
        overview=overview,
        trends=_trends(overview.series),
        consistency=consistency,
        sources=declared_sources(),
        chosen=chosen,
    )


@router.get("/lake/catalog", response_class=HTMLResponse, name="web_lake_catalog")
def catalog_page(request: Request) -> HTMLResponse:
    """Every dataset with layer, owner, rows, personal-data class, access rights and freshness."""
    from ilteo.lake.catalog import list_catalog

    entries = list_catalog(_settings(request))
    empty = not any(e.present for e in entries if e.layer == "source")
    return _page(request, "catalog.html", "catalog", entries=entries, empty=empty)


@router.get("/lake/catalog/{dataset_id}", response_class=HTMLResponse, name="web_lake_dataset")
def dataset_page(request: Request, dataset_id: str) -> HTMLResponse:
    """One dataset: its columns with personal-data classes and codes, lineage and uses."""
    from ilteo.lake.catalog import get_catalog_entry

    entry = get_catalog_entry(dataset_id, _settings(request))
    lang = request_language(request)
    title = entry.title_ko if lang == "ko" else entry.title_en
    return render(
        request,
        "lake/dataset.html",
        page_title=f"{title} ({entry.id})",
        current="lake",
        section="catalog",
        lake_sections=SECTIONS,
        entry=entry,
    )


@router.get("/lake/report", name="web_lake_report")
def report_page(request: Request, format: str | None = None) -> Response:
    """The standardisation report in the page language; ``?format=md|html`` downloads it."""
    from ilteo.lake.report import REPORT_NAME, build_report, render_html, render_markdown

    report = build_report(_settings(request))
    if format == "md":
        return PlainTextResponse(
            render_markdown(report),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{REPORT_NAME}.md"'},
        )
    if format == "html":
        return HTMLResponse(
            render_html(report),
            headers={"Content-Disposition": f'attachment; filename="{REPORT_NAME}.html"'},
        )
    lang = request_language(request)
    return _page(
        request,
        "report.html",
        "report",
        report=report,
        body=render_html(report, lang=lang, fragment=True),
    )
