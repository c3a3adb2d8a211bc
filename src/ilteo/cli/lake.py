"""``ilteo lake``: ingest extracts, follow batches, work the quarantine, build curated tables.

Every command calls the lake room's service functions (imported inside the command, so
``ilteo --help`` stays fast) and brings the operational store's schema up to date first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

if TYPE_CHECKING:
    from ilteo.core.settings import Settings
    from ilteo.lake.ingest import BatchResult

app = typer.Typer(
    help="통합 데이터 레이크 / The integrated data lake: sources, batches, quarantine, curated "
    "tables.",
    no_args_is_help=True,
)
quarantine_app = typer.Typer(
    help="격리 행 조회·재처리 / Quarantined rows: list, show, retry.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


_SOURCE_OPTION = typer.Option(None, "--source", "-s", help="원천 ID / Source id.")
_PATH_ARGUMENT = typer.Argument(..., help="추출 폴더 또는 파일 / An extract folder or one file.")
_BATCH_ARGUMENT = typer.Argument(..., help="배치 ID / Batch id.")
_FIX_OPTION = typer.Option(
    None, "--fix", help='수정 JSONL: {"row_number": n, "열": "새 값"} / Corrections as JSON Lines.'
)
_DROP_OPTION = typer.Option(
    [], "--drop-field", help="비울 열 (예: rrn) / Field to clear on every retried row."
)


def _settings() -> Settings:
    """The process settings, with the ledger tables migrated."""
    from ilteo.core.db import upgrade
    from ilteo.core.settings import get_settings

    settings = get_settings()
    upgrade(settings)
    return settings


def _batch_table(results: list[BatchResult], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for name, justify in (
        ("배치 / batch", "left"),
        ("상태 / status", "left"),
        ("받음 / received", "right"),
        ("적재 / accepted", "right"),
        ("격리 / quarantined", "right"),
        ("균형 / balanced", "center"),
        ("초 / s", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in results:
        status = "이미 적재 / already" if r.already_ingested else r.status
        colour = {"done": "green", "rejected": "red", "failed": "red"}.get(r.status, "yellow")
        table.add_row(
            r.id,
            f"[{colour}]{status}[/]",
            f"{r.received_rows:,}",
            f"{r.accepted_rows:,}",
            f"{r.quarantined_rows:,}",
            "✔" if r.balanced else "✘",
            f"{r.seconds:.2f}" if r.seconds is not None else "",
        )
    console.print(table)
    for r in results:
        if r.reason:
            console.print(f"[red]{r.id}[/]: {r.reason}", highlight=False)


@app.command("ingest")
def ingest(
    path: Path = _PATH_ARGUMENT,
    source: str | None = _SOURCE_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """원천 추출본을 적재합니다 / Ingest a folder of source extracts, or one file.

    파일마다 한 배치: 계약 검사 후 통과 행은 staged, 실패 행은 quarantine으로 갑니다.
    같은 내용을 다시 적재해도 바뀌는 것이 없습니다. / One batch per file: rows that pass the
    contract are staged, the others quarantined; ingesting the same content again changes
    nothing.
    """
    from ilteo.lake.ingest import ingest_path

    settings = _settings()
    if json_out:
        results = ingest_path(path, source=source, settings=settings)
        print_json([r.model_dump(mode="json") | {"balanced": r.balanced} for r in results])
    else:
        from ilteo.cli._progress import progress_bar

        with progress_bar("레이크 적재 / ingest") as advance:
            results = ingest_path(path, source=source, settings=settings, progress=advance)
        _batch_table(results, f"{path}")
    if any(r.status != "done" for r in results):
        raise typer.Exit(1)


@app.command("batches")
def batches(
    source: str | None = _SOURCE_OPTION,
    status: str | None = typer.Option(
        None, "--status", help="running, done, rejected, failed 중 하나 / Only this status."
    ),
    limit: int = typer.Option(100, "--limit", min=1, help="최대 개수 / Most batches shown."),
    json_out: bool = JSON_OPTION,
) -> None:
    """배치 원장 / The batch ledger, newest first."""
    from ilteo.lake.ingest import BatchResult
    from ilteo.lake.ledger import list_batches

    rows = list_batches(_settings(), source=source, status=status, limit=limit)
    if json_out:
        print_json([r.model_dump(mode="json") | {"balanced": r.balanced} for r in rows])
        return
    _batch_table([BatchResult(**r.model_dump()) for r in rows], "배치 원장 / batch ledger")


@app.command("sources")
def sources(json_out: bool = JSON_OPTION) -> None:
    """선언된 원천 / The declared source systems."""
    from dataclasses import asdict

    from rich.table import Table

    from ilteo.lake.sources import list_sources

    specs = list_sources()
    if json_out:
        print_json([asdict(s) for s in specs])
        return
    table = Table(title="원천 / sources")
    for name in ("ID", "이름 / name", "소유 / owner", "형식 / format", "주기 / cadence"):
        table.add_column(name)
    for s in specs:
        fmt = s.file_format + (f" ({s.encoding})" if s.file_format == "csv" else "")
        table.add_row(s.id, f"{s.title_ko} / {s.title_en}", s.owner.split(" / ")[0], fmt, s.cadence)
    console.print(table)


@app.command("curate")
def curate(json_out: bool = JSON_OPTION) -> None:
    """정제 테이블을 다시 만듭니다 / Rebuild the curated tables from the committed batches."""
    from ilteo.lake.curate import curate as run_curate

    settings = _settings()
    if json_out:
        print_json(run_curate(settings).model_dump())
        return
    from rich.table import Table

    from ilteo.cli._progress import progress_bar

    with progress_bar("정제 / curate") as advance:
        result = run_curate(settings, progress=advance)
    table = Table(title=f"curated ({result.seconds:.1f} s)")
    table.add_column("테이블 / table")
    table.add_column("행 / rows", justify="right")
    for name, rows in result.tables.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


@app.command("alerts")
def alerts(source: str | None = _SOURCE_OPTION, json_out: bool = JSON_OPTION) -> None:
    """품질 경보 / Quality scores below their thresholds (freshness measured now)."""
    from ilteo.lake.quality import list_alerts, measure_freshness

    settings = _settings()
    measure_freshness(settings)
    found = list_alerts(settings, source=source)
    if json_out:
        print_json([a.model_dump(mode="json") for a in found])
        return
    if not found:
        console.print("경보 없음 / no alerts")
    for a in found:
        where = f"{a.source}.{a.field}" if a.field else a.source
        console.print(
            f"[red]{a.dimension}[/] {where}: {a.score:.3f} < {a.threshold:.3f}"
            + (f" ({a.batch_id})" if a.batch_id else ""),
            highlight=False,
        )


@quarantine_app.command("list")
def quarantine_list(
    source: str | None = _SOURCE_OPTION,
    status: str | None = typer.Option(
        None, "--status", help="open, fixed, retried 행이 있는 배치만 / Only with rows in it."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """격리 행이 있는 배치 / Batches with quarantined rows."""
    from rich.table import Table

    from ilteo.lake.quarantine import list_quarantine

    found = list_quarantine(_settings(), source=source, status=status)
    if json_out:
        print_json([b.model_dump(mode="json") for b in found])
        return
    table = Table(title="격리 / quarantine")
    for name in ("배치 / batch", "받음", "격리", "미해결 open", "수정 fixed", "재처리 retried"):
        table.add_column(name, justify="left" if name.startswith("배치") else "right")
    table.add_column("규칙 / rules")
    for b in found:
        rules = ", ".join(f"{rule} {count}" for rule, count in list(b.rules.items())[:4])
        table.add_row(
            b.batch_id,
            f"{b.received_rows:,}",
            f"{b.quarantined_rows:,}",
            f"{b.open_rows:,}",
            f"{b.fixed_rows:,}",
            f"{b.retried_rows:,}",
            rules,
        )
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(
    batch_id: str = _BATCH_ARGUMENT,
    limit: int = typer.Option(100, "--limit", min=1, help="최대 행 / Most failures shown."),
    offset: int = typer.Option(0, "--offset", min=0, help="건너뛸 행 / Failures to skip."),
    json_out: bool = JSON_OPTION,
) -> None:
    """배치의 격리 행과 실패 규칙 / A batch's quarantined rows: rule, column, masked value."""
    from rich.table import Table

    from ilteo.lake.quarantine import get_quarantine

    detail = get_quarantine(_settings(), batch_id, limit=limit, offset=offset)
    if json_out:
        print_json(detail.model_dump(mode="json"))
        return
    b = detail.batch
    table = Table(
        title=f"{b.id}: {b.quarantined_rows:,} / {b.received_rows:,} 격리 / quarantined "
        f"({detail.total:,} 실패 / failures)"
    )
    for name in ("행 / row", "규칙 / rule", "열 / column", "값 / value", "상태 / status"):
        table.add_column(name)
    for r in detail.rows:
        table.add_row(str(r.row_number), r.rule, r.column or "", r.value or "", r.status)
    console.print(table)


@quarantine_app.command("retry")
def quarantine_retry(
    batch_id: str = _BATCH_ARGUMENT,
    fix: Path | None = _FIX_OPTION,
    drop_field: list[str] = _DROP_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """격리 행을 수정해 다시 검사합니다 / Run the contract again on a batch's open rows.

    통과한 행은 적재되고 원 배치에서 fixed로, 여전히 실패한 행은 새 배치에 격리됩니다. /
    Rows that pass are staged (fixed in the original batch); rows still failing stay quarantined in
    the new batch.
    """
    from ilteo.lake.quarantine import read_fixes, retry_quarantine

    fixes = read_fixes(fix) if fix else []
    result = retry_quarantine(_settings(), batch_id, fixes=fixes, drop_fields=drop_field)
    if json_out:
        print_json(result.model_dump(mode="json") | {"balanced": result.balanced})
        return
    _batch_table([result], f"재처리 / retry of {batch_id}")


_EXTRACTS_ARGUMENT = typer.Argument(
    ..., exists=True, file_okay=False, help="원천 추출본 폴더 / Folder of source extracts."
)


@app.command("build")
def build(
    extracts: Path = _EXTRACTS_ARGUMENT,
    force: bool = typer.Option(
        False, "--force", help="새 배치가 없어도 다시 만듭니다 / Rebuild even with no new batch."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """레이크 전체 구축: 적재→정제→연계→평가→일관성→보고서 / Build the whole lake from extracts."""
    from ilteo.cli._progress import progress_bar
    from ilteo.lake.pipeline import build_lake

    settings = _settings()
    with progress_bar("레이크 구축 / building the lake") as advance:
        result = build_lake(extracts, settings, progress=advance, force=force)
    if json_out:
        print_json(result.__dict__)
        return
    if result.up_to_date:
        console.print("새 배치가 없어 레이크가 최신입니다 / no new batch: the lake is up to date")
    console.print(
        f"배치 / batches {result.batches} (새 / new {result.new_batches}): "
        f"받음 / received {result.received_rows:,} = 적재 / accepted {result.accepted_rows:,} "
        f"+ 격리 / quarantined {result.quarantined_rows:,}"
    )
    for kind, figures in result.evaluation.items():
        model, base = figures.get("model", {}), figures.get("baseline", {})
        console.print(
            f"연계 / linkage {kind}: precision {model.get('precision')} recall "
            f"{model.get('recall')} (exact-key baseline recall {base.get('recall')})"
        )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"단계별 시간 / seconds per step: {steps}")


def _register_more() -> None:
    # Linkage and catalogue commands live in their own modules (each imports its room lazily).
    from ilteo.cli import lake_catalog, lake_linkage

    lake_linkage.register(app)
    lake_catalog.register(app)


_register_more()
