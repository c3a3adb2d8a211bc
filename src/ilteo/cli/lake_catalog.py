"""``ilteo lake catalog``, ``ilteo lake report`` and ``ilteo lake consistency``.

A door: each command calls the lake's service functions, imported inside the command so ``ilteo
--help`` stays fast. :func:`register` adds the commands to the ``ilteo lake`` Typer app.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

if TYPE_CHECKING:
    from ilteo.core.settings import Settings

EMPTY_HINT = (
    "아직 적재된 데이터가 없습니다. 추출 폴더를 적재하세요: ilteo lake ingest DIR / "
    "Nothing has been ingested yet: ingest an extract folder with `ilteo lake ingest DIR`."
)


class ReportFormat(StrEnum):
    """Formats ``ilteo lake report`` writes."""

    html = "html"
    md = "md"


def _settings(ctx: typer.Context) -> Settings:
    """The settings in ``ctx.obj`` (tests, embedding), else the process settings; migrated."""
    from ilteo.core.db import upgrade
    from ilteo.core.settings import Settings, get_settings

    settings = ctx.obj if isinstance(ctx.obj, Settings) else get_settings()
    upgrade(settings)
    return settings


def catalog(
    ctx: typer.Context,
    dcat: bool = typer.Option(
        False, "--dcat", help="DCAT JSON-LD로 출력합니다 / Print the catalogue as DCAT JSON-LD."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """데이터 카탈로그 / List every dataset: layer, rows, personal data, freshness, owner."""
    from rich.table import Table

    from ilteo.lake.catalog import catalog_dcat, list_catalog

    settings = _settings(ctx)
    if dcat:
        print_json(catalog_dcat(settings))
        return
    entries = list_catalog(settings)
    if json_out:
        print_json([entry.model_dump(mode="json") for entry in entries])
        return
    table = Table(title="데이터 카탈로그 / Lake catalogue")
    for header in ("id", "계층 / layer", "행 / rows", "개인정보 / personal", "공개 / access",
                   "적시성 / freshness", "소유 / owner"):  # fmt: skip
        table.add_column(header, overflow="fold")
    for e in entries:
        table.add_row(
            e.id, e.layer, f"{e.rows:,}" if e.rows is not None else "-", e.personal,
            e.access_rights, e.freshness.status if e.freshness else "-", e.owner,
        )  # fmt: skip
    console.print(table)
    if not any(e.present for e in entries if e.layer == "source"):
        console.print(EMPTY_HINT)


def report(
    ctx: typer.Context,
    out: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None,
        "--out",
        help="저장할 폴더 / Folder to write into (default: $ILTEO_HOME/lake/reports).",
    ),
    fmt: ReportFormat | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None, "--format", help="html 또는 md (생략하면 둘 다) / html or md (both when omitted)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """표준화 보고서 / Write the data standardisation report (HTML and Markdown)."""
    from ilteo.lake.report import write_report

    formats: tuple[Literal["html", "md"], ...] = ("html", "md")
    if fmt is ReportFormat.html:
        formats = ("html",)
    elif fmt is ReportFormat.md:
        formats = ("md",)
    written = write_report(_settings(ctx), out_dir=out, formats=formats)
    if json_out:
        print_json({"files": [str(path) for path in written]})
        return
    for path in written:
        console.print(f"보고서 / report: {path}")


def consistency(
    ctx: typer.Context,
    write: bool = typer.Option(
        True, "--write/--no-write", help="점수를 품질 기록에 남깁니다 / Record the scores."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """원천 간 일관성 / Score the cross-source consistency checks (alerts when below)."""
    from rich.table import Table

    from ilteo.lake.consistency import run_consistency

    results = run_consistency(_settings(ctx), write=write)
    if json_out:
        print_json([r.model_dump(mode="json") for r in results])
        return
    table = Table(title="원천 간 일관성 / Cross-source consistency")
    for header in ("검사 / check", "원천 / sources", "점수 / score", "기준 / threshold", "비고"):
        table.add_column(header, overflow="fold")
    for r in results:
        score = f"{r.score:.1%}" if r.score is not None else "-"
        mark = "[red]기준 미달 / below[/]" if r.below_threshold else (r.skipped or "")
        table.add_row(r.check, f"{r.left} ↔ {r.right}", score, f"{r.threshold:.0%}", mark)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``catalog``, ``report`` and ``consistency`` to the ``ilteo lake`` app."""
    app.command("catalog")(catalog)
    app.command("report")(report)
    app.command("consistency")(consistency)
