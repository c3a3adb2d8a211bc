"""``ilteo reference``: the reference datasets (status, load, fetch) and code look-ups.

A door: every command calls the reference room's service functions, imported lazily inside the
command so ``ilteo --help`` stays fast. Errors are :class:`ilteo.core.errors.IlteoError` subclasses,
which the main runner prints without a traceback (exit 2 for bad input, 1 otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    from ilteo.reference.schemas import IndustryDetail, OccupationDetail

app = typer.Typer(
    help="기준 데이터: 직업·산업 분류, 연계표, AI 노출 지수 / Reference data: occupation and "
    "industry codes, crosswalks, AI-exposure indices.",
    no_args_is_help=True,
)

OCCUPATION_SYSTEMS = ("ksco8", "onet", "isco08", "soc2010", "soc2018")


def _mark(value: bool) -> str:
    return "[green]✓[/]" if value else "[red]✗[/]"


@app.command("status")
def status(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """데이터셋 상태 / Show which datasets are present, intact and cached."""
    from rich.table import Table

    from ilteo.reference.status import dataset_status

    rows = dataset_status(settings_of(ctx))
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title="기준 데이터 / Reference datasets", show_lines=False)
    for header in ("id", "제목 / title", "버전 / version", "있음", "체크섬", "캐시", "행 / rows",
                   "평가 전용", "메시지 / message"):  # fmt: skip
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            row.id, row.title_ko, row.version, _mark(row.present), _mark(row.checksum_ok),
            _mark(row.cached), f"{row.rows:,}" if row.rows is not None else "-",
            "예 / yes" if row.evaluation_only else "", row.message,
        )  # fmt: skip
    console.print(table)


@app.command("load")
def load(
    ctx: typer.Context,
    datasets: list[str] | None = typer.Argument(  # noqa: B008 - Typer declares options this way
        None, help="불러올 데이터셋 id (생략하면 전부) / Dataset ids (all when omitted)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """검증 후 캐시 / Validate checksums and schemas and cache the tables as Parquet."""
    from ilteo.cli._progress import progress_bar
    from ilteo.reference.datasets import dataset_ids
    from ilteo.reference.loading import load_all

    _check_ids(datasets or [], dataset_ids())
    settings = settings_of(ctx)
    if json_out:
        results = load_all(settings, datasets=datasets or None)
        print_json([r.model_dump(mode="json") for r in results])
        return
    with progress_bar("검증·캐시 / validating") as advance:
        results = load_all(settings, advance, datasets=datasets or None)
    fresh = sum(not r.from_cache for r in results)
    console.print(
        f"{len(results)}개 표 준비됨 (새로 검증 {fresh}) / {len(results)} tables ready "
        f"({fresh} validated now, {len(results) - fresh} from cache): "
        f"{sum(r.rows for r in results):,} rows."
    )


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    ids: list[str] | None = typer.Argument(  # noqa: B008 - Typer declares options this way
        None, help="받을 데이터셋 id (생략하면 전부) / Dataset ids (all when omitted)."
    ),
    dest: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None,
        "--dest",
        help="저장할 폴더 / Folder to write into (default: ILTEO_REFERENCE_DIR "
        "or $ILTEO_HOME/reference).",
    ),
    mirror: str | None = typer.Option(
        None,
        "--mirror",
        help="원 주소의 scheme+host를 이 주소로 바꿉니다 / Send every request "
        "to this http(s)://host instead of the origin's host (the path is kept).",
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """공개 원본에서 내려받기 / Download datasets from their public origins into the layout."""
    from rich.table import Table

    from ilteo.cli._progress import progress_bar
    from ilteo.reference.datasets import dataset_ids
    from ilteo.reference.fetch import check_mirror, fetch_datasets

    _check_ids(ids or [], dataset_ids())
    check_mirror(mirror)
    settings = settings_of(ctx)
    if json_out:
        results = fetch_datasets(ids, dest=dest, mirror=mirror, settings=settings)
        print_json([r.model_dump(mode="json") for r in results])
        return
    with progress_bar("내려받기 / downloading") as advance:
        results = fetch_datasets(ids, dest=dest, mirror=mirror, settings=settings,
                                 progress=advance)  # fmt: skip
    table = Table(title="받은 데이터 / Fetched")
    for header in ("id", "파일 / files", "체크섬 일치 / identical", "폴더 / folder"):
        table.add_column(header, overflow="fold")
    for result in results:
        same = sum(f.matches_declaration for f in result.files)
        table.add_row(result.dataset, str(len(result.files)), f"{same}/{len(result.files)}",
                      result.folder)  # fmt: skip
    console.print(table)


@app.command("search")
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="코드 또는 이름 / A code or (part of) a name."),
    system: str | None = typer.Option(
        None, "--system", help="직업분류 / Occupation system: " + ", ".join(OCCUPATION_SYSTEMS)
    ),
    industry: bool = typer.Option(
        False, "--industry", help="산업(KSIC)을 찾습니다 / Search KSIC industries instead."
    ),
    revision: str = typer.Option("11", "--revision", help="KSIC 개정 (10|11) / KSIC revision."),
    limit: int = typer.Option(20, "--limit", help="최대 결과 수 / At most this many results."),
    json_out: bool = JSON_OPTION,
) -> None:
    """직업·산업 검색 / Search occupations (KSCO 8, O*NET-SOC …) or KSIC industries."""
    from rich.table import Table

    settings = settings_of(ctx)
    if industry:
        from ilteo.reference.search import search_industries

        found = search_industries(query, revision=revision, limit=limit, settings=settings)
        rows = [(f"KSIC {f.revision}", f.code, f.level, f.name_ko, "") for f in found]
    else:
        from ilteo.reference.search import search_occupations

        hits = search_occupations(query, system=system, limit=limit, settings=settings)
        rows = [(h.system, h.code, h.level, h.name_ko or "", h.name_en or "") for h in hits]
        found = hits  # type: ignore[assignment]  # both are lists of pydantic models
    if json_out:
        print_json([f.model_dump(mode="json") for f in found])
        return
    table = Table(title=f"'{query}' 검색 결과 / results ({len(rows)})")
    for header in ("분류 / system", "코드 / code", "수준 / level", "이름", "name"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    system: str = typer.Argument(
        ..., help="분류 / System: " + ", ".join(OCCUPATION_SYSTEMS) + ", ksic10, ksic11."
    ),
    code: str = typer.Argument(..., help="코드 / The code."),
    json_out: bool = JSON_OPTION,
) -> None:
    """코드 상세 / One occupation or industry: hierarchy, crosswalk links, exposure scores."""
    settings = settings_of(ctx)
    if system in ("ksic10", "ksic11"):
        from ilteo.reference.lookup import get_industry

        detail = get_industry(code, revision=system.removeprefix("ksic"), settings=settings)
        if json_out:
            print_json(detail.model_dump(mode="json"))
            return
        _print_industry(detail)
        return
    from ilteo.core.errors import InvalidInputError
    from ilteo.reference.lookup import get_occupation

    if system not in OCCUPATION_SYSTEMS:
        raise InvalidInputError(
            f"알 수 없는 분류 '{system}'. / Unknown system '{system}' (one of: "
            f"{', '.join(OCCUPATION_SYSTEMS)}, ksic10, ksic11)."
        )
    occupation = get_occupation(system, code, settings=settings)
    if json_out:
        print_json(occupation.model_dump(mode="json"))
        return
    _print_occupation(occupation)


def _check_ids(ids: list[str], known: list[str]) -> None:
    from ilteo.core.errors import InvalidInputError

    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInputError(
            f"알 수 없는 데이터셋: {', '.join(unknown)}. / Unknown dataset(s): "
            f"{', '.join(unknown)} (known: {', '.join(known)})."
        )


def _print_occupation(detail: OccupationDetail) -> None:
    from rich.table import Table

    console.print(f"[bold]{detail.system} {detail.code}[/] ({detail.level}) "
                  f"{detail.name_ko or ''} {detail.name_en or ''}".rstrip())  # fmt: skip
    if detail.parents:
        console.print("상위 / parents: " + " > ".join(f"{p.code} {p.name_ko or p.name_en or ''}"
                                                       for p in detail.parents))  # fmt: skip
    if detail.children:
        console.print(f"하위 / children: {len(detail.children)}")
    links = Table(title="연계 / crosswalk links")
    for header in ("분류", "코드", "name", "방법 / method", "경유 / via", "잠정"):
        links.add_column(header, overflow="fold")
    for link in detail.links:
        links.add_row(
            link.system,
            link.code,
            link.name_en or link.name_ko or "",
            link.method,
            f"{link.from_system} {link.from_code}",
            "예" if link.provisional else "",
        )
    console.print(links)
    scores = Table(title="AI 노출 점수 (원점수) / raw exposure scores")
    for header in ("지수 / index", "값 / value", "구분", "코드 / code", "출처 / dataset"):
        scores.add_column(header, overflow="fold")
    for score in detail.exposures:
        value = "-" if score.value is None else f"{score.value:.3f}"
        scores.add_row(
            score.index, value, score.category or "", f"{score.system} {score.code}", score.dataset
        )
    console.print(scores)
    for note in [*detail.notes, detail.caveat]:
        console.print(f"[dim]{note}[/]")


def _print_industry(detail: IndustryDetail) -> None:
    console.print(
        f"[bold]KSIC {detail.revision} {detail.code}[/] ({detail.level}) {detail.name_ko}"
    )
    if detail.parents:
        console.print(
            "상위 / parents: " + " > ".join(f"{p.code} {p.name_ko}" for p in detail.parents)
        )
    for child in detail.children:
        console.print(f"  └ {child.code} {child.name_ko}")
    for link in detail.concordance:
        console.print(f"  ↔ KSIC {link.revision} {link.code} {link.name_ko}")
