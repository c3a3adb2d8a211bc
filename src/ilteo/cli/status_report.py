"""``ilteo status report``: the public performance report (what ``/status`` shows) in a terminal."""

from __future__ import annotations

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def report(
    menu: str | None = typer.Option(
        None, "--menu", help="이 메뉴만 / Only this public menu id, e.g. reference-search."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """공개 서비스 현황: 메뉴별 속도, 장애, 장애 시간 / Public service status per menu."""
    from rich.table import Table

    from ilteo.core.settings import get_settings
    from ilteo.status.report import menu_report

    result = menu_report(get_settings(), menu)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"{result.generated_at.isoformat()} — {result.measures_ko}")
    for item in result.menus:
        state = "장애 중 / failing" if item.ongoing_incidents else "정상 / operational"
        table = Table(title=f"{item.name_ko} / {item.name_en} ({item.id}): {state}")
        for column in (
            "기간 / window",
            "요청 / requests",
            "장애 / failed",
            "장애 분 / failure min",
            "서버 평균·p95 ms / server",
            "실사용자 평균·p95 ms / real user (n)",
        ):
            table.add_column(column)
        for w in item.windows:
            table.add_row(
                w.window,
                f"{w.requests:,}",
                f"{w.failures:,}",
                f"{w.failure_minutes:,.1f}",
                f"{_ms(w.server_avg_ms)} / {_ms(w.server_p95_ms)}",
                f"{_ms(w.rum_avg_ms)} / {_ms(w.rum_p95_ms)} ({w.rum_samples:,})",
            )
        console.print(table)
    for incident in result.current_incidents:
        console.print(
            f"[bold red]#{incident.id}[/] {incident.menu_name_ko} / {incident.menu_name_en}: "
            f"{incident.opened_at.isoformat()} — {incident.duration_minutes:.0f} min"
        )


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``ilteo status`` sub-app."""
    app.command("report")(report)
