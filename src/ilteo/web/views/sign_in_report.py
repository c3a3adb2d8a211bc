"""Web pages of sign_in_report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
