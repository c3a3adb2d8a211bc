"""The data standardisation report: what the capabilities need and where the lake stands.

It covers the data items proactive benefits and accident monitoring need. The needs are declared
in ``needs.yaml``; :func:`build_report` assesses each one against the catalogue (is the source
and column declared and ingested, which code system), the latest quality scores, the cross-source
consistency checks and the linkage evaluation. Nothing in the report is written by hand: change
a source declaration or a quality result and the report changes.

:func:`render_markdown` and :func:`render_html` write it out (Korean first, English second;
accessible HTML with captions and header scopes), :func:`write_report` saves both under
``$ILTEO_HOME/lake/reports`` (or another folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import CapabilitySummary, NeedAssessment, StandardisationReport

__all__ = [
    "REPORT_NAME",
    "build_report",
    "needs_config",
    "render_html",
    "render_markdown",
    "report_labels",
    "write_report",
]

NEEDS_FILE: Final = Path(__file__).with_name("needs.yaml")
TEMPLATES_DIR: Final = Path(__file__).with_name("report_templates")
#: File name (without suffix) of the written report.
REPORT_NAME: Final = "standardisation-report"
ReportFormat = Literal["html", "md"]


@lru_cache(maxsize=1)
def needs_config() -> dict[str, Any]:
    """The declared needs of ``needs.yaml`` (read once)."""
    with NEEDS_FILE.open(encoding="utf-8") as handle:
        config: dict[str, Any] = yaml.safe_load(handle)
    return config


@lru_cache(maxsize=1)
def report_labels() -> dict[str, Any]:
    """The report's bilingual labels and gap templates."""
    with (TEMPLATES_DIR / "labels.yaml").open(encoding="utf-8") as handle:
        labels: dict[str, Any] = yaml.safe_load(handle)
    return labels


def _summaries(needs: Sequence[NeedAssessment], config: dict[str, Any]) -> list[CapabilitySummary]:
    made = []
    for capability, titles in config["capabilities"].items():
        mine = [n for n in needs if n.capability == capability]
        made.append(
            CapabilitySummary(
                id=capability,
                title_ko=titles["title_ko"],
                title_en=titles["title_en"],
                items=len(mine),
                ready=sum(n.status == "ready" for n in mine),
                partial=sum(n.status == "partial" for n in mine),
                missing=sum(n.status == "missing" for n in mine),
            )
        )
    return made


def build_report(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> StandardisationReport:
    """Assess every declared need against the lake as it is now.

    Args:
        settings: Whose lake, ledger and linkage evaluation to read.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The report's time stamp (and the time freshness is measured at).

    Returns:
        The report: a summary per capability, one assessment per need, the latest consistency
        scores and the linkage evaluation.
    """
    from ilteo.lake._needs import LakeFacts, assess_need
    from ilteo.lake.catalog import list_catalog
    from ilteo.lake.consistency import list_consistency
    from ilteo.lake.linkage_quality import linkage_summaries
    from ilteo.lake.stewardship import declared_sources, quality_overview

    now = now or datetime.now(UTC)
    specs = declared_sources(sources)
    config = needs_config()
    catalog = list_catalog(settings, sources=specs, now=now)
    quality = quality_overview(settings)
    consistency = list_consistency(settings)
    linkage = linkage_summaries(settings)
    facts = LakeFacts(
        sources={s.id: s for s in specs},
        catalog={e.id: e for e in catalog},
        quality=quality.latest,
        consistency=consistency,
        linkage=linkage,
        config=config,
        labels=report_labels(),
    )
    needs = [assess_need(need, facts) for need in config["needs"]]
    ingested = {e.source for e in catalog if e.layer == "source" and e.present}
    return StandardisationReport(
        generated_at=now,
        needs_version=str(config["version"]),
        lake_empty=not ingested,
        sources_declared=len(specs),
        sources_ingested=len(ingested),
        capabilities=_summaries(needs, config),
        needs=needs,
        consistency=consistency,
        linkage=linkage,
        alerts=len(quality.alerts),
    )


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
    env.filters["pct"] = lambda v: "-" if v is None else f"{v * 100:.1f}%"
    env.filters["md"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    return env


def _context(report: StandardisationReport, lang: str) -> dict[str, Any]:
    if lang not in ("ko", "en"):
        raise InvalidInputError(f"언어는 ko 또는 en입니다 / lang must be ko or en, not {lang!r}")
    labels = report_labels()
    other = "en" if lang == "ko" else "ko"
    standards = needs_config()["national_standards"]
    return {
        "report": report,
        "L": lambda key: labels[key],
        "lang": lang,
        "other": other,
        "standards": standards,
        "by_capability": {
            c.id: [n for n in report.needs if n.capability == c.id] for c in report.capabilities
        },
    }


def render_markdown(report: StandardisationReport) -> str:
    """The report as Markdown (Korean first, then English, in every heading and statement)."""
    return str(_environment().get_template("report.md.j2").render(**_context(report, "ko")))


def render_html(report: StandardisationReport, *, lang: str = "ko", fragment: bool = False) -> str:
    """The report as accessible HTML.

    Args:
        report: The report to render.
        lang: The first language (``ko`` or ``en``); the other follows every statement.
        fragment: Only the report's sections (headings from ``h2``), to embed in a page.
    """
    name = "_body.html.j2" if fragment else "report.html.j2"
    return str(_environment().get_template(name).render(**_context(report, lang)))


def write_report(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    formats: Sequence[ReportFormat] = ("html", "md"),
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Build the report and write it (``standardisation-report.html`` / ``.md``).

    Args:
        settings: Whose lake to report on.
        out_dir: Folder to write into (``$ILTEO_HOME/lake/reports`` when omitted).
        formats: ``html`` and/or ``md``.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The report's time stamp.

    Returns:
        The files written.
    """
    from ilteo.lake.layout import replace_atomically

    report = build_report(settings, sources=sources, now=now)
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
