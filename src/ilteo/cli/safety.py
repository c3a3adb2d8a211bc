"""``ilteo safety``: industrial-accident risk, inspection targeting and their evaluation.

- ``train [--min-cases N] [--json]`` learns the risk model from the lake (every year with a
  known next-year outcome; the last one calibrates) and makes it the current one.
- ``score [--top N] [--json]`` scores every active workplace of the lake with the current model
  and the one window's safety requests of the last twelve months; prints the top workplaces.
- ``targets --k N [--random-share 0.1] [--seed S] [--queue] [--json]`` chooses K workplaces by
  expected injuries averted, a share of them at random; ``--queue`` adds them to the inspection
  queue.
- ``evaluate [--table FILE] [--k N] [--json] [--out DIR]`` trains on the years before the last
  one and compares the model with last year's rate (SST-like) and the industry x size rate:
  capture@K and injuries averted, by industry and size. Without ``--table`` it runs on the
  synthetic panel (``--workplaces``, ``--years``, ``--seed``), labelled synthetic.
- ``panel --out FILE`` writes the synthetic panel in the OSHA 300A column layout (CSV or Parquet).
- ``inspections [--status queued|done|cancelled] [--json]`` lists the inspection queue.
- ``report`` writes the accident and disaster data report (:mod:`ilteo.cli.safety_report`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ilteo.cli._output import JSON_OPTION, console, fail, print_json, settings_of
from ilteo.core.settings import Settings

app = typer.Typer(
    help="산업재해 위험과 감독 대상 / Industrial-accident risk and inspection targeting.",
    no_args_is_help=True,
)


@app.callback()
def safety() -> None:
    """산업재해 위험 예측·감독 대상 선정 / Accident risk, inspection targeting, evaluation."""


def _store(ctx: typer.Context) -> Settings:
    from ilteo.core.db import upgrade

    settings = settings_of(ctx)
    upgrade(settings)
    return settings


@app.command("train")
def train_command(
    ctx: typer.Context,
    min_cases: int = typer.Option(
        30, "--min-cases", min=1, help="최소 재해 사례 / Fewest serious cases to learn from."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """위험 모델 학습 / Train the risk model on the lake (time split, calibrated)."""
    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import session_scope
    from ilteo.safety.service import train

    settings = _store(ctx)
    with session_scope(settings) as session, progress_bar("위험 모델 / risk model") as advance:
        model = train(settings, session, min_positives=min_cases, progress=advance)
    calibration = model.metrics["training"]["calibration"]
    if as_json:
        print_json(
            {
                "version": model.version,
                "train_years": list(model.train_years),
                "calibration_year": model.calibration_year,
                "synthetic": model.synthetic,
                "metrics": model.metrics,
            }
        )
        return
    console.print(f"모델 / model {model.version}: feature years {list(model.train_years)}")
    if calibration.get("auc") is not None:
        console.print(
            f"보정 / calibration on {model.calibration_year or 'out-of-fold'}: "
            f"AUC {calibration['auc']:.3f}, Brier {calibration['brier']:.4f}, "
            f"ECE {calibration['ece']:.4f} ({calibration['n']:,} workplaces)",
            highlight=False,
        )
    if model.synthetic:
        from ilteo.safety.panel import SYNTHETIC_LABEL

        console.print(SYNTHETIC_LABEL)


@app.command("score")
def score_command(
    ctx: typer.Context,
    top: int = typer.Option(10, "--top", min=0, max=1000, help="상위 N곳 / Show the top N."),
    as_json: bool = JSON_OPTION,
) -> None:
    """사업장 위험 점수 / Score every workplace of the lake with the current model."""
    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import session_scope
    from ilteo.safety.room import high_risk
    from ilteo.safety.service import score

    settings = _store(ctx)
    with session_scope(settings) as session, progress_bar("위험 점수 / scoring") as advance:
        run = score(settings, session, progress=advance)
    best = high_risk(settings, top=top)["workplaces"] if top else []
    if as_json:
        print_json({**run.to_json(), "top": best})
        return
    console.print(
        f"{run.workplaces:,} workplaces scored on {run.year} with model {run.model_version}; "
        f"{run.no_history:,} without history (scored on industry, size and region only), "
        f"{run.unknown_industry:,} with an unknown industry code",
        highlight=False,
    )
    for w in best:
        why = "; ".join(
            f"{r['label_en']} {'+' if r['contribution'] > 0 else '-'}" for r in w["reasons"][:3]
        )
        console.print(
            f"{w['rank']:>4} {w['master_id']} {w['name'] or ''} ({w['sido_name']}) "
            f"p={w['p_serious']:.1%} averted={w['averted']:.3f} [{why}]",
            highlight=False,
            markup=False,
        )
    if run.synthetic:
        from ilteo.safety.panel import SYNTHETIC_LABEL

        console.print(SYNTHETIC_LABEL)


@app.command("targets")
def targets_command(
    ctx: typer.Context,
    k: int = typer.Option(..., "--k", min=1, help="감독 사업장 수 / Workplaces to inspect."),
    random_share: float = typer.Option(
        0.1, "--random-share", min=0.0, max=0.99, help="무작위 비율 / Share drawn at random."
    ),
    seed: int | None = typer.Option(None, "--seed", help="무작위 씨앗 / Seed of the draw."),
    queue: bool = typer.Option(
        False, "--queue", help="감독 대기열에 넣습니다 / Add them to the inspection queue."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """감독 대상 선정 / Choose K workplaces by expected injuries averted."""
    from ilteo.core.db import session_scope
    from ilteo.safety.panel import EFFECT_SOURCE
    from ilteo.safety.service import targets

    settings = _store(ctx)
    with session_scope(settings) as session:
        chosen = targets(
            settings,
            k,
            random_share=random_share,
            seed=seed,
            session=session,
            queue=queue,
            actor="cli",
        )
    columns = [
        "master_id", "name", "sido_code", "industry_code", "size_class", "employees",
        "p_serious", "expected_cases", "effect", "averted", "selection",
    ]  # fmt: skip
    if "inspection_id" in chosen.columns:
        columns.append("inspection_id")
    rows = chosen.select(columns).to_dicts()
    if as_json:
        print_json(
            {
                "k": k,
                "random_share": random_share,
                "seed": int(chosen["seed"][0]),
                "queued": queue,
                "effect_source": EFFECT_SOURCE,
                "expected_averted": float(chosen["averted"].sum()),
                "targets": rows,
            }
        )
        return
    for r in rows:
        console.print(
            f"{r['master_id']} {r['name'] or ''} {r['selection']:<6} p={r['p_serious']:.1%} "
            f"averted={r['averted']:.3f}" + (f" {r['inspection_id']}" if queue else ""),
            highlight=False,
        )
    console.print(
        f"예상 예방 재해 / expected injuries averted: {float(chosen['averted'].sum()):.2f} "
        f"({int((chosen['selection'] == 'random').sum())} random)" + (" — queued" if queue else ""),
        highlight=False,
    )


@app.command("evaluate")
def evaluate_command(
    ctx: typer.Context,
    table: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None, "--table", help="OSHA 300A 형식 표 / A 300A-layout table (CSV or Parquet)."
    ),
    k: int | None = typer.Option(None, "--k", min=1, help="K (default: 1% of workplaces)."),
    random_share: float = typer.Option(0.1, "--random-share", min=0.0, max=0.99),
    test_year: int | None = typer.Option(None, "--test-year", help="시험 연도 / Test year."),
    workplaces: int = typer.Option(
        50_000, "--workplaces", min=100, help="합성 패널 사업장 수 / Synthetic panel size."
    ),
    years: int = typer.Option(5, "--years", min=3, max=30, help="합성 패널 연수 / Its years."),
    seed: int = typer.Option(42, "--seed", help="씨앗 / Seed of the panel and the draws."),
    out: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None, "--out", help="결과 폴더 / Write result.json, result.md, reliability.svg there."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """모델과 기준선 비교 / Evaluate the model against SST-like and industry x size targeting."""
    from ilteo.cli._progress import progress_bar
    from ilteo.safety.evaluation import evaluate, render_markdown
    from ilteo.safety.panel import PanelSpec, simulate
    from ilteo.safety.table import read_table, validate

    settings = settings_of(ctx)
    with progress_bar("평가 / evaluation") as advance:
        if table is not None:
            checked = read_table(table, settings=settings)
        else:
            spec = PanelSpec(workplaces=workplaces, years=years, seed=seed)
            panel = simulate(settings, spec, progress=advance)
            source = f"synthetic panel ({workplaces:,} workplaces x {years} years, seed {seed})"
            checked = validate(panel, source=source, synthetic=True, settings=settings)
        result = evaluate(
            checked,
            k=k,
            random_share=random_share,
            test_year=test_year,
            seed=seed,
            progress=advance,
        )
    if out is not None:
        _write_results(result, out)
    if as_json:
        print_json(result)
        return
    console.print(render_markdown(result), highlight=False, markup=False)
    if out is not None:
        console.print(f"저장 / written: {out}", highlight=False)


def _write_results(result: dict[str, Any], out: Path) -> None:
    from ilteo.monitor.charts import render_svg
    from ilteo.safety.evaluation import render_markdown
    from ilteo.safety.model import reliability_spec

    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    (out / "result.md").write_text(render_markdown(result), "utf-8")
    spec = reliability_spec(
        result["model"]["test"],
        title=f"보정 / calibration, {result['test_year']} → {result['outcome_year']}",
    )
    (out / "reliability.vl.json").write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    try:
        (out / "reliability.svg").write_text(render_svg(spec), "utf-8")
    except Exception as exc:  # the chart is optional; the numbers are written
        console.print(f"차트를 그리지 못했습니다 / chart not drawn: {exc}", highlight=False)


@app.command("panel")
def panel_command(
    ctx: typer.Context,
    out: Path = typer.Option(  # noqa: B008 - Typer declares options this way
        ..., "--out", help="파일 (.csv 또는 .parquet) / Output file (.csv or .parquet)."
    ),
    workplaces: int = typer.Option(20_000, "--workplaces", min=100),
    years: int = typer.Option(5, "--years", min=2, max=30),
    seed: int = typer.Option(42, "--seed"),
    as_json: bool = JSON_OPTION,
) -> None:
    """합성 패널 (OSHA 300A 형식) / Write the synthetic panel in the 300A column layout."""
    from ilteo.cli._progress import progress_bar
    from ilteo.safety.panel import SYNTHETIC_LABEL, PanelSpec, simulate
    from ilteo.safety.table import write_table

    if out.suffix.lower() not in {".csv", ".parquet"}:
        raise fail("--out must end in .csv or .parquet", code=2)
    settings = settings_of(ctx)
    with progress_bar("합성 패널 / panel") as advance:
        panel = simulate(
            settings, PanelSpec(workplaces=workplaces, years=years, seed=seed), progress=advance
        )
    write_table(panel, out)
    summary = {"path": str(out), "rows": panel.height, "label": SYNTHETIC_LABEL}
    if as_json:
        print_json(summary)
    else:
        console.print(f"{panel.height:,} rows → {out} ({SYNTHETIC_LABEL})", highlight=False)


@app.command("inspections")
def inspections_command(
    ctx: typer.Context,
    status: str = typer.Option("queued", "--status", help="queued | done | cancelled"),
    page: int = typer.Option(1, "--page", min=1),
    as_json: bool = JSON_OPTION,
) -> None:
    """감독 대기열 / The inspection queue."""
    from ilteo.core.db import session_scope
    from ilteo.safety.models import INSPECTION_STATUSES
    from ilteo.safety.service import inspection_json, inspections

    if status not in INSPECTION_STATUSES:
        raise fail(f"--status: one of {', '.join(INSPECTION_STATUSES)}", code=2)
    with session_scope(_store(ctx)) as session:
        rows, total = inspections(session, status=status, page=page)
        found = [inspection_json(i) for i in rows]
    if as_json:
        print_json({"total": total, "page": page, "inspections": found})
        return
    for i in found:
        console.print(
            f"{i['id']} {i['master_workplace_id']} {i['workplace_name']} {i['selection']} "
            f"due {i['due_on']}",
            highlight=False,
        )
    console.print(f"{total:,} {status}", highlight=False)


from ilteo.cli import safety_report  # noqa: E402 - the report's command joins this app

safety_report.register(app)
