"""The ministry's and its calculators' published examples, as OpenFisca scenarios.

Each YAML test in ``scenarios/ministry/`` names its source in ``description``. The examples that
our rules reproduce run as ordinary scenarios; the known disagreements
(``scenarios/ministry/disagreements.yaml``) are kept with the published figure as the expected
value and run one by one as strict expected failures: if the rules change to match the source, the
test turns red and the example moves to its programme's file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openfisca_core.tools.test_runner import run_tests

from ilteo.benefits.system import tax_benefit_system

MINISTRY = Path(__file__).parent / "scenarios" / "ministry"
DISAGREEMENTS = MINISTRY / "disagreements.yaml"
PROGRAMME_FILES = [
    "early_reemployment.yaml",
    "employment_support.yaml",
    "job_seeking.yaml",
    "maternity_leave.yaml",
    "parental_leave.yaml",
    "training_card.yaml",
]


def _tests(path: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_every_programme_has_a_file_and_every_example_names_its_source() -> None:
    files = sorted(p.name for p in MINISTRY.glob("*.yaml") if p != DISAGREEMENTS)
    assert files == PROGRAMME_FILES
    for name in [*files, DISAGREEMENTS.name]:
        for test in _tests(MINISTRY / name):
            description = test.get("description", "")
            # a source: an address or a named public document, never an unnamed figure
            assert len(description) > 40, (name, test["name"])
            assert "http" in description or "공개" in description, (name, test["name"])


@pytest.mark.parametrize("name", PROGRAMME_FILES)
def test_published_examples(name: str) -> None:
    assert run_tests(tax_benefit_system(), str(MINISTRY / name)) == 0


def _disagreements() -> list[dict[str, Any]]:
    return _tests(DISAGREEMENTS)


@pytest.mark.xfail(strict=True, reason="known disagreement with a published figure (reported)")
@pytest.mark.parametrize(
    "test", _disagreements(), ids=[f"disagreement-{i}" for i in range(len(_disagreements()))]
)
def test_known_disagreements(test: dict[str, Any], tmp_path: Path) -> None:
    single = tmp_path / "one.yaml"
    single.write_text(yaml.safe_dump([test], allow_unicode=True), encoding="utf-8")
    assert run_tests(tax_benefit_system(), str(single)) == 0
