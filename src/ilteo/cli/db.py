"""``ilteo db``: the operational store's schema (Alembic)."""

from __future__ import annotations

import typer

from ilteo.cli._output import JSON_OPTION, console, print_json

app = typer.Typer(
    help="운영 저장소 스키마 / The operational store's schema (SQLite or PostgreSQL).",
    no_args_is_help=True,
)


@app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="목표 리비전 / Target revision."),
    json_out: bool = JSON_OPTION,
) -> None:
    """스키마를 최신으로 올립니다 / Migrate the store to the latest schema."""
    from ilteo.core.db import current_revision
    from ilteo.core.db import upgrade as run_upgrade
    from ilteo.core.settings import get_settings

    settings = get_settings()
    run_upgrade(settings, revision)
    result = {
        "database": _safe_url(settings.sqlalchemy_url),
        "revision": current_revision(settings),
    }
    if json_out:
        print_json(result)
    else:
        console.print(
            f"스키마 리비전 / schema revision: [bold]{result['revision']}[/] ({result['database']})"
        )


@app.command("current")
def current(json_out: bool = JSON_OPTION) -> None:
    """현재 스키마 리비전 / Show the store's current schema revision."""
    from ilteo.core.db import current_revision
    from ilteo.core.settings import get_settings

    settings = get_settings()
    result = {
        "database": _safe_url(settings.sqlalchemy_url),
        "revision": current_revision(settings),
    }
    if json_out:
        print_json(result)
    else:
        console.print(f"{result['revision'] or '(없음 / none)'} — {result['database']}")


def _safe_url(url: str) -> str:
    """Hide the password of a database URL.

    >>> _safe_url("postgresql://ilteo:s3cret@db/ilteo")
    'postgresql://ilteo:***@db/ilteo'
    >>> _safe_url("sqlite:////tmp/x.db")
    'sqlite:////tmp/x.db'
    """
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
