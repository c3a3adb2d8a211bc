"""One benefits check: every programme evaluated for one person, with reasons, references and trace.

:func:`check` is the service behind ``ilteo benefits check``, ``POST /v1/benefits/check``, the MCP
tool and the citizen page. :func:`simulation` builds an OpenFisca simulation of many persons (each
in a household of their own) from derived inputs: a check is a simulation of one, a scan of many,
through the same formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.simulations import Simulation
from openfisca_core.simulations.simulation_builder import SimulationBuilder

from ilteo.benefits.inputs import (
    INPUT_VARIABLES,
    CheckInput,
    Derived,
    as_array,
    derive,
    parse_check,
)
from ilteo.benefits.programmes import programmes
from ilteo.benefits.system import tax_benefit_system
from ilteo.core.errors import InvalidInputError

ETERNITY_PERIOD = "eternity"
CAVEAT = (
    "이 결과는 입력한 정보로 계산한 안내이며 수급 결정이 아닙니다. 최종 판단은 고용센터가 "
    "합니다. / This answer is computed from the information given; it is guidance, not a decision "
    "(the job centre decides)."
)


def simulation(people: list[Derived], trace: bool = False) -> Simulation:
    """A simulation of ``people`` (one household each), their known inputs set.

    An input not known for a person takes the variable's default for that person; programmes
    read :attr:`Derived.known` to say it is missing instead of trusting the default.
    """
    system = tax_benefit_system()
    builder = SimulationBuilder()
    builder.create_entities(system)
    count = len(people)
    builder.declare_person_entity("person", [f"p{i}" for i in range(count)])
    household = builder.declare_entity("household", [f"h{i}" for i in range(count)])
    builder.join_with_persons(household, [f"h{i}" for i in range(count)], ["member"] * count)
    sim = builder.build(system)
    sim.trace = trace
    for variable in INPUT_VARIABLES:
        name = variable.__name__
        if not any(name in p.known for p in people):
            continue
        spec = sim.tax_benefit_system.get_variable(name)
        default = spec.default_value
        if spec.value_type.__name__ == "Enum":
            default = default.name
        column = [p.values.get(name, default) for p in people]
        sim.set_input(name, ETERNITY_PERIOD, as_array(column, spec))
    return sim


def simulation_from_columns(columns: dict[str, np.ndarray], count: int) -> Simulation:
    """A simulation of ``count`` persons (one household each) from input arrays (a scan).

    Args:
        columns: input variable name → array of ``count`` values (Enum inputs as their codes'
            indices or names); variables absent take their defaults.
        count: the number of persons.

    Raises:
        InvalidInputError: an unknown variable or an array of the wrong length.
    """
    system = tax_benefit_system()
    builder = SimulationBuilder()
    builder.create_entities(system)
    ids = np.arange(count).astype(str)
    builder.declare_person_entity("person", ids)
    household = builder.declare_entity("household", ids)
    builder.join_with_persons(household, ids, np.full(count, "member"))
    sim = builder.build(system)
    known = {v.__name__ for v in INPUT_VARIABLES}
    for name, values in columns.items():
        if name not in known or len(values) != count:
            raise InvalidInputError(f"scan input {name!r}: unknown or not {count} values")
        spec = system.get_variable(name)
        if spec.value_type.__name__ == "Enum" and values.dtype.kind in "OUS":
            values = as_array(list(values), spec)
        sim.set_input(name, ETERNITY_PERIOD, values)
    return sim


def check(data: dict[str, Any] | CheckInput) -> dict[str, Any]:
    """Evaluate every programme for one person.

    Args:
        data: the check's JSON (``as_of``, ``person``, ``employment``, ``family``,
            ``training``; any field may be omitted) or a parsed :class:`CheckInput`.

    Returns:
        ``{"as_of", "programs": {id: answer}, "caveat"}``; each answer has ``eligible`` (``None``
        when something it needs is missing), its amounts in integer won, ``reasons`` in plain
        Korean, ``references`` (the articles of law), ``missing`` and ``trace``.

    Raises:
        InvalidInputError: a field is malformed or impossible (named in the message).
    """
    parsed = data if isinstance(data, CheckInput) else parse_check(data)
    derived = derive(parsed)
    sim = simulation([derived], trace=True)
    day = parsed.as_of.isoformat()
    answers = {}
    for programme in programmes():
        own = programme.period_of(parsed) if programme.period_of is not None else None
        result = programme.evaluate(sim, 0, derived.known, own.isoformat() if own else day)
        answers[programme.id] = {
            "label_ko": programme.label_ko,
            "label_en": programme.label_en,
            **result.to_json(),
        }
    return {"as_of": day, "programs": answers, "caveat": CAVEAT}


def trace_of(sim: Simulation, variable: str, period: str, row: int = 0) -> dict[str, Any]:
    """The computation tree of ``variable`` for person ``row``: values and parameters used.

    Returns:
        ``{"variable", "period", "value", "parameters": [{name, period, value}], "children"}``.
    """
    for tree in sim.tracer.trees:
        found = _find(tree, variable, period)
        if found is not None:
            return _node(found, row)
    return {}


def _find(node: Any, variable: str, period: str) -> Any:
    if node.name == variable and str(node.period) == period:
        return node
    for child in node.children:
        hit = _find(child, variable, period)
        if hit is not None:
            return hit
    return None


def _plain(value: Any, row: int) -> Any:
    if hasattr(value, "decode_to_str"):  # an Enum array: the code's name, not its index
        return str(value.decode_to_str()[row])
    try:
        item = value[row] if len(value) > row else value
    except TypeError:
        return value
    if hasattr(item, "name"):
        return item.name
    return item.item() if hasattr(item, "item") else item


def _node(node: Any, row: int) -> dict[str, Any]:
    return {
        "variable": node.name,
        "period": str(node.period),
        "value": _plain(node.value, row) if node.value is not None else None,
        "parameters": [
            {"name": p.name, "period": str(p.period), "value": _plain(p.value, row)}
            for p in node.parameters
        ],
        "children": [_node(child, row) for child in node.children],
    }
