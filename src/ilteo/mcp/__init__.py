"""The MCP door: tools mirror room service functions one to one (stdio and streamable HTTP)."""

from ilteo.mcp.server import create_server

__all__ = ["create_server"]
