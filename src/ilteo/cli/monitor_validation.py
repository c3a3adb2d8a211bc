"""``ilteo monitor validate``: rank agreement, crosswalk coverage and exposed employment.

A door over :mod:`ilteo.monitor.validation`, imported lazily inside the command;
:func:`register` adds the command to the ``monitor`` Typer app.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    pass


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def validate(
    ctx: typer.Context,
    month: str | None = typer.Option(
        None, "--month", help="고용 가중 월 / month of the employment weights (YYYY-MM)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """노출 지수 검증 / Validate the KSCO exposure index (agreement, coverage, exposed jobs)."""
    from ilteo.core.errors import DataUnavailableError
    from ilteo.monitor.indicators import parse_month
    from ilteo.monitor.validation import (
        crosswalk_coverage,
        exposed_employment_share,
        ksco_rank_agreement,
        to_plain,
    )

    settings = settings_of(ctx)
    chosen = parse_month(month) if month is not None else None
    agreement = ksco_rank_agreement(settings)
    coverage = crosswalk_coverage(settings)
    try:
        share = exposed_employment_share(settings, chosen)
    except DataUnavailableError:
        if chosen is not None:
            raise
        share = None
    if json_out:
        print_json(
            to_plain(
                {
                    "rank_agreement": asdict(agreement),
                    "crosswalk_coverage": asdict(coverage),
                    "exposed_employment": asdict(share) if share is not None else None,
                }
            )
        )
        return
    from rich.table import Table

    table = Table("source", "n", "rho", "95% CI", "rho w/o source", title="Spearman (KSCO)")
    for row in agreement.sources:
        table.add_row(
            row.source, str(row.n), f"{row.rho:.3f}", f"{row.ci_low:.3f}-{row.ci_high:.3f}",
            f"{row.rho_without:.3f}",
        )  # fmt: skip
    console.print(table)
    bands = ", ".join(f"{coverage.band_labels[k]} {v}" for k, v in coverage.by_band.items())
    console.print(
        f"연계표 / crosswalk: KSCO {coverage.ksco_units}개 중 연계 {coverage.linked}, 프로필 "
        f"{coverage.profiled} / of {coverage.ksco_units} units, {coverage.linked} linked, "
        f"{coverage.profiled} profiled; {bands}",
        highlight=False,
    )
    if share is None:
        console.print(
            "월별 지표가 없어 고용 비중은 생략 / no monthly indicators: exposed share skipped"
        )
    else:
        label = " [합성 데이터 / synthetic data]" if share.synthetic else ""
        n = share.national
        console.print(
            f"{share.month:%Y-%m}{label}: 노출 상위 20% 직업 비중 / top-20% share "
            f"{_pct(n.high_share)}; ILO 1-4 {_pct(n.gradient_share)}; ILO 4 "
            f"{_pct(n.gradient4_share)} (피보험 일자리 / insured jobs {n.known_employment:,})",
            highlight=False,
        )
    console.print(agreement.caveat, highlight=False)


def register(monitor_app: typer.Typer) -> None:
    """Add ``validate`` to the ``ilteo monitor`` app."""
    monitor_app.command("validate")(validate)
