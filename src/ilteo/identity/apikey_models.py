"""Operational-store tables of API keys (filled in by its feature)."""

from __future__ import annotations
