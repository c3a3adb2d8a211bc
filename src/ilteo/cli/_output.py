"""Shared CLI output: rich tables for people, JSON for machines, errors without tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from ilteo.core.errors import IlteoError, InvalidInputError

if TYPE_CHECKING:
    from ilteo.core.settings import Settings

console = Console()
err_console = Console(stderr=True)

#: Typer option for machine output, shared by every command.
JSON_OPTION = typer.Option(
    False, "--json", help="JSON으로 출력합니다 / Print machine-readable JSON."
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def settings_of(ctx: typer.Context) -> Settings:
    """The settings a caller put in ``ctx.obj`` (tests, embedding), else the process settings."""
    from ilteo.core.settings import Settings, get_settings

    return ctx.obj if isinstance(ctx.obj, Settings) else get_settings()


def print_json(data: Any) -> None:
    """Write ``data`` as JSON on standard output (UTF-8, Korean kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")
    sys.stdout.flush()


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print an error for a person and return the Exit to raise."""
    err_console.print(f"[bold red]오류 / error:[/] {message}", highlight=False)
    return typer.Exit(code)


def run_guarded(app: Callable[..., Any]) -> int:
    """Run the Typer app; expected errors become one clear message and a non-zero exit code."""
    try:
        # In non-standalone mode click *returns* the code of a raised typer.Exit instead of
        # raising it; a command's own return value is None.
        returned = app(standalone_mode=False)
    except IlteoError as exc:
        err_console.print(
            f"[bold red]{exc.title_ko} / {exc.title_en}:[/] {exc.detail}", highlight=False
        )
        return 2 if isinstance(exc, InvalidInputError) else 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("중단됨 / aborted")
        return 130
    except KeyboardInterrupt:
        err_console.print("중단됨 / interrupted")
        return 130
    except Exception as exc:
        # Typer ships its own copy of click: usage errors (a missing option, a bad integer) are
        # its ClickException, which non-standalone mode raises instead of printing.
        from typer._click.exceptions import ClickException  # the class Typer itself raises

        if isinstance(exc, ClickException):
            exc.show()
            return exc.exit_code
        raise
    return returned if isinstance(returned, int) else 0
