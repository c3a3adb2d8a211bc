"""``ilteo monitor``: AI impact monitoring (the project's KSCO 8 ↔ ISCO-08 crosswalk so far).

A door: every command calls :mod:`ilteo.monitor` service functions, imported lazily inside the
command so ``ilteo --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json, settings_of

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="AI 영향 모니터링 / AI impact monitoring: crosswalk and exposure profiles.",
    no_args_is_help=True,
)

NOTE = (
    "공식 연계표가 아닙니다; 검토된 보정 파일이 이를 고칩니다 / not an official correspondence "
    "table; reviewed overrides correct it."
)


@app.command("crosswalk")
def crosswalk(
    ctx: typer.Context,
    out: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None, "--out", help="CSV로 저장 / Write the crosswalk CSV (the published artefact) here."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """KSCO 8 → ISCO-08 연계표 / Build the crosswalk and show its coverage."""
    from ilteo.monitor.crosswalk import coverage, crosswalk_to_csv, ksco_isco_crosswalk

    built = ksco_isco_crosswalk(settings_of(ctx))
    figures = coverage(built)
    if out is not None:
        figures["csv"] = str(crosswalk_to_csv(built, out))
    if json_out:
        print_json(figures)
        return
    console.print(
        f"KSCO 8 단위 {figures['ksco_units']}개 중 연결 {figures['ksco_linked']}, "
        f"신뢰도 ≥ {figures['confidence_threshold']}: {figures['ksco_confident_share']:.1%}; "
        f"ISCO-08 단위 {figures['isco_reached']}/{figures['isco_units']} 도달; "
        f"방법 / methods {figures['methods_of_best_link']}; {figures['build_seconds']} s",
        highlight=False,
    )
    if out is not None:
        console.print(f"CSV: {out}", highlight=False)
    console.print(NOTE, highlight=False)


@app.command("lossy")
def lossy(ctx: typer.Context, json_out: bool = JSON_OPTION) -> None:
    """손실 그룹 / One-to-many and many-to-one groups of the crosswalk."""
    from ilteo.monitor.crosswalk import ksco_isco_crosswalk, lossy_groups

    built = ksco_isco_crosswalk(settings_of(ctx))
    groups = lossy_groups(built)
    if json_out:
        print_json(groups)
        return
    counts = groups["counts"]
    console.print(
        f"일대다 / one-to-many: {counts['one_to_many']} KSCO; "
        f"다대일 / many-to-one: {counts['many_to_one']} ISCO "
        f"({counts['ksco_in_many_to_one']} KSCO links)",
        highlight=False,
    )
    for code, targets in groups["one_to_many"].items():
        console.print(f"  {code} {built.ksco[code].title} → {', '.join(targets)}", highlight=False)
    console.print(NOTE, highlight=False)


@app.command("exposure")
def exposure(
    ctx: typer.Context,
    occupation: str = typer.Option(
        ...,
        "--occupation",
        help="직업 코드 / Occupation code: KSCO 8 or ISCO-08 (4 digits), SOC (15-1252) or "
        "O*NET-SOC (15-1252.00).",
    ),
    system: str | None = typer.Option(
        None,
        "--system",
        help="분류 / Force the system: ksco8, isco08, soc or onet (default: from the code's "
        "form; 4-digit codes are KSCO 8).",
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """직업의 AI 노출 프로필 / An occupation's AI-exposure profile (KSCO 8, ISCO-08, SOC, O*NET)."""
    from ilteo.monitor.lookup import exposure_lookup

    answer = exposure_lookup(settings_of(ctx), occupation, system)
    if json_out:
        print_json(answer.to_json())
        return
    title = answer.title_ko or answer.title or ""
    console.print(f"{answer.system} {answer.code} {title}", highlight=False)
    if answer.ksco is not None:
        found = answer.ksco
        console.print(
            f"  종합 / combined {found.combined:.2f} [{found.band_low:.2f}-{found.band_high:.2f}], "
            f"{found.gradient}, {found.leaning}",
            highlight=False,
        )
        for driver in found.drivers[:3]:
            console.print(f"  · {driver.task} ({driver.score:.2f})", highlight=False)
    for reached in answer.isco:
        if reached.profile is None:
            console.print(f"  ISCO-08 {reached.isco08} {reached.title}: {reached.missing}")
            continue
        p = reached.profile
        confidence = f", 신뢰도 {reached.confidence:.2f}" if reached.confidence is not None else ""
        console.print(
            f"  ISCO-08 {p.isco08} {p.title}: {p.combined:.2f} "
            f"[{p.band_low:.2f}-{p.band_high:.2f}] ({reached.via}{confidence})",
            highlight=False,
        )
    for score in answer.native_scores:
        value = "—" if score.value is None else f"{score.value:.4g}"
        console.print(
            f"  {score.index} {score.system} {score.code}: {value} ({score.version})",
            highlight=False,
        )
    missing = sorted({s for r in answer.isco if r.profile for s in r.profile.missing_sources})
    if missing:
        console.print(
            f"빠진 출처 / sources missing: {', '.join(missing)} (가중치 재정규화 / weights "
            "renormalised)",
            highlight=False,
        )
    for note in answer.notes:
        console.print(note, highlight=False)
    console.print(answer.caveat, highlight=False)
