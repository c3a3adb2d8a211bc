"""The public performance report: every public service menu's speed, failures and failure time.

:func:`status_report` is the one function behind ``/status``, ``GET /v1/status``, the open-data
CSV, the ``get_service_status`` MCP tool and ``ilteo status report``. It reads only the
incrementally kept aggregates (:class:`~ilteo.status.models.Rollup`) and the incidents, never the
raw request log, in three queries whatever the number of menus: hour rows for the last 24 hours,
Asia/Seoul day rows for 90 days, and the incidents that overlap those 90 days. So its cost does
not grow with traffic (10 million raw rows or none answer alike).

Windows (all end now):

- ``24h``: the current UTC hour and the 23 before it (hour rollups; 23 to 24 hours long);
- ``7d``, ``30d``, ``90d``: today (Asia/Seoul, so far) and the 6, 29 or 89 Seoul days before it
  (day rollups).

Failure minutes are the union of a menu's incident periods clipped to the window (an open
incident counts until now); overlapping incidents of one menu are not counted twice.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select

from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.status import histogram
from ilteo.status.models import Incident, Rollup

SEOUL: Final = ZoneInfo("Asia/Seoul")
#: Days of daily bars and of incident history.
HISTORY_DAYS: Final = 90
#: How long a report is reused in-process (seconds): a busy page costs three queries per period.
CACHE_SECONDS: Final = 5.0
WindowId = Literal["24h", "7d", "30d", "90d"]
#: ``(id, Korean label, English label, length)``: hours for ``24h``, Seoul days for the others.
WINDOWS: Final[tuple[tuple[WindowId, str, str, int], ...]] = (
    ("24h", "최근 24시간", "Last 24 hours", 24),
    ("7d", "최근 7일", "Last 7 days", 7),
    ("30d", "최근 30일", "Last 30 days", 30),
    ("90d", "최근 90일", "Last 90 days", 90),
)

MEASURES_KO: Final = (
    "서버 시간: 요청의 첫 바이트를 받은 때부터 응답의 마지막 바이트를 보낸 때까지. "
    "실사용자 시간: 이용자의 브라우저에서 화면의 load 이벤트까지 걸린 시간 (측정 스크립트가 있는 "
    "화면만). 장애: 서버 오류(5xx)와 {timeout_ms:,.0f} ms보다 오래 걸린 요청. 장애 시간: 자동 또는 "
    "담당자가 연 장애(incident) 기간의 합 (진행 중인 장애는 지금까지)."
)
MEASURES_EN: Final = (
    "Server time: from the first byte of the request received to the last byte of the answer "
    "sent. Real-user time: until the page's load event in the person's browser (only pages with "
    "the measuring script). Failures: server errors (5xx) and requests slower than "
    "{timeout_ms:,.0f} ms. Failure minutes: the total length of incidents, opened automatically or "
    "by staff (an open incident counts until now)."
)


class WindowDefinition(BaseModel):
    """One reporting window: what it covers."""

    id: WindowId = Field(description="창 ID / Window id: `24h`, `7d`, `30d` or `90d`.")
    label_ko: str
    label_en: str
    start: datetime = Field(description="시작 (UTC, 포함) / Start (UTC, included).")
    end: datetime = Field(description="끝 = 보고서 생성 시각 / End: when the report was made.")
    grain: Literal["hour", "day"] = Field(
        description="읽은 집계 단위 / Rollups read: UTC hours or Asia/Seoul days."
    )


class WindowStats(BaseModel):
    """A menu's numbers over one window."""

    window: WindowId
    requests: int = Field(description="요청 수 / Requests the server answered.")
    failures: int = Field(description="장애 요청 수 (5xx·시간 초과) / 5xx and timed-out requests.")
    timeouts: int = Field(description="그중 시간 초과 / Of which timed out.")
    failure_rate: float | None = Field(description="failures / requests; null without requests.")
    failure_minutes: float = Field(description="장애 시간(분) / Minutes under an incident.")
    server_avg_ms: float | None = Field(description="서버 평균 / Server time, mean (ms).")
    server_p95_ms: float | None = Field(
        description="서버 95백분위 (히스토그램 구간 내 보간) / Server time, 95th percentile (ms), "
        "interpolated in its histogram bin."
    )
    rum_avg_ms: float | None = Field(description="실사용자 평균 / Real-user load time, mean (ms).")
    rum_p95_ms: float | None = Field(description="실사용자 95백분위 / Real-user p95 (ms).")
    rum_samples: int = Field(description="실사용자 측정 수 / Real-user measurements.")
    no_data: bool = Field(description="요청도 측정도 없음 / Neither requests nor measurements.")


class DayBar(BaseModel):
    """One Asia/Seoul day of a menu (a bar of the 90-day strip)."""

    day: date = Field(description="서울 날짜 / The Asia/Seoul day.")
    requests: int
    failures: int
    timeouts: int
    failure_minutes: float
    server_avg_ms: float | None
    server_p95_ms: float | None
    rum_avg_ms: float | None
    rum_p95_ms: float | None
    rum_samples: int
    no_data: bool


class IncidentReport(BaseModel):
    """An incident as the public sees it."""

    id: int
    menu: str
    menu_name_ko: str
    menu_name_en: str
    opened_at: datetime
    closed_at: datetime | None = Field(description="null while ongoing / 진행 중이면 null.")
    ongoing: bool
    duration_minutes: float = Field(description="장애 시간(분), 진행 중이면 지금까지 / Minutes.")
    cause: str = Field(description="`error_rate`, `probe` or `manual`.")
    detail: str = Field(description="모니터가 잰 것 / What the monitor measured.")
    peak_error_rate: float | None
    public_note_ko: str
    public_note_en: str
    postmortem: str
    updated_at: datetime | None


class MenuStatus(BaseModel):
    """One public service menu: its windows, 90 daily bars and whether it is failing now."""

    id: str
    name_ko: str
    name_en: str
    ongoing_incidents: list[int] = Field(description="진행 중인 장애 ID / Open incident ids.")
    windows: list[WindowStats]
    days: list[DayBar] = Field(description="90일, 오래된 날부터 / 90 days, oldest first.")
    no_data: bool


class StatusReport(BaseModel):
    """The public performance report of every public service menu."""

    generated_at: datetime
    timezone: str = Field(description="일별 집계의 시간대 / Time zone of days.")
    timeout_ms: float = Field(description="이보다 느리면 장애 / Slower than this is a failure.")
    measures_ko: str
    measures_en: str
    windows: list[WindowDefinition]
    menus: list[MenuStatus]
    current_incidents: list[IncidentReport]
    incidents: list[IncidentReport] = Field(
        description="최근 90일의 장애, 최근부터 / Incidents of the last 90 days, newest first."
    )
    no_data: bool = Field(description="아직 아무 집계도 없음 / No aggregate at all yet.")


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite returns naive ones)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def seoul_day_start(day: date) -> datetime:
    """00:00 Asia/Seoul of ``day`` as a UTC datetime (the ``start`` of its day rollups).

    >>> seoul_day_start(date(2026, 11, 21)).isoformat()
    '2026-11-20T15:00:00+00:00'
    """
    return datetime.combine(day, time(), SEOUL).astimezone(UTC)


def window_starts(now: datetime) -> dict[WindowId, datetime]:
    """The start (UTC, included) of each window ending at ``now``."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    today = now.astimezone(SEOUL).date()
    starts: dict[WindowId, datetime] = {}
    for window, _, _, length in WINDOWS:
        if window == "24h":
            starts[window] = hour - timedelta(hours=length - 1)
        else:
            starts[window] = seoul_day_start(today - timedelta(days=length - 1))
    return starts


def _failure_minutes(incidents: Sequence[Incident], start: datetime, end: datetime) -> float:
    """Minutes of ``[start, end)`` under one of ``incidents`` (``end`` is never after now)."""
    from ilteo.status.incidents import failure_minutes

    return round(failure_minutes(incidents, start, end), 2)


class _Totals:
    """Sums of rollup rows: requests, failures, timeouts, milliseconds and a histogram."""

    __slots__ = ("failures", "hist", "requests", "sum_ms", "timeouts")

    def __init__(self) -> None:
        self.requests = 0
        self.failures = 0
        self.timeouts = 0
        self.sum_ms = 0.0
        self.hist: list[int] = histogram.empty()

    def add(self, row: Rollup) -> None:
        self.requests += row.requests or 0
        self.failures += row.failures or 0
        self.timeouts += row.timeouts or 0
        self.sum_ms += row.sum_ms or 0.0
        for i, count in enumerate((row.hist or [])[: histogram.BINS]):
            self.hist[i] += count

    def mean(self) -> float | None:
        return round(self.sum_ms / self.requests, 1) if self.requests else None

    def p95(self) -> float | None:
        value = histogram.percentile(self.hist, 0.95)
        return None if value is None else round(value, 1)


def _incident_report(
    incident: Incident, names: dict[str, tuple[str, str]], now: datetime
) -> IncidentReport:
    opened = as_utc(incident.opened_at)
    closed = as_utc(incident.closed_at) if incident.closed_at else None
    name_ko, name_en = names.get(incident.menu, (incident.menu, incident.menu))
    return IncidentReport(
        id=incident.id,
        menu=incident.menu,
        menu_name_ko=name_ko,
        menu_name_en=name_en,
        opened_at=opened,
        closed_at=closed,
        ongoing=closed is None,
        duration_minutes=round(max(((closed or now) - opened).total_seconds(), 0) / 60, 2),
        cause=incident.cause,
        detail=incident.detail or "",
        peak_error_rate=incident.peak_error_rate,
        public_note_ko=incident.public_note_ko or "",
        public_note_en=incident.public_note_en or "",
        postmortem=incident.postmortem or "",
        updated_at=as_utc(incident.updated_at) if incident.updated_at else None,
    )


def _public_names() -> dict[str, tuple[str, str]]:
    from ilteo.status.menus import public_menus

    return {m.id: (m.name_ko, m.name_en) for m in public_menus()}


_cache: dict[str, tuple[float, StatusReport]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget cached reports (tests, and after staff edit an incident)."""
    with _cache_lock:
        _cache.clear()


def status_report(settings: Settings, now: datetime | None = None) -> StatusReport:
    """The public performance report of every public menu at ``now`` (the current time if omitted).

    Reports made for the current time are reused for :data:`CACHE_SECONDS` in this process. An
    empty store gives a valid report: zeros, ``None`` averages and ``no_data`` flags.
    """
    if now is not None:
        return _build(settings, as_utc(now))
    key = f"{settings.sqlalchemy_url}|{settings.status_timeout_ms}"
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and monotonic_time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    report = _build(settings, datetime.now(UTC))
    with _cache_lock:
        _cache[key] = (monotonic_time.monotonic(), report)
    return report


def _build(settings: Settings, now: datetime) -> StatusReport:
    from ilteo.core.db import session_scope

    names = _public_names()
    menu_ids = list(names)
    starts = window_starts(now)
    today = now.astimezone(SEOUL).date()
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    history_start = seoul_day_start(first_day)
    with session_scope(settings) as session:
        hour_rows = session.scalars(
            select(Rollup).where(
                Rollup.grain == "hour",
                Rollup.kind.in_(("server", "rum")),
                Rollup.start >= starts["24h"],
                Rollup.start <= now,
                Rollup.menu.in_(menu_ids),
            )
        ).all()
        day_rows = session.scalars(
            select(Rollup).where(
                Rollup.grain == "day",
                Rollup.kind.in_(("server", "rum")),
                Rollup.start >= history_start,
                Rollup.start <= now,
                Rollup.menu.in_(menu_ids),
            )
        ).all()
        incidents = session.scalars(
            select(Incident)
            .where(
                Incident.menu.in_(menu_ids),
                Incident.opened_at <= now,
                or_(Incident.closed_at.is_(None), Incident.closed_at > history_start),
            )
            .order_by(Incident.opened_at.desc(), Incident.id.desc())
        ).all()
        session.expunge_all()

    # (menu, kind) -> window -> totals; (menu, kind, day) -> totals
    windows: dict[tuple[str, str], dict[WindowId, _Totals]] = defaultdict(
        lambda: defaultdict(_Totals)
    )
    daily: dict[tuple[str, str, date], _Totals] = defaultdict(_Totals)
    for row in hour_rows:
        windows[(row.menu, row.kind)]["24h"].add(row)
    for row in day_rows:
        start = as_utc(row.start)
        day = start.astimezone(SEOUL).date()
        daily[(row.menu, row.kind, day)].add(row)
        for window in ("7d", "30d", "90d"):
            if start >= starts[window]:
                windows[(row.menu, row.kind)][window].add(row)
    by_menu: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_menu[incident.menu].append(incident)

    menus: list[MenuStatus] = []
    for menu_id, (name_ko, name_en) in names.items():
        own = by_menu.get(menu_id, [])
        stats: list[WindowStats] = []
        for window, _, _, _ in WINDOWS:
            server = windows[(menu_id, "server")][window]
            rum = windows[(menu_id, "rum")][window]
            stats.append(
                WindowStats(
                    window=window,
                    requests=server.requests,
                    failures=server.failures,
                    timeouts=server.timeouts,
                    failure_rate=(
                        round(server.failures / server.requests, 6) if server.requests else None
                    ),
                    failure_minutes=_failure_minutes(own, starts[window], now),
                    server_avg_ms=server.mean(),
                    server_p95_ms=server.p95(),
                    rum_avg_ms=rum.mean(),
                    rum_p95_ms=rum.p95(),
                    rum_samples=rum.requests,
                    no_data=server.requests == 0 and rum.requests == 0,
                )
            )
        days: list[DayBar] = []
        for offset in range(HISTORY_DAYS):
            day = first_day + timedelta(days=offset)
            server = daily.get((menu_id, "server", day)) or _Totals()
            rum = daily.get((menu_id, "rum", day)) or _Totals()
            day_end = min(seoul_day_start(day + timedelta(days=1)), now)
            days.append(
                DayBar(
                    day=day,
                    requests=server.requests,
                    failures=server.failures,
                    timeouts=server.timeouts,
                    failure_minutes=_failure_minutes(own, seoul_day_start(day), day_end),
                    server_avg_ms=server.mean(),
                    server_p95_ms=server.p95(),
                    rum_avg_ms=rum.mean(),
                    rum_p95_ms=rum.p95(),
                    rum_samples=rum.requests,
                    no_data=server.requests == 0 and rum.requests == 0,
                )
            )
        menus.append(
            MenuStatus(
                id=menu_id,
                name_ko=name_ko,
                name_en=name_en,
                ongoing_incidents=[i.id for i in own if i.closed_at is None],
                windows=stats,
                days=days,
                no_data=all(s.no_data for s in stats),
            )
        )
    history = [_incident_report(i, names, now) for i in incidents]
    return StatusReport(
        generated_at=now,
        timezone="Asia/Seoul",
        timeout_ms=settings.status_timeout_ms,
        measures_ko=MEASURES_KO.format(timeout_ms=settings.status_timeout_ms),
        measures_en=MEASURES_EN.format(timeout_ms=settings.status_timeout_ms),
        windows=[
            WindowDefinition(
                id=window,
                label_ko=ko,
                label_en=en,
                start=starts[window],
                end=now,
                grain="hour" if window == "24h" else "day",
            )
            for window, ko, en, _ in WINDOWS
        ],
        menus=menus,
        current_incidents=[i for i in history if i.ongoing],
        incidents=history,
        no_data=not hour_rows and not day_rows and not incidents,
    )


def menu_report(settings: Settings, menu: str | None = None) -> StatusReport:
    """The status report, narrowed to ``menu`` (its numbers and its incidents) when given.

    Raises:
        NotFoundError: ``menu`` is not a public menu id.
    """
    report = status_report(settings)
    if menu is None:
        return report
    menus = [m for m in report.menus if m.id == menu]
    if not menus:
        known = ", ".join(m.id for m in report.menus)
        raise NotFoundError(
            f"공개 서비스 메뉴 '{menu}'이(가) 없습니다. / No public service menu '{menu}'. "
            f"Known: {known}.",
            menu=menu,
        )
    return report.model_copy(
        update={
            "menus": menus,
            "current_incidents": [i for i in report.current_incidents if i.menu == menu],
            "incidents": [i for i in report.incidents if i.menu == menu],
        }
    )


def list_incidents(
    settings: Settings, *, limit: int, offset: int = 0, now: datetime | None = None
) -> list[IncidentReport]:
    """Incidents of public menus, newest first: ``limit`` of them from position ``offset``."""
    from ilteo.core.db import session_scope

    names = _public_names()
    moment = as_utc(now) if now else datetime.now(UTC)
    with session_scope(settings) as session:
        rows = session.scalars(
            select(Incident)
            .where(Incident.menu.in_(list(names)))
            .order_by(Incident.opened_at.desc(), Incident.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [_incident_report(i, names, moment) for i in rows]


def get_incident(
    settings: Settings, incident_id: int, now: datetime | None = None
) -> IncidentReport:
    """One incident of a public menu.

    Raises:
        NotFoundError: No such incident, or it belongs to a menu not shown in public.
    """
    from ilteo.core.db import session_scope

    names = _public_names()
    moment = as_utc(now) if now else datetime.now(UTC)
    with session_scope(settings) as session:
        incident = session.scalars(
            select(Incident).where(and_(Incident.id == incident_id, Incident.menu.in_(list(names))))
        ).first()
        if incident is None:
            raise NotFoundError(
                f"장애 {incident_id}번이 없습니다. / There is no incident {incident_id}.",
                incident_id=incident_id,
            )
        return _incident_report(incident, names, moment)
