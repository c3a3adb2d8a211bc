"""``ilteo desk``: the one window from the command line.

- ``triage [--text TEXT] [--address ADDRESS] [--json]`` reads one request (standard input when
  ``--text`` is absent) and prints its triage: the category with confidence and the runners-up,
  the route with its reason, urgency flags, the masked text, the summary, the suggested answer
  with its sources, and the deadline. Nothing is stored: filing a request is the intake's job.
- ``process`` triages every request still ``received`` (a model failed when it came in), with
  a progress bar; each one is committed as soon as it is done.
- ``overdue [--office CODE] [--json]`` lists the open requests past their deadline.
- ``retrain [--json]`` trains the classifier again with the staff's category corrections and
  prints the old and new model versions, the corrections used and the metrics on the held-out
  fifth of the labelled set.
- ``stats [--since DAY] [--until DAY] [--json | --csv]`` prints the public timeliness
  statistics (the open data: counts under 5 suppressed).
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import Any

import typer

from ilteo.cli._output import JSON_OPTION, console, fail, print_json, settings_of
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings

app = typer.Typer(
    help="하나의 민원 창구 / The one window: triage of requests and complaints.",
    no_args_is_help=True,
)

#: Longest input read from standard input (bytes); more is an error, not a silent cut.
MAX_INPUT_BYTES = 2_000_000


@app.callback()
def desk() -> None:
    """하나의 민원 창구 / The one window for every request."""


@app.command("triage")
def triage_command(
    ctx: typer.Context,
    text: str | None = typer.Option(
        None, "--text", help="민원 내용(없으면 표준 입력) / The request (default: stdin)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="사업장 주소 / The workplace's address, if known."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """민원 분류·요약·답변 초안 / Triage one request: category, route, urgency, draft, deadline."""
    from ilteo.desk.triage import triage

    if text is None:
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            raise fail(f"입력이 너무 깁니다 / input over {MAX_INPUT_BYTES:,} bytes", code=2)
        text = raw.decode("utf-8", errors="replace")
    try:
        result = triage(settings_of(ctx), text, workplace_address=address).to_json()
    except InvalidInputError as error:
        raise fail(error.detail, code=2) from None
    if as_json:
        print_json(result)
        return
    top = ", ".join(f"{c['label']} {c['probability']:.0%}" for c in result["candidates"])
    console.print(
        f"[bold]{result['category_label']}[/] ({result['category']}, "
        f"{result['confidence']:.0%}; {top})",
        highlight=False,
    )
    route = result["route"]
    console.print(f"처리 기관 / route: {route['office_name']} - {route['reason_ko']}")
    due = result["deadline"]
    console.print(f"처리 기한 / deadline: {due['due']} ({due['basis_ko']})")
    if result["urgent"]:
        console.print(f"[bold red]긴급 / urgent:[/] {', '.join(result['urgent'])}")
    console.print("\n요약 / summary:")
    for sentence in result["summary"]:
        console.print(f"  - {sentence}", highlight=False)
    console.print("\n답변 초안 / suggested answer:\n" + result["suggested_answer"]["text"])
    for source in result["suggested_answer"]["sources"]:
        console.print(f"  근거 / source: {source['title']} ({source['id']})", highlight=False)
    for note in result["notes"]:
        console.print(f"참고 / note: {note}")
    console.print(f"\n{result['caveat']}")


@app.command("process")
def process_command(
    ctx: typer.Context,
    limit: int = typer.Option(
        500, "--limit", min=1, help="최대 처리 건수 / At most this many requests."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """미분류 민원 다시 분류 / Triage every request still waiting (received, not classified)."""
    from sqlalchemy import select

    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import session_scope
    from ilteo.desk.intake import process
    from ilteo.desk.models import Request

    settings = _store(ctx)
    with session_scope(settings) as session:
        ids = list(
            session.scalars(
                select(Request.id)
                .where(Request.status == "received")
                .order_by(Request.received_at, Request.id)
                .limit(limit)
            )
        )
    classified: list[str] = []
    failed: dict[str, str] = {}
    with progress_bar("민원 분류 / triage") as advance:
        advance(0, len(ids), "")
        for done, request_id in enumerate(ids, start=1):
            with session_scope(settings) as session:  # committed one by one: never lost
                request = process(session, settings, request_id)
                if request.status == "classified":
                    classified.append(request_id)
                else:
                    failed[request_id] = request.triage_error or "not classified"
            advance(done, len(ids), request_id)
    if as_json:
        print_json({"pending": len(ids), "classified": len(classified), "failed": failed})
    else:
        console.print(
            f"분류 / classified: {len(classified)} / {len(ids)}"
            + (f", 실패 / failed: {len(failed)}" if failed else ""),
            highlight=False,
        )
        for request_id, error in failed.items():
            console.print(f"  {request_id}: {error}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("overdue")
def overdue_command(
    ctx: typer.Context,
    office: str | None = typer.Option(
        None, "--office", help="기관 코드 / Only this office (e.g. moel-seoul-gangnam)."
    ),
    today: str | None = typer.Option(
        None, "--today", help="기준일 YYYY-MM-DD (기본: 오늘) / The day (default: today, Seoul)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """처리 기한이 지난 민원 / Open requests past their deadline, most overdue first."""
    from ilteo.core.db import session_scope
    from ilteo.desk.deadlines import SEOUL, working_days_between
    from ilteo.desk.queue import overdue

    day = _day(today, "--today") or datetime.now(SEOUL).date()
    with session_scope(_store(ctx)) as session:
        rows: list[dict[str, Any]] = [
            {
                "tracking_number": r.id,
                "received_at": r.received_at,
                "status": r.status,
                "category": r.category,
                "office_code": r.office_code,
                "office_name": (r.route or {}).get("office_name"),
                "deadline": r.deadline,
                "working_days_late": working_days_between(r.deadline, day) - 1
                if r.deadline
                else None,
                "assigned_to": r.assigned_to,
                "urgent": list(r.urgent or []),
            }
            for r in overdue(session, today=day, office_code=office)
        ]
    if as_json:
        print_json({"today": day, "office_code": office, "count": len(rows), "requests": rows})
        return
    from rich.table import Table

    if not rows:
        console.print(f"기한이 지난 민원이 없습니다 / nothing overdue on {day.isoformat()}")
        return
    table = Table(title=f"기한 초과 / overdue on {day.isoformat()}: {len(rows)}")
    for column in ("접수번호 / number", "분류 / category", "기관 / office", "기한 / due",
                   "지연 / late", "담당 / assignee", "상태 / status"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["tracking_number"]),
            str(row["category"] or "-"),
            str(row["office_code"] or "-"),
            str(row["deadline"] or "-"),
            str(row["working_days_late"] if row["working_days_late"] is not None else "-"),
            str(row["assigned_to"] or "-"),
            str(row["status"]) + (" !" if row["urgent"] else ""),
        )
    console.print(table)


@app.command("retrain")
def retrain_command(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """분류기 재학습(직원 수정 반영) / Retrain the classifier with the staff's corrections."""
    from ilteo.core.db import session_scope
    from ilteo.desk.queue import retrain

    settings = _store(ctx)
    try:
        with session_scope(settings) as session:
            result = retrain(session, settings)
    except InvalidInputError as error:
        raise fail(error.detail, code=2) from None
    if as_json:
        print_json(
            {
                "previous_version": result.previous_version,
                "version": result.version,
                "corrections": result.corrections,
                "metrics": result.metrics,
            }
        )
        return
    metrics = result.metrics
    console.print(
        f"모델 / model: {result.previous_version} → {result.version}\n"
        f"반영한 수정 / corrections used: {result.corrections}\n"
        f"보류 평가셋 / held-out labelled set (n={metrics.get('n')}): "
        f"accuracy {metrics.get('accuracy')}, macro-F1 {metrics.get('macro_f1')}",
        highlight=False,
    )


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="시작일 / From (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="종료일 / To (YYYY-MM-DD)."),
    as_json: bool = JSON_OPTION,
    as_csv: bool = typer.Option(
        False, "--csv", help="CSV로 출력(공공데이터) / Print the open-data CSV."
    ),
) -> None:
    """처리 기한 준수 통계(공개) / Public timeliness statistics by category and office."""
    from ilteo.core.db import session_scope
    from ilteo.desk.stats import public_stats, stats_csv, stats_json

    if as_json and as_csv:
        raise fail("--json 과 --csv 중 하나만 / choose --json or --csv", code=2)
    start, end = _day(since, "--since"), _day(until, "--until")
    try:
        with session_scope(_store(ctx)) as session:
            stats = public_stats(session, since=start, until=end)
    except InvalidInputError as error:
        raise fail(error.detail, code=2) from None
    if as_csv:
        sys.stdout.write(stats_csv(stats))
        return
    data = stats_json(stats)
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    def shown(value: object) -> str:
        if value is None:
            return f"<{stats.suppressed_below}"
        if isinstance(value, float):
            return f"{value:.1%}" if value <= 1 else f"{value:.1f}"
        return str(value)

    for title, rows in (("분류별 / by category", data["by_category"]),
                        ("기관별 / by office", data["by_office"])):  # fmt: skip
        table = Table(title=f"{title} ({data['since']} - {data['until']})")
        for column in ("", "received", "answered", "on_time_rate", "median_days", "open_overdue"):
            table.add_column(column)
        for row in [*rows, data["total"]]:
            table.add_row(
                str(row["label_ko"]),
                shown(row["received"]),
                shown(row["answered"]),
                "-" if row["on_time_rate"] is None else f"{row['on_time_rate']:.1%}",
                "-" if row["median_days"] is None else f"{row['median_days']:.1f}",
                shown(row["open_overdue"]),
            )
        console.print(table)
    console.print(
        f"{stats.suppressed_below}건 미만은 표시하지 않습니다 / counts under "
        f"{stats.suppressed_below} are not shown; days are working days"
    )


def _store(ctx: typer.Context) -> Settings:
    """The settings, with the operational store migrated to the newest schema."""
    from ilteo.core.db import upgrade

    settings = settings_of(ctx)
    upgrade(settings)
    return settings


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: YYYY-MM-DD 형식 / not a date: {value!r}", code=2) from None
