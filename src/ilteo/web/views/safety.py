"""The industrial-safety pages (issue 11): the public summary and the monitoring room (통합관제).

Public page:

- ``GET /safety``: the public aggregates of :func:`ilteo.safety.room.public_summary` - by region
  (workplaces scored, high-risk, expected serious cases, inspections done and queued; counts
  under :data:`ilteo.safety.room.SUPPRESS_BELOW` shown as "<5"), imminent-danger reports of the
  last 30 days, the model card (version, training years, calibration with the reliability chart
  and its table), the inspection effect with its source, and the synthetic-data label. Never a
  workplace. Before the first scoring it says so.

Staff pages (:data:`STAFF_ROLES`; anyone else gets the 403 page, nobody signed in is sent to
sign in; every staff page is ``no-store``):

- ``GET /safety/room``: the monitoring room - the live feed of safety requests (imminent danger
  not yet acknowledged first, each linked to ``/desk/staff/requests/{number}``), today's
  high-risk workplaces by region (``?sido=`` narrows the top list), the first ten queued
  inspections and the open incidents with their follow-up. ``?refresh=N`` (30 to 600 seconds)
  asks the browser to reload the page every N seconds (the ``Refresh`` header; no script).
- ``GET /safety/workplaces/{master_id}``: one workplace (:func:`ilteo.safety.service.
  workplace_detail`): score, probability, expected and averted cases, the reasons in words, the
  yearly history and the inspections; an inspector records the outcome of a queued one here.
- ``GET /safety/inspections``: the inspection queue or the done / cancelled ones (``?status=``,
  ``?sido=``, ``?page=``); inspectors and administrators also get the form choosing K targets.
- ``POST /safety/inspections/{inspection_id}/outcome`` and ``POST /safety/inspections/targets``:
  inspectors and administrators only, CSRF-checked; a problem is shown on the form (422), success
  is a redirect (303) to the page with what was done.

Every text comes from ``messages/{ko,en}/safety.yaml``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import require_staff
from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.lake.codes import SIDO_NAMES
from ilteo.safety.room import STAFF_ROLES as ROOM_ROLES
from ilteo.safety.service import INSPECTOR_ROLES as OUTCOME_ROLES
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page

if TYPE_CHECKING:
    from ilteo.safety.models import Inspection

router = APIRouter(include_in_schema=False)

#: Who sees the room, workplaces and the queue (:data:`ilteo.safety.room.STAFF_ROLES`).
STAFF_ROLES: Final = tuple(sorted(ROOM_ROLES))
#: Who records outcomes and queues targets (:data:`ilteo.safety.service.INSPECTOR_ROLES`).
INSPECTOR_ROLES: Final = tuple(sorted(OUTCOME_ROLES))
#: Rows per page of the inspection list.
PAGE_SIZE: Final = 50
#: Queued inspections shown in the room.
ROOM_QUEUE: Final = 10
#: Requests in the room's live feed.
FEED_LIMIT: Final = 30
#: Workplaces in the room's top list.
TOP_WORKPLACES: Final = 20
#: Seconds between reloads the room accepts (``?refresh=``).
REFRESH_RANGE: Final = (30, 600)
#: Inspection states of the list filter.
LIST_STATUSES: Final = ("queued", "done", "cancelled")
#: Largest K of one targeting run from the page.
MAX_TARGETS: Final = 500
#: Longest outcome note (characters; the library masks personal data in it).
MAX_NOTE: Final = 2000
#: What a POST done says on the page it redirects to.
DONE: Final = ("recorded", "queued")
_MASTER_ID: Final = re.compile(r"[A-Za-z0-9_.:-]{1,40}")
_INSPECTION_ID: Final = re.compile(r"I-\d{8}-[0-9A-F]{6}")

Staff = Annotated[AccountPublic, Depends(require_staff(*STAFF_ROLES))]
Inspector = Annotated[AccountPublic, Depends(require_staff(*INSPECTOR_ROLES))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Any:
    from ilteo.core.db import session_scope

    return session_scope(_settings(request))


def _page(
    request: Request,
    template: str,
    *,
    title_key: str = "",
    page_title: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A staff page: CSRF token, ``no-store``, the shared labels."""
    t = Translator(request_language(request))
    return identity_page(
        request,
        template,
        page_title=page_title if page_title is not None else t(title_key),
        current="safety",
        status_code=status_code,
        region_names=_region_names(t.lang),
        **context,
    )


def _region_names(lang: str) -> dict[str, str]:
    """Every 시도 code with its name in ``lang``."""
    t = Translator(lang)
    return {code: t.label("safety.sido", code) for code in SIDO_NAMES}


def synthetic_label(lang: str) -> str:
    """The half of :data:`ilteo.safety.panel.SYNTHETIC_LABEL` in ``lang``.

    >>> synthetic_label("en")
    'synthetic data, not real workplaces'
    """
    from ilteo.safety.panel import SYNTHETIC_LABEL

    ko, _, en = SYNTHETIC_LABEL.partition(" / ")
    return (en or ko) if lang == "en" else ko


def _done(value: str) -> str:
    return value if value in DONE else ""


def _number(raw: str, name: str, *, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high``; anything else is refused naming the field."""
    text = raw.strip()
    if not re.fullmatch(r"\d{1,7}", text) or not low <= int(text) <= high:
        raise InvalidInputError(
            f"{name}: {low}~{high} 사이의 정수 / a whole number from {low} to {high}",
            fields={name: "out-of-range"},
        )
    return int(text)


def _sido(raw: str, problems: dict[str, str]) -> str | None:
    code = raw.strip()[:8]
    if not code:
        return None
    if code not in SIDO_NAMES:
        problems["sido"] = "not_choice"
        return None
    return code


# ----------------------------------------------------------------------------- public page


@lru_cache(maxsize=8)
def _reliability_svg(version: str, lang: str, bins: tuple[tuple[float, float, int], ...]) -> str:
    """The reliability chart of model ``version`` (rendered once per model and language)."""
    from ilteo.monitor.charts import inline_svg
    from ilteo.safety.model import reliability_spec

    t = Translator(lang)
    metrics = {"bins": [{"predicted": p, "observed": o, "n": n} for p, o, n in bins]}
    spec = reliability_spec(metrics, title=t("safety.public.chart_title"))
    return inline_svg(spec, "chart-reliability", "chart-reliability-caption")


@router.get("/safety", response_class=HTMLResponse, name="web_safety")
def public_page(request: Request) -> Response:
    """The public summary: regions, imminent-danger reports, the model card and the effect."""
    from ilteo.core.db import session_scope
    from ilteo.safety.room import public_summary

    settings = _settings(request)
    lang = request_language(request)
    with session_scope(settings) as session:
        summary = public_summary(settings, session)
    model = summary.get("model") or {}
    calibration = model.get("calibration") or {}
    bins = tuple(
        (float(b["predicted"]), float(b["observed"]), int(b["n"]))
        for b in calibration.get("bins") or []
    )
    chart = _reliability_svg(str(model.get("version")), lang, bins) if bins else ""
    return render(
        request,
        "safety/public.html",
        title_key="safety.public.title",
        current="safety",
        summary=summary,
        model=model,
        calibration=calibration,
        bins=bins,
        chart=chart,
        region_names=_region_names(lang),
        synthetic_text=synthetic_label(lang),
    )


# ----------------------------------------------------------------------------- the room


def _refresh(raw: str, problems: dict[str, str]) -> int | None:
    text = raw.strip()[:8]
    if not text:
        return None
    low, high = REFRESH_RANGE
    if not text.isdigit() or not low <= int(text) <= high:
        problems["refresh"] = "not_refresh"
        return None
    return int(text)


@router.get("/safety/room", response_class=HTMLResponse, name="web_safety_room")
def room_page(request: Request, staff: Staff, sido: str = "", refresh: str = "") -> Response:
    """The monitoring room: live feed, high-risk workplaces by region, the queue, incidents."""
    from ilteo.safety.room import HIGH_RISK_P, high_risk, incidents, live_feed
    from ilteo.safety.service import inspection_json, inspections

    settings = _settings(request)
    problems: dict[str, str] = {}
    sido_code = _sido(sido, problems)
    seconds = _refresh(refresh, problems)
    risk: dict[str, Any] | None
    try:
        risk = high_risk(settings, sido_code=sido_code, top=TOP_WORKPLACES)
    except DataUnavailableError:
        risk = None
    with _session(request) as session:
        feed = live_feed(session, limit=FEED_LIMIT)
        queue, queued = inspections(session, status="queued", per_page=ROOM_QUEUE)
        queue_rows = [inspection_json(i) for i in queue]
        open_incidents = incidents(session, settings)
    response = _page(
        request,
        "safety/room.html",
        title_key="safety.room.title",
        status_code=422 if problems else 200,
        problems=problems,
        sido=sido_code or "",
        refresh=seconds,
        feed=feed,
        risk=risk,
        threshold=HIGH_RISK_P,
        queue=queue_rows,
        queued=queued,
        incidents=open_incidents,
        inspector=bool(set(staff.roles) & set(INSPECTOR_ROLES)),
        synthetic_text=synthetic_label(request_language(request)),
    )
    if seconds:
        query = urlencode({k: v for k, v in (("sido", sido_code), ("refresh", seconds)) if v})
        response.headers["Refresh"] = f"{seconds}; url=/safety/room?{query}"
    return response


# ----------------------------------------------------------------------------- one workplace


def _workplace_page(
    request: Request,
    staff: AccountPublic,
    master_id: str,
    *,
    problem: InvalidInputError | None = None,
    form: str = "",
    posted: dict[str, Any] | None = None,
) -> Response:
    from ilteo.safety.service import workplace_detail

    if not _MASTER_ID.fullmatch(master_id):
        raise NotFoundError(f"사업장을 찾을 수 없습니다 / no such workplace: {master_id[:40]}")
    settings = _settings(request)
    with _session(request) as session:
        detail = workplace_detail(settings, session, master_id)
    t = Translator(request_language(request))
    name = detail["score"].get("name") or master_id
    return _page(
        request,
        "safety/workplace.html",
        page_title=t("safety.workplace.title", name=name),
        status_code=422 if problem else 200,
        master_id=master_id,
        detail=detail,
        score=detail["score"],
        inspector=bool(set(staff.roles) & set(INSPECTOR_ROLES)),
        problem=_problem(problem, form),
        posted=posted or {},
        done=_done(request.query_params.get("done", "")),
        today=datetime.now(UTC).date().isoformat(),
        synthetic_text=synthetic_label(t.lang),
    )


def _problem(problem: InvalidInputError | None, form: str) -> dict[str, Any] | None:
    if problem is None:
        return None
    fields = problem.extra.get("fields") or []
    return {"detail": problem.detail, "fields": list(fields), "form": form}


@router.get(
    "/safety/workplaces/{master_id}", response_class=HTMLResponse, name="web_safety_workplace"
)
def workplace_page(request: Request, staff: Staff, master_id: str) -> Response:
    """One workplace: score, reasons in words, yearly history, inspections, the outcome form."""
    return _workplace_page(request, staff, master_id)


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's text fields, each cut to :data:`MAX_NOTE` characters."""
    form = await request.form()
    return {k: v[:MAX_NOTE] for k, v in form.items() if isinstance(v, str)}


Posted = Annotated[dict[str, str], Depends(_posted)]


def _outcome_values(posted: dict[str, str]) -> tuple[date, int, bool, str | None]:
    """The outcome form read: ``(inspected_on, findings, work_stopped, note)``."""
    problems: dict[str, str] = {}
    inspected_on: date | None = None
    try:
        inspected_on = date.fromisoformat(posted.get("inspected_on", "").strip()[:10])
    except ValueError:
        problems["inspected_on"] = "not a date"
    findings = 0
    try:
        findings = _number(posted.get("findings", ""), "findings", low=0, high=1000)
    except InvalidInputError:
        problems["findings"] = "between 0 and 1000"
    if problems or inspected_on is None:
        raise InvalidInputError(
            "점검 결과를 읽을 수 없습니다 / cannot read the outcome: "
            + "; ".join(f"{k}: {v}" for k, v in problems.items()),
            fields=problems,
        )
    note = posted.get("note", "").strip() or None
    return inspected_on, findings, posted.get("work_stopped") == "yes", note


@router.post(
    "/safety/inspections/{inspection_id}/outcome",
    response_class=HTMLResponse,
    name="web_safety_outcome",
)
def outcome_submit(
    request: Request, staff: Inspector, inspection_id: str, posted: Posted
) -> Response:
    """An inspector records the outcome of a queued inspection; back to its workplace (303)."""
    from ilteo.safety.models import Inspection
    from ilteo.safety.service import record_outcome

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    if not _INSPECTION_ID.fullmatch(inspection_id):
        raise NotFoundError(f"점검을 찾을 수 없습니다 / no inspection {inspection_id[:24]}")
    with _session(request) as session:
        found: Inspection | None = session.get(Inspection, inspection_id)
        if found is None:
            raise NotFoundError(f"점검을 찾을 수 없습니다 / no inspection {inspection_id}")
        master_id = found.master_workplace_id
    form = f"outcome-{inspection_id}"
    try:
        inspected_on, findings, stopped, note = _outcome_values(posted)
        with _session(request) as session:
            record_outcome(
                session,
                inspection_id,
                actor=f"account:{staff.id}",
                roles=set(staff.roles),
                inspected_on=inspected_on,
                findings=findings,
                work_stopped=stopped,
                note=note,
            )
    except InvalidInputError as error:
        try:
            return _workplace_page(
                request, staff, master_id, problem=error, form=form, posted=posted
            )
        except NotFoundError:  # a complaint for a workplace that has no score
            return _inspections_page(request, staff, problem=error, form=form, posted=posted)
    target = f"/safety/workplaces/{master_id}?done=recorded#inspections"
    return RedirectResponse(target, status_code=303)


# ----------------------------------------------------------------------------- the queue


def _inspections_page(
    request: Request,
    staff: AccountPublic,
    *,
    problem: InvalidInputError | None = None,
    form: str = "",
    posted: dict[str, Any] | None = None,
) -> Response:
    from ilteo.safety.service import inspection_json, inspections

    values = {k: v.strip()[:16] for k, v in request.query_params.items()}
    problems: dict[str, str] = {}
    status = values.get("status") or "queued"
    if status not in LIST_STATUSES:
        problems["status"] = "not_choice"
    sido_code = _sido(values.get("sido", ""), problems)
    page = 1
    try:
        page = _number(values.get("page", "1") or "1", "page", low=1, high=1_000_000)
    except InvalidInputError:
        problems["page"] = "not_page"
    rows: list[dict[str, Any]] = []
    total = 0
    if not problems:
        with _session(request) as session:
            found, total = inspections(
                session, status=status, sido_code=sido_code, page=page, per_page=PAGE_SIZE
            )
            rows = [inspection_json(i) for i in found]
    pages = max(1, -(-total // PAGE_SIZE))
    if not problems and page > pages:
        raise NotFoundError(f"page: {pages}쪽까지 있습니다 / the list has {pages} pages")
    query = urlencode({k: v for k, v in (("status", status), ("sido", sido_code)) if v})
    return _page(
        request,
        "safety/inspections.html",
        title_key="safety.inspections.title",
        status_code=422 if problems or problem else 200,
        problems=problems,
        status=status,
        statuses=LIST_STATUSES,
        sido=sido_code or "",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        query=query,
        inspector=bool(set(staff.roles) & set(INSPECTOR_ROLES)),
        problem=_problem(problem, form),
        posted=posted or {},
        done=_done(values.get("done", "")),
        queued_now=values.get("n", "") if values.get("n", "").isdigit() else "",
        max_targets=MAX_TARGETS,
    )


@router.get("/safety/inspections", response_class=HTMLResponse, name="web_safety_inspections")
def inspections_page(request: Request, staff: Staff) -> Response:
    """The inspection queue (or the done / cancelled ones), by region, paged."""
    return _inspections_page(request, staff)


@router.post("/safety/inspections/targets", response_class=HTMLResponse, name="web_safety_targets")
def targets_submit(request: Request, staff: Inspector, posted: Posted) -> Response:
    """Choose K workplaces (a share of them at random) and queue their inspections (303)."""
    from ilteo.safety.service import targets

    if not csrf_ok(request, posted.get("csrf", "")):
        return forbidden(request)
    try:
        k = _number(posted.get("k", ""), "k", low=1, high=MAX_TARGETS)
        share = _number(posted.get("random_share", ""), "random_share", low=0, high=99)
        with _session(request) as session:
            chosen = targets(
                _settings(request),
                k,
                random_share=share / 100,
                session=session,
                queue=True,
                actor=f"account:{staff.id}",
            )
    except InvalidInputError as error:
        return _inspections_page(request, staff, problem=error, form="targets", posted=posted)
    except DataUnavailableError as error:
        unscored = InvalidInputError(error.detail, fields={"k": "no scores"})
        return _inspections_page(request, staff, problem=unscored, form="targets", posted=posted)
    return RedirectResponse(f"/safety/inspections?done=queued&n={chosen.height}", status_code=303)
