"""``ilteo desk``: the one window's triage from the command line.

``triage [--text TEXT] [--address ADDRESS] [--json]`` reads one request (standard input when
``--text`` is absent) and prints its triage: the category with confidence and the runners-up, the
route with its reason, urgency flags, the masked text, the summary, the suggested answer with its
sources, and the deadline. Nothing is stored: filing a request is the intake's job.
"""

from __future__ import annotations

import sys

import typer

from ilteo.cli._output import JSON_OPTION, console, fail, print_json, settings_of
from ilteo.core.errors import InvalidInputError

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
