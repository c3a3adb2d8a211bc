"""``ilteo status check|probe|incidents|note|open|close``: the incident monitor by hand.

``check`` evaluates the incident rules once (what the server's monitor does every
``status_check_seconds``); ``probe`` runs the synthetic probes against a running server; the
others let an operator list incidents, open or close one by hand and write its public notes and
post-mortem (audited like the staff pages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ilteo.cli._output import JSON_OPTION, console, fail, print_json


def _incident_view(incident: Any) -> dict[str, Any]:
    from ilteo.status.incidents import as_utc

    return {
        "id": incident.id,
        "menu": incident.menu,
        "cause": incident.cause,
        "opened_at": as_utc(incident.opened_at),
        "closed_at": as_utc(incident.closed_at) if incident.closed_at else None,
        "detail": incident.detail,
        "peak_error_rate": incident.peak_error_rate,
        "public_note_ko": incident.public_note_ko,
        "public_note_en": incident.public_note_en,
        "postmortem": incident.postmortem,
        "updated_at": as_utc(incident.updated_at) if incident.updated_at else None,
        "updated_by": incident.updated_by,
    }


def _print_incident(view: dict[str, Any]) -> None:
    state = "진행 중 / open" if view["closed_at"] is None else f"끝남 / closed {view['closed_at']}"
    console.print(
        f"#{view['id']} {view['menu']} ({view['cause']}) {view['opened_at']} — {state}",
        highlight=False,
    )
    if view["detail"]:
        console.print(f"  {view['detail']}", highlight=False)


def check(json_out: bool = JSON_OPTION) -> None:
    """장애 규칙을 지금 한 번 평가합니다 / Evaluate the incident rules once now."""
    from dataclasses import asdict

    from ilteo.core.settings import get_settings
    from ilteo.status.incidents import evaluate

    changes = evaluate(get_settings())
    if json_out:
        print_json([asdict(change) for change in changes])
        return
    if not changes:
        console.print("바뀐 것 없음 / no change")
    for change in changes:
        console.print(
            f"#{change.incident_id} {change.change} {change.menu} ({change.cause}): {change.why}",
            highlight=False,
        )


def probe(
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="점검할 서버 (기본: 설정의 host:port) / Server to probe (default: host:port).",
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """메뉴마다 점검 요청을 한 번 보내고 기록합니다 / Probe every menu once and store it."""
    from dataclasses import asdict

    from ilteo.core.settings import get_settings
    from ilteo.status.monitor import self_url
    from ilteo.status.probes import run_probes

    settings = get_settings()
    results = run_probes(settings, base_url or self_url(settings))
    if json_out:
        print_json([asdict(result) for result in results])
        return
    for r in results:
        mark = "실패 / FAILED" if r.failed else "정상 / ok"
        console.print(
            f"{r.menu:<22} {r.status:>3} {r.duration_ms:8.1f} ms  {mark} {r.error}",
            highlight=False,
        )


def incidents(
    open_only: bool = typer.Option(False, "--open", help="진행 중인 장애만 / Only open incidents."),
    limit: int = typer.Option(100, "--limit", min=1, max=10000, help="최대 개수 / At most."),
    json_out: bool = JSON_OPTION,
) -> None:
    """장애 목록 (진행 중인 것 먼저) / List incidents, open ones first."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.status.incidents import list_incidents

    with session_scope(get_settings()) as session:
        views = [
            _incident_view(i) for i in list_incidents(session, open_only=open_only, limit=limit)
        ]
    if json_out:
        print_json(views)
        return
    if not views:
        console.print("장애 없음 / no incidents")
    for view in views:
        _print_incident(view)


def note(
    incident_id: int = typer.Argument(..., help="장애 번호 / Incident id."),
    ko: str | None = typer.Option(None, "--ko", help="공개 설명 (한국어) / Public note, Korean."),
    en: str | None = typer.Option(None, "--en", help="공개 설명 (영어) / Public note, English."),
    postmortem_file: Path | None = typer.Option(  # noqa: B008 - Typer declares options so
        None,
        "--postmortem-file",
        help="사후 분석 파일 (UTF-8 텍스트) / Post-mortem file (UTF-8 text).",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """장애 공개 설명과 사후 분석을 적습니다 / Set the public notes and post-mortem."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.status.incidents import update_notes

    postmortem = postmortem_file.read_text(encoding="utf-8") if postmortem_file else None
    if ko is None and en is None and postmortem is None:
        raise fail(
            "--ko, --en 또는 --postmortem-file 을 주세요 / give --ko, --en or --postmortem-file"
        )
    with session_scope(get_settings()) as session:
        view = _incident_view(
            update_notes(
                session,
                incident_id,
                public_note_ko=ko,
                public_note_en=en,
                postmortem=postmortem,
                by=None,
            )
        )
    if json_out:
        print_json(view)
        return
    _print_incident(view)


def open_command(
    menu: str = typer.Argument(..., help="서비스 메뉴 id / Service menu id."),
    ko: str = typer.Option("", "--ko", help="공개 설명 (한국어) / Public note, Korean."),
    en: str = typer.Option("", "--en", help="공개 설명 (영어) / Public note, English."),
    json_out: bool = JSON_OPTION,
) -> None:
    """장애를 직접 엽니다 / Open an incident by hand (closed by hand too)."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.status.incidents import open_incident

    with session_scope(get_settings()) as session:
        view = _incident_view(open_incident(session, menu, by=None, note_ko=ko, note_en=en))
    if json_out:
        print_json(view)
        return
    _print_incident(view)


def close_command(
    incident_id: int = typer.Argument(..., help="장애 번호 / Incident id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """장애를 지금 닫습니다 / Close an incident now."""
    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.status.incidents import close_incident

    with session_scope(get_settings()) as session:
        view = _incident_view(close_incident(session, incident_id, by=None))
    if json_out:
        print_json(view)
        return
    _print_incident(view)


def register(app: typer.Typer) -> None:
    """Add the incident commands to ``ilteo status``."""
    app.command("check")(check)
    app.command("probe")(probe)
    app.command("incidents")(incidents)
    app.command("note")(note)
    app.command("open")(open_command)
    app.command("close")(close_command)
