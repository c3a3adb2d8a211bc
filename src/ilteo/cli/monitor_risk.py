"""``ilteo monitor high-risk`` and ``ilteo monitor outreach``: high-risk groups and the hand-off.

A door over :mod:`ilteo.monitor.risk`; :func:`register` adds both commands to the ``monitor``
Typer app. ``high-risk`` prints aggregates only (groups of at least ``monitor_min_cell`` people);
``outreach`` writes the list of people for the pathways and benefits services into the lake
(``<lake>/monitor/outreach/YYYY-MM.parquet``) and prints counts, never people.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    pass


def high_risk(
    ctx: typer.Context,
    month: str | None = typer.Option(
        None, "--month", help="기준 월 / The month, YYYY-MM (default: the latest built)."
    ),
    limit: int = typer.Option(20, "--limit", min=1, help="최대 집단 수 / At most N groups."),
    json_out: bool = JSON_OPTION,
) -> None:
    """고위험 집단 / Groups ranked by expected people at risk (exposure x vulnerability)."""
    from ilteo.monitor.exposure import CAVEAT
    from ilteo.monitor.risk import high_risk_groups

    groups = high_risk_groups(settings_of(ctx), month, limit)
    if json_out:
        print_json([asdict(g) for g in groups])
        return
    if not groups:
        console.print("집단이 없습니다 / no group reaches the size threshold", highlight=False)
        return
    label = " [합성 데이터 / synthetic data]" if groups[0].synthetic else ""
    console.print(f"{groups[0].month} 고위험 집단 / high-risk groups{label}", highlight=False)
    for g in groups:
        console.print(
            f"{g.rank:>3}. {g.group_id}  {g.ksco2_label} · {g.age_band} · {g.sido_label}: "
            f"{g.size}명, 점수 / score {g.score:.3f}, 기대 위험 인원 / expected "
            f"{g.expected_at_risk:.1f}; {', '.join(d.split(' / ')[0] for d in g.drivers)}",
            highlight=False,
        )
    console.print(f"{groups[0].version}. {CAVEAT}", highlight=False)


def outreach(
    ctx: typer.Context,
    month: str = typer.Option(..., "--month", help="기준 월 / The month, YYYY-MM."),
    json_out: bool = JSON_OPTION,
) -> None:
    """연계 명단 / Write the outreach list for the pathways and benefits services."""
    from ilteo.monitor.risk import write_outreach

    written = write_outreach(settings_of(ctx), month)
    if json_out:
        print_json(asdict(written))
        return
    services = ", ".join(f"{k} {v}" for k, v in written.services.items())
    console.print(
        f"{written.month}: {written.groups}개 집단 {written.people}명 / {written.people} people "
        f"in {written.groups} groups ({services}); {written.version}",
        highlight=False,
    )
    console.print(f"→ {written.path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``high-risk`` and ``outreach`` to the ``monitor`` app."""
    app.command("high-risk")(high_risk)
    app.command("outreach")(outreach)
