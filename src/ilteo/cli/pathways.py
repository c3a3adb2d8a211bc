"""``ilteo pathways``: next occupations and the courses that close the gap.

A door over :mod:`ilteo.pathways.plan`: ``recommend`` prints an occupation's plan (targets with
codes in both systems, score, filters, pay and exposure change, demand, gaps and courses) and
``person`` the plan of one person of the lake (an operator tool: it reads the lake directly, so
it needs the server's files; staff reads over HTTP are audited instead). ``--json`` prints the
same body as the API and the MCP tools. The plan service is imported inside the commands so
``ilteo --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from ilteo.cli._output import JSON_OPTION, console, fail, print_json, settings_of
from ilteo.core.errors import InvalidInputError, NotFoundError

app = typer.Typer(
    help="전직·훈련 경로 / Transition and training pathways: next occupations and courses.",
    no_args_is_help=True,
)

#: How a filter result reads in the table.
_MARK = {True: "✓", False: "✗", None: "-"}


def _refused(exc: NotFoundError | InvalidInputError) -> typer.Exit:
    """An unknown code or bad input as one message (with the nearest codes) and exit code 2."""
    suggestions = [str(s) for s in exc.extra.get("suggestions") or []]
    message = f"{exc.title_ko} / {exc.title_en}: {exc.detail}"
    if suggestions and not all(s.split(" ")[0] in exc.detail for s in suggestions):
        message += "\n가까운 직업 / nearest: " + "; ".join(suggestions)
    return fail(message, code=2)


def _number(value: Any, form: str, empty: str = "-") -> str:
    return empty if value is None else format(value, form)


def _demand(demand: dict[str, Any] | None) -> str:
    if not demand:
        return "-"
    if demand.get("suppressed"):
        return "비공개 / suppressed"
    hires = demand.get("hires")
    where = demand.get("sido") or "전국 / national"
    return f"{_number(hires, ',d')} ({where}, {demand.get('months')}m)"


def _codes(target: dict[str, Any]) -> str:
    ksco = ", ".join(str(k["code"]) for k in target.get("ksco") or [])
    return f"{target['onet_code']}\n{ksco or '-'}"


def print_plan(plan: dict[str, Any]) -> None:
    """Print a plan (``plan_json``) for a person: the origin, a table of targets, then details."""
    origin = plan["origin"]
    ksco = ", ".join(f"{k['code']} {k['title']}" for k in origin.get("ksco") or [])
    wage = origin.get("wage")
    console.print(
        f"출발 직업 / from: {origin['code']} ({origin['system']}) "
        f"{origin.get('title_ko') or ''} / {origin.get('title') or ''}",
        highlight=False,
    )
    console.print(
        f"  O*NET-SOC {origin.get('onet_code') or '-'}; KSCO 8 {ksco or '-'}; "
        f"AI 노출 / exposure {_number(origin.get('exposure'), '.2f')}"
        + (f"; 임금 / wage {wage['value']:,.0f} {wage['unit']} ({wage['source']})" if wage else ""),
        highlight=False,
    )
    if origin.get("fallback"):
        console.print(
            f"  상위 직업군 평균으로 대체 / descriptors from the parent group "
            f"{origin.get('fallback_group')} (flagged)",
            highlight=False,
        )
    targets = plan.get("targets") or []
    if not targets:
        console.print("추천할 직업이 없습니다 / no target passes the filters", highlight=False)
    else:
        table = Table(title="다음 직업 / next occupations")
        table.add_column("#", justify="right")
        table.add_column("O*NET-SOC", no_wrap=True)
        table.add_column("KSCO", no_wrap=True)
        table.add_column("직업 / occupation", ratio=1)
        table.add_column("score", justify="right", no_wrap=True)
        table.add_column("v d s", no_wrap=True)
        table.add_column("pay", justify="right", no_wrap=True)
        table.add_column("AI", justify="right", no_wrap=True)
        table.add_column("hires", justify="right")
        for t in targets:
            filters = t.get("filters") or {}
            table.add_row(
                str(t["rank"]),
                t["onet_code"],
                ",".join(str(k["code"]) for k in (t.get("ksco") or [])[:2]) or "-",
                f"{t.get('title_ko') or '-'} / {t.get('title') or ''}"
                + (" (fallback)" if t.get("fallback") else ""),
                _number(t.get("score"), ".2f"),
                " ".join(_MARK[filters.get(k)] for k in ("viable", "desirable", "safer")),
                _number(t.get("wage_ratio"), ".0%"),
                _number(t.get("exposure_change"), "+.2f"),
                _demand(t.get("demand")),
            )
        console.print(table)
        console.print(
            "v d s: 역량 가능 / viable, 임금 유지 / desirable (pay kept), AI 노출 감소 / safer; "
            "pay: 목표/현재 임금 / target over origin wage; AI: 노출 변화 / exposure change",
            highlight=False,
        )
        for t in targets:
            console.print(
                f"{t['rank']}. {t['onet_code']} {t.get('title_ko') or '-'} / "
                f"{t.get('title') or ''}",
                highlight=False,
            )
            gaps = ", ".join(
                f"{g.get('name_ko') or g['name']} ({_number(g.get('origin_level'), '.1f')}"
                f"->{_number(g.get('target_level'), '.1f')})"
                for g in (t.get("gaps") or [])[:3]
            )
            console.print(f"   부족 역량 / gaps: {gaps or '-'}", highlight=False)
            console.print(f"   {t.get('explanation_ko') or ''}", highlight=False)
            for c in t.get("courses") or []:
                cost = _number(c.get("cost_krw"), ",d")
                own = _number(c.get("estimated_self_pay_krw"), ",d")
                console.print(
                    f"   · {c['name']} ({c.get('institution') or '-'}, {c.get('region') or '-'}); "
                    f"수료율 / completion {_number(c.get('completion_rate'), '.0%')}, "
                    f"{_number(c.get('days'), 'd')}일 / days, 훈련비 / cost {cost} KRW, "
                    f"자부담(추정) / self-pay (estimate) {own} KRW",
                    highlight=False,
                )
    for note in plan.get("notes") or []:
        console.print(note, highlight=False)
    console.print(
        f"기준 버전 / thresholds v{plan.get('thresholds_version')}"
        + (f", 지역 / region {plan['region']}" if plan.get("region") else ""),
        highlight=False,
    )
    console.print(plan.get("caveat") or "", highlight=False)


@app.command("recommend")
def recommend(
    ctx: typer.Context,
    occupation: str = typer.Option(
        ...,
        "--occupation",
        help="직업 코드 / Occupation code: a KSCO 8 unit group (2222) or an O*NET-SOC code "
        "(15-1252.00).",
    ),
    system: str | None = typer.Option(
        None,
        "--system",
        help="분류 / Force the system: ksco8 or onet (default: from the code's form).",
    ),
    top: int = typer.Option(5, "--top", min=1, max=10, help="추천 직업 수 / Targets (1-10)."),
    region: str | None = typer.Option(
        None,
        "--region",
        help="시도 코드 또는 이름 / The 시도 (code or name) for course distance and hires.",
    ),
    courses: int = typer.Option(
        3, "--courses", min=0, max=3, help="직업당 과정 수 / Courses per target (0-3)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """다음 직업과 훈련 과정 / Next occupations for a code, with the courses that close the gap."""
    from ilteo.pathways.plan import plan_json
    from ilteo.pathways.plan import recommend as recommend_plan

    try:
        plan = recommend_plan(
            settings_of(ctx), occupation, system=system, top=top, courses=courses, region=region
        )
    except (NotFoundError, InvalidInputError) as exc:
        raise _refused(exc) from exc
    body = plan_json(plan)
    if json_out:
        print_json(body)
        return
    print_plan(body)


@app.command("person")
def person(
    ctx: typer.Context,
    master_id: str = typer.Argument(..., help="레이크의 마스터 개인 ID / The lake's master id."),
    top: int = typer.Option(5, "--top", min=3, max=5, help="추천 직업 수 / Targets (3-5)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """개인의 전직 계획 / The plan of one person of the lake (operator tool)."""
    from ilteo.pathways.plan import person_plan, person_plan_json

    try:
        found = person_plan(settings_of(ctx), master_id, top=top)
    except (NotFoundError, InvalidInputError) as exc:
        raise _refused(exc) from exc
    body = person_plan_json(found)
    if json_out:
        print_json(body)
        return
    where = f"{body.get('sido_name') or '-'} ({body.get('sido') or '-'})"
    console.print(
        f"{body['master_id']}: 나이 / age {_number(body.get('age'), 'd')}, 지역 / region {where}",
        highlight=False,
    )
    for job in body.get("history") or []:
        console.print(
            f"  {job.get('start') or '?'} ~ {job.get('end') or '현재 / now'}: "
            f"{job.get('ksco')} {job.get('title_ko') or ''}",
            highlight=False,
        )
    outreach = body.get("outreach")
    if outreach:
        console.print(
            f"  연계 명단 / outreach {outreach['month']}: 집단 / group {outreach['group_id']}, "
            f"순위 / rank {outreach['rank']}; {', '.join(outreach.get('reasons') or [])}",
            highlight=False,
        )
    for note in body.get("notes") or []:
        console.print(note, highlight=False)
    if body.get("plan") is None:
        console.print("계획 없음 / no plan", highlight=False)
        return
    print_plan(body["plan"])
