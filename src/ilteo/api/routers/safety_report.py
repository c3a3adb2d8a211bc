"""The accident and disaster data report over HTTP: ``/v1/safety/data-report`` (JSON, Markdown).

Both endpoints build the report with :func:`ilteo.safety.report.build_report` (the lake's
catalogue, quality, linkage and the database, as they are now). The report holds no personal
data, only what kinds of data exist where; it is for data stewards, analysts and
administrators like the lake's standardisation report. The room functions read files and the
operational store synchronously, so the endpoints are plain ``def``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ilteo.api.deps import SettingsDep
from ilteo.api.routers.identity import require_staff
from ilteo.safety.report import REPORT_NAME, REPORT_ROLES, SafetyDataReport

router = APIRouter(
    prefix="/safety",
    tags=["safety"],
    dependencies=[Depends(require_staff(*REPORT_ROLES))],
)

_PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"description": "로그인이 필요합니다 / Sign-in needed (application/problem+json)"},
    403: {"description": "권한이 없습니다 / Not allowed (application/problem+json)"},
}


@router.get(
    "/data-report",
    operation_id="get_safety_data_report",
    summary="산재·재난 데이터 보고서 / The accident and disaster data report",
    response_model=SafetyDataReport,
    responses=_PROBLEMS,
)
def get_safety_data_report(settings: SettingsDep) -> SafetyDataReport:
    """The kinds of data integrated accident monitoring needs, assessed against the lake.

    For each kind: who holds it (system and organisation), where ilteo keeps it (a lake source,
    a database table or nowhere), rows and last batch, code systems and link keys, whether it is
    standardised and linkable, what the lake lacks, the standardisation needed and its phase.
    """
    from ilteo.safety.report import build_report

    return build_report(settings)


@router.get(
    "/data-report.md",
    operation_id="get_safety_data_report_markdown",
    summary="산재·재난 데이터 보고서 (Markdown) / The accident and disaster data report (Markdown)",
    response_class=Response,
    responses={
        **_PROBLEMS,
        200: {"content": {"text/markdown": {}}, "description": "UTF-8 Markdown, Korean first."},
    },
)
def get_safety_data_report_markdown(settings: SettingsDep) -> Response:
    """The same report as Markdown (every heading and statement in Korean, then English)."""
    from ilteo.safety.report import build_report, render_markdown

    return Response(
        render_markdown(build_report(settings)),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{REPORT_NAME}.md"'},
    )
