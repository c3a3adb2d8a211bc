"""``ilteo safety report``: the accident and disaster data report as HTML and Markdown.

A door over :func:`ilteo.safety.report.write_report`; :func:`register` adds the command to the
``safety`` Typer app (``ilteo.cli.safety.app``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of


class SafetyReportFormat(StrEnum):
    """Formats ``ilteo safety report`` writes."""

    html = "html"
    md = "md"
    all = "all"


def report(
    ctx: typer.Context,
    out: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None,
        "--out",
        help="저장할 폴더 / Folder to write into (default: $ILTEO_HOME/lake/reports).",
    ),
    fmt: SafetyReportFormat = typer.Option(  # noqa: B008 - Typer declares options this way
        SafetyReportFormat.all, "--format", help="html, md 또는 all / html, md or all (both)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """산재·재난 데이터 보고서 / Write the accident and disaster data report (HTML, Markdown)."""
    from ilteo.safety.report import build_report, save_report

    settings = settings_of(ctx)
    formats: tuple[Literal["html", "md"], ...] = ("html", "md")
    if fmt is SafetyReportFormat.html:
        formats = ("html",)
    elif fmt is SafetyReportFormat.md:
        formats = ("md",)
    made = build_report(settings)
    written = save_report(made, settings, out_dir=out, formats=formats)
    summary = made.summary
    if json_out:
        print_json(
            {
                "files": [str(path) for path in written],
                "generated_at": made.generated_at,
                "lake_empty": made.lake_empty,
                "summary": summary.model_dump(mode="json"),
            }
        )
        return
    console.print(
        f"데이터 종류 {summary.kinds}개: 일터에 있음 {summary.in_lake}, 적재 {summary.ingested}, "
        f"표준화 {summary.standardised}, 연계 가능 {summary.linkable} / {summary.kinds} kinds: "
        f"{summary.in_lake} in ilteo, {summary.ingested} ingested, {summary.standardised} "
        f"standardised, {summary.linkable} linkable",
        highlight=False,
    )
    if made.lake_empty:
        console.print(
            "아직 레이크에 적재된 데이터가 없습니다 / nothing ingested yet: ilteo lake ingest DIR",
            highlight=False,
        )
    for path in written:
        console.print(f"보고서 / report: {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``safety`` app."""
    app.command("report")(report)
