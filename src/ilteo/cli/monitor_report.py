"""``ilteo monitor report --month YYYY-MM``: the monthly AI impact report as HTML and PDF (Korean).

A door over :func:`ilteo.monitor.report.write_report`; :func:`register` adds the command to the
``monitor`` Typer app (``ilteo.cli.monitor.app``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    pass


def report(
    ctx: typer.Context,
    month: str = typer.Option(..., "--month", help="보고 월 / The report's month, YYYY-MM."),
    out: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None,
        "--out",
        help="저장 폴더 / Output folder (default: <lake>/monitor/reports).",
    ),
    no_pdf: bool = typer.Option(
        False, "--no-pdf", help="PDF를 만들지 않습니다 / Write the HTML only (no Chromium)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """월간 보고서 / Write the monthly report (HTML and PDF, in Korean) for one month."""
    from ilteo.monitor.indicators import parse_month
    from ilteo.monitor.report import write_report

    settings = settings_of(ctx)
    folder = out if out is not None else settings.lake_dir / "monitor" / "reports"
    written = write_report(settings, parse_month(month), folder, pdf=not no_pdf)
    if json_out:
        print_json(written)
        return
    employment = written["headline"]["employment"]["value"]
    share = written["high_exposure_share"].get(written["month"])
    label = " [합성 데이터 / synthetic data]" if written["synthetic"] else ""
    console.print(
        f"{written['month']} 월간 보고서{label}: 피보험 취업자 "
        f"{'—' if employment is None else f'{employment:,.0f}'}, 고노출 비중 "
        f"{'—' if share is None else f'{share:.1%}'}, 경보 "
        f"{written['alerts']['count'] if written['alerts']['built'] else '미작성 / not built'}",
        highlight=False,
    )
    console.print(f"HTML: {written['html']}", highlight=False)
    if written["pdf"]:
        console.print(f"PDF:  {written['pdf']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``monitor`` app."""
    app.command("report")(report)
