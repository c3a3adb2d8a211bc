"""``ilteo benefits``: what a person is entitled to, checked against the rules as code.

``check --input FILE.json`` (``-`` reads standard input) evaluates every programme of
:mod:`ilteo.benefits` for the person the file describes (the JSON of ``docs/benefits.md``) and
prints each programme's answer: eligible, amounts in won, reasons, the articles of law and what is
missing. ``--json`` prints the same body as ``POST /v1/benefits/check``.

``scan`` finds people entitled and not claiming, by rule; with ``--notify`` each finding becomes
a notice (once: scanning again creates none) delivered to the portal inbox and the channels.
``outbox`` shows the newest deliveries (recipients masked) and ``outreach`` the staff outreach
lists (counts and rows without names, or the CSV export).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

if TYPE_CHECKING:
    from ilteo.core.settings import Settings

from ilteo.cli._output import JSON_OPTION, console, fail, print_json
from ilteo.core.errors import InvalidInputError

app = typer.Typer(
    help="급여·지원 제도 / Benefits: what a person is entitled to, by the rules of law.",
    no_args_is_help=True,
)


@app.callback()
def benefits() -> None:
    """급여·지원 제도 / Benefits: checks by the rules of law (more commands join: scan, notices)."""


OUT_OPTION = typer.Option(None, "--out", help="찾은 사람 Parquet / Write the people found.")
CSV_OPTION = typer.Option(
    None, "--csv", help="CSV로 모두 내보내기(- 는 표준 출력) / Export all rows as CSV (- = stdout)."
)
CHANNELS_OPTION = typer.Option(
    None,
    "--channels",
    help="포털 외 발송 채널(쉼표) / Channels besides the portal, comma-separated: sms, email, "
    "alimtalk (default: the notice_channels setting; empty: the portal inbox only).",
)
_ELIGIBLE = {True: "예 / yes", False: "아니오 / no", None: "정보 부족 / unknown"}


def _read(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"JSON이 아닙니다 / not JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


def _amounts(answer: dict[str, Any]) -> str:
    skip = {"label_ko", "label_en", "eligible", "reasons", "references", "missing", "trace"}
    parts = [
        f"{k} {v:,}" if isinstance(v, int) and not isinstance(v, bool) else f"{k} {v}"
        for k, v in answer.items()
        if k not in skip and v is not None
    ]
    return "\n".join(parts) or "-"


def print_check(result: dict[str, Any]) -> None:
    """Print a check's answer as a table, then each programme's reasons and references."""
    table = Table(title=f"급여·지원 확인 / benefits check ({result['as_of']})")
    for column in ("제도 / programme", "수급 / eligible", "금액 / amounts"):
        table.add_column(column)
    for answer in result["programs"].values():
        table.add_row(
            f"{answer['label_ko']}\n{answer['label_en']}",
            _ELIGIBLE[answer["eligible"]],
            _amounts(answer),
        )
    console.print(table)
    for answer in result["programs"].values():
        console.print(f"\n[bold]{answer['label_ko']}[/]")
        for reason in answer["reasons"]:
            console.print(f"  - {reason}", highlight=False)
        if answer["missing"]:
            console.print(f"  필요한 정보 / missing: {', '.join(answer['missing'])}")
        for reference in answer["references"]:
            console.print(f"  근거 / basis: {reference['title']} {reference['href']}")
    console.print(f"\n{result['caveat']}")


@app.command("check")
def check_command(
    input_file: str = typer.Option(
        ...,
        "--input",
        help="사람의 JSON 파일(- 는 표준 입력) / The JSON file (- = stdin).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """무엇을 받을 수 있나 / What the person is entitled to: every programme, with the law."""
    from ilteo.benefits.check import check

    try:
        result = check(_read(input_file))
    except (InvalidInputError, OSError) as error:
        detail = error.detail if isinstance(error, InvalidInputError) else str(error)
        raise fail(detail, code=2) from None
    if as_json:
        print_json(result)
        return
    print_check(result)


@app.command("scan")
def scan_command(
    ctx: typer.Context,
    as_of: str = typer.Option(
        "",
        "--as-of",
        help="기준일 YYYY-MM-DD (기본: 레이크 최신 월말) / Day (default: the lake's last).",
    ),
    no_claim_days: int = typer.Option(
        14, "--no-claim-days", min=0, max=365, help="청구 없이 지난 일수 / Days without a claim."
    ),
    out: Path | None = OUT_OPTION,
    top: int = typer.Option(10, "--top", min=0, max=1000, help="보여 줄 사람 수 / People shown."),
    notify: bool = typer.Option(
        False, "--notify", help="찾은 사람에게 안내 쓰기 / Write a notice for each finding."
    ),
    channels: str | None = CHANNELS_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """미청구 수급 대상 찾기 / Find people entitled and not claiming; --notify writes notices."""
    from datetime import date

    from ilteo.benefits.scan import default_day, scan
    from ilteo.cli._output import settings_of
    from ilteo.core.errors import DataUnavailableError

    settings = settings_of(ctx)
    chosen = _channels(channels)
    try:
        day = date.fromisoformat(as_of) if as_of else default_day(settings)
    except ValueError:
        raise fail(f"--as-of: YYYY-MM-DD 형식이 아닙니다 / not a date: {as_of!r}", code=2) from None
    try:
        result = scan(settings, day, no_claim_days)
    except DataUnavailableError as error:
        raise fail(error.detail) from None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        result.not_claiming.write_parquet(out)
    written = _notify(settings, result, chosen) if notify else None
    summary = result.summary()
    if as_json:
        body = {**summary, "people": result.not_claiming.head(top).to_dicts()}
        if written is not None:
            body["notices"] = written
        print_json(body)
        return
    console.print(
        f"{summary['as_of']}: 이직자 / separated {summary['separated']:,}; 구직급여 수급 가능 / "
        f"eligible {summary['eligible_job_seeking_allowance']:,}; 청구 / claimed "
        f"{summary['claimed']:,}; 미청구 / not claiming {summary['eligible_not_claiming']:,} "
        f"({summary['seconds']} s)"
    )
    for rule, count in (summary.get("rules") or {}).items():
        console.print(f"  규칙 / rule {rule}: {count:,}", highlight=False)
    if top and result.not_claiming.height:
        console.print(result.not_claiming.head(top))
    if written is not None:
        _print_written(written)


def _channels(value: str | None) -> tuple[str, ...] | None:
    """The channels of ``--channels`` (``None``: the setting), refusing unknown names (exit 2)."""
    from ilteo.benefits.models import CHANNELS

    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in CHANNELS]
    if unknown:
        raise fail(
            f"--channels: 알 수 없는 채널 / unknown channel(s) {', '.join(unknown)} "
            f"(known: {', '.join(CHANNELS)})",
            code=2,
        )
    return names


def _notify(settings: Settings, result: Any, channels: tuple[str, ...] | None) -> dict[str, Any]:
    """Write the scan's findings as notices in one transaction; the counts as JSON."""
    from ilteo.benefits.notices import write_notices
    from ilteo.core.db import session_scope
    from ilteo.core.errors import ConfigurationError

    try:
        with session_scope(settings) as session:
            written = write_notices(session, settings, result, channels=channels)
    except ConfigurationError as error:
        raise fail(error.detail, code=2) from None
    return written.to_json()


def _print_written(written: dict[str, Any]) -> None:
    console.print(
        f"안내 / notices: 새로 씀 / created {written['created']:,}; 이미 있음 / existing "
        f"{written['existing']:,}",
        highlight=False,
    )
    for rule, count in written["by_rule"].items():
        console.print(f"  새 안내 / new by rule {rule}: {count:,}", highlight=False)
    for channel, statuses in written["deliveries"].items():
        parts = ", ".join(f"{status} {n:,}" for status, n in statuses.items())
        console.print(f"  발송 / deliveries {channel}: {parts}", highlight=False)


@app.command("outbox")
def outbox_command(
    ctx: typer.Context,
    channel: str | None = typer.Option(
        None, "--channel", help="채널 / Only this channel: portal, sms, email, alimtalk."
    ),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="몇 건 / How many, newest."),
    as_json: bool = JSON_OPTION,
) -> None:
    """안내 발송함 / The newest notice deliveries (recipients masked) and counts by channel."""
    from ilteo.benefits.models import CHANNELS
    from ilteo.benefits.notices import delivery_counts, outbox
    from ilteo.cli._output import settings_of
    from ilteo.core.db import session_scope

    if channel is not None and channel not in CHANNELS:
        raise fail(
            f"--channel: 알 수 없는 채널 / unknown channel {channel!r} "
            f"(known: {', '.join(CHANNELS)})",
            code=2,
        )
    settings = settings_of(ctx)
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        entries = outbox(session, key=key, channel=channel, limit=limit)
        counts = delivery_counts(session)
    rows: list[dict[str, Any]] = [
        {
            "id": e.id,
            "created_at": e.created_at.isoformat(),
            "notice_id": e.notice_id,
            "channel": e.channel,
            "status": e.status,
            "recipient": e.recipient,
            "text": e.text,
        }
        for e in entries
    ]
    if as_json:
        print_json({"deliveries": rows, "counts": counts})
        return
    table = Table(title="안내 발송함 / notice outbox")
    for column in ("시각 / at", "채널 / channel", "상태 / status", "수신 / to", "안내 / notice"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["created_at"][:19], row["channel"], row["status"], row["recipient"] or "-",
            row["notice_id"],
        )  # fmt: skip
    console.print(table)
    for name, statuses in counts.items():
        parts = ", ".join(f"{status} {n:,}" for status, n in statuses.items())
        console.print(f"{name}: {parts}", highlight=False)


def _outreach_error(error: InvalidInputError) -> typer.Exit:
    fields = error.extra.get("fields") or []
    options = ", ".join("--" + str(f).replace("_", "-") for f in fields)
    return fail(f"{options}: {error.detail}" if options else error.detail, code=2)


@app.command("outreach")
def outreach_command(
    ctx: typer.Context,
    rule: str | None = typer.Option(None, "--rule", help="규칙 / A scan rule id."),
    programme: str | None = typer.Option(None, "--programme", help="제도 / A programme id."),
    sido: str | None = typer.Option(None, "--sido", help="시도 코드 / A 시도 code (11)."),
    status: str | None = typer.Option(
        None, "--status", help="안내 상태 / new, read, applied, dismissed."
    ),
    age_min: int | None = typer.Option(None, "--age-min", help="최소 나이 / Youngest age."),
    age_max: int | None = typer.Option(None, "--age-max", help="최대 나이 / Oldest age."),
    page: int = typer.Option(1, "--page", min=1, help="쪽 / Page."),
    per_page: int = typer.Option(20, "--per-page", min=1, max=500, help="쪽당 / Rows a page."),
    csv_file: Path | None = CSV_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """찾아가는 안내 대상 / Outreach lists: counts by rule, status and 시도; rows without names."""
    from ilteo.benefits.notices import OutreachFilters, outreach, outreach_csv, outreach_row
    from ilteo.cli._output import settings_of
    from ilteo.core.db import session_scope

    settings = settings_of(ctx)
    filters = OutreachFilters(rule, programme, sido, status, age_min, age_max)
    try:
        with session_scope(settings) as session:
            if csv_file is not None:
                lines = outreach_csv(session, filters)
                if str(csv_file) == "-":
                    for line in lines:
                        sys.stdout.write(line)
                    return
                csv_file.parent.mkdir(parents=True, exist_ok=True)
                with csv_file.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(lines)
                found = outreach(session, filters, page=1, per_page=1)
                console.print(f"{csv_file}: {found.total:,} 행 / rows", highlight=False)
                return
            found = outreach(session, filters, page=page, per_page=per_page)
            rows = [outreach_row(n) for n in found.rows]
    except InvalidInputError as error:
        raise _outreach_error(error) from None
    if as_json:
        print_json(
            {
                "rows": rows,
                "total": found.total,
                "page": found.page,
                "per_page": found.per_page,
                "counts": found.counts,
            }
        )
        return
    counts = found.counts
    console.print(
        f"대상 / notices {found.total:,}; 금액 합계 / amount {counts['amount_krw']:,} 원",
        highlight=False,
    )
    for name in ("by_rule", "by_status", "by_sido"):
        parts = ", ".join(f"{k or '-'} {n:,}" for k, n in counts[name].items())
        console.print(f"  {name}: {parts}", highlight=False)
    table = Table(title=f"안내 대상 / outreach (page {found.page})")
    columns = ("notice_id", "master_id", "rule", "sido", "age", "amount_krw", "status")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if row[c] is None else str(row[c]) for c in columns))
    console.print(table)
