"""MCP tools of the safety room: industrial-accident risk aggregates, the model card, targets.

Two tools are public aggregates (scope ``reference:read``, any account): the summary by province
(:func:`ilteo.safety.room.public_summary`: never a workplace, counts under five suppressed) and
the risk model's card. ``list_safety_targets`` names workplaces, so it also needs an account of
the safety room's staff (:data:`ilteo.safety.room.STAFF_ROLES`), checked per call by
:class:`~ilteo.mcp.tools._common.McpAuth` from the registry; it previews the choice
(:func:`ilteo.safety.service.targets` without ``queue``) and never queues an inspection. Every
tool is read-only and calls the same functions as the ``/v1/safety`` endpoints.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, ConfigDict, Field

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool
from ilteo.safety.targeting import RANDOM_SHARE

SYNTHETIC_NOTE = (
    " When `synthetic` is true (or `synthetic_label` is set) the figures come from ilteo's "
    "synthetic country, not real workplaces: always say so."
)
GET_SAFETY_SUMMARY = (
    "Get the public aggregates of Korea's industrial-accident risk monitoring (산업재해 위험 "
    "관제, open data): per province (시도) the workplaces scored, how many are high-risk (a "
    "probability of a serious case - death or injury with four days or more off work - next "
    "year of at least `high_risk_threshold`), the expected serious cases, inspections done this "
    "year and queued; the national totals, imminent-danger reports of the last 30 days, when the "
    "scores were made and the inspection effect used. Never names a workplace. Counts under "
    "`suppressed_below` (5) are null for privacy: say '<5', never zero. Use it to answer where "
    "accident risk concentrates or how many inspections are planned; for how the model was made "
    "and how well it is calibrated, use `get_safety_model_card`." + SYNTHETIC_NOTE
)
GET_SAFETY_MODEL_CARD = (
    "Get the card of the model that predicts industrial-accident risk per workplace: its "
    "version, when it was trained, the years it learned from and the held-out calibration year, "
    "the training rows and serious cases, calibration on the held-out year (AUC, Brier score and "
    "its skill over the base rate, log loss, expected calibration error, and reliability bins of "
    "mean predicted against observed rates), the high-risk threshold, and the inspection effect "
    "(the share of next year's serious cases an inspection averts: estimated from randomised "
    "inspections when there are enough, shrunk towards the published estimate whose `source` it "
    "cites, otherwise that estimate). Use it to explain how far the risk scores can be trusted. "
    "A probability is calibrated over many workplaces; it is not a verdict on one. `available` "
    "is false (with a `message`) until a model has been trained." + SYNTHETIC_NOTE
)
LIST_SAFETY_TARGETS = (
    "Preview which workplaces labour inspectors should visit: K workplaces chosen by the "
    "expected serious injuries an inspection would avert (probability and expected cases of "
    "the risk model times the inspection effect), `random_share` of them drawn at random so the "
    "effect stays measurable and the choice unpredictable. Each target gives its rank, name, "
    "address, province, industry code, size band, probability of a serious case next year, "
    "expected cases, injuries averted, `selection` ('model' or 'random'), notes ('no_history': "
    "scored on industry, size and region only) and the top reasons (feature, value, pushing the "
    "risk up or down). Workplaces with an inspection already queued are left out. This is a "
    "preview: nothing is queued (inspectors queue on the staff pages or POST "
    "/v1/safety/inspections). Pass `seed` to repeat a draw; the answer names the seed used. "
    "`available` is false (with a `message`, no targets) until workplaces have been scored. "
    "Workplace names are for the ministry's staff only: do not publish them." + SYNTHETIC_NOTE
)


class SafetySummary(BaseModel):
    """Public aggregates by province."""

    model_config = ConfigDict(extra="allow")

    generated_at: str
    synthetic: bool
    synthetic_label: str | None
    scored_at: str | None
    feature_year: int | None
    high_risk_threshold: float
    suppressed_below: int
    workplaces_scored: int
    high_risk_workplaces: int
    imminent_danger_reports_30d: int | None
    effect: dict[str, Any] | None
    model: dict[str, Any]
    regions: list[dict[str, Any]]


class SafetyModelCard(BaseModel):
    """The risk model's card (``available`` false before a model is trained)."""

    model_config = ConfigDict(extra="allow")

    available: bool
    message: str | None = None
    version: str | None = None
    trained_at: str | None = None
    train_years: list[int] = Field(default_factory=list)
    calibration_year: int | None = None
    source: str | None = None
    synthetic: bool | None = None
    synthetic_label: str | None = None
    training: dict[str, Any] = Field(default_factory=dict)
    calibration: dict[str, Any] = Field(default_factory=dict)
    effect: dict[str, Any] | None = None
    high_risk_threshold: float | None = None
    warnings: list[str] = Field(default_factory=list)


class SafetyTargets(BaseModel):
    """A preview of inspection targets (``available`` false before the first scoring)."""

    model_config = ConfigDict(extra="allow")

    available: bool
    message: str | None = None
    k: int
    random_share: float
    seed: int | None = None
    queued: bool = False
    by_selection: dict[str, int] = Field(default_factory=dict)
    expected_averted: float = 0.0
    synthetic_label: str | None = None
    targets: list[dict[str, Any]] = Field(default_factory=list)


def register_safety_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the safety room's tools on ``server`` (scopes and roles from the registry)."""
    auth = auth or McpAuth(settings)

    @register_tool(
        server, "get_safety_summary", title="산업재해 위험 요약 / Accident risk summary",
        description=GET_SAFETY_SUMMARY,
    )  # fmt: skip
    def get_safety_summary(ctx: Context | None = None) -> SafetySummary:
        from ilteo.api.routers.safety import summary_json

        auth.require(ctx, "get_safety_summary")
        return SafetySummary(**call_room(lambda: summary_json(settings)))

    @register_tool(
        server, "get_safety_model_card", title="위험 모델 카드 / Risk model card",
        description=GET_SAFETY_MODEL_CARD,
    )  # fmt: skip
    def get_safety_model_card(ctx: Context | None = None) -> SafetyModelCard:
        from ilteo.api.routers.safety import model_card

        auth.require(ctx, "get_safety_model_card")
        try:
            card = model_card(settings)
        except DataUnavailableError as exc:
            return SafetyModelCard(available=False, message=exc.detail)
        return SafetyModelCard(available=True, **card)

    @register_tool(
        server, "list_safety_targets", title="점검 대상 미리 보기 / Preview inspection targets",
        description=LIST_SAFETY_TARGETS,
    )  # fmt: skip
    def list_safety_targets(
        k: Annotated[
            int,
            Field(ge=1, le=10_000, description="How many workplaces to choose (1-10,000)."),
        ] = 20,
        random_share: Annotated[
            float,
            Field(
                ge=0,
                lt=1,
                description=f"Share drawn at random, 0 to below 1 (default {RANDOM_SHARE}).",
            ),
        ] = RANDOM_SHARE,
        seed: Annotated[
            int | None,
            Field(ge=0, lt=2**32, description="The draw's seed, to repeat a preview (optional)."),
        ] = None,
        ctx: Context | None = None,
    ) -> SafetyTargets:
        from ilteo.api.routers.safety import scores_synthetic, targets_json
        from ilteo.core.db import session_scope
        from ilteo.safety.service import targets

        auth.require(ctx, "list_safety_targets")

        def read() -> SafetyTargets:
            try:
                with session_scope(settings) as session:
                    frame = targets(
                        settings, k, random_share=random_share, seed=seed, session=session
                    )
            except DataUnavailableError as exc:  # nothing scored yet: say so, not an error
                return SafetyTargets(
                    available=False, message=exc.detail, k=k, random_share=random_share
                )
            found = targets_json(
                frame, k=k, random_share=random_share, queued=False,
                synthetic=scores_synthetic(settings),
            )  # fmt: skip
            return SafetyTargets(available=True, **found)

        return call_room(read)
