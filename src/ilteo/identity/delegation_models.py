"""Operational-store tables of delegations (filled in by its feature)."""

from __future__ import annotations
