"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from ilteo import __version__
from ilteo.api.deps import SettingsDep
from ilteo.core.db import engine_for

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="get_health", summary="상태 확인 / Health check")
def get_health(settings: SettingsDep) -> dict[str, Any]:
    """Report that the server runs and whether the operational store answers."""
    try:
        with engine_for(settings).connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # any driver error means "not ready", reported, not raised
        database = f"error: {type(exc).__name__}"
    return {
        "status": "ok" if database == "ok" else "degraded",
        "version": __version__,
        "database": database,
    }
