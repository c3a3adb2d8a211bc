"""``ilteo serve``, ``ilteo mcp`` and ``ilteo demo``: the server, MCP over stdio, the main job."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

from ilteo.cli._output import console

if TYPE_CHECKING:
    from ilteo.core.settings import Settings


def serve(
    host: str = typer.Option(None, help="바인딩 주소 / Address to bind (default from ILTEO_HOST)."),
    port: int = typer.Option(None, help="포트 / Port (default from ILTEO_PORT)."),
    workers: int = typer.Option(
        None,
        "--workers",
        min=1,
        max=64,
        help="서버 프로세스 수 / Server processes on the port (default from ILTEO_WORKERS, 1); "
        "one per core is usual.",
    ),
) -> None:
    """웹·API·MCP 서버를 실행합니다 / Run the web UI, the /v1 API and /mcp on one port."""
    import os

    import uvicorn

    from ilteo.api import create_app
    from ilteo.core.db import upgrade
    from ilteo.core.settings import get_settings

    settings = get_settings()
    upgrade(settings)
    workers = workers or settings.workers
    host, port = host or settings.host, port or settings.port
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own app from the environment (the same settings).
    os.environ["ILTEO_WORKERS"] = str(workers)
    get_settings.cache_clear()
    uvicorn.run(
        "ilteo.api.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        # a worker busy loading or running models for a few seconds is not hung: the default
        # 5 s health check killed workers under load (one-window triage at 30 requests/s)
        timeout_worker_healthcheck=30,
    )


def mcp() -> None:
    """MCP 서버를 표준입출력으로 실행합니다 / Run the MCP server over stdio (for assistants).

    모든 도구 호출에 ILTEO_API_KEY 환경 변수의 API 키가 필요합니다 / every tool call needs an
    API key with the tool's scope in the ILTEO_API_KEY environment variable (never an argument:
    other users of the machine can read command lines); see docs/mcp.md.
    """
    import os

    from ilteo.core.settings import get_settings
    from ilteo.mcp import create_server
    from ilteo.mcp.tools._common import API_KEY_ENV

    create_server(get_settings(), local_api_key=os.environ.get(API_KEY_ENV)).run("stdio")


def demo(
    persons: int = typer.Option(
        20_000, "--persons", min=1, help="합성 인구 수 / Synthetic persons."
    ),
    seed: int = typer.Option(42, "--seed", help="난수 시드 / Random seed."),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="서버 없이 준비만 합니다 / Build everything, do not serve."
    ),
) -> None:
    """데모: 기준 데이터, 합성 인구, 서버 / The main job: build everything and serve it."""
    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import upgrade
    from ilteo.core.settings import get_settings
    from ilteo.lake.pipeline import build_lake
    from ilteo.reference import load_all
    from ilteo.synth import ensure_generated

    settings = get_settings()
    started = time.perf_counter()
    console.rule("[bold]일터 ilteo demo")
    console.print(f"홈 / home: {settings.home}")
    upgrade(settings)
    console.print("✓ 운영 저장소 / operational store ready")
    with progress_bar("기준 데이터 / reference data") as advance:
        load_all(settings, progress=advance)
    console.print("✓ 기준 데이터 / reference data validated and cached")
    out = settings.home / "synth" / f"n{persons}-s{seed}"
    with progress_bar(f"합성 인구 {persons:,}명 / synthetic persons") as advance:
        manifest = ensure_generated(out, persons, seed, settings=settings, progress=advance)
    rows = sum(entry["rows"] for entry in manifest["files"].values())
    console.print(f"✓ 합성 원천 추출 / synthetic extracts: {out} ({rows:,} rows)")
    with progress_bar("데이터 레이크 / data lake") as advance:
        lake = build_lake(out, settings, progress=advance)
    console.print(
        f"✓ 데이터 레이크 / data lake: {lake.accepted_rows:,} rows accepted, "
        f"{lake.quarantined_rows:,} quarantined, masters linked"
        + (" (최신 / up to date)" if lake.up_to_date else "")
        + "".join(
            f"; {kind} precision {f['model'].get('precision')} recall {f['model'].get('recall')}"
            for kind, f in lake.evaluation.items()
            if "model" in f
        )
    )
    from ilteo.monitor.indicators import build_indicators

    with progress_bar("월별 고용 지표 / monthly indicators") as advance:
        indicators = build_indicators(settings, progress=advance)
    console.print(
        f"✓ 월별 지표 / monthly indicators: {len(indicators.months)} months "
        f"({len(indicators.computed)} computed, {len(indicators.reused)} up to date)"
    )
    from ilteo.monitor.risk import write_outreach
    from ilteo.monitor.warnings import current_alerts

    alerts = current_alerts(settings)
    outreach = write_outreach(settings)
    console.print(
        f"✓ 조기 경보 / early warnings: {len(alerts)} open; 고위험 집단 연계 명단 / outreach "
        f"list for pathways and benefits: {outreach.people:,} people in {outreach.groups} groups"
    )
    _print_demo_accounts(settings)
    _demo_plans(settings)
    _demo_scan(settings)
    _demo_desk(settings)
    _demo_safety(settings)
    console.print(f"준비 시간 / build time: {time.perf_counter() - started:.1f}s")
    if no_serve:
        return
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"\n열어 보세요 / open:\n  {url}/            기준 데이터 탐색 / reference browser\n"
        f"  {url}/lake        데이터 레이크 관리 / data steward pages (직원 로그인 / staff "
        "sign-in: `uv run ilteo identity create-staff --name 관리자 --role data_steward`)\n"
        f"  {url}/v1/docs     Open API\n  {url}/mcp         MCP (streamable HTTP, API 키 / key)\n"
        f"  {url}/status      서비스 현황 / public service status\n"
        f"  {url}/monitor     AI 영향 모니터링 / AI impact monitoring (합성 / synthetic)\n"
        f"  {url}/pathways    다음 일자리·훈련 / next jobs and training\n"
        f"  {url}/benefits/check 받을 수 있는 급여·지원 / what am I entitled to\n"
        f"  {url}/benefits/notices 나에게 온 급여·지원 안내 / my benefit notices (demo-citizen)\n"
        f"  {url}/benefits/outreach 급여 발굴 명단 / outreach lists (demo-counsellor)\n"
        f"  {url}/safety      산재 위험 현황 / accident risk in aggregate (합성 / synthetic)\n"
        f"  {url}/safety/room 통합관제 / the monitoring room (demo-inspector)\n"
        "중지: Ctrl+C / stop with Ctrl+C\n"
    )
    serve(host=settings.host, port=settings.port, workers=settings.workers)


def _demo_plans(settings: Settings, people: int = 50) -> None:
    """Plans for the first people of the outreach list (also builds the pathways caches)."""
    import polars as pl

    from ilteo.cli._progress import progress_bar
    from ilteo.pathways.plan import person_plan

    files = sorted((settings.lake_dir / "monitor" / "outreach").glob("*.parquet"))
    ids = pl.read_parquet(files[-1])["master_id"].head(people).to_list() if files else []
    plans = []
    with progress_bar("전직 경로 / transition plans") as advance:
        for done, master_id in enumerate(ids, 1):
            plans.append(person_plan(settings, str(master_id)))
            advance(done, len(ids), str(master_id))
    made = [p.plan for p in plans if p.plan is not None]
    full = sum(1 for p in made if p.targets and all(p.targets[0].transition.filters.values()))
    console.print(
        f"✓ 전직 경로 / transition plans: {len(made)} of the first {len(ids)} people on the "
        f"outreach list; {full} with a first target that is viable, keeps the pay and is safer"
    )
    from ilteo.identity.demo import link_demo_citizen

    first = next((p.master_id for p in plans if p.plan is not None), None)
    if first is not None and link_demo_citizen(settings, first):
        console.print(
            f"  demo-citizen → {first} (합성 / synthetic): 로그인 후 /pathways/me 에서 나의 다음 "
            "단계 / sign in and open /pathways/me for 'my next steps'"
        )


def _demo_scan(settings: Settings) -> None:
    """The benefits scan of the demo lake, and a notice to everyone it finds (portal + outbox)."""
    from sqlalchemy import select

    from ilteo.benefits.notices import inbox, write_notices
    from ilteo.benefits.scan import default_day, scan
    from ilteo.core.db import session_scope
    from ilteo.identity.models import Account

    result = scan(settings, default_day(settings))
    found = result.summary()
    console.print(
        f"✓ 급여 미청구 찾기 / benefits scan ({found['as_of']}): {found['separated']:,} separated, "
        f"{found['eligible_job_seeking_allowance']:,} eligible for 구직급여, {found['claimed']:,} "
        f"claimed, {found['eligible_not_claiming']:,} not claiming (합성 / synthetic)"
    )
    with session_scope(settings) as session:
        wrote = write_notices(session, settings, result)
        citizen = session.scalar(select(Account).where(Account.login == "demo-citizen"))
        mine = (
            len(inbox(session, citizen.master_person_id))
            if citizen and citizen.master_person_id
            else 0
        )
    rules = ", ".join(f"{rule} {n:,}" for rule, n in found.get("rules", {}).items())
    sent = ", ".join(
        f"{channel} {sum(n for k, n in counts.items() if k != 'skipped'):,}"
        + (f" ({counts['skipped']:,} no address)" if counts.get("skipped") else "")
        for channel, counts in wrote.deliveries.items()
    )
    console.print(
        f"✓ 급여 안내 / benefit notices: {wrote.created:,} new, {wrote.existing:,} already sent "
        f"({rules}); deliveries: {sent or 'none new'}"
    )
    if mine:
        console.print(
            f"  demo-citizen: {mine} notice(s) at /benefits/notices (로그인 후 / after sign-in)"
        )


#: How the lake's 민원 channels arrive at the one window.
_DESK_CHANNELS = {"인터넷": "web", "모바일": "web", "방문": "counter", "전화(1350)": "counter"}


def _demo_desk(settings: Settings, requests: int = 300) -> None:
    """The newest synthetic 민원 of the lake through the one window: intake, then triage."""
    from collections import Counter
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import session_scope
    from ilteo.desk.classify import classifier
    from ilteo.desk.intake import process, receive
    from ilteo.desk.models import Request
    from ilteo.lake.engine import connect

    with session_scope(settings) as session:
        already = int(session.scalar(select(func.count()).select_from(Request)) or 0)
    if already == 0:
        con = connect(settings)
        try:
            rows = con.execute(
                "SELECT epoch(received_at), channel, title, body, workplace_name, "
                "workplace_address "
                "FROM curated_epeople_requests WHERE received_at >= TIMESTAMPTZ '2024-01-01' "
                "ORDER BY received_at DESC, request_id LIMIT ?",
                [requests],
            ).fetchall()
        finally:
            con.close()
        with progress_bar("민원 분류 모델 / request classifier") as advance:
            advance(0, 1, "training on the labelled set (first run only)")
            classifier(settings)
            advance(1, 1, "ready")
        with progress_bar("하나의 민원 창구 / the one window") as advance:
            for done, (epoch, channel, title, body, name, address) in enumerate(rows, 1):
                at = datetime.fromtimestamp(float(epoch), UTC)
                with session_scope(settings) as session:
                    receipt = receive(
                        session, settings, text=body or title or "-", title=title or "",
                        channel=_DESK_CHANNELS.get(str(channel), "web"),
                        workplace_name=name, workplace_address=address, now=at,
                    )  # fmt: skip
                with session_scope(settings) as session:
                    process(session, settings, receipt.tracking_number, now=at)
                advance(done, len(rows), receipt.tracking_number)
        _demo_desk_handling(settings)
    with session_scope(settings) as session:
        found = session.execute(select(Request.category, Request.urgent, Request.status)).all()
    categories = Counter(str(c) for c, _, _ in found if c)
    urgent = sum(1 for _, flags, _ in found if flags)
    top = ", ".join(f"{c} {n}" for c, n in categories.most_common(4))
    console.print(
        f"✓ 하나의 민원 창구 / the one window: {len(found):,} synthetic requests received and "
        f"triaged ({top}, ...); {urgent} flagged urgent - `ilteo desk triage` for one more"
    )


def _demo_safety(settings: Settings, seed: int = 11) -> None:
    """The safety room on the demo lake: train, score, queue inspections, record some outcomes.

    The first run queues 30 inspections (20% at random) and has the demo inspector record the
    outcomes of 20 of them on dated synthetic days, so the queue, the follow-ups and the
    public aggregates have life; later runs only score again.
    """
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from ilteo.cli._progress import progress_bar
    from ilteo.core.db import session_scope
    from ilteo.core.errors import IlteoError
    from ilteo.identity.models import Account
    from ilteo.safety import model as risk_model
    from ilteo.safety.models import Inspection
    from ilteo.safety.service import model_dir, record_outcome, score, targets, train

    try:
        with session_scope(settings) as session:
            if not (model_dir(settings) / "current.txt").is_file():
                with progress_bar("산재 위험 모델 / accident risk model") as advance:
                    train(settings, session, progress=advance)
            run = score(settings, session)
            queued = int(session.scalar(select(func.count()).select_from(Inspection)) or 0)
            if queued == 0:
                now = datetime.now(UTC)
                chosen = targets(
                    settings, 30, random_share=0.2, seed=seed, session=session, queue=True,
                    actor="system", now=now - timedelta(days=40),
                )  # fmt: skip
                inspector = session.scalar(
                    select(Account.id).where(Account.login == "demo-inspector")
                )
                rng = random.Random(seed)  # noqa: S311 - synthetic demo outcomes
                for inspection_id in chosen["inspection_id"].to_list()[:20]:
                    day = (now - timedelta(days=rng.randint(3, 35))).date()
                    record_outcome(
                        session, inspection_id, actor=f"account:{inspector or 'demo'}",
                        roles={"inspector"}, inspected_on=day,
                        findings=rng.choice([0, 0, 1, 2, 3, 5]),
                        work_stopped=rng.random() < 0.1, note="데모 점검 / demo inspection",
                        now=now,
                    )  # fmt: skip
        model = risk_model.load(model_dir(settings))
        from ilteo.safety.report import write_report

        written = write_report(settings)
    except IlteoError as error:
        console.print(f"[yellow]산재 위험 / accident risk skipped:[/] {error.detail}")
        return
    calibration = model.metrics.get("training", {}).get("calibration", {})
    auc = calibration.get("auc")
    console.print(
        f"✓ 산재 위험 / accident risk: model {model.version}"
        + (f" (AUC {auc:.3f} on {model.calibration_year})" if auc is not None else "")
        + f", {run.workplaces:,} workplaces scored, inspection queue ready (합성 / synthetic); "
        f"데이터 보고서 / data report: {written[0].parent}"
    )


def _demo_desk_handling(settings: Settings, seed: int = 10) -> None:
    """Synthetic handling of the demo requests, dated, so the queue and the statistics have life.

    The demo officer takes each request the working day after it arrived; about 95% are
    answered (the draft answer, sent) a few working days later, some after their deadline; the
    rest stay open (they are the overdue list). A demo citizen files one inquiry of their own.
    """
    import random
    from datetime import datetime, timedelta
    from datetime import time as clock

    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.desk.deadlines import add_working_days
    from ilteo.desk.intake import SEOUL, submit
    from ilteo.desk.models import Request
    from ilteo.desk.queue import assign, save_answer, send_answer
    from ilteo.identity.models import Account

    rng = random.Random(seed)  # noqa: S311 - synthetic demo timings, not security
    with session_scope(settings) as session:
        logins = dict(session.execute(select(Account.login, Account.id)).tuples().all())
        officer_id = logins.get("demo-officer")
        officer = session.get(Account, officer_id) if officer_id else None
        if officer is None:
            return
        rows = session.scalars(
            select(Request).where(Request.status == "classified").order_by(Request.received_at)
        ).all()
        for request in rows:
            local = request.received_at.astimezone(SEOUL).date()
            taken = add_working_days(local, 2)
            at = datetime.combine(taken, clock(10, 0), SEOUL)
            assign(session, officer, request.id, officer.id, reason="데모 배정 / demo", now=at)
            if rng.random() < 0.05:
                continue
            days = max(2, int(rng.expovariate(1 / 6)))
            sent = datetime.combine(add_working_days(local, days), clock(16, 0), SEOUL)
            text = str((request.draft or {}).get("text") or "답변드립니다.")
            save_answer(session, officer, request.id, text, now=sent - timedelta(hours=1))
            send_answer(session, officer, request.id, now=sent)
    citizen = logins.get("demo-citizen")
    if citizen:
        submit(
            settings,
            text="실업급여를 받는 중에 단기 아르바이트를 하면 신고해야 하나요?",
            title="실업급여 중 아르바이트",
            channel="web",
            account_id=citizen,
        )


def _print_demo_accounts(settings: Settings) -> None:
    """Create the demo accounts (dev only) and show how to sign in with each, one per line."""
    from ilteo.identity.demo import DEMO_FILE, ensure_demo_accounts

    if settings.env != "dev":
        console.print("데모 계정 없음 (ILTEO_ENV=dev 아님) / no demo accounts outside dev")
        return
    console.print("데모 계정 (합성) / demo accounts (synthetic) — /sign-in:")
    for entry in ensure_demo_accounts(settings):
        roles = f" ({', '.join(entry.roles)})" if entry.roles else ""
        codes = f"; 일회용 코드 / codes: {', '.join(entry.codes[:3])} …" if entry.codes else ""
        console.print(
            f"  {entry.login}{roles}: 비밀번호 / password {entry.password}{codes}",
            overflow="ignore",
            crop=False,
            soft_wrap=True,
        )
    console.print(f"✓ 데모 계정 / demo accounts: {settings.home / DEMO_FILE}")


def register(app: typer.Typer) -> None:
    """Add the server commands to the root app."""
    app.command("serve")(serve)
    app.command("mcp")(mcp)
    app.command("demo")(demo)
