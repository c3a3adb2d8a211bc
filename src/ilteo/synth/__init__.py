"""The synthetic country: source-system extracts of a ministry, with the truth behind them.

:func:`generate` writes what the ministry's separate systems would hand over — employment
insurance events and wages, workplaces and industrial accidents, job-seeker registrations and
counselling, K-Digital Training enrolments (a legacy CP949 CSV), benefit claims and payments,
and citizen requests — each in its own format and with realistic linkage noise, plus a
``ground_truth/`` folder tying every record to its true person and workplace. Every person is
synthetic; distributions come from public aggregates (see ``docs/synth.md``).

Importing this package reads nothing and loads no numerical library: the generator's names are
imported on first use, and the reference data is read when :func:`generate` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ilteo.core.ids import is_valid_brn, is_valid_rrn
from ilteo.core.lazy import lazy_exports
from ilteo.synth.codes import (
    JOB_SEEKING_ELIGIBLE,
    REJECT_REASONS,
    REQUEST_CATEGORIES,
    SEPARATION_REASONS,
    SOURCES,
)

if TYPE_CHECKING:
    from ilteo.synth._params import SynthParams, load_params
    from ilteo.synth._run import ProgressCallback, ensure_generated, generate, validate_persons
    from ilteo.synth._shock import Shock, load_shocks, parse_month, parse_shock
    from ilteo.synth._writers import check_output_dir

_EXPORTS = {
    "SynthParams": "_params",
    "load_params": "_params",
    "ProgressCallback": "_run",
    "ensure_generated": "_run",
    "generate": "_run",
    "validate_persons": "_run",
    "Shock": "_shock",
    "load_shocks": "_shock",
    "parse_month": "_shock",
    "parse_shock": "_shock",
    "check_output_dir": "_writers",
}

__all__ = [
    "JOB_SEEKING_ELIGIBLE",
    "REJECT_REASONS",
    "REQUEST_CATEGORIES",
    "SEPARATION_REASONS",
    "SOURCES",
    "ProgressCallback",
    "Shock",
    "SynthParams",
    "check_output_dir",
    "ensure_generated",
    "generate",
    "is_valid_brn",
    "is_valid_rrn",
    "load_params",
    "load_shocks",
    "parse_month",
    "parse_shock",
    "validate_persons",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
