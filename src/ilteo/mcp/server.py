"""The ilteo MCP server factory (official ``mcp`` SDK)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from ilteo import __version__
from ilteo.core.settings import Settings, get_settings

INSTRUCTIONS = (
    "ilteo (일터) is the open platform of Korea's employment and labour ministry. Use these "
    "tools to look up official occupation (KSCO 8, ISCO-08, SOC, O*NET-SOC) and industry (KSIC) "
    "codes, their crosswalks and AI-exposure scores, and to read the integrated data lake's "
    "catalogue, data quality and linkage quality (read-only). Answers cite their sources; an "
    "exposure score is not a probability of job loss."
)


def create_server(
    settings: Settings | None = None, *, local_api_key: str | None = None
) -> MCPServer:
    """Build the MCP server with every tool registered.

    Reference tools are open to anyone; lake tools need a data steward's API key
    (:class:`ilteo.mcp.tools._common.McpAuth`).

    Args:
        settings: Settings the tools use; the process settings when omitted.
        local_api_key: The API key of the one person using a stdio (or in-process) server, from
            ``ILTEO_API_KEY``; never used for HTTP calls, which bring their own header.
    """
    settings = settings or get_settings()
    server: MCPServer = MCPServer(
        name="ilteo",
        title="일터 ilteo",
        instructions=INSTRUCTIONS,
        version=__version__,
    )
    from ilteo.mcp.tools._common import McpAuth
    from ilteo.mcp.tools.lake import register_lake_tools
    from ilteo.mcp.tools.reference import register_reference_tools

    register_reference_tools(server, settings)
    from ilteo.mcp.tools.identity import register_identity_tools  # public sign-in report

    register_identity_tools(server, settings)
    register_lake_tools(server, settings, McpAuth(settings, local_api_key))
    return server
