"""The one registry of MCP tool names, versions, scopes and sunsets.

Versioning policy (also in ``docs/mcp.md``):

- A tool's name is ``<verb>_<object>`` in snake case (``search_occupations``); the first version
  carries no suffix. A change an assistant could notice in behaviour (a parameter removed or
  renamed, a meaning or unit changed, a result field removed) publishes a new tool with the suffix
  ``_v2`` (then ``_v3``...) and keeps the old one, marked deprecated with a sunset date at least
  six months ahead, until that date. Additive changes (a new optional parameter, a new result
  field, a clearer description) keep the name.
- Every tool is listed here, in the order ``tools/list`` returns them; :func:`spec` is how a tool
  module finds its scope and roles, and a tool missing here cannot be registered.
- The scope is the API key scope a call needs (the same per-domain scopes as the ``/v1`` API,
  :data:`ilteo.identity.api_keys.SCOPES`); ``roles`` are account roles needed as well (any one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ilteo.identity.api_keys import SCOPES

#: Roles that may call the lake tools (the same as the ``/v1/lake`` read endpoints).
STEWARD_ROLES = ("data_steward", "administrator")


@dataclass(frozen=True)
class ToolSpec:
    """One published version of one tool.

    Attributes:
        name: The MCP tool name, e.g. ``search_occupations`` or ``get_occupation_v2``.
        version: 1 for a name without suffix, ``n`` for ``_v<n>``.
        scope: The API key scope a call needs.
        roles: Account roles of which the caller needs one; empty when any account may call.
        mirrors: The service function the tool calls.
        deprecated: The day the tool was deprecated, or ``None``.
        sunset: The day it is removed (required once deprecated).
        replaced_by: The tool to use instead once deprecated.
    """

    name: str
    version: int
    scope: str
    mirrors: str
    roles: tuple[str, ...] = ()
    deprecated: date | None = None
    sunset: date | None = None
    replaced_by: str | None = None

    @property
    def family(self) -> str:
        """The name without its version suffix (``get_occupation`` for ``get_occupation_v2``)."""
        suffix = f"_v{self.version}"
        return self.name.removesuffix(suffix) if self.version > 1 else self.name

    def access_note(self) -> str:
        """The sentence every description ends with: what a call needs, and any sunset."""
        who = f" of an account with the role {' or '.join(self.roles)}" if self.roles else ""
        note = (
            f" Needs an ilteo API key{who} with the scope '{self.scope}' (HTTP 'Authorization: "
            "Bearer <key>', or the ILTEO_API_KEY variable of 'ilteo mcp' over stdio); without "
            "one the tool answers an error saying how to get it."
        )
        if self.deprecated is not None:
            note += (
                f" DEPRECATED since {self.deprecated.isoformat()}, removed on "
                f"{self.sunset.isoformat() if self.sunset else 'a date to be announced'}: use "
                f"'{self.replaced_by}' instead."
            )
        return note


_REFERENCE = "reference:read"
_LAKE = "lake:read"
_IDENTITY = "identity:read"

#: Every tool, in the order ``tools/list`` returns them.
TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("search_occupations", 1, _REFERENCE, "ilteo.reference.search.search_occupations"),
    ToolSpec("get_occupation", 1, _REFERENCE, "ilteo.reference.lookup.get_occupation"),
    ToolSpec(
        "get_occupation_crosswalk", 1, _REFERENCE, "ilteo.reference.lookup.get_occupation (links)"
    ),
    ToolSpec("search_industries", 1, _REFERENCE, "ilteo.reference.search.search_industries"),
    ToolSpec("get_industry", 1, _REFERENCE, "ilteo.reference.lookup.get_industry"),
    ToolSpec("list_reference_datasets", 1, _REFERENCE, "ilteo.reference.status.dataset_status"),
    ToolSpec("get_sign_in_report", 1, _IDENTITY, "ilteo.identity.funnel_report.sign_in_report"),
    ToolSpec("list_lake_datasets", 1, _LAKE, "ilteo.lake.catalog.list_catalog", STEWARD_ROLES),
    ToolSpec("get_lake_dataset", 1, _LAKE, "ilteo.lake.catalog.get_catalog_entry", STEWARD_ROLES),
    ToolSpec(
        "get_lake_quality", 1, _LAKE, "ilteo.lake.stewardship.quality_overview", STEWARD_ROLES
    ),
    ToolSpec(
        "get_linkage_quality",
        1,
        _LAKE,
        "ilteo.lake.linkage_quality.linkage_summaries",
        STEWARD_ROLES,
    ),
    ToolSpec(
        "get_quarantine_summary",
        1,
        _LAKE,
        "ilteo.lake.stewardship.quarantine_summary",
        STEWARD_ROLES,
    ),
    ToolSpec("list_lake_batches", 1, _LAKE, "ilteo.lake.ledger.list_batches", STEWARD_ROLES),
    ToolSpec("get_lake_batch", 1, _LAKE, "ilteo.lake.ledger.get_batch", STEWARD_ROLES),
    # Public aggregates of every service menu: the default public read scope any account holds.
    ToolSpec("get_service_status", 1, _REFERENCE, "ilteo.status.report.status_report"),
    # AI impact monitoring: public aggregates (profiles, crosswalk, suppressed indicators).
    ToolSpec("get_occupation_exposure", 1, _REFERENCE, "ilteo.monitor.lookup.exposure_lookup"),
    ToolSpec("get_labour_indicators", 1, _REFERENCE, "ilteo.monitor.indicators.read_indicators"),
    ToolSpec("list_labour_alerts", 1, _REFERENCE, "ilteo.monitor.warnings.current_alerts"),
    ToolSpec("list_high_risk_groups", 1, _REFERENCE, "ilteo.monitor.risk.high_risk_groups"),
    # Transition and training pathways: by occupation code or skill names, no personal data.
    ToolSpec("recommend_transitions", 1, _REFERENCE, "ilteo.pathways.plan.recommend"),
    ToolSpec("match_training_courses", 1, _REFERENCE, "ilteo.pathways.courses.match_courses"),
    # Benefits: computed from the facts passed, nothing stored, no record read.
    ToolSpec("check_benefits", 1, _REFERENCE, "ilteo.benefits.check.check"),
    # The one window: file a request (the key's account), its status, categories, statistics.
    ToolSpec("file_request", 1, _REFERENCE, "ilteo.desk.intake.submit"),
    ToolSpec("get_request_status", 1, _REFERENCE, "ilteo.desk.intake.status_of"),
    ToolSpec("list_request_categories", 1, _REFERENCE, "ilteo.desk.taxonomy.CATEGORIES"),
    ToolSpec("get_desk_statistics", 1, _REFERENCE, "ilteo.desk.stats.public_stats"),
    # Industrial-accident risk: public aggregates and the model card (any account); the target
    # preview names workplaces, so it needs a role of the safety room's staff (nothing queued).
    ToolSpec("get_safety_summary", 1, _REFERENCE, "ilteo.safety.room.public_summary"),
    ToolSpec("get_safety_model_card", 1, _REFERENCE, "ilteo.safety.model.load"),
    ToolSpec(
        "list_safety_targets",
        1,
        _REFERENCE,
        "ilteo.safety.service.targets",
        ("administrator", "analyst", "desk_officer", "inspector"),  # ilteo.safety.room.STAFF_ROLES
    ),
)

_BY_NAME = {tool.name: tool for tool in TOOLS}


def spec(name: str) -> ToolSpec:
    """The registry entry of tool ``name``.

    Raises:
        KeyError: When the tool is not in :data:`TOOLS` (a tool must be registered there first).
    """
    return _BY_NAME[name]


def check_registry() -> None:
    """Fail loudly on an inconsistent registry (unknown scope, bad suffix, missing sunset).

    Raises:
        ValueError: Naming what is wrong.
    """
    for tool in TOOLS:
        if tool.scope not in SCOPES:
            raise ValueError(f"{tool.name}: unknown scope {tool.scope!r}")
        if (tool.version > 1) != tool.name.endswith(f"_v{tool.version}"):
            raise ValueError(f"{tool.name}: version {tool.version} and name disagree")
        if tool.deprecated is not None and (
            tool.sunset is None or tool.replaced_by not in _BY_NAME
        ):
            raise ValueError(f"{tool.name}: a deprecated tool needs a sunset and a replacement")
    if len(_BY_NAME) != len(TOOLS):
        raise ValueError("a tool name is listed twice")
