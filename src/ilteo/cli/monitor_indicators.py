"""``ilteo monitor indicators build|show``: monthly labour-market indicators from the lake.

A door over :mod:`ilteo.monitor.indicators`, imported lazily inside the commands.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="월별 고용 지표 / monthly indicators: insured employment, hires, separations, claims.",
    no_args_is_help=True,
)


def _month(value: str | None, option: str) -> date | None:
    """``YYYY-MM`` as the first day of that month."""
    from ilteo.monitor.indicators import parse_month

    return None if value is None else parse_month(value, option)


@app.command("build")
def build(
    ctx: typer.Context,
    until: str | None = typer.Option(
        None, "--until", help="이 달까지 / build up to this month (YYYY-MM); default: all data."
    ),
    memory_limit: str | None = typer.Option(
        None, "--memory-limit", help="DuckDB 메모리 한도 / DuckDB memory limit, e.g. 6GB."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """레이크에서 월별 지표를 만듭니다 / Build the monthly indicators (only months that changed)."""
    from ilteo.cli._progress import progress_bar
    from ilteo.monitor.indicators import build_indicators

    settings = settings_of(ctx)
    with progress_bar("월별 지표 / monthly indicators") as advance:
        result = build_indicators(
            settings, until=_month(until, "--until"), progress=advance, memory_limit=memory_limit
        )
    if json_out:
        print_json(
            {
                "months": [f"{m:%Y-%m}" for m in result.months],
                "computed": [f"{m:%Y-%m}" for m in result.computed],
                "reused": len(result.reused),
                "removed": [f"{m:%Y-%m}" for m in result.removed],
                "rows": result.rows,
                "seconds": result.seconds,
            }
        )
        return
    span = f"{result.months[0]:%Y-%m} to {result.months[-1]:%Y-%m}" if result.months else "-"
    console.print(
        f"✓ {span}: {len(result.computed)}개월 계산, {len(result.reused)}개월 유지 / "
        f"{len(result.computed)} months computed, {len(result.reused)} kept "
        f"({result.rows:,} cell rows, {result.seconds:.1f}s)"
    )


@app.command("show")
def show(
    ctx: typer.Context,
    by: list[str] = typer.Option(  # noqa: B008 - Typer reads the default
        [], "--by", help="차원 / dimension(s): ksco, ksco1-3, ksic_section, sido, age_band, sex."
    ),
    start: str | None = typer.Option(None, "--from", help="첫 달 / first month (YYYY-MM)."),
    end: str | None = typer.Option(None, "--to", help="마지막 달 / last month (YYYY-MM)."),
    ksco: str | None = typer.Option(None, "--ksco", help="KSCO 접두 / KSCO prefix (1-4 digits)."),
    ksic_section: str | None = typer.Option(None, "--ksic-section", help="KSIC 대분류 / A-U."),
    sido: str | None = typer.Option(None, "--sido", help="시도 코드 / two-digit code."),
    age_band: str | None = typer.Option(None, "--age-band", help="15-29 ... 60+."),
    sex: str | None = typer.Option(None, "--sex", help="M or F."),
    csv: Path | None = typer.Option(  # noqa: B008 - Typer reads the default
        None, "--csv", help="CSV로 저장 / write a CSV file."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """월별 지표를 보여 줍니다 (작은 값 비공개) / Show indicators (small counts suppressed)."""
    from ilteo.monitor.indicators import available_months, read_indicators

    settings = settings_of(ctx)
    months = available_months(settings)
    low = _month(start, "--from") or (months[0] if months else None)
    high = _month(end, "--to") or (months[-1] if months else None)
    frame = read_indicators(
        settings,
        by=by,
        months=(low, high) if low and high else None,
        ksco=ksco,
        ksic_section=ksic_section,
        sido=sido,
        age_band=age_band,
        sex=sex,
    )
    if csv is not None:
        frame.write_csv(csv)
        console.print(f"✓ {csv} ({frame.height:,} rows)")
        return
    if json_out:
        print_json(
            {
                "threshold": settings.monitor_min_cell,
                "rows": [
                    {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
                    for row in frame.iter_rows(named=True)
                ],
            }
        )
        return
    from rich.table import Table

    columns = ["month", *by, "employment", "hires", "separations", "jsa_claims",
               "training_enrolments", "high_exposure_share"]  # fmt: skip
    table = Table(*columns)
    for row in frame.select(columns).iter_rows():
        table.add_row(
            *(
                "-"
                if value is None and name == "high_exposure_share"
                else "<" + str(settings.monitor_min_cell)
                if value is None
                else f"{value:%Y-%m}"
                if isinstance(value, date)
                else f"{value:.1%}"
                if isinstance(value, float)
                else str(value)
                for name, value in zip(columns, row, strict=True)
            )
        )
    console.print(table)
    console.print(
        f"{settings.monitor_min_cell} 미만은 비공개 / counts under {settings.monitor_min_cell} "
        "suppressed. 합성 자료일 수 있습니다 / the demo lake is synthetic."
    )


def register(monitor_app: typer.Typer) -> None:
    """Add ``indicators`` to the ``ilteo monitor`` app."""
    monitor_app.add_typer(app, name="indicators")
