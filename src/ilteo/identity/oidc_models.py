"""Operational-store tables of external identities (OpenID Connect) (filled in by its feature)."""

from __future__ import annotations
