"""The accident and disaster data report page, ``/safety/data-report`` (staff).

The page embeds the report (:func:`ilteo.safety.report.render_html` as a fragment, in the page
language) that ``ilteo safety report`` writes and ``GET /v1/safety/data-report`` returns; ``?format=
md|html`` downloads it. Like the lake's standardisation report it is for staff (data stewards,
analysts, administrators) although it holds no personal data: it describes which data exist where.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ilteo.api.routers.identity import require_staff
from ilteo.core.settings import Settings
from ilteo.safety.report import REPORT_ROLES
from ilteo.web.rendering import render, request_language

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_staff(*REPORT_ROLES))])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/safety/data-report", name="web_safety_data_report")
def data_report_page(request: Request, format: str | None = None) -> Response:
    """The report in the page language; ``?format=md|html`` downloads it."""
    from ilteo.safety.report import REPORT_NAME, build_report, render_html, render_markdown

    report = build_report(_settings(request))
    if format == "md":
        return PlainTextResponse(
            render_markdown(report),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{REPORT_NAME}.md"'},
        )
    if format == "html":
        return HTMLResponse(
            render_html(report),
            headers={"Content-Disposition": f'attachment; filename="{REPORT_NAME}.html"'},
        )
    lang = request_language(request)
    return render(
        request,
        "safety/report.html",
        title_key="safety_report.title",
        current="safety",
        report=report,
        body=render_html(report, lang=lang, fragment=True),
    )
