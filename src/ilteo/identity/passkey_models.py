"""Operational-store tables of passkeys (filled in by its feature)."""

from __future__ import annotations
