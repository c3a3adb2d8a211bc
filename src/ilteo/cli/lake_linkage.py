"""``ilteo lake link``, ``ilteo lake masters`` and ``ilteo lake linkage-report``.

The commands only call :mod:`ilteo.lake.linkage`, :mod:`ilteo.lake.masters` and
:mod:`ilteo.lake.evaluation`; each prints a short table, or JSON with ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

if TYPE_CHECKING:
    from ilteo.core.settings import Settings

__all__ = ["register"]

_TRUTH_OPTION = typer.Option(
    None,
    "--truth",
    help="합성 국가 폴더(ground_truth 포함)와 비교 / Compare with a synth country's ground truth.",
)


def _settings(ctx: typer.Context) -> Settings:
    """The settings in ``ctx.obj`` (tests, embedding), else the process settings; migrated."""
    from ilteo.core.db import upgrade
    from ilteo.core.settings import Settings, get_settings

    settings = ctx.obj if isinstance(ctx.obj, Settings) else get_settings()
    upgrade(settings)
    return settings


def register(app: typer.Typer) -> None:
    """Add ``link``, ``masters`` and ``linkage-report`` to the ``ilteo lake`` app."""
    app.command("link")(link)
    app.command("masters")(masters)
    app.command("linkage-report")(linkage_report)


def link(
    ctx: typer.Context,
    retrain: bool = typer.Option(
        False, "--retrain", help="저장된 모형을 다시 학습합니다 / Train the person model again."
    ),
    run_id: str | None = typer.Option(None, "--run-id", help="실행 ID / Run id for the ledger."),
    json_out: bool = JSON_OPTION,
) -> None:
    """정제 레코드를 마스터 인물·사업장에 연계합니다 / Link curated records into master records."""
    from ilteo.lake.linkage import link as run_link

    settings = _settings(ctx)
    if json_out:
        result = run_link(settings, run_id=run_id, retrain=retrain)
        print_json(result.model_dump(mode="json"))
        return
    from ilteo.cli._progress import progress_bar

    with progress_bar("연계 / linkage") as advance:
        result = run_link(settings, run_id=run_id, retrain=retrain, progress=advance)
    from rich.table import Table

    table = Table(title=f"연계 / linkage {result.run_id}")
    for column in ("", "레코드 / records", "활성 마스터 / masters", "신규 / new", "방법 / methods"):
        table.add_column(column)
    for name, part in (
        ("인물 / persons", result.person),
        ("사업장 / workplaces", result.workplace),
    ):
        methods = ", ".join(f"{k} {v:,}" for k, v in sorted(part.links_by_method.items()))
        table.add_row(
            name, f"{part.records:,}", f"{part.masters_active:,}", f"{part.new_masters:,}", methods
        )
    console.print(table)
    trained = "학습함 / trained" if result.model_trained else "저장된 모형 / saved model"
    console.print(f"{result.seconds:.1f}s · {trained}")


def masters(
    ctx: typer.Context,
    kind: str = typer.Option(
        "person", "--kind", help="person 또는 workplace / person or workplace."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """마스터 테이블 요약과 최근 사건 / Master table summary and recent master events."""
    from ilteo.core.errors import InvalidInputError
    from ilteo.lake.masters import masters_summary

    if kind not in {"person", "workplace"}:
        raise InvalidInputError(
            f"--kind는 person 또는 workplace / --kind must be person or workplace, got {kind!r}"
        )
    summary = masters_summary(kind, _settings(ctx))  # type: ignore[arg-type]  # checked above
    if json_out:
        print_json(summary)
        return
    console.print(
        f"[bold]{kind}[/] — " + ", ".join(f"{k} {v:,}" for k, v in summary["status"].items())
    )
    console.print(
        "방법 / methods: " + ", ".join(f"{k} {v:,}" for k, v in summary["methods"].items())
    )
    for event in summary["events"]:
        ids = ", ".join(event["master_ids"])
        console.print(
            f"  {event['at']}  {event['event']:<7} {ids}  {event['reason']}", highlight=False
        )


def linkage_report(
    ctx: typer.Context,
    truth: Path | None = _TRUTH_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """연계 품질: 정밀도·재현율, 기준선 대비 / Linkage precision and recall vs the baseline."""
    from ilteo.lake.linkage import linkage_report as build

    reports = build(_settings(ctx), truth=truth)
    if json_out:
        print_json(reports)
        return
    _print_reports(reports)


def _print_reports(reports: dict[str, Any]) -> None:
    from rich.table import Table

    for kind, report in reports.items():
        if not report:
            console.print(f"{kind}: 보고서 없음 / no report (use --truth DIR)")
            continue
        table = Table(title=f"{kind} — {report.get('evaluated_at', '')}")
        for column in ("slice", "records", "precision", "recall", "baseline P", "baseline R"):
            table.add_column(column)
        rows = [("all", {"model": report["model"], "baseline": report["baseline"]})]
        rows += [(f"source:{k}", v) for k, v in report["by_source"].items()]
        rows += [(f"noise:{k}", v) for k, v in report["by_noise"].items()]
        for name, part in rows:
            model, base = part["model"], part["baseline"]
            records = part.get("records", model.get("records", report.get("records", "")))
            table.add_row(
                name, f"{records:,}" if isinstance(records, int) else str(records),
                f"{model['precision']:.4f}", f"{model['recall']:.4f}",
                f"{base['precision']:.4f}", f"{base['recall']:.4f}",
            )  # fmt: skip
        console.print(table)
