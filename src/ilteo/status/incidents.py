"""Incidents: periods when a service menu was failing, opened and closed from stored rows.

:func:`evaluate` is stateless: everything it decides is derived from the stored request and probe
rows (``status_requests``) and the open :class:`~ilteo.status.models.Incident` rows, so a restart,
the command line (``ilteo status check``) and several server processes reach the same decisions.
Evaluations are serialised (a PostgreSQL advisory lock, or a lock file beside a SQLite store), so
two of them at once cannot open the same incident twice.

Opening (per menu, at the evaluation instant ``now``):

* ``error_rate``: over the last ``status_window_minutes`` of server rows, at least
  ``status_min_requests`` requests and a failure share of at least
  ``status_error_rate_threshold``;
* ``probe``: the menu's last two synthetic probes (within the probe horizon) both failed.

A menu has at most one open incident at a time; a second signal while one is open only raises its
``peak_error_rate``.

Closing (automatic incidents only; a ``manual`` one is closed by staff): over the last
``status_recovery_checks * status_check_seconds`` the server error rate is below the threshold (or
there was no traffic) and the menu's last probe, if any, succeeded.

Times (so that the incident's duration is the failure's duration, not the monitor's reaction time):

* ``opened_at`` is the first failure of the failing window (the earliest failed server row of the
  window, or the first failed probe of the trailing run of failed probes, whichever is earlier);
* ``closed_at`` is the first success after the last failure (server row or probe) — the moment the
  menu was first seen working again — or, if no success was stored since, the last failure.

With steady traffic a fault of 10 minutes therefore gives an incident of 10 minutes give or take the
gap between two requests; without traffic, give or take one probe interval. Detection and recovery
delays (up to a window and a recovery period plus one check interval) do not lengthen it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.status.models import Incident, RequestLog

#: Longest public note (Korean or English) staff may write.
MAX_NOTE_CHARS = 4000
#: Longest post-mortem staff may write.
MAX_POSTMORTEM_CHARS = 20000
#: Causes the monitor opens itself (and therefore closes itself); staff open ``manual`` ones.
AUTOMATIC_CAUSES = ("error_rate", "probe")
#: PostgreSQL advisory-lock key serialising evaluations ("ilteo-st" as an integer).
EVALUATE_LOCK_KEY = 0x696C74656F2D7374 & 0x7FFFFFFFFFFFFFFF


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as aware UTC (SQLite returns naive datetimes, which are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class IncidentChange:
    """An incident :func:`evaluate` opened or closed.

    Attributes:
        change: ``opened`` or ``closed``.
        menu: The service menu id.
        incident_id: The incident's id.
        cause: ``error_rate``, ``probe`` or ``manual``.
        why: What was measured, in Korean and English.
        opened_at: When the failure started (see the module docstring).
        closed_at: When the menu was first seen working again (closed changes only).
    """

    change: Literal["opened", "closed"]
    menu: str
    incident_id: int
    cause: str
    why: str
    opened_at: datetime
    closed_at: datetime | None = None


class _Period(Protocol):
    @property
    def opened_at(self) -> datetime: ...  # pragma: no cover - a protocol

    @property
    def closed_at(self) -> datetime | None: ...  # pragma: no cover - a protocol


@dataclass(frozen=True)
class _WindowStats:
    requests: int
    failures: int
    first_failure: datetime | None

    @property
    def rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


def _server_stats(
    session: Session, since: datetime, now: datetime, *, menu: str | None = None
) -> dict[str, _WindowStats]:
    """Requests, failures and first failure per menu of the server rows in ``(since, now]``."""
    failed = RequestLog.failed.is_(True)
    query = (
        select(
            RequestLog.menu,
            func.count(),
            func.sum(case((failed, 1), else_=0)),
            func.min(case((failed, RequestLog.at), else_=None)),
        )
        .where(RequestLog.kind == "server", RequestLog.at > since, RequestLog.at <= now)
        .group_by(RequestLog.menu)
    )
    if menu is not None:  # one menu: the (menu, at) index
        query = query.where(RequestLog.menu == menu)
    return {
        menu: _WindowStats(int(count), int(failures or 0), as_utc(first) if first else None)
        for menu, count, failures, first in session.execute(query)
    }


def _probe_rows(
    session: Session, since: datetime, now: datetime
) -> dict[str, list[tuple[datetime, bool]]]:
    """Probe rows per menu in ``(since, now]``, newest first."""
    query = (
        select(RequestLog.menu, RequestLog.at, RequestLog.failed)
        .where(RequestLog.kind == "probe", RequestLog.at > since, RequestLog.at <= now)
        .order_by(RequestLog.menu, RequestLog.at.desc(), RequestLog.id.desc())
    )
    rows: dict[str, list[tuple[datetime, bool]]] = {}
    for menu, at, failed in session.execute(query):
        rows.setdefault(menu, []).append((as_utc(at), bool(failed)))
    return rows


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _rate_detail(stats: _WindowStats, minutes: int, settings: Settings) -> str:
    return (
        f"오류율 {_percent(stats.rate)}: 최근 {minutes:g}분 요청 {stats.requests}건 중 "
        f"{stats.failures}건 실패 (기준 {_percent(settings.status_error_rate_threshold)}, "
        f"최소 {settings.status_min_requests}건) / error rate {_percent(stats.rate)}: "
        f"{stats.failures} of {stats.requests} requests failed in the last {minutes:g} min "
        f"(threshold {_percent(settings.status_error_rate_threshold)}, "
        f"at least {settings.status_min_requests} requests)"
    )


def _probe_detail(count: int) -> str:
    return (
        f"점검 요청 {count}회 연속 실패 / the last {count} synthetic probes failed" if count else ""
    )


@contextmanager
def _serialised(settings: Settings) -> Iterator[Session]:
    """A session whose transaction holds the evaluation lock until it commits.

    PostgreSQL: a transaction-level advisory lock. SQLite: an exclusive ``flock`` on
    ``<home>/status-evaluate.lock`` held around the whole transaction, commit included.
    """
    from ilteo.core.db import session_scope

    if settings.sqlalchemy_url.startswith("postgresql"):
        with session_scope(settings) as session:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVALUATE_LOCK_KEY})
            yield session
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / "status-evaluate.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with session_scope(settings) as session:
                yield session
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def probe_horizon(settings: Settings) -> timedelta:
    """How far back probes count: three probe intervals, and at least the error-rate window."""
    return max(
        timedelta(seconds=3 * settings.status_probe_seconds),
        timedelta(minutes=settings.status_window_minutes),
    )


def recovery_period(settings: Settings) -> timedelta:
    """The good period that closes an incident: ``status_recovery_checks`` check intervals."""
    return timedelta(seconds=settings.status_recovery_checks * settings.status_check_seconds)


def _recovered_at(session: Session, menu: str, opened_at: datetime, now: datetime) -> datetime:
    """The first success after the menu's last failure since ``opened_at`` (see the module doc)."""
    last_failure = session.scalar(
        select(func.max(RequestLog.at)).where(
            RequestLog.menu == menu,
            RequestLog.at >= opened_at,
            RequestLog.at <= now,
            RequestLog.failed.is_(True),
        )
    )
    after = as_utc(last_failure) if last_failure else opened_at
    first_success = session.scalar(
        select(func.min(RequestLog.at)).where(
            RequestLog.menu == menu,
            RequestLog.at > after,
            RequestLog.at <= now,
            RequestLog.failed.is_(False),
        )
    )
    closed = as_utc(first_success) if first_success else after
    return max(closed, opened_at)


def _close_recovered(
    session: Session,
    settings: Settings,
    open_by_menu: dict[str, Incident],
    probes: dict[str, list[tuple[datetime, bool]]],
    now: datetime,
) -> list[IncidentChange]:
    """Close the automatic incidents whose menu recovered (see the module docstring)."""
    recovery = recovery_period(settings)
    recent = _server_stats(session, now - recovery, now)
    changes = []
    for menu, incident in sorted(open_by_menu.items()):
        if incident.cause not in AUTOMATIC_CAUSES:
            continue
        good = recent.get(menu, _WindowStats(0, 0, None))
        menu_probes = probes.get(menu, [])
        if good.requests and good.rate >= settings.status_error_rate_threshold:
            continue
        if menu_probes and menu_probes[0][1]:
            continue
        opened_at = as_utc(incident.opened_at)
        if now - opened_at < recovery:
            continue  # not yet one full recovery period since the failure started
        incident.closed_at = _recovered_at(session, menu, opened_at, now)
        incident.updated_at = now
        incident.updated_by = "monitor"
        seconds = f"{recovery.total_seconds():g}"
        changes.append(
            IncidentChange(
                change="closed",
                menu=menu,
                incident_id=incident.id,
                cause=incident.cause,
                why=(
                    f"복구 확인: 최근 {seconds}초 오류율 {_percent(good.rate)} "
                    f"({good.requests}건) / recovered: error rate {_percent(good.rate)} "
                    f"over the last {seconds} s ({good.requests} requests)"
                ),
                opened_at=opened_at,
                closed_at=incident.closed_at,
            )
        )
    return changes


def _since_last_incident(
    session: Session,
    open_by_menu: dict[str, Incident],
    stats: dict[str, _WindowStats],
    probes: dict[str, list[tuple[datetime, bool]]],
    window_start: datetime,
    now: datetime,
) -> None:
    """Drop the rows up to the end of a menu's last incident: a new one needs new failures."""
    ended = session.execute(
        select(Incident.menu, func.max(Incident.closed_at))
        .where(Incident.closed_at.is_not(None), Incident.closed_at > window_start)
        .group_by(Incident.menu)
    ).all()
    for menu, closed_at in ended:
        if menu in open_by_menu or closed_at is None:
            continue
        since = as_utc(closed_at)
        stats[menu] = _server_stats(session, since, now, menu=menu).get(
            menu, _WindowStats(0, 0, None)
        )
        probes[menu] = [p for p in probes.get(menu, []) if p[0] > since]


def _open_failing(
    session: Session,
    settings: Settings,
    open_by_menu: dict[str, Incident],
    stats: dict[str, _WindowStats],
    probes: dict[str, list[tuple[datetime, bool]]],
    now: datetime,
) -> list[IncidentChange]:
    """Open an incident for each failing menu without one (see the module docstring)."""
    minutes = settings.status_window_minutes
    opened = []
    for menu in sorted(set(stats) | set(probes)):
        window_stats = stats.get(menu, _WindowStats(0, 0, None))
        rate_bad = window_stats.requests >= settings.status_min_requests and (
            window_stats.rate >= settings.status_error_rate_threshold
        )
        failed_probes = _trailing_failures(probes.get(menu, []))
        probe_bad = len(failed_probes) >= 2
        current = open_by_menu.get(menu)
        if current is not None:
            if rate_bad and window_stats.rate > (current.peak_error_rate or 0.0):
                current.peak_error_rate = window_stats.rate
            continue
        if not rate_bad and not probe_bad:
            continue
        starts = [
            *([window_stats.first_failure] if rate_bad and window_stats.first_failure else []),
            *([failed_probes[-1]] if probe_bad else []),
        ]
        opened_at = min(starts) if starts else now
        detail = " · ".join(
            [
                *([_rate_detail(window_stats, minutes, settings)] if rate_bad else []),
                *([_probe_detail(len(failed_probes))] if probe_bad else []),
            ]
        )
        incident = Incident(
            menu=menu,
            opened_at=opened_at,
            closed_at=None,
            cause="error_rate" if rate_bad else "probe",
            detail=detail,
            peak_error_rate=window_stats.rate if window_stats.requests else None,
            public_note_ko="",
            public_note_en="",
            postmortem="",
            updated_at=now,
            updated_by="monitor",
        )
        session.add(incident)
        session.flush()
        opened.append(
            IncidentChange(
                change="opened",
                menu=menu,
                incident_id=incident.id,
                cause=incident.cause,
                why=detail,
                opened_at=opened_at,
            )
        )
    return opened


def evaluate(settings: Settings, now: datetime | None = None) -> list[IncidentChange]:
    """Open and close incidents from the stored rows (see the module docstring for the rules).

    Args:
        settings: The thresholds, windows and the operational store.
        now: The evaluation instant (default: the current time).

    Returns:
        The incidents closed, then those opened, by this evaluation.
    """
    now = as_utc(now or utcnow())
    window_start = now - timedelta(minutes=settings.status_window_minutes)
    with _serialised(settings) as session:
        open_rows = session.scalars(select(Incident).where(Incident.closed_at.is_(None))).all()
        open_by_menu = {row.menu: row for row in open_rows}
        probes = _probe_rows(session, now - probe_horizon(settings), now)
        closed = _close_recovered(session, settings, open_by_menu, probes, now)
        for change in closed:
            open_by_menu.pop(change.menu, None)
        stats = _server_stats(session, window_start, now)
        _since_last_incident(session, open_by_menu, stats, probes, window_start, now)
        opened = _open_failing(session, settings, open_by_menu, stats, probes, now)
    return closed + opened


def _trailing_failures(probes: Sequence[tuple[datetime, bool]]) -> list[datetime]:
    """Times of the trailing run of failed probes (``probes`` newest first), newest first."""
    run = []
    for at, failed in probes:
        if not failed:
            break
        run.append(at)
    return run


# --- staff --------------------------------------------------------------------------------------


def _check_note(name: str, value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidInputError(
            f"{name}: {limit}자를 넘을 수 없습니다 / may not be longer than {limit} characters",
            field=name,
        )
    return value


def _get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"장애 {incident_id}번이 없습니다 / no incident {incident_id}")
    return incident


def open_incident(
    session: Session,
    menu: str,
    *,
    by: str | None,
    note_ko: str,
    note_en: str,
    now: datetime | None = None,
) -> Incident:
    """Open a ``manual`` incident for ``menu`` with a public note (audited).

    Args:
        session: The session (its transaction holds the incident and the audit entry).
        menu: The service menu id.
        by: The staff account id (``None`` on the command line).
        note_ko: The public explanation in Korean.
        note_en: The public explanation in English.
        now: When it opened (default: now).

    Returns:
        The new incident.

    Raises:
        NotFoundError: ``menu`` is not a service menu.
        InvalidInputError: Both notes are empty, a note is too long, or the menu already has an
            open incident.
    """
    from ilteo.identity.accounts import record_audit
    from ilteo.status.menus import get_menu

    try:
        get_menu(menu)
    except (KeyError, NotFoundError, ValueError) as exc:
        raise NotFoundError(f"서비스 메뉴 {menu!r}가 없습니다 / no service menu {menu!r}") from exc
    ko = _check_note("note_ko", note_ko, MAX_NOTE_CHARS) or ""
    en = _check_note("note_en", note_en, MAX_NOTE_CHARS) or ""
    if not ko and not en:
        raise InvalidInputError(
            "공개 설명을 한국어나 영어로 적어 주세요 / write a public note in Korean or English"
        )
    already = session.scalar(
        select(Incident.id).where(Incident.menu == menu, Incident.closed_at.is_(None))
    )
    if already is not None:
        raise InvalidInputError(
            f"{menu}에는 이미 열린 장애 {already}번이 있습니다 / "
            f"{menu} already has the open incident {already}",
            incident_id=already,
        )
    now = as_utc(now or utcnow())
    incident = Incident(
        menu=menu,
        opened_at=now,
        closed_at=None,
        cause="manual",
        detail="",
        public_note_ko=ko,
        public_note_en=en,
        postmortem="",
        updated_at=now,
        updated_by=by or "cli",
    )
    session.add(incident)
    session.flush()
    record_audit(
        session, "status.incident_opened", account_id=by, now=now, incident=incident.id, menu=menu
    )
    return incident


def close_incident(
    session: Session, incident_id: int, *, by: str | None, now: datetime | None = None
) -> Incident:
    """Close an open incident now (audited).

    Raises:
        NotFoundError: No such incident.
        InvalidInputError: It is already closed.
    """
    from ilteo.identity.accounts import record_audit

    incident = _get(session, incident_id)
    if incident.closed_at is not None:
        raise InvalidInputError(
            f"장애 {incident_id}번은 이미 끝났습니다 / incident {incident_id} is already closed"
        )
    now = as_utc(now or utcnow())
    incident.closed_at = max(now, as_utc(incident.opened_at))
    incident.updated_at = now
    incident.updated_by = by or "cli"
    record_audit(
        session,
        "status.incident_closed",
        account_id=by,
        now=now,
        incident=incident.id,
        menu=incident.menu,
    )
    return incident


def update_notes(
    session: Session,
    incident_id: int,
    *,
    public_note_ko: str | None = None,
    public_note_en: str | None = None,
    postmortem: str | None = None,
    by: str | None,
    now: datetime | None = None,
) -> Incident:
    """Set an incident's public notes and post-mortem (``None`` keeps a field; audited).

    Raises:
        NotFoundError: No such incident.
        InvalidInputError: A note longer than :data:`MAX_NOTE_CHARS` or a post-mortem longer
            than :data:`MAX_POSTMORTEM_CHARS`.
    """
    from ilteo.identity.accounts import record_audit

    ko = _check_note("public_note_ko", public_note_ko, MAX_NOTE_CHARS)
    en = _check_note("public_note_en", public_note_en, MAX_NOTE_CHARS)
    pm = _check_note("postmortem", postmortem, MAX_POSTMORTEM_CHARS)
    incident = _get(session, incident_id)
    changed = []
    for field, value in (("public_note_ko", ko), ("public_note_en", en), ("postmortem", pm)):
        if value is not None and value != getattr(incident, field):
            setattr(incident, field, value)
            changed.append(field)
    now = as_utc(now or utcnow())
    if changed:
        incident.updated_at = now
        incident.updated_by = by or "cli"
        record_audit(
            session,
            "status.incident_noted",
            account_id=by,
            now=now,
            incident=incident.id,
            fields=changed,
        )
    return incident


def failure_minutes(incidents: Sequence[_Period], start: datetime, end: datetime) -> float:
    """Minutes of ``[start, end)`` covered by ``incidents`` (open ones count until ``end``).

    Overlapping incidents are merged first, so a minute counts once.

    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> @dataclass
    ... class P:
    ...     opened_at: datetime
    ...     closed_at: datetime | None
    >>> failure_minutes([P(t - timedelta(minutes=5), t + timedelta(minutes=10)),
    ...                  P(t + timedelta(minutes=50), None)], t, t + timedelta(hours=1))
    20.0
    """
    start, end = as_utc(start), as_utc(end)
    spans = sorted(
        (max(as_utc(i.opened_at), start), min(as_utc(i.closed_at) if i.closed_at else end, end))
        for i in incidents
    )
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for begin, finish in spans:
        if finish <= begin:
            continue
        if current_end is None or current_start is None or begin > current_end:
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = begin, finish
        else:
            current_end = max(current_end, finish)
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).total_seconds()
    return total / 60.0


def list_incidents(
    session: Session, *, open_only: bool = False, limit: int = 100
) -> list[Incident]:
    """Incidents, open ones first, then the most recently opened."""
    query = select(Incident)
    if open_only:
        query = query.where(Incident.closed_at.is_(None))
    query = query.order_by(
        and_(Incident.closed_at.is_(None)).desc(), Incident.opened_at.desc(), Incident.id.desc()
    ).limit(limit)
    return list(session.scalars(query))
