"""The OpenFisca tax-benefit system of ilteo's Korean labour programmes.

Variables: the input variables of :mod:`ilteo.benefits.inputs` and every programme's of
:mod:`ilteo.benefits.programmes`. Parameters: the dated YAML under ``parameters/`` (one folder per
programme), each with its legal reference; OpenFisca picks the value in force on the period a
formula asks for, so the 2025 and 2026 values sit side by side.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from ilteo.benefits.entities import ENTITIES
from ilteo.benefits.inputs import INPUT_VARIABLES
from ilteo.benefits.programmes import programmes

PARAMETERS = Path(__file__).with_name("parameters")


class KoreanLabourSystem(TaxBenefitSystem):  # type: ignore[misc]
    """Korean labour programmes (고용보험법 and related acts) as OpenFisca rules."""

    def __init__(self) -> None:
        super().__init__(ENTITIES)
        self.add_variables(*INPUT_VARIABLES)
        for programme in programmes():
            self.add_variables(*programme.variables)
        self.load_parameters(str(PARAMETERS))


@cache
def tax_benefit_system() -> KoreanLabourSystem:
    """The system (built once per process)."""
    return KoreanLabourSystem()
