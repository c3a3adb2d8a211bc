"""``ilteo guideline``: check any OpenAPI document against the Open API guideline's checklist.

Exit codes: 0 when no rule fails (warnings allowed), 1 when a rule fails, 2 when the document
cannot be read or is not OpenAPI 3.x (the runner prints that as one message, no traceback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

if TYPE_CHECKING:
    from ilteo.guideline import RuleResult

app = typer.Typer(
    help="Open API·Open MCP 표준 가이드라인 / The Open API and Open MCP standard guideline.",
    no_args_is_help=True,
)

#: Locations shown per rule in the table (JSON always has all of them).
_SHOWN = 8
_STYLE = {
    "pass": "[green]통과 pass[/]",
    "fail": "[red]실패 fail[/]",
    "warn": "[yellow]주의 warn[/]",
}


@app.command("check")
def check(
    source: str = typer.Argument(
        ...,
        help="OpenAPI 문서의 URL 또는 파일 / URL (http/https) or file of an OpenAPI 3.x document.",
    ),
    timeout: float = typer.Option(
        10.0, "--timeout", min=0.1, help="URL을 기다리는 초 / Seconds to wait for the URL."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """적합성 점검 / Run the machine-checkable rules of the checklist against a document."""
    from ilteo.guideline import check_document, load_document

    results = check_document(load_document(source, timeout=timeout))
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "warn")}
    if json_out:
        print_json({"source": source, "summary": counts, "results": [r.to_dict() for r in results]})
    else:
        _print_table(source, results)
        console.print(
            f"통과 pass {counts['pass']} · 실패 fail {counts['fail']} · 주의 warn {counts['warn']}"
            " — docs/guideline/checklist.md"
        )
    if counts["fail"]:
        raise typer.Exit(1)


def _print_table(source: str, results: list[RuleResult]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"가이드라인 점검 / Guideline check: {escape(source)}")
    for header in ("규칙 / rule", "상태 / status", "위치 / where", "내용 / message"):
        table.add_column(header, overflow="fold")
    for result in results:
        title = f"{result.rule.id} {result.rule.title_ko}"
        if not result.findings:
            table.add_row(title, _STYLE["pass"], "", "")
            continue
        for index, finding in enumerate(result.findings[:_SHOWN]):
            table.add_row(
                title if index == 0 else "",
                _STYLE[finding.status],
                escape(finding.where),
                escape(finding.message),
            )
        if len(result.findings) > _SHOWN:
            table.add_row("", "", f"… 외 {len(result.findings) - _SHOWN}건 / more", "")
    console.print(table)
