"""Tables of phone numbers, phone sign-in codes and the outbox (filled in by its feature)."""

from __future__ import annotations
