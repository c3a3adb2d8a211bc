"""``ilteo benefits``: what a person is entitled to, checked against the rules as code.

``check --input FILE.json`` (``-`` reads standard input) evaluates every programme of
:mod:`ilteo.benefits` for the person the file describes (the JSON of ``docs/benefits.md``) and
prints each programme's answer: eligible, amounts in won, reasons, the articles of law and what is
missing. ``--json`` prints the same body as ``POST /v1/benefits/check``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

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
    as_json: bool = JSON_OPTION,
) -> None:
    """미청구 수급 대상 찾기 / Find people entitled to the job-seeking allowance, not claiming."""
    from datetime import date

    from ilteo.benefits.scan import default_day, scan
    from ilteo.cli._output import settings_of
    from ilteo.core.errors import DataUnavailableError

    settings = settings_of(ctx)
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
    if as_json:
        print_json({**result.summary(), "people": result.not_claiming.head(top).to_dicts()})
        return
    summary = result.summary()
    console.print(
        f"{summary['as_of']}: 이직자 / separated {summary['separated']:,}; 구직급여 수급 가능 / "
        f"eligible {summary['eligible_job_seeking_allowance']:,}; 청구 / claimed "
        f"{summary['claimed']:,}; 미청구 / not claiming {summary['eligible_not_claiming']:,} "
        f"({summary['seconds']} s)"
    )
    if top and result.not_claiming.height:
        console.print(result.not_claiming.head(top))
