"""The published checklist and the checker agree: every "예" row is a rule the command runs."""

from __future__ import annotations

import re
from pathlib import Path

from ilteo.guideline import RULES

GUIDELINE = Path(__file__).resolve().parents[2] / "docs" / "guideline"
ROW = re.compile(r"^\| ([A-Z]{3}-\d{2}) \| .+ \| (예|아니오) \|$", re.MULTILINE)


def _rows() -> dict[str, str]:
    return dict(ROW.findall((GUIDELINE / "checklist.md").read_text(encoding="utf-8")))


def test_machine_checkable_rows_are_exactly_the_checkers_rules() -> None:
    checkable = sorted(rule_id for rule_id, flag in _rows().items() if flag == "예")
    assert checkable == sorted(rule.id for rule in RULES)


def test_every_checklist_rule_is_defined_on_a_guideline_page() -> None:
    pages = "".join(
        p.read_text(encoding="utf-8") for p in GUIDELINE.glob("*.md") if p.name != "checklist.md"
    )
    defined = set(re.findall(r"^## ([A-Z]{3}-\d{2}) ", pages, re.MULTILINE))
    assert set(_rows()) == defined
