"""MCP tool of the benefits rules: what a person is entitled to, from facts the caller gives.

Scope ``reference:read``: the tool computes from the arguments and stores nothing; it never reads
a person's record. It calls the same :func:`ilteo.benefits.check.check` as
``POST /v1/benefits/check``.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, ConfigDict, Field

from ilteo.benefits.inputs import CheckInput
from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool

CHECK_BENEFITS = (
    "Check which Korean labour programmes a person is entitled to, from facts you pass: the "
    "job-seeking allowance (구직급여: eligibility, daily amount, benefit days, total), the early "
    "re-employment allowance, the National Tomorrow Learning Card, the National Employment "
    "Support Programme types I and II, parental leave and maternity leave benefits. Pass "
    "`check` as {as_of, person: {birth_date, disabled, household_size, "
    "household_income_ratio_to_median, household_assets_krw}, employment: {insured_periods, "
    "paid_days_last_18_months, separation_date, separation_reason, wages_last_3_months_krw, "
    "days_last_3_months, daily_contract_hours, ...}, family: {...}, training: {...}}; omit what "
    "you do not know. Each programme answers eligible true/false, or null with `missing` naming "
    "the fields it needs (ask the user for them; never guess an amount). Amounts are integer won. "
    "Quote the `reasons` and the `references` (articles of law on law.go.kr), and say the answer "
    "is guidance, not a decision: the job centre decides (`caveat`). separation_reason is one of "
    "business_closure, dismissal_business, contract_expiry, retirement_age, voluntary_justified, "
    "voluntary, dismissal_misconduct."
)


class BenefitsAnswer(BaseModel):
    """Every programme's answer for one person."""

    model_config = ConfigDict(extra="allow")

    as_of: str
    programs: dict[str, dict[str, Any]] = Field(description="per programme answers")
    caveat: str


def register_benefits_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the benefits tool on ``server`` (scope ``reference:read``, checked by ``auth``)."""
    auth = auth or McpAuth(settings)

    @register_tool(
        server, "check_benefits", title="받을 수 있는 급여·지원 / What am I entitled to",
        description=CHECK_BENEFITS,
    )  # fmt: skip
    def check_benefits(
        check: Annotated[
            CheckInput,
            Field(
                description="The person's facts: as_of (required, 2024-01-01 or later), person, "
                "employment, family, training; omit what you do not know."
            ),
        ],
        ctx: Context | None = None,
    ) -> BenefitsAnswer:
        from ilteo.benefits.check import check as run_check

        auth.require(ctx, "check_benefits")
        return BenefitsAnswer(**call_room(lambda: run_check(check)))
