"""The programmes: each module defines its OpenFisca variables and how its answer reads.

A module exposes ``PROGRAMMES``, a tuple of :class:`Programme`. :data:`MODULES` lists the modules
in the order the answer shows them; :func:`programmes` imports them once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from openfisca_core.simulations import Simulation
from openfisca_core.variables import Variable

#: Modules of ``ilteo.benefits.programmes``, in the order of the answer.
MODULES: tuple[str, ...] = ("job_seeking", "training_employment", "parental")


@dataclass(frozen=True, slots=True)
class Reference:
    """An article of law (or a notice) a rule comes from."""

    title: str
    href: str

    def to_json(self) -> dict[str, str]:
        """As ``{"title", "href"}``."""
        return {"title": self.title, "href": self.href}


@dataclass(slots=True)
class Result:
    """One programme's answer for one person.

    ``eligible`` is ``None`` when an input the decision needs is missing (``missing`` names
    them): no amount is given then. Amounts are integer won (or days), named by the programme
    (``daily_amount_krw``, ``benefit_days``, ``total_krw``, ...).
    """

    eligible: bool | None
    amounts: dict[str, int | None] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The programme's answer as JSON-plain data (amounts at the top level)."""
        return {
            "eligible": self.eligible,
            **self.amounts,
            "reasons": list(self.reasons),
            "references": [r.to_json() for r in self.references],
            "missing": list(self.missing),
            "trace": self.trace,
        }


@dataclass(frozen=True, slots=True)
class Programme:
    """One programme: id, names, its variables and how one person's answer is read.

    ``evaluate(simulation, row, known, period)`` reads the computed variables of person ``row``
    (a simulation may hold many persons); ``known`` are the input variables given, so a missing
    one becomes ``missing``; ``period`` is the check day (``YYYY-MM-DD``), or the day
    ``period_of(check)`` gives (the law in force when a leave started applies to that leave).
    """

    id: str
    label_ko: str
    label_en: str
    variables: tuple[type[Variable], ...]
    evaluate: Callable[[Simulation, int, frozenset[str], str], Result]
    references: tuple[Reference, ...] = ()
    #: The day whose law applies (a leave's start), when not the check day; ``None`` = as_of.
    period_of: Callable[[Any], date | None] | None = None


@cache
def programmes() -> tuple[Programme, ...]:
    """Every programme of :data:`MODULES`, in order."""
    found: list[Programme] = []
    for name in MODULES:
        module = importlib.import_module(f"ilteo.benefits.programmes.{name}")
        found.extend(module.PROGRAMMES)
    return tuple(found)
