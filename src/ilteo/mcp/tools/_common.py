"""What every tool module shares: read-only annotations and room errors as tool errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from ilteo.core.errors import IlteoError

_T = TypeVar("_T")

#: Tools that only read published or aggregate data.
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


def call_room(function: Callable[[], _T]) -> _T:
    """Run a room call, turning expected room errors into tool errors a model can act on."""
    try:
        return function()
    except IlteoError as exc:
        raise ToolError(f"{exc.title_en} ({exc.code}): {exc.detail}") from exc
