"""The public sign-in drop-off report page, ``/sign-in/report``.

The page shows the same report as ``GET /v1/identity/sign-in-report`` (one room function,
:func:`ilteo.identity.funnel_report.sign_in_report`): a summary table per path with a
``<meter>`` bar of the completion rate (native, so no script and no inline style, which the CSP
forbids), then a table of weeks per path. The number of weeks is a plain GET form; a bad value is
shown next to the field with status 422. Shared caches may keep it five minutes; the language
may come from a cookie, so the response varies on it, and one that sets the language cookie
(``?lang=``) is cached privately only.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity.funnel_report import DEFAULT_WEEKS, MAX_WEEKS, SignInReport, sign_in_report
from ilteo.web.rendering import render

router = APIRouter(include_in_schema=False)

CACHE_CONTROL: Final = "public, max-age=300"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/sign-in/report", response_class=HTMLResponse, name="web_sign_in_report")
def sign_in_report_page(request: Request, weeks: str | None = None) -> HTMLResponse:
    """The drop-off report of the last ``weeks`` weeks (12 when omitted)."""
    from ilteo.core.db import session_scope

    report: SignInReport | None = None
    error = False
    with session_scope(_settings(request)) as session:
        try:
            report = sign_in_report(session, weeks=DEFAULT_WEEKS if weeks is None else weeks)
        except InvalidInputError:
            error = True
    response = render(
        request,
        "identity/sign_in_report.html",
        title_key="sign_in_report.title",
        status_code=422 if error else 200,
        report=report,
        error=error,
        weeks_value=(weeks or "")[:10] if error else str(report.week_count if report else ""),
        max_weeks=MAX_WEEKS,
    )
    cache = CACHE_CONTROL
    if "set-cookie" in response.headers:  # ?lang= remembered: not for a shared cache
        cache = "private, max-age=300"
    response.headers["Cache-Control"] = "no-store" if error else cache
    response.headers["Vary"] = "Cookie"
    return response
