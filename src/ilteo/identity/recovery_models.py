"""Operational-store tables of account recovery (filled in by its feature)."""

from __future__ import annotations
