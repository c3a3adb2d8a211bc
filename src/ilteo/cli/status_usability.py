"""``ilteo status usability``: each task's funnel (the staff page's numbers) as a table or JSON."""

from __future__ import annotations

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json


def _count(value: int | None, band: str | None) -> str:
    return f"{value:,}" if value is not None else (band or "")


def _rate(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "-"


def usability(
    days: int = typer.Option(
        30, "--days", min=1, max=400, help="최근 며칠 / The last how many days (1 to 400)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """과업별 단계 도달 수, 완료율, 이탈 지점 / Task funnels: steps, completion, drop-off."""
    from rich.table import Table

    from ilteo.core.settings import get_settings
    from ilteo.status.usability import usability_report

    report = usability_report(get_settings(), days=days)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        f'최근 {report.days}일 / last {report.days} days; 5 미만은 "<5" / counts below 5 banded'
    )
    for funnel in report.tasks:
        table = Table(
            title=f"{funnel.name_ko} / {funnel.name_en} ({funnel.task}): "
            f"{_count(funnel.started, funnel.started_band)} → "
            f"{_count(funnel.completed, funnel.completed_band)}, "
            f"{_rate(funnel.completion_rate)}"
        )
        for column in ("단계 / step", "도달 / reached", "전환 / conversion", "이탈 / lost", ""):
            table.add_column(column)
        for step in funnel.steps:
            table.add_row(
                f"{step.name_ko} / {step.name_en} ({step.step})",
                _count(step.reached, step.reached_band),
                _rate(step.conversion),
                "-" if step.lost is None else f"{step.lost:,}",
                "이탈 최다 / largest drop-off" if step.drop_off else "",
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``usability`` to the ``ilteo status`` sub-app."""
    app.command("usability")(usability)
