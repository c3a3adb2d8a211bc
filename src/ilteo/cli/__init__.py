"""The ``ilteo`` command: one entry point with noun subcommands (a door: it only calls rooms)."""

from __future__ import annotations

import sys

import typer

from ilteo import __version__
from ilteo.cli._output import console, run_guarded

app = typer.Typer(
    name="ilteo",
    help=(
        "일터 ilteo — 고용노동 AI 전환 플랫폼 / "
        "an open platform for employment and labour services."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"ilteo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version_callback,
        is_eager=True,
        help="버전을 출력합니다 / Print the version and exit.",
    ),
) -> None:
    """일터 ilteo: 데이터, 서비스, 서버 / data, services and the server."""


def _register() -> None:
    # Sub-apps are imported here, not at module import of the rooms, so `ilteo --help` stays fast:
    # each module imports its room lazily inside the commands.
    from ilteo.cli import db, identity, lake, reference, serve, synth

    app.add_typer(reference.app, name="reference")
    app.add_typer(synth.app, name="synth")
    app.add_typer(db.app, name="db")
    app.add_typer(lake.app, name="lake")
    app.add_typer(identity.app, name="identity")
    from ilteo.cli import keys

    app.add_typer(keys.app, name="keys")
    from ilteo.cli import guideline

    app.add_typer(guideline.app, name="guideline")
    from ilteo.cli import status

    app.add_typer(status.app, name="status")
    from ilteo.cli import (
        monitor,
        monitor_indicators,
        monitor_report,
        monitor_risk,
        monitor_validation,
    )

    for part in (monitor_indicators, monitor_validation, monitor_risk, monitor_report):
        part.register(monitor.app)
    app.add_typer(monitor.app, name="monitor")
    from ilteo.cli import benefits, desk, pathways

    app.add_typer(pathways.app, name="pathways")
    app.add_typer(benefits.app, name="benefits")
    app.add_typer(desk.app, name="desk")
    from ilteo.cli import safety

    app.add_typer(safety.app, name="safety")
    serve.register(app)


def main() -> None:
    """Console-script entry point."""
    _register()
    sys.exit(run_guarded(app))
