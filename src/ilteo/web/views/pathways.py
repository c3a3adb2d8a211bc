"""Pages of the pathways plan: next occupations and the courses that close the gap.

- ``GET /pathways`` (public): the occupation form (a KSCO 8 code, an O*NET-SOC code or a title
  word, and an optional 시도); submitted, it redirects to the plan page of that occupation.
- ``GET /pathways/occupations/{code}`` (public): the plan of one occupation from
  :func:`ilteo.pathways.plan.recommend` - the origin, 3-5 target occupations as cards with the
  filters passed, pay and exposure change, local demand and 1-3 courses. An unknown code gets a
  404 page listing the nearest occupations as links.
- ``GET /pathways/me`` (signed in): "my next steps" - the plan of the master person the account
  is linked to (:func:`ilteo.pathways.plan.person_plan`); without a link or a history, a plain
  explanation and the occupation form.
- ``GET /pathways/people`` (staff: counsellors, analysts, administrators): the newest outreach
  list written by :func:`ilteo.monitor.risk.write_outreach` (``docs/monitor-risk.md``) - rank,
  group, reasons and master person ID, never a name.
- ``GET /pathways/people/{master_id}`` (same staff): asks for the purpose of the read, then shows
  the person's plan and records one audited read
  (:func:`ilteo.identity.reads.audit_person_read`), which the person sees on their account page.

The pages only call the plan service and show its JSON-plain answer (``plan_json``,
``person_plan_json``); every text comes from ``messages/{ko,en}/pathways.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ilteo.api.routers.identity import require_account, require_staff
from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import AccountPublic
from ilteo.identity.reads import MIN_PURPOSE_LENGTH
from ilteo.lake.codes import SIDO, SIDO_NAMES
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language
from ilteo.web.views.monitor_risk import ROLES

#: Longest occupation text the form accepts (a code or a few title words).
MAX_QUERY: Final = 100
#: People per page of the outreach list.
PAGE_SIZE: Final = 50
#: What the audit log says the read was for, after the reader's own purpose.
AUDIT_SUFFIX: Final = "[전직 경로 계획]"

router = APIRouter(include_in_schema=False)
Staff = Annotated[AccountPublic, Depends(require_staff(*ROLES))]
SignedIn = Annotated[AccountPublic, Depends(require_account)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _regions() -> list[dict[str, str]]:
    """The 17 시도 of the region select: code and official name (shown as Korean)."""
    return [{"code": s.code, "name": s.name} for s in SIDO]


def plan_url(code: str, region: str | None) -> str:
    """The plan page of ``code`` (path-encoded), with the region when there is one.

    >>> plan_url("15-1252.00", "11"), plan_url("registered nurse", None)
    ('/pathways/occupations/15-1252.00?region=11', '/pathways/occupations/registered%20nurse')
    """
    path = "/pathways/occupations/" + quote(code, safe="")
    return f"{path}?{urlencode({'region': region})}" if region else path


def _suggestions(exc: NotFoundError) -> list[dict[str, str]]:
    """The nearest occupations of an unknown code (``"CODE title"``) as code and title."""
    raw = getattr(exc, "suggestions", None) or exc.extra.get("suggestions") or []
    found: list[dict[str, str]] = []
    for item in raw:
        code, _, title = str(item).partition(" ")
        if code:
            found.append({"code": code, "title": title})
    return found


def _form(occupation: str = "", region: str = "") -> dict[str, Any]:
    return {
        "regions": _regions(),
        "occupation": occupation,
        "region": region,
        "max_query": MAX_QUERY,
    }


@router.get("/pathways", response_class=HTMLResponse, name="web_pathways")
def start_page(request: Request, occupation: str = "", region: str = "") -> Response:
    """The occupation form; given an occupation, a redirect to its plan page."""
    occupation = " ".join(occupation.replace("/", " ").split())  # a path segment: no slash
    region = region.strip()
    error = None
    if occupation:
        if len(occupation) > MAX_QUERY:
            error = "query_too_long"
        else:
            return RedirectResponse(plan_url(occupation, region or None), status_code=303)
    return render(
        request,
        "pathways/index.html",
        title_key="pathways.index.title",
        current="pathways",
        form_error=error,
        status_code=422 if error else 200,
        **_form(occupation, region),
    )


@router.get(
    "/pathways/occupations/{code}", response_class=HTMLResponse, name="web_pathways_occupation"
)
def occupation_page(request: Request, code: str, region: str = "") -> HTMLResponse:
    """The plan of one occupation: targets, filters, pay, exposure, demand and courses."""
    from ilteo.pathways.plan import plan_json, recommend

    settings = _settings(request)
    t = Translator(request_language(request))
    region = region.strip()
    try:
        plan = recommend(settings, code, region=region or None)
    except NotFoundError as exc:
        return render(
            request,
            "pathways/unknown.html",
            page_title=t("pathways.unknown.title"),
            current="pathways",
            status_code=404,
            code=code,
            suggestions=_suggestions(exc),
            **_form(code, region),
        )
    data = plan_json(plan)
    origin = data["origin"]
    name = (origin.get("title") if t.lang == "en" else origin.get("title_ko")) or origin["code"]
    return render(
        request,
        "pathways/occupation.html",
        page_title=t("pathways.plan.title", name=name),
        current="pathways",
        plan=data,
        sido_names=SIDO_NAMES,
        **_form(code, region),
    )


def _linked_master(settings: Settings, account_id: str) -> str | None:
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account

    with session_scope(settings) as session:
        return get_account(session, account_id).master_person_id


@router.get("/pathways/me", response_class=HTMLResponse, name="web_pathways_me")
def my_page(request: Request, account: SignedIn) -> HTMLResponse:
    """My next steps: the plan of the person the account is linked to, or why there is none."""
    from ilteo.pathways.plan import person_plan, person_plan_json

    settings = _settings(request)
    master_id = _linked_master(settings, account.id)
    person: dict[str, Any] | None = None
    state = "not_linked"
    if master_id:
        try:
            person = person_plan_json(person_plan(settings, master_id))
        except (NotFoundError, DataUnavailableError):
            state = "not_in_lake"
        else:
            has_plan, has_history = person["plan"] is not None, person["has_history"]
            state = "plan" if has_plan else ("no_plan" if has_history else "no_history")
    return render(
        request,
        "pathways/me.html",
        title_key="pathways.me.title",
        current="pathways",
        state=state,
        person=person,
        sido_names=SIDO_NAMES,
        **_form(),
    )


def newest_outreach(settings: Settings) -> Path | None:
    """The newest outreach list under ``lake/monitor/outreach`` (``YYYY-MM.parquet``), if any."""
    folder = settings.lake_dir / "monitor" / "outreach"
    files = sorted(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].parquet"))
    return files[-1] if files else None


@router.get("/pathways/people", response_class=HTMLResponse, name="web_pathways_people")
def people_page(request: Request, staff: Staff, page: int = 1) -> HTMLResponse:
    """The month's outreach list: rank, group, reasons and master ID (no names), paged."""
    import polars as pl

    from ilteo.monitor.risk import risk_config

    settings = _settings(request)
    if page < 1:
        raise InvalidInputError(f"쪽 번호는 1 이상입니다 / page must be 1 or more: {page}")
    path = newest_outreach(settings)
    context: dict[str, Any] = {
        "month": None,
        "rows": [],
        "total": 0,
        "page": page,
        "pages": 0,
        "page_size": PAGE_SIZE,
        "version_ok": True,
        "version": None,
        "expected_version": risk_config().version,
    }
    if path is not None:
        frame = pl.read_parquet(path)
        versions = set(frame["version"].unique().to_list()) if frame.height else set()
        context["month"] = path.stem
        context["version"] = ", ".join(sorted(str(v) for v in versions)) or None
        context["version_ok"] = versions <= {risk_config().version}
        if context["version_ok"]:
            pages = max(1, -(-frame.height // PAGE_SIZE))
            if page > pages:
                raise NotFoundError(f"{pages}쪽까지 있습니다 / the list has {pages} pages: {page}")
            shown = frame.slice((page - 1) * PAGE_SIZE, PAGE_SIZE).select(
                "master_id", "group_id", "rank", "score", "reasons", "services"
            )
            context.update(rows=shown.to_dicts(), total=frame.height, pages=pages)
    return render(
        request,
        "pathways/people.html",
        title_key="pathways.people.title",
        current="pathways",
        **context,
    )


@router.get("/pathways/people/{master_id}", response_class=HTMLResponse, name="web_pathways_person")
def person_page(request: Request, staff: Staff, master_id: str, purpose: str = "") -> HTMLResponse:
    """One person's plan, after the reader states a purpose (the read is audited)."""
    from ilteo.core.db import session_scope
    from ilteo.identity.accounts import get_account
    from ilteo.identity.reads import audit_person_read
    from ilteo.pathways.plan import person_plan, person_plan_json

    settings = _settings(request)
    purpose = purpose.strip()[:300]
    title = Translator(request_language(request))("pathways.person.title", master_id=master_id)
    context: dict[str, Any] = {
        "master_id": master_id,
        "purpose": purpose,
        "min_purpose": MIN_PURPOSE_LENGTH,
        "sido_names": SIDO_NAMES,
    }
    if len(purpose) < MIN_PURPOSE_LENGTH:
        return render(
            request,
            "pathways/person.html",
            page_title=title,
            current="pathways",
            person=None,
            purpose_error=bool(purpose),
            status_code=422 if purpose else 200,
            **context,
        )
    person = person_plan_json(person_plan(settings, master_id))
    with session_scope(settings) as session:
        reader = get_account(session, staff.id)
        audit_person_read(session, reader, master_id, f"{purpose} {AUDIT_SUFFIX}")
    return render(
        request,
        "pathways/person.html",
        page_title=title,
        current="pathways",
        person=person,
        purpose_error=False,
        **context,
    )
