"""MCP tools of AI impact monitoring: exposure by occupation and the monthly labour indicators.

Public aggregates only (scope ``reference:read``): exposure profiles come from published indices
through the crosswalks, indicators are counts with small cells suppressed. Each tool calls one
:mod:`ilteo.monitor` service function, the same one the ``/v1/monitor`` endpoints call.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool

NOT_A_PROBABILITY = (
    "An exposure score ranks the technical potential of generative AI to perform or assist an "
    "occupation's tasks (0 = least exposed, 1 = most, among occupations); it is NOT a probability "
    "of job loss and says nothing about when or whether employment changes (노출 점수는 실직 "
    "확률이 아닙니다). Always say so, and cite the sources and versions the answer names."
)
GET_OCCUPATION_EXPOSURE = (
    "Get the AI-exposure profile of an occupation from its code: a KSCO 8 unit group (Korean, 4 "
    "digits, e.g. '2222'), an ISCO-08 unit group (4 digits, pass system='isco08'), a SOC 2018 or "
    "2010 code ('15-1252') or an O*NET-SOC code ('15-1252.00'); the system is detected from the "
    "code's form (4-digit codes are read as KSCO 8). Use it when a user asks how exposed a job is "
    "to AI, whether it leans to automation or augmentation, or which tasks drive the score; find "
    "the code first with `search_occupations`. Returns the combined score with its uncertainty "
    "band, each source's score and rank (ILO 2025 generative-AI index, Felten AIOE, Eloundou et "
    "al. GPT-4 beta, Microsoft AI applicability), the ILO gradient, the driving tasks, the ISCO-08 "
    "units the code reaches (KSCO through ilteo's own crosswalk, which is not an official table; "
    "SOC/O*NET-SOC through the official BLS crosswalks) and, for SOC and O*NET-SOC codes, the "
    "scores as published on the code itself. An unknown code is an error naming the nearest "
    "valid codes. " + NOT_A_PROBABILITY
)
GET_LABOUR_INDICATORS = (
    "Get monthly labour-market indicators computed from the employment-insurance records of "
    "ilteo's data lake (public aggregates): insured employment, hires, separations (and by reason: "
    "voluntary, business, misconduct, retirement, end of contract, other), job-seeking allowance "
    "claims, K-Digital Training enrolments, the wage sum, the exposure-weighted employment and the "
    "share of employment in highly AI-exposed occupations (top fifth of KSCO units). Use it to "
    "answer how employment or separations moved in an occupation, industry, region, age band or "
    "sex, month by month. Choose the breakdown with `by` (national totals when empty) and narrow "
    "with the filters; months are 'YYYY-MM'. Counts below the disclosure threshold (`min_cell`) "
    "are null and the row is marked `suppressed`: say the figure is suppressed, never zero. An "
    "empty `months` list means no indicators are built on this server. On a demo server the lake "
    "is a synthetic country: say the figures are synthetic."
)

LIST_LABOUR_ALERTS = (
    "List the early-warning alerts open in a month (the latest built month by default), "
    "strongest first: abnormal movements of separations, hires or job-seeking allowance claims "
    "in a group (KSCO occupation, KSIC industry, 시도 region, at several levels), detected against "
    "a seasonally adjusted baseline with CUSUM and false-alarm control. Each alert says what "
    "moved (`measure`), in which group (`group`, `label_ko`, `label_en`), since when (`since`), "
    "observed versus expected counts and the change in percent, the baseline used, the sub-groups "
    "that moved most and the path of its chart page (`chart`). Use it when a user asks what is "
    "unusual in the labour market now or whether an occupation or region shows warning signs. "
    "An alert is a statistical signal to look at, not proof of an AI effect; say so. Groups "
    "only, never people. On a demo server the lake is a synthetic country: say so."
)

LIST_HIGH_RISK_GROUPS = (
    "List the groups of insured workers most at risk from AI in a month (the latest by default), "
    "ranked by expected people at risk: each group is a KSCO sub-major occupation group x age "
    "band x 시도 region with its size, mean AI exposure, share in highly exposed occupations, the "
    "vulnerability components (age, wage level, tenure, education proxies, region: each 0-1), "
    "their contributions to the score, the main drivers and the score. Use it when a user asks "
    "which workers or regions to prioritise for training, employment services or outreach. "
    "Aggregates only: groups smaller than the disclosure threshold are not shown and no person "
    "is reachable through this tool. A risk score is a priority ranking, not a probability of "
    "job loss; say so. On a demo server the lake is a synthetic country: say so."
)

Dimension = Literal["ksco", "ksco1", "ksco2", "ksco3", "ksic_section", "sido", "age_band", "sex"]


class OccupationExposure(BaseModel):
    """An occupation code's AI-exposure answer (see the tool description)."""

    query: str
    system: str = Field(description="System read: ksco8, isco08, soc2018, soc2010 or onet.")
    detected: bool = Field(description="True when the system was detected from the code's form.")
    code: str
    title: str | None = None
    title_ko: str | None = None
    combined: float | None = Field(description="Combined score, a rank in 0..1.")
    ksco: dict[str, Any] | None = Field(description="The KSCO 8 profile, for KSCO codes.")
    isco: list[dict[str, Any]] = Field(
        description="ISCO-08 units reached, each with its profile or the reason it has none."
    )
    ksco_linked: dict[str, str] = Field(
        description="KSCO 8 units whose crosswalk links reach those ISCO-08 units."
    )
    native_scores: list[dict[str, Any]] = Field(
        description="Source scores as published on the code itself (SOC/O*NET-SOC codes)."
    )
    missing_sources: list[str] = Field(
        default_factory=list,
        description="Secondary sources left out because their data is unavailable (the combined "
        "score is renormalised over the rest).",
    )
    notes: list[str]
    caveat: str


class LabourIndicators(BaseModel):
    """Monthly indicator rows and how to read them."""

    rows: list[dict[str, Any]] = Field(description="One row per month and breakdown value.")
    truncated: bool = Field(description="True when more rows matched than `limit`.")
    months: list[str] = Field(description="Months built on this server (YYYY-MM).")
    min_cell: int = Field(description="Disclosure threshold: counts below it are null.")
    measures: dict[str, str] = Field(description="What each measure counts (Korean / English).")


class LabourAlerts(BaseModel):
    """The alerts open in a month."""

    month: str | None = Field(description="The month the alerts are open in (YYYY-MM).")
    alerts: list[dict[str, Any]] = Field(description="Alerts, strongest first.")
    months: list[str] = Field(description="Months built on this server (YYYY-MM).")


class HighRiskGroups(BaseModel):
    """Ranked high-risk groups of a month."""

    month: str | None = Field(description="The month scored (YYYY-MM).")
    groups: list[dict[str, Any]] = Field(description="Groups, highest expected at risk first.")
    months: list[str] = Field(description="Months built on this server (YYYY-MM).")


def _month(text: str | None) -> date | None:
    from ilteo.monitor.indicators import parse_month

    return None if text is None else parse_month(text)


def register_monitor_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the monitoring tools on ``server``; they read data through ``settings``.

    Each call needs a key with the scope ``reference:read``, checked by ``auth``.
    """
    auth = auth or McpAuth(settings)

    @register_tool(
        server, "get_occupation_exposure", title="직업의 AI 노출 / Occupation AI exposure",
        description=GET_OCCUPATION_EXPOSURE,
    )  # fmt: skip
    def get_occupation_exposure(
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=20,
                description="The occupation code: KSCO 8 or ISCO-08 unit group ('2222'), SOC "
                "('15-1252') or O*NET-SOC ('15-1252.00').",
            ),
        ],
        system: Annotated[
            Literal["ksco8", "isco08", "soc", "onet"] | None,
            Field(
                description="Force the system: 'ksco8', 'isco08', 'soc' or 'onet'. Omit to "
                "detect it from the code (4-digit codes are KSCO 8; pass 'isco08' for ISCO)."
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> OccupationExposure:
        from ilteo.monitor.lookup import exposure_lookup

        auth.require(ctx, "get_occupation_exposure")
        answer = call_room(lambda: exposure_lookup(settings, code, system))
        return OccupationExposure(**answer.to_json())

    @register_tool(
        server, "get_labour_indicators", title="노동시장 지표 / Labour indicators",
        description=GET_LABOUR_INDICATORS,
    )  # fmt: skip
    def get_labour_indicators(
        by: Annotated[
            list[Dimension],
            Field(
                max_length=3,
                description="Breakdown dimensions: 'ksco' (KSCO 8 unit), 'ksco1'-'ksco3' (major "
                "to minor group), 'ksic_section', 'sido' (region), 'age_band', 'sex'. Empty for "
                "national totals.",
            ),
        ] = [],  # noqa: B006 - a JSON default; never mutated
        month_from: Annotated[
            str | None, Field(pattern=r"^\d{4}-\d{2}$", description="First month, YYYY-MM.")
        ] = None,
        month_to: Annotated[
            str | None, Field(pattern=r"^\d{4}-\d{2}$", description="Last month, YYYY-MM.")
        ] = None,
        ksco: Annotated[
            str | None,
            Field(pattern=r"^\d{1,4}$", description="Only KSCO 8 codes with this prefix."),
        ] = None,
        ksic_section: Annotated[
            str | None, Field(max_length=8, description="Only this KSIC section (A-U).")
        ] = None,
        sido: Annotated[
            str | None, Field(pattern=r"^\d{2}$", description="Only this 시도 (2 digits).")
        ] = None,
        age_band: Annotated[
            Literal["15-29", "30-39", "40-49", "50-59", "60+"] | None,
            Field(description="Only this age band."),
        ] = None,
        sex: Annotated[
            Literal["M", "F"] | None, Field(description="Only this sex: M or F.")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=1000, description="Most rows returned.")] = 200,
        ctx: Context | None = None,
    ) -> LabourIndicators:
        from ilteo.monitor.indicators import MEASURE_LABELS, available_months, read_indicators

        auth.require(ctx, "get_labour_indicators")
        built = call_room(lambda: available_months(settings))
        rows: list[dict[str, Any]] = []
        if built:
            low, high = call_room(lambda: (_month(month_from), _month(month_to)))
            span = (low or built[0], high or built[-1]) if (low or high) else None
            frame = call_room(
                lambda: read_indicators(
                    settings, by=tuple(by), months=span, ksco=ksco, ksic_section=ksic_section,
                    sido=sido, age_band=age_band, sex=sex,
                )
            )  # fmt: skip
            for row in frame.head(limit + 1).iter_rows(named=True):
                row["month"] = row["month"].strftime("%Y-%m")
                rows.append(row)
        return LabourIndicators(
            rows=rows[:limit],
            truncated=len(rows) > limit,
            months=[m.strftime("%Y-%m") for m in built],
            min_cell=settings.monitor_min_cell,
            measures=dict(MEASURE_LABELS),
        )

    @register_tool(
        server, "list_labour_alerts", title="조기 경보 / Early-warning alerts",
        description=LIST_LABOUR_ALERTS,
    )  # fmt: skip
    def list_labour_alerts(
        month: Annotated[
            str | None,
            Field(pattern=r"^\d{4}-\d{2}$", description="Month, YYYY-MM; the latest when omitted."),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="Most alerts returned.")] = 50,
        ctx: Context | None = None,
    ) -> LabourAlerts:
        from ilteo.monitor.indicators import available_months
        from ilteo.monitor.warnings import current_alerts

        auth.require(ctx, "list_labour_alerts")
        built = call_room(lambda: available_months(settings))
        wanted = call_room(lambda: _month(month))
        alerts = call_room(lambda: current_alerts(settings, wanted, limit=limit)) if built else []
        shown = wanted or (built[-1] if built else None)
        return LabourAlerts(
            month=shown.strftime("%Y-%m") if shown else None,
            alerts=[alert.to_dict() for alert in alerts],
            months=[m.strftime("%Y-%m") for m in built],
        )

    @register_tool(
        server, "list_high_risk_groups", title="고위험 집단 / High-risk groups",
        description=LIST_HIGH_RISK_GROUPS,
    )  # fmt: skip
    def list_high_risk_groups(
        month: Annotated[
            str | None,
            Field(pattern=r"^\d{4}-\d{2}$", description="Month, YYYY-MM; the latest when omitted."),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="Most groups returned.")] = 20,
        ctx: Context | None = None,
    ) -> HighRiskGroups:
        from dataclasses import asdict

        from ilteo.monitor.indicators import available_months
        from ilteo.monitor.risk import high_risk_groups

        auth.require(ctx, "list_high_risk_groups")
        built = call_room(lambda: available_months(settings))
        groups = call_room(lambda: high_risk_groups(settings, month, limit=limit)) if built else []
        return HighRiskGroups(
            month=month or (built[-1].strftime("%Y-%m") if built else None),
            groups=[asdict(group) for group in groups],
            months=[m.strftime("%Y-%m") for m in built],
        )
