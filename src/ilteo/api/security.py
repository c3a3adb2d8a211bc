"""The source-system door: a machine credential, not a person's.

Source systems push live micro-batches into the lake with a bearer token from settings
(``ILTEO_LAKE_INGEST_TOKEN``). :func:`require_source_system` guards that route (its name is in
``ilteo.api.access.PROTECTING_DEPENDENCIES``); :func:`is_source_system_token` is the one
comparison every door uses, so the person-facing checks (sessions, API keys, rate limits) can
tell this token apart from an API key. People and their keys are in
``ilteo.api.routers.identity``.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ilteo.core.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="원천 시스템 토큰 / source-system token")


def is_source_system_token(settings: Settings, given: str) -> bool:
    """Whether ``given`` is the configured ingest token (constant-time; ``False`` when unset)."""
    expected = settings.lake_ingest_token
    return expected is not None and hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    )


def require_source_system(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Admit a source system presenting the configured ingest token; refuse everyone else.

    Returns:
        The caller's label (``source-system``), for logs and the batch ledger.

    Raises:
        HTTPException: 503 when live ingestion has no token configured, 401 for a missing or
            wrong token (the same message either way: no hint which part was wrong).
    """
    settings: Settings = request.app.state.settings
    if settings.lake_ingest_token is None:
        raise HTTPException(
            503,
            "실시간 적재가 꺼져 있습니다: ILTEO_LAKE_INGEST_TOKEN을 설정하세요 / live ingestion is "
            "disabled: set ILTEO_LAKE_INGEST_TOKEN",
        )
    if not is_source_system_token(settings, credentials.credentials if credentials else ""):
        raise HTTPException(
            401,
            "유효한 원천 시스템 토큰이 필요합니다 / a valid source-system token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "source-system"


SourceSystem = Annotated[str, Depends(require_source_system)]
