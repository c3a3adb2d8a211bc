"""The Open API · Open MCP standard guideline: its machine-checkable rules (``docs/guideline/``)."""

from __future__ import annotations

from ilteo.guideline._document import load_document
from ilteo.guideline.checks import RULES, Finding, Rule, RuleResult, check_document

__all__ = ["RULES", "Finding", "Rule", "RuleResult", "check_document", "load_document"]
