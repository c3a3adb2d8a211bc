"""The public sign-in drop-off report as JSON: ``GET /v1/identity/sign-in-report?weeks=N``.

Public by design (listed in :mod:`ilteo.api.access`): it publishes only weekly counts per path,
with counts below 5 replaced by the band ``"<5"`` (see :mod:`ilteo.identity.funnel_report`).
Shared caches may keep it five minutes, so a busy day's readers cost one query per five minutes.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Response

from ilteo.api.deps import SettingsDep
from ilteo.identity.funnel_report import DEFAULT_WEEKS, MAX_WEEKS, SignInReport, sign_in_report

router = APIRouter(prefix="/identity", tags=["identity"])

#: Five minutes in shared caches: the report is the same for everyone.
CACHE_CONTROL: Final = "public, max-age=300"


@router.get(
    "/sign-in-report",
    operation_id="get_sign_in_report",
    summary="로그인 이탈 보고서 / Sign-in drop-off report",
    response_model=SignInReport,
    responses={
        422: {
            "description": "입력값이 올바르지 않습니다 / Invalid input (application/problem+json)"
        }
    },
)
def get_sign_in_report(
    settings: SettingsDep,
    response: Response,
    weeks: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_WEEKS,
            description=f"최근 몇 주 (이번 주 포함) / How many weeks, this one included "
            f"(1-{MAX_WEEKS}).",
        ),
    ] = DEFAULT_WEEKS,
) -> SignInReport:
    """How many people started and finished each sign-in, proofing and recovery path per week.

    Weeks are Asia/Seoul Monday-to-Sunday weeks labelled as ISO weeks (``2026-W47``). A count
    below 5 is ``null`` with ``*_band: "<5"`` and its completion rate is ``null``.
    """
    from ilteo.core.db import session_scope

    with session_scope(settings) as session:
        report = sign_in_report(session, weeks=weeks)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return report
