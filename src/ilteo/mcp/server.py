"""The ilteo MCP server factory (official ``mcp`` SDK)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from ilteo import __version__
from ilteo.core.settings import Settings, get_settings

INSTRUCTIONS = (
    "ilteo (일터) is the open platform of Korea's employment and labour ministry. Use these "
    "tools to look up official occupation (KSCO 8, ISCO-08, SOC, O*NET-SOC) and industry (KSIC) "
    "codes, their crosswalks and AI-exposure scores, and to read the integrated data lake's "
    "catalogue, data quality and linkage quality (read-only). Every tool call needs an ilteo API "
    "key with the tool's scope. Answers cite their sources; an exposure score is not a "
    "probability of job loss."
)


def create_server(
    settings: Settings | None = None, *, local_api_key: str | None = None
) -> MCPServer:
    """Build the MCP server with every tool of :data:`ilteo.mcp.registry.TOOLS`, in its order.

    Over HTTP no request passes without an API key (:mod:`ilteo.mcp.gate`); every tool call
    needs a key with the tool's scope (and lake tools a data steward's account), checked by
    :class:`ilteo.mcp.tools._common.McpAuth`, over stdio too. The
    result is deterministic: the same tools, order and descriptions for the same code.

    Args:
        settings: Settings the tools use; the process settings when omitted.
        local_api_key: The API key of the one person using a stdio (or in-process) server, from
            ``ILTEO_API_KEY``; never used for HTTP calls, which bring their own header.

    Raises:
        RuntimeError: When the registered tools differ from the registry (a programming error).
    """
    from ilteo.mcp.registry import TOOLS, check_registry
    from ilteo.mcp.tools._common import McpAuth
    from ilteo.mcp.tools.identity import register_identity_tools
    from ilteo.mcp.tools.lake import register_lake_tools
    from ilteo.mcp.tools.reference import register_reference_tools

    check_registry()
    settings = settings or get_settings()
    server: MCPServer = MCPServer(
        name="ilteo",
        title="일터 ilteo",
        instructions=INSTRUCTIONS,
        version=__version__,
    )
    auth = McpAuth(settings, local_api_key)
    register_reference_tools(server, settings, auth)
    register_identity_tools(server, settings, auth)
    register_lake_tools(server, settings, auth)
    from ilteo.mcp.tools.status import register_status_tools

    register_status_tools(server, settings, auth)
    from ilteo.mcp.tools.monitor import register_monitor_tools

    register_monitor_tools(server, settings, auth)
    from ilteo.mcp.tools.pathways import register_pathways_tools

    register_pathways_tools(server, settings, auth)
    from ilteo.mcp.tools.benefits import register_benefits_tools

    register_benefits_tools(server, settings, auth)
    from ilteo.mcp.tools.desk import register_desk_tools

    register_desk_tools(server, settings, auth)
    from ilteo.mcp.tools.safety import register_safety_tools

    register_safety_tools(server, settings, auth)
    registered = [tool.name for tool in server._tool_manager.list_tools()]
    if registered != [tool.name for tool in TOOLS]:
        raise RuntimeError(f"MCP tools {registered} differ from the registry order")
    return server
