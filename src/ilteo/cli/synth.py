"""``ilteo synth``: write a synthetic country's source-system extracts and their ground truth."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

app = typer.Typer(
    help="합성 국가 데이터 생성 / Write synthetic source-system extracts with ground truth.",
    invoke_without_command=True,
    no_args_is_help=False,
)

_OUT_OPTION = typer.Option(
    None, "--out", "-o", help="출력 폴더 (필수) / Output folder (required).", dir_okay=True
)
_PARAMS_OPTION = typer.Option(None, "--params", help="매개변수 YAML / Parameter overrides.")

#: Largest country the command accepts (the room's ``max_persons`` parameter says the same).
MAX_PERSONS = 50_000_000


def _whole(value: str | None, option: str, low: int, high: int) -> int:
    """Parse a whole number option (``_`` or ``,`` allowed as thousands separators).

    >>> _whole("1_000_000", "--persons", 1, MAX_PERSONS)
    1000000

    Raises:
        InvalidInputError: When missing, not a whole number, or outside ``[low, high]``.
    """
    from ilteo.core.errors import InvalidInputError

    text = (value or "").strip()
    pattern = r"[+-]?\d[\d_,]*"
    number = int(text.replace("_", "").replace(",", "")) if re.fullmatch(pattern, text) else None
    if number is None or not low <= number <= high:
        raise InvalidInputError(
            f"{option}는 {low:,} 이상 {high:,} 이하의 정수여야 합니다 / {option} must be a whole "
            f"number from {low:,} to {high:,}, got {text or '(none)'!r}"
        )
    return number


@app.callback()
def synth(
    persons: str | None = typer.Option(
        None,
        "--persons",
        "-n",
        metavar="N",
        help=f"사람 수 (1~{MAX_PERSONS:,}, 필수) / Number of persons (1 to {MAX_PERSONS:,}; "
        "required).",
    ),
    out: Path | None = _OUT_OPTION,
    seed: str = typer.Option("0", "--seed", "-s", metavar="S", help="난수 시드 / Random seed."),
    shock: str | None = typer.Option(
        None,
        "--shock",
        help="AI 충격: '2222,2223:2025-03:sep=1.8,hire=0.6' 또는 YAML 파일 / AI shock spec or a "
        "YAML file.",
    ),
    start: str = typer.Option("2023-01", "--start", help="첫 달 YYYY-MM / First month."),
    months: str = typer.Option("36", "--months", metavar="M", help="개월 수 / Number of months."),
    params: Path | None = _PARAMS_OPTION,
    overwrite: bool = typer.Option(
        False, "--overwrite", help="기존 결과를 바꿉니다 / Replace existing outputs."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """합성 국가를 생성합니다 / Generate the synthetic country into --out.

    고용보험, 사업장·산재, 구직·상담, 직업훈련(CP949 CSV), 급여, 민원 추출본과 ground_truth/ 폴더를
    씁니다. / Writes each source system's extract in its own format plus ground_truth/.
    """
    from ilteo.core.errors import InvalidInputError
    from ilteo.synth import check_output_dir, generate, load_params, parse_shock

    count = _whole(persons, "--persons", 1, MAX_PERSONS)
    if out is None:
        raise InvalidInputError(
            "--out 출력 폴더가 필요합니다 / --out (the output folder) is required"
        )
    seed_value = _whole(seed, "--seed", 0, 2**63 - 1)
    month_count = _whole(months, "--months", 1, 240)
    shocks = parse_shock(shock) if shock else []
    parameters = load_params(params) if params else None
    check_output_dir(out, overwrite)
    if json_out:
        manifest = generate(
            out,
            count,
            seed_value,
            start=start,
            months=month_count,
            shocks=shocks,
            params=parameters,
            overwrite=overwrite,
        )
        print_json(manifest)
        return
    from ilteo.cli._progress import progress_bar

    with progress_bar("합성 국가 / synthetic country") as advance:
        manifest = generate(
            out,
            count,
            seed_value,
            start=start,
            months=month_count,
            shocks=shocks,
            params=parameters,
            overwrite=overwrite,
            progress=advance,
        )
    _summary(out, manifest)


def _summary(out: Path, manifest: dict[str, Any]) -> None:
    from rich.table import Table

    files: dict[str, dict[str, Any]] = manifest["files"]
    table = Table(title=f"{out} ({manifest['start_month']} ~ {manifest['end_month']})")
    table.add_column("파일 / file")
    table.add_column("형식 / format")
    table.add_column("행 / rows", justify="right")
    for path, entry in files.items():
        table.add_row(path, str(entry["format"]), f"{entry['rows']:,}")
    console.print(table)
    console.print(
        f"[bold]{manifest['persons']:,}[/]명 / persons, seed {manifest['seed']} — "
        "모든 사람은 합성입니다 / every person is synthetic."
    )
