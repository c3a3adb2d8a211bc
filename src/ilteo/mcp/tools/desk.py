"""MCP tools of the one window: file a request, read its status, the categories, the statistics.

Every MCP call carries an API key (scope ``reference:read``), so every caller is an account: a
request filed here (channel ``mcp``) belongs to the key's account, which may file a complaint about
a workplace as well as an inquiry, and reads the status of its own requests (and of anonymous
inquiries by their number), as ``/v1/desk/requests`` does for a signed-in caller. Each tool calls
the same service function as the ``/v1/desk`` endpoints (:func:`ilteo.desk.intake.submit`,
:func:`~ilteo.desk.intake.status_of`, :func:`ilteo.desk.stats.public_stats`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from ilteo.core.settings import Settings
from ilteo.mcp.registry import spec
from ilteo.mcp.tools._common import McpAuth, _with_request_log, call_room, register_tool

#: ``file_request`` writes a request: not read-only, not idempotent (each call files one).
_WRITES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)

FILE_REQUEST = (
    "File a request with Korea's employment and labour ministry (고용노동부 민원): a question "
    "(`kind` 'inquiry': unemployment benefit, parental leave, training, ...) or a complaint about "
    "a workplace (`kind` 'complaint': unpaid wages, dismissal, harassment, a safety hazard, ...). "
    "Use it only when the user asks to file or submit a request, after showing them the text you "
    "will send; for a general question answer from the other tools instead. `text` is the "
    "request in the user's own words (Korean or English; 1-100,000 characters, not only emoji); "
    "give the workplace's name and address when the request is about a workplace (the address "
    "decides the regional labour office). Personal data are masked for staff and models; do not "
    "add any the user did not give. Returns the receipt: `tracking_number` (tell it to the user: "
    "they follow the request with it), `status`, `category` found, `office_name` that handles "
    "it, the legal `deadline` (YYYY-MM-DD) and its basis. The request belongs to the account of "
    "the API key; read its progress with `get_request_status`."
)
GET_REQUEST_STATUS = (
    "Read the status of a request filed with the ministry's one window, by its tracking number "
    "(like '2026-1121-K7QX4D'). Returns the state (received, classified, assigned, in_progress, "
    "waiting_citizen, answered, closed), the category, the office, the legal deadline, every "
    "change of state with its time and reason, and the answer once given. A request filed by "
    "another account is reported as not found, the same as an unknown number."
)
LIST_REQUEST_CATEGORIES = (
    "List the categories of requests the ministry's one window handles (codes such as "
    "'wage_arrears', 'unemployment_benefit', 'parental_leave'), with Korean and English labels "
    "and the kind of organisation that handles each (labour_office = 지방고용노동청·지청, "
    "job_centre = 고용센터, comwel = 근로복지공단, labour_commission = 노동위원회, ministry), "
    "and the urgency flags that put a request at the top of the queue."
)
GET_DESK_STATISTICS = (
    "Public timeliness and outcome statistics of the ministry's one window (open data): per "
    "category and per office, requests received, answered, answered on time, the on-time rate, "
    "median and 90th-percentile working days to answer, open and open past the deadline. Counts "
    "under five are null (shown as <5) for privacy; say so when a figure is missing. Optional "
    "`since` and `until` (YYYY-MM-DD) bound the days of receipt."
)


class Receipt(BaseModel):
    """The receipt of a filed request."""

    model_config = ConfigDict(extra="allow")

    tracking_number: str
    received_at: str
    status: str
    kind: str
    status_url: str
    deadline: str | None
    deadline_basis: str | None
    category: str | None
    office_name: str | None
    attachments: int


class RequestStatus(BaseModel):
    """What the person sees of a request."""

    model_config = ConfigDict(extra="allow")

    tracking_number: str
    kind: str
    received_at: str
    status: str
    status_at: str
    category: str | None
    office_name: str | None
    deadline: str | None
    answer: str | None
    history: list[dict[str, Any]]


class RequestCategories(BaseModel):
    """The categories and urgency flags."""

    categories: list[dict[str, Any]]
    urgent_flags: list[dict[str, Any]]


class DeskStatistics(BaseModel):
    """Timeliness and outcomes per category and office."""

    model_config = ConfigDict(extra="allow")

    since: str | None
    until: str | None
    generated_at: str
    by_category: list[dict[str, Any]]
    by_office: list[dict[str, Any]]
    total: dict[str, Any]
    suppressed_below: int


def register_desk_tools(server: MCPServer, settings: Settings, auth: McpAuth | None = None) -> None:
    """Register the one window's tools on ``server`` (scope ``reference:read``, by ``auth``)."""
    auth = auth or McpAuth(settings)
    entry = spec("file_request")
    writes = server.tool(
        name="file_request",
        title="민원·문의 접수 / File a request",
        description=FILE_REQUEST + entry.access_note(),
        annotations=_WRITES,
    )

    def file_request(
        text: Annotated[
            str,
            Field(
                min_length=1,
                max_length=100_000,
                description="The request in the user's words (Korean or English).",
            ),
        ],
        kind: Annotated[
            Literal["inquiry", "complaint"],
            Field(description="'inquiry' (a question) or 'complaint' (about a workplace)."),
        ] = "inquiry",
        title: Annotated[str, Field(max_length=200, description="A short title, optional.")] = "",
        workplace_name: Annotated[
            str | None, Field(max_length=200, description="The workplace's name, if any.")
        ] = None,
        workplace_address: Annotated[
            str | None,
            Field(max_length=300, description="The workplace's address (decides the office)."),
        ] = None,
        contact: Annotated[
            str | None,
            Field(
                max_length=200,
                description="A phone number or e-mail the user wants to be reached at, only if "
                "they gave one.",
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> Receipt:
        from ilteo.desk.intake import submit

        account = auth.require(ctx, "file_request")
        if text.strip() and not any(ch.isalnum() for ch in text):
            from ilteo.core.errors import InvalidInputError

            def refuse() -> None:
                raise InvalidInputError(
                    "text: write the request in words (only symbols or emoji)", fields=["text"]
                )

            call_room(refuse)
        receipt = call_room(
            lambda: submit(
                settings,
                text=text,
                channel="mcp",
                kind=kind,
                title=title,
                account_id=account.id,
                contact=contact or None,
                workplace_name=workplace_name or None,
                workplace_address=workplace_address or None,
            )
        )
        return Receipt(**receipt.to_json())

    writes(_with_request_log(server, "file_request", file_request))

    @register_tool(
        server, "get_request_status", title="민원 처리 상태 / A request's status",
        description=GET_REQUEST_STATUS,
    )  # fmt: skip
    def get_request_status(
        number: Annotated[
            str,
            Field(
                pattern=r"^\d{4}-\d{4}-[0-9A-Z]{6}$",
                description="The tracking number, like '2026-1121-K7QX4D'.",
            ),
        ],
        ctx: Context | None = None,
    ) -> RequestStatus:
        from ilteo.core.db import session_scope
        from ilteo.desk.intake import status_of

        account = auth.require(ctx, "get_request_status")

        def read() -> dict[str, Any]:
            with session_scope(settings) as session:
                return status_of(session, number, account.id)

        return RequestStatus(**call_room(read))

    @register_tool(
        server, "list_request_categories", title="민원 분류 / Request categories",
        description=LIST_REQUEST_CATEGORIES,
    )  # fmt: skip
    def list_request_categories(ctx: Context | None = None) -> RequestCategories:
        from ilteo.api.routers.desk import categories_json

        auth.require(ctx, "list_request_categories")
        return RequestCategories(**categories_json())

    @register_tool(
        server, "get_desk_statistics", title="민원 처리 통계 / Request statistics",
        description=GET_DESK_STATISTICS,
    )  # fmt: skip
    def get_desk_statistics(
        since: Annotated[
            date | None, Field(description="First day of receipt (YYYY-MM-DD), optional.")
        ] = None,
        until: Annotated[
            date | None, Field(description="Last day of receipt (YYYY-MM-DD), optional.")
        ] = None,
        ctx: Context | None = None,
    ) -> DeskStatistics:
        from ilteo.core.db import session_scope
        from ilteo.core.errors import InvalidInputError
        from ilteo.desk.stats import public_stats, stats_json

        auth.require(ctx, "get_desk_statistics")

        def read() -> dict[str, Any]:
            if since is not None and until is not None and since > until:
                raise InvalidInputError("since: after until", fields=["since"])
            with session_scope(settings) as session:
                return stats_json(public_stats(session, since=since, until=until))

        return DeskStatistics(**call_room(read))
