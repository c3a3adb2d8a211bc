"""OpenFisca Web API compatible calculations: ``/calculate`` and ``/trace`` for outside tools.

The situation format is OpenFisca's (``{"persons": {"id": {"variable": {"period": value}}},
"households": {"id": {"members": [...], ...}}}``): known values are inputs, ``null`` values are
computed and filled in, as the OpenFisca Web API does; ``trace`` also returns the computation
tree of every requested value with the parameters used.
"""

from __future__ import annotations

import copy
from typing import Any

from openfisca_core.errors import SituationParsingError, VariableNotFoundError
from openfisca_core.simulations.simulation_builder import SimulationBuilder

from ilteo.benefits.system import tax_benefit_system
from ilteo.core.errors import InvalidInputError

#: Most persons one calculation takes (a scan of the lake uses ``ilteo benefits scan``).
MAX_PERSONS = 1000


def _requested(situation: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Every ``null`` value: (entity plural, instance id, variable, period)."""
    wanted = []
    for plural, instances in situation.items():
        if not isinstance(instances, dict):
            raise InvalidInputError(f"{plural}: an object of instances is expected")
        for instance_id, values in instances.items():
            if not isinstance(values, dict):
                raise InvalidInputError(f"{plural}.{instance_id}: an object is expected")
            for variable, periods in values.items():
                if isinstance(periods, dict):
                    wanted += [
                        (plural, instance_id, variable, p) for p, v in periods.items() if v is None
                    ]
    return wanted


def _build(situation: dict[str, Any], trace: bool) -> Any:
    if not isinstance(situation, dict) or "persons" not in situation:
        raise InvalidInputError(
            "situation: an object with 'persons' is expected (OpenFisca format)"
        )
    if len(situation.get("persons") or {}) > MAX_PERSONS:
        raise InvalidInputError(f"persons: at most {MAX_PERSONS} in one calculation")
    system = tax_benefit_system()
    try:
        sim = SimulationBuilder().build_from_entities(system, copy.deepcopy(situation))
    except SituationParsingError as error:
        raise InvalidInputError("situation: " + "; ".join(_problems(error.error))) from None
    except VariableNotFoundError as error:
        raise InvalidInputError(f"situation: unknown variable {error.variable_name!r}") from None
    sim.trace = trace
    return sim


def _problems(error: Any, where: str = "") -> list[str]:
    """OpenFisca's nested parsing errors as ``path: message`` lines (unknown names said plainly)."""
    if isinstance(error, dict):
        return [p for key, inner in error.items() for p in _problems(inner, f"{where}.{key}")]
    text = str(error)
    if "was not found in the loaded tax and benefit system" in text:
        text = "unknown variable (GET /v1/benefits/variables lists them)"
    return [f"{where.lstrip('.')}: {text}"]


def _plain(value: Any) -> Any:
    if hasattr(value, "name"):
        return value.name
    return value.item() if hasattr(value, "item") else value


def calculate(situation: dict[str, Any], trace: bool = False) -> tuple[dict[str, Any], Any]:
    """Fill every ``null`` of an OpenFisca situation with its computed value.

    Returns:
        The situation with the values filled in, and the simulation (for its tracer).

    Raises:
        InvalidInputError: not an OpenFisca situation, an unknown variable or entity, a bad
            period, or too many persons.
    """
    sim = _build(situation, trace)
    out = copy.deepcopy(situation)
    for plural, instance_id, variable, period in _requested(situation):
        try:
            values = sim.calculate(variable, period)
        except VariableNotFoundError:
            where = f"{plural}.{instance_id}.{variable}"
            raise InvalidInputError(f"{where}: unknown variable") from None
        except ValueError as error:
            raise InvalidInputError(
                f"{plural}.{instance_id}.{variable}.{period}: {error}"
            ) from None
        population = sim.get_variable_population(variable)
        if population.entity.plural != plural:
            owner = population.entity.plural
            raise InvalidInputError(f"{plural}.{instance_id}.{variable}: it belongs to {owner}")
        row = population.ids.index(instance_id)
        value = values.decode()[row] if hasattr(values, "decode") else values[row]
        out[plural][instance_id][variable][period] = _plain(value)
    return out, sim


def trace(situation: dict[str, Any]) -> dict[str, Any]:
    """The filled situation's computation trees, as OpenFisca's ``/trace`` returns them.

    Returns:
        ``{"requestedCalculations": ["variable<period>", ...], "trace": {"variable<period>":
        {"value": [...], "dependencies": [...], "parameters": {"name<period>": value}}},
        "entitiesDescription": {plural: [ids]}}``.
    """
    _, sim = calculate(situation, trace=True)
    flat = sim.tracer.get_serialized_flat_trace()
    requested = [f"{v}<{p}>" for _, _, v, p in _requested(situation)]
    return {
        "requestedCalculations": list(dict.fromkeys(requested)),
        "trace": flat,
        "entitiesDescription": {
            population.entity.plural: list(population.ids)
            for population in sim.populations.values()
        },
    }


def variables() -> list[dict[str, Any]]:
    """Every variable of the model: id, Korean/English label, entity, period, type, references."""
    system = tax_benefit_system()
    out = []
    for name, variable in sorted(system.variables.items()):
        out.append(
            {
                "id": name,
                "label": variable.label,
                "entity": variable.entity.key,
                "definition_period": str(variable.definition_period),
                "value_type": variable.value_type.__name__,
                "references": list(variable.reference or []),
                "input": not variable.formulas,
            }
        )
    return out
