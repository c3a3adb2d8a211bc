"""The integrated monitoring room (통합관제): what the staff page and the public doors show.

* :func:`live_feed`: the one window's safety requests as they arrive, imminent-danger reports not
  yet acknowledged first, each with the inspection queued for its workplace, if any;
* :func:`high_risk`: today's high-risk workplaces (the latest scores) by region, and the top
  workplaces with their reasons;
* :func:`incidents`: open incidents and their follow-up: imminent-danger reports still open, work
  stopped at an inspection (a re-check is due), deaths in the lake's latest year with no
  inspection recorded since;
* :func:`public_summary`: aggregates for the public doors (no workplace, counts under
  :data:`SUPPRESS_BELOW` suppressed).

Workplaces are for staff only; the doors check roles (:data:`STAFF_ROLES`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import as_utc
from ilteo.lake.codes import SIDO_NAMES
from ilteo.safety.lake import SAFETY_CATEGORIES
from ilteo.safety.models import Inspection
from ilteo.safety.service import read_scores

__all__ = [
    "HIGH_RISK_P",
    "STAFF_ROLES",
    "SUPPRESS_BELOW",
    "high_risk",
    "incidents",
    "live_feed",
    "public_summary",
]

#: A workplace is high-risk at this probability of a serious case next year (about 2.5 times
#: the base rate of the synthetic country).
HIGH_RISK_P: Final = 0.10
#: Public counts below this are shown as "<5".
SUPPRESS_BELOW: Final = 5
#: Who sees the room and workplaces.
STAFF_ROLES: Final = frozenset({"inspector", "administrator", "analyst", "desk_officer"})
#: Days after a work stop by which a re-check is due.
RECHECK_DAYS: Final = 14


def live_feed(
    session: Session, *, limit: int = 50, days: int = 30, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Safety requests and urgent alerts of the last ``days`` days, newest first.

    Imminent-danger reports not yet acknowledged come first.
    """
    from ilteo.desk.models import Request

    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    rows = session.scalars(
        select(Request)
        .where(
            Request.received_at >= since,
            (Request.category.in_(SAFETY_CATEGORIES)) | Request.alerted_at.is_not(None),
        )
        .order_by(Request.received_at.desc())
        .limit(max(limit * 4, 200))
    ).all()
    feed = []
    for r in rows:
        urgent = list(r.urgent or [])
        if r.category not in SAFETY_CATEGORIES and "imminent_danger" not in urgent:
            continue
        feed.append(
            {
                "id": r.id,
                "received_at": as_utc(r.received_at).isoformat(),
                "category": r.category,
                "urgent": urgent,
                "imminent": "imminent_danger" in urgent,
                "acknowledged": r.urgent_ack_at is not None,
                "status": r.status,
                "office_code": r.office_code,
                "office_name": (r.route or {}).get("office_name"),
                "workplace_name": r.workplace_name,
                "master_workplace_id": r.master_workplace_id,
                "summary": list(r.summary or [])[:2],
                "inspection_id": None,
            }
        )
    workplaces = {f["master_workplace_id"] for f in feed if f["master_workplace_id"]}
    if workplaces:
        queued = session.execute(
            select(Inspection.master_workplace_id, Inspection.id).where(
                Inspection.master_workplace_id.in_(workplaces), Inspection.status == "queued"
            )
        ).all()
        by_workplace = dict(queued)
        for f in feed:
            f["inspection_id"] = by_workplace.get(str(f["master_workplace_id"]))
    urgent_first = [f for f in feed if f["imminent"] and not f["acknowledged"]]
    rest = [f for f in feed if not (f["imminent"] and not f["acknowledged"])]
    urgent_first.sort(key=lambda f: str(f["received_at"]), reverse=True)
    rest.sort(key=lambda f: str(f["received_at"]), reverse=True)
    return (urgent_first + rest)[:limit]


def high_risk(settings: Settings, *, sido_code: str | None = None, top: int = 20) -> dict[str, Any]:
    """The latest scores by region and the top workplaces (staff only).

    Returns:
        ``{"meta": {...}, "regions": [...], "workplaces": [...]}``; regions ordered by expected
        injuries averted; workplaces by rank, each with its reasons and notes.

    Raises:
        DataUnavailableError: Nothing scored yet.
    """
    scores, meta = read_scores(settings)
    regions = _regions(scores)
    chosen = scores if sido_code is None else scores.filter(pl.col("sido_code") == sido_code)
    workplaces = []
    for row in chosen.sort("rank").head(top).iter_rows(named=True):
        workplaces.append(
            {
                "rank": row["rank"],
                "master_id": row["master_id"],
                "name": row["name"],
                "address": row["address"],
                "sido_code": row["sido_code"],
                "sido_name": SIDO_NAMES.get(row["sido_code"] or "", row["sido_code"]),
                "industry_code": row["industry_code"],
                "size_class": row["size_class"],
                "employees": row["employees"],
                "p_serious": row["p_serious"],
                "expected_cases": row["expected_cases"],
                "averted": row["averted"],
                "high_risk": row["p_serious"] >= HIGH_RISK_P,
                "notes": list(row["notes"] or []),
                "reasons": json.loads(row["reasons"]) if row["reasons"] else [],
                "imminent_requests": row["imminent_requests"],
            }
        )
    return {"meta": meta, "regions": regions, "workplaces": workplaces}


def _regions(scores: pl.DataFrame) -> list[dict[str, Any]]:
    agg = (
        scores.group_by("sido_code")
        .agg(
            pl.len().alias("workplaces"),
            (pl.col("p_serious") >= HIGH_RISK_P).sum().alias("high_risk"),
            pl.col("expected_cases").sum().alias("expected_cases"),
            pl.col("averted").sum().alias("averted"),
            pl.col("imminent_requests").fill_null(0).sum().alias("imminent_requests"),
        )
        .sort("averted", descending=True)
    )
    return [
        {**row, "sido_name": SIDO_NAMES.get(row["sido_code"] or "", "unknown")}
        for row in agg.iter_rows(named=True)
    ]


def incidents(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Open incidents and their follow-up, most pressing first (see the module's notes)."""
    from ilteo.desk.models import Request

    now = now or datetime.now(UTC)
    out: list[dict[str, Any]] = []
    open_requests = session.scalars(
        select(Request).where(
            Request.alerted_at.is_not(None), Request.status.not_in(("answered", "closed"))
        )
    ).all()
    queued = dict(
        session.execute(
            select(Inspection.request_id, Inspection.id).where(Inspection.request_id.is_not(None))
        ).all()
    )
    for r in open_requests:
        if "imminent_danger" not in (r.urgent or []):
            continue
        inspection = queued.get(r.id)
        out.append(
            {
                "kind": "imminent_danger",
                "at": as_utc(r.received_at).isoformat(),
                "request_id": r.id,
                "master_workplace_id": r.master_workplace_id,
                "workplace_name": r.workplace_name,
                "status": r.status,
                "follow_up": "inspection_queued" if inspection else "inspection_needed",
                "inspection_id": inspection,
                "due": None,
            }
        )
    stopped = session.scalars(
        select(Inspection).where(
            Inspection.work_stopped.is_(True),
            Inspection.recorded_at >= now - timedelta(days=90),
        )
    ).all()
    for i in stopped:
        due = (i.inspected_on or now.date()) + timedelta(days=RECHECK_DAYS)
        out.append(
            {
                "kind": "work_stopped",
                "at": i.inspected_on.isoformat() if i.inspected_on else None,
                "request_id": i.request_id,
                "master_workplace_id": i.master_workplace_id,
                "workplace_name": i.workplace_name,
                "status": "overdue" if due < now.date() else "open",
                "follow_up": "recheck_due",
                "inspection_id": i.id,
                "due": due.isoformat(),
            }
        )
    out.extend(_deaths_without_inspection(session, settings))
    order = {"imminent_danger": 0, "work_stopped": 1, "death": 2}
    out.sort(key=lambda x: (order[x["kind"]], x["at"] or ""), reverse=False)
    return out


def _deaths_without_inspection(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Deaths of the lake's latest year at workplaces with no inspection recorded since."""
    from ilteo.lake.layout import LakePaths

    lake = LakePaths.of(settings)
    path, links = lake.curated("accidents"), lake.master("workplace_links")
    if not path.is_file() or not links.is_file():
        return []
    deaths = (
        pl.scan_parquet(path)
        .filter(pl.col("fatal"))
        .join(
            pl.scan_parquet(links)
            .filter(pl.col("source") == "accidents")
            .select("record_id", "master_id"),
            left_on="accident_id",
            right_on="record_id",
        )
        .select("master_id", "accident_date", "accident_type")
        .collect()
    )
    if deaths.is_empty():
        return []
    latest = int(deaths["accident_date"].dt.year().max())  # type: ignore[arg-type]
    deaths = deaths.filter(pl.col("accident_date").dt.year() == latest)
    inspected = {
        (r[0]): r[1]
        for r in session.execute(
            select(Inspection.master_workplace_id, func.max(Inspection.inspected_on))
            .where(Inspection.status == "done")
            .group_by(Inspection.master_workplace_id)
        ).all()
    }
    from ilteo.safety.lake import masters

    names = dict(masters(settings).select("master_id", "name").iter_rows())
    out = []
    for row in deaths.iter_rows(named=True):
        last: date | None = inspected.get(row["master_id"])
        if last is not None and last >= row["accident_date"]:
            continue
        out.append(
            {
                "kind": "death",
                "at": row["accident_date"].isoformat(),
                "request_id": None,
                "master_workplace_id": row["master_id"],
                "workplace_name": names.get(row["master_id"]),
                "status": "open",
                "follow_up": "no_inspection_since",
                "inspection_id": None,
                "due": None,
                "accident_type": row["accident_type"],
            }
        )
    return out


def _suppress(n: int) -> int | None:
    return n if n >= SUPPRESS_BELOW else None


def public_summary(
    settings: Settings, session: Session, *, now: datetime | None = None
) -> dict[str, Any]:
    """Aggregates for everyone: by region, counts under 5 suppressed; never a workplace."""
    from ilteo.desk.models import Request
    from ilteo.safety.service import model_dir

    now = now or datetime.now(UTC)
    try:
        scores, meta = read_scores(settings)
        regions = _regions(scores)
    except DataUnavailableError:
        scores, meta, regions = pl.DataFrame(), {}, []
    year_start = datetime(now.year, 1, 1, tzinfo=UTC)
    done = dict(
        session.execute(
            select(Inspection.sido_code, func.count())
            .where(Inspection.status == "done", Inspection.recorded_at >= year_start)
            .group_by(Inspection.sido_code)
        ).all()
    )
    queued = dict(
        session.execute(
            select(Inspection.sido_code, func.count())
            .where(Inspection.status == "queued")
            .group_by(Inspection.sido_code)
        ).all()
    )
    month = now - timedelta(days=30)
    imminent = [
        r
        for r in session.scalars(select(Request.urgent).where(Request.alerted_at >= month)).all()
        if "imminent_danger" in (r or [])
    ]
    rows = []
    for region in regions:
        code = region["sido_code"]
        rows.append(
            {
                "sido_code": code,
                "sido_name": region["sido_name"],
                "workplaces": _suppress(int(region["workplaces"])),
                "high_risk": _suppress(int(region["high_risk"])),
                # a region of fewer than five workplaces would reveal one workplace's score
                "expected_cases": round(float(region["expected_cases"]), 1)
                if int(region["workplaces"]) >= SUPPRESS_BELOW
                else None,
                "inspections_done": _suppress(int(done.get(code, 0))),
                "inspections_queued": _suppress(int(queued.get(code, 0))),
            }
        )
    model_meta: dict[str, Any] = {}
    try:
        from ilteo.safety.model import load

        model = load(model_dir(settings))
        training = model.metrics.get("training", {})
        model_meta = {
            "version": model.version,
            "trained_at": model.trained_at,
            "train_years": list(model.train_years),
            "calibration": {
                k: training.get("calibration", {}).get(k)
                for k in ("n", "auc", "brier", "brier_skill", "ece", "bins")
            },
        }
    except DataUnavailableError:
        pass
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "synthetic": bool(meta.get("synthetic", True)),
        "scored_at": meta.get("scored_at"),
        "feature_year": meta.get("feature_year"),
        "high_risk_threshold": HIGH_RISK_P,
        "suppressed_below": SUPPRESS_BELOW,
        "workplaces_scored": int(scores.height),
        "high_risk_workplaces": int((scores["p_serious"] >= HIGH_RISK_P).sum())
        if scores.height
        else 0,
        "imminent_danger_reports_30d": _suppress(len(imminent)),
        "effect": meta.get("effect"),
        "model": model_meta,
        "regions": rows,
    }
