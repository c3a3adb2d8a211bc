"""``ilteo status``: the status room's commands (logs, incidents, probes, report, usability).

Each part of the room keeps its commands in its own module ``ilteo.cli.status_<part>`` with a
``register(app)`` function; this sub-app collects them.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="서비스 현황: 요청 기록, 장애, 점검, 공개 현황 / Service status: logs, incidents, probes.",
    no_args_is_help=True,
)

#: The modules that add commands, in the order their commands are listed.
PARTS: tuple[str, ...] = (
    "ilteo.cli.status_report",
    "ilteo.cli.status_incidents",
    "ilteo.cli.status_logs",
    "ilteo.cli.status_usability",
)

for _name in PARTS:
    importlib.import_module(_name).register(app)
