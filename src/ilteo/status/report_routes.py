"""The public performance page and its machine-readable twins (no login anywhere).

- ``GET /status``: every public menu's numbers over 24 hours, 7, 30 and 90 days, a 90-day bar
  strip (inline SVG, each bar titled, with a table in a ``<details>`` as its text alternative),
  current incidents and the history. No script; one small stylesheet.
- ``GET /status/incidents/{incident_id}``: one incident (times in KST and ISO 8601).
- ``GET /status/incidents.atom``: an Atom 1.0 feed of the 50 newest incidents.
- ``GET /status/open-data.csv``: one row per public menu per Asia/Seoul day for 90 days, UTF-8
  with a byte-order mark so that spreadsheet programs read the Korean names right.
- ``GET /v1/status``, ``GET /v1/status/incidents``, ``GET /v1/status/incidents/{incident_id}``.

All of them read :mod:`ilteo.status.report` (rollups and incidents only) and may be cached by
anyone for 30 seconds.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from fastapi.responses import HTMLResponse

from ilteo import __version__
from ilteo.api.conventions import API_PREFIX, etag_for, not_modified
from ilteo.api.deps import SettingsDep
from ilteo.api.pagination import Page, PageRequest, page_params
from ilteo.core.settings import Settings
from ilteo.status.report import (
    SEOUL,
    DayBar,
    IncidentReport,
    StatusReport,
    get_incident,
    list_incidents,
    status_report,
)

#: Anyone may keep these answers 30 seconds: the numbers are the same for everyone.
CACHE_CONTROL: Final = "public, max-age=30"
#: Incidents in the Atom feed.
FEED_ENTRIES: Final = 50
ATOM_NS: Final = "http://www.w3.org/2005/Atom"
#: Columns of the open-data CSV, in order (documented in docs/status.md).
CSV_COLUMNS: Final = (
    "day",
    "menu",
    "menu_name_ko",
    "menu_name_en",
    "requests",
    "failures",
    "timeouts",
    "failure_rate",
    "failure_minutes",
    "server_avg_ms",
    "server_p95_ms",
    "rum_avg_ms",
    "rum_p95_ms",
    "rum_samples",
)
_PROBLEMS: dict[int | str, dict[str, object]] = {
    404: {"description": "찾을 수 없습니다 / Not found (application/problem+json)"},
    422: {"description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"},
}
IncidentId = Annotated[int, Path(ge=1, le=2**62, description="장애 ID / Incident id.")]

web_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/status", tags=["status"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def report_etag(report: StatusReport, *parts: str) -> str:
    """An entity tag of what the report says (not when it was made)."""
    body = report.model_dump_json(exclude={"generated_at", "windows"})
    return etag_for(__version__, _digest(body), *parts)


def _unchanged(response: Response) -> Response:
    kept = {name: response.headers[name] for name in ("ETag", "Cache-Control")}
    return Response(status_code=304, headers=kept)


def kst(value: datetime | None) -> str:
    """A time in KST for people, e.g. ``2026-11-21 20:05 KST``."""
    if value is None:
        return ""
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")


def iso(value: datetime | None) -> str:
    """A time in ISO 8601 with the Seoul offset, for ``<time datetime>``."""
    return "" if value is None else value.astimezone(SEOUL).isoformat(timespec="seconds")


def minutes_text(minutes: float, lang: str) -> str:
    """A duration in words: ``1시간 5분`` or ``1 h 5 min``."""
    total = round(minutes)
    hours, mins = divmod(total, 60)
    if lang == "ko":
        return f"{hours}시간 {mins}분" if hours else f"{mins}분"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def _page_cache(response: Response) -> Response:
    cache = CACHE_CONTROL
    if "set-cookie" in response.headers:  # ?lang= remembered: not for a shared cache
        cache = "private, max-age=30"
    response.headers["Cache-Control"] = cache
    response.headers["Vary"] = "Cookie"
    return response


#: Width of one day in the bar strip's coordinates (a 4-unit bar and a 2-unit gap), and height.
BAR_STEP: Final = 6
BAR_HEIGHT: Final = 24


@dataclass(frozen=True, slots=True)
class Bar:
    """One day's bar in the strip: where it is, how tall, and its state (a CSS class)."""

    x: int
    y: int
    height: int
    state: str
    day: DayBar


def strip(days: list[DayBar]) -> tuple[str, list[Bar]]:
    """The 90-day strip: one SVG path for the days without data, a titled bar for the others.

    Days without data are short grey bars; the others are green, amber with failed requests, red
    with failure time.
    """
    empty: list[str] = []
    bars: list[Bar] = []
    for index, day in enumerate(days):
        x = index * BAR_STEP
        if day.no_data and not day.failure_minutes:
            empty.append(f"M{x} {BAR_HEIGHT - 4}h4v4h-4z")
            continue
        state = "failed" if day.failure_minutes >= 1 else "degraded" if day.failures else "ok"
        bars.append(Bar(x, 0, BAR_HEIGHT, state, day))
    return "".join(empty), bars


@web_router.get("/status", response_class=HTMLResponse, name="web_status")
def status_page(request: Request) -> Response:
    """The public performance page of every public service menu."""
    from ilteo.web.rendering import render

    report = status_report(_settings(request))
    response = render(
        request,
        "status/index.html",
        title_key="status.title",
        current="status",
        report=report,
        kst=kst,
        iso=iso,
        minutes_text=minutes_text,
        strip=strip,
    )
    return _page_cache(response)


@web_router.get("/status/incidents.atom", name="web_status_atom")
def status_atom(request: Request) -> Response:
    """An Atom 1.0 feed of the newest incidents of public menus."""
    settings = _settings(request)
    incidents = list_incidents(settings, limit=FEED_ENTRIES)
    base = str(request.base_url).rstrip("/")
    body = atom_feed(incidents, base, datetime.now(UTC))
    etag = etag_for(__version__, _digest(body.decode()), request.url.path)
    response = Response(content=body, media_type="application/atom+xml")
    if not_modified(request, response, etag, CACHE_CONTROL):
        return _unchanged(response)
    return response


def _entry_updated(incident: IncidentReport) -> datetime:
    return incident.updated_at or incident.closed_at or incident.opened_at


def atom_feed(incidents: list[IncidentReport], base: str, now: datetime) -> bytes:
    """The Atom document of ``incidents`` (newest first), with links under ``base``."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ko"})
    sub(feed, "id", f"{base}/status/incidents.atom")
    sub(feed, "title", "일터 서비스 장애 / ilteo service incidents")
    updated = max((_entry_updated(i) for i in incidents), default=now)
    sub(feed, "updated", updated.astimezone(UTC).isoformat(timespec="seconds"))
    sub(feed, "link", rel="self", href=f"{base}/status/incidents.atom")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/status")
    author = sub(feed, "author")
    sub(author, "name", "일터 운영팀 / ilteo operators")
    for incident in incidents:
        entry = sub(feed, "entry")
        url = f"{base}/status/incidents/{incident.id}"
        sub(entry, "id", url)
        state_ko, state_en = ("진행 중", "ongoing") if incident.ongoing else ("복구됨", "resolved")
        sub(
            entry,
            "title",
            f"[{state_ko} / {state_en}] {incident.menu_name_ko} / {incident.menu_name_en} "
            f"#{incident.id}",
        )
        sub(entry, "updated", _entry_updated(incident).astimezone(UTC).isoformat())
        sub(entry, "published", incident.opened_at.astimezone(UTC).isoformat())
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        times = f"{kst(incident.opened_at)} ~ {kst(incident.closed_at) or '진행 중 / ongoing'}"
        note_ko = incident.public_note_ko or "설명을 준비하고 있습니다."
        note_en = incident.public_note_en or "An explanation is being prepared."
        minutes = f"{incident.duration_minutes:.0f}"
        sub(
            entry,
            "summary",
            f"{times} ({minutes}분 / {minutes} min). {note_ko} / {note_en}",
        )
    xml: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return xml


@web_router.get("/status/open-data.csv", name="web_status_csv")
def status_csv(request: Request) -> Response:
    """One row per public menu per Asia/Seoul day for 90 days (UTF-8 with a byte-order mark)."""
    report = status_report(_settings(request))
    body = open_data_csv(report)
    day = report.generated_at.astimezone(SEOUL).date().isoformat()
    response = Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ilteo-status-{day}.csv"'},
    )
    if not_modified(request, response, report_etag(report, "csv", day), CACHE_CONTROL):
        return _unchanged(response)
    return response


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


def open_data_csv(report: StatusReport) -> bytes:
    """The open-data CSV of ``report``: a header of :data:`CSV_COLUMNS`, then menu-days."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for menu in report.menus:
        for bar in menu.days:
            rate = round(bar.failures / bar.requests, 6) if bar.requests else None
            writer.writerow(
                [
                    bar.day.isoformat(),
                    menu.id,
                    menu.name_ko,
                    menu.name_en,
                    bar.requests,
                    bar.failures,
                    bar.timeouts,
                    _cell(rate),
                    bar.failure_minutes,
                    _cell(bar.server_avg_ms),
                    _cell(bar.server_p95_ms),
                    _cell(bar.rum_avg_ms),
                    _cell(bar.rum_p95_ms),
                    bar.rum_samples,
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@web_router.get(
    "/status/incidents/{incident_id}", response_class=HTMLResponse, name="web_status_incident"
)
def incident_page(request: Request, incident_id: IncidentId) -> Response:
    """One incident: when, how long, the cause, the public notes and the post-mortem."""
    from ilteo.web.rendering import render

    incident = get_incident(_settings(request), incident_id)
    name = incident.menu_name_ko if _lang(request) == "ko" else incident.menu_name_en
    response = render(
        request,
        "status/incident.html",
        page_title=f"#{incident.id} {name}",
        current="status",
        incident=incident,
        kst=kst,
        iso=iso,
        minutes_text=minutes_text,
    )
    return _page_cache(response)


def _lang(request: Request) -> str:
    from ilteo.web.rendering import request_language

    return request_language(request)


@api_router.get(
    "",
    operation_id="get_service_status",
    summary="서비스 현황 / Service status of every public menu",
    response_model=StatusReport,
)
def get_status(
    settings: SettingsDep, request: Request, response: Response
) -> StatusReport | Response:
    """Every public service menu's speed, failures and failure minutes, with incidents.

    Requests, failures, failure minutes, server and real-user times (mean and p95) over 24 hours,
    7, 30 and 90 days, 90 daily bars, current incidents and the last 90 days' history. Read
    from incrementally kept aggregates; may be cached 30 seconds.
    """
    report = status_report(settings)
    if not_modified(request, response, report_etag(report, request.url.path), CACHE_CONTROL):
        return _unchanged(response)
    return report


@api_router.get(
    "/incidents",
    operation_id="list_service_incidents",
    summary="장애 목록 / Incidents of public menus",
    response_model=Page[IncidentReport],
    responses=_PROBLEMS,
)
def get_incidents(
    settings: SettingsDep,
    request: Request,
    response: Response,
    page: Annotated[PageRequest, Depends(page_params(default=20, maximum=100))],
) -> Page[IncidentReport] | Response:
    """Incidents of public service menus, newest first, a page at a time."""
    fetched = list_incidents(settings, limit=page.limit + 1, offset=page.offset)
    found = page.page(fetched)
    body = found.model_dump_json()
    etag = etag_for(__version__, _digest(body), request.url.path, str(request.url.query))
    if not_modified(request, response, etag, CACHE_CONTROL):
        return _unchanged(response)
    return found


@api_router.get(
    "/incidents/{incident_id}",
    operation_id="get_service_incident",
    summary="장애 상세 / One incident",
    response_model=IncidentReport,
    responses=_PROBLEMS,
)
def get_one_incident(
    settings: SettingsDep, request: Request, response: Response, incident_id: IncidentId
) -> IncidentReport | Response:
    """One incident of a public menu: times, duration, cause, public notes and post-mortem."""
    incident = get_incident(settings, incident_id)
    etag = etag_for(__version__, _digest(incident.model_dump_json()), request.url.path)
    if not_modified(request, response, etag, CACHE_CONTROL):
        return _unchanged(response)
    return incident


def install_report(app: FastAPI, settings: Settings) -> None:
    """Add the public status pages, the Atom feed, the CSV and the ``/v1/status`` API to ``app``."""
    app.include_router(web_router)
    app.include_router(api_router, prefix=API_PREFIX)
